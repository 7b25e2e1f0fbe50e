/**
 * What can be seen of a VRL program without compiling it: calls to functions the pinned VRL does
 * not have, calls with too few or too many arguments, and calls to always-fallible functions whose
 * error is not handled (`f!(...)`, `x, err = f(...)`, `f(...) ?? default`). The VRL compiler refuses
 * all three (vectordotdev/vrl src/compiler/expression/function_call.rs: "call to undefined
 * function", "wrong number of function arguments"; E103 "unhandled fallible expression").
 */
import type { VrlFunction } from "./reference";

export interface VrlProblem {
    message: string;
    fix: string;
    rule: string;
}

const KEYWORDS = new Set(["if", "else", "abort", "return", "null", "true", "false", "for", "while", "loop", "break", "continue"]);

// A fleet's configs carry the same VRL programs cluster after cluster, and one config's checks
// strip each program several times: both results are kept by the program's text.
const KEPT = 2000;
const stripped = new Map<string, string>();
const problemsByFunctions = new WeakMap<Record<string, VrlFunction>, Map<string, VrlProblem[]>>();

function keep<V>(cache: Map<string, V>, key: string, value: V): V {
    if (cache.size >= KEPT) cache.clear();
    cache.set(key, value);
    return value;
}

/** Blanks out string literals and comments (same length), so offsets stay valid. */
export function stripVrl(src: string): string {
    return stripped.get(src) ?? keep(stripped, src, stripVrlText(src));
}

function stripVrlText(src: string): string {
    // Runs of code are copied as slices and blanked runs written at once: a string built a
    // character at a time was most of the validator's garbage in a fleet render.
    const parts: string[] = [];
    let from = 0;
    let i = 0;
    while (i < src.length) {
        const c = src[i];
        if (c === "#") {
            parts.push(src.slice(from, i));
            const end = src.indexOf("\n", i);
            const stop = end < 0 ? src.length : end;
            parts.push(" ".repeat(stop - i));
            i = from = stop;
        } else if (c === '"' || (c === "'" && /[srt]/.test(src[i - 1] ?? ""))) {
            const q = c;
            // Quotes stay, so a string argument still counts as an argument.
            parts.push(src.slice(from, i), q);
            i++;
            const open = i;
            // A backslash escapes the next character in a "..." string, so it cannot close it.
            while (i < src.length && src[i] !== q) i += src[i] === "\\" && q === '"' ? 2 : 1;
            // Inside, every character but a newline becomes a space (an escape's two as well); an
            // escape at the very end blanks one character past it, as it always did.
            parts.push(src.slice(open, Math.min(i, src.length)).replace(/[^\n]/g, " "));
            if (i > src.length) parts.push(" ");
            parts.push(q);
            i = from = i + 1;
        } else {
            i++;
        }
    }
    parts.push(src.slice(from));
    return parts.join("");
}

/** Arguments (their text) of the call whose `(` is at `open`, and the index after its `)`. */
function callArgs(s: string, open: number): { args: string[]; count: number; end: number } {
    let depth = 0;
    const args: string[] = [];
    let cur = "";
    const done = (end: number) => {
        if (cur.trim() !== "") args.push(cur.trim());
        return { args, count: args.length, end };
    };
    for (let i = open; i < s.length; i++) {
        const c = s[i];
        // A closure (`-> |k, v| { ... }`) is not an argument of the call itself.
        if (depth === 1 && s.startsWith("->", i)) {
            let d = 0;
            for (let j = i; j < s.length; j++) {
                if ("([{".includes(s[j])) d++;
                else if (")]}".includes(s[j]) && --d < 0) return done(j + 1);
            }
            return done(s.length);
        }
        if ("([{".includes(c)) {
            depth++;
            if (depth > 1) cur += c;
        } else if (")]}".includes(c)) {
            depth--;
            if (depth === 0) return done(i + 1);
            cur += c;
        } else if (c === "," && depth === 1) {
            args.push(cur.trim());
            cur = "";
        } else cur += c;
    }
    return done(s.length);
}

/** Variables assigned from a function call (`x = f!(..)`, `x, err = f(..)`), with what f returns. */
function variableKinds(s: string, functions: Record<string, VrlFunction>): Map<string, string> {
    const vars = new Map<string, string>();
    for (const m of s.matchAll(/(?:^|[\n;{])\s*([a-z_][a-z0-9_]*)\s*(?:,\s*[a-z_][a-z0-9_]*\s*)?=\s*([a-z_][a-z0-9_]*)!?\s*\(/g)) {
        const ret = functions[m[2]]?.ret;
        if (ret) vars.set(m[1], ret);
    }
    return vars;
}

const ALL_KINDS = "array|boolean|bytes|float|integer|null|object|regex|timestamp";
const covers = (param: string, arg: string) => param === "any" || (arg === "any" ? ALL_KINDS : arg).split("|").every((k) => param.split("|").includes(k));

/** What the VRL compiler would refuse in `src`, given the pinned VRL's functions. */
export function vrlProblems(src: string, functions: Record<string, VrlFunction>): VrlProblem[] {
    let known = problemsByFunctions.get(functions);
    if (!known) problemsByFunctions.set(functions, (known = new Map()));
    const found = known.get(src) ?? keep(known, src, findVrlProblems(src, functions));
    return found.map((p) => ({ ...p }));
}

function findVrlProblems(src: string, functions: Record<string, VrlFunction>): VrlProblem[] {
    const s = stripVrl(src);
    const out: VrlProblem[] = [];
    const vars = variableKinds(s, functions);
    for (const m of s.matchAll(/(^|[^.\w%])([a-z_][a-z0-9_]*)(!?)\s*\(/g)) {
        const name = m[2];
        if (KEYWORDS.has(name)) continue;
        const at = m.index + m[1].length;
        const open = at + m[0].length - m[1].length - 1;
        const fn = functions[name];
        if (!fn) {
            out.push({
                message: `VRL function ${name}() does not exist in the VRL that Vector pins`,
                fix: "use a stdlib function (https://vector.dev/docs/reference/vrl/functions/)",
                rule: "vrl/unknown-function",
            });
            continue;
        }
        const { args, count, end } = callArgs(s, open);
        if (count < fn.min || count > fn.max) {
            out.push({
                message: `${name}() takes ${fn.min === fn.max ? fn.min : `${fn.min} to ${fn.max}`} argument(s), given ${count}`,
                fix: `call it with ${fn.min === fn.max ? fn.min : `${fn.min}..${fn.max}`} argument(s)`,
                rule: "vrl/arity",
            });
        }
        // An argument whose kind the compiler cannot prove makes the call fallible (vectordotdev/vrl
        // src/compiler/expression/function_call.rs: the argument's type is checked at runtime).
        const wrongArg = args.findIndex((a, i) => vars.has(a) && fn.p?.[i] !== undefined && !covers(fn.p[i], vars.get(a)!));
        if ((fn.f === "always" || wrongArg >= 0) && m[3] !== "!") {
            const lineStart = s.lastIndexOf("\n", at) + 1;
            const before = s.slice(lineStart, at);
            const after = s.slice(end).split("\n")[0];
            const assignsErr = /^\s*[.\w[\]"]+\s*,\s*[\w.]+\s*=\s*$/.test(before);
            const coalesced = /^\s*\?\?/.test(after) || /\?\?/.test(after.split(/[,)]/)[0] ?? "");
            if (!assignsErr && !coalesced) {
                const why =
                    fn.f === "always"
                        ? "can fail"
                        : `is fallible here: argument ${wrongArg + 1} (${args[wrongArg]}) may be ${vars.get(args[wrongArg])}, not ${fn.p![wrongArg]}`;
                out.push({
                    message: `${name}() ${why}, and the error is not handled (VRL refuses to compile: unhandled fallible expression)`,
                    fix:
                        fn.f === "always"
                            ? `write ${name}!(...), "x, err = ${name}(...)" or "${name}(...) ?? default"`
                            : `coerce the argument first (e.g. object!(${args[wrongArg]})) or write ${name}!(...)`,
                    rule: "vrl/unhandled-fallible",
                });
            }
        }
    }
    return out;
}
