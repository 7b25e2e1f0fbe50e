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

/** Blanks out string literals and comments (same length), so offsets stay valid. */
export function stripVrl(src: string): string {
    let out = "";
    let i = 0;
    while (i < src.length) {
        const c = src[i];
        if (c === "#") {
            while (i < src.length && src[i] !== "\n") (out += " "), i++;
        } else if (c === '"' || (c === "'" && /[srt]/.test(src[i - 1] ?? ""))) {
            const q = c;
            // Quotes stay, so a string argument still counts as an argument.
            out += q;
            i++;
            while (i < src.length && src[i] !== q) {
                if (src[i] === "\\" && q === '"') (out += " "), i++;
                out += src[i] === "\n" ? "\n" : " ";
                i++;
            }
            out += q;
            i++;
        } else {
            out += c;
            i++;
        }
    }
    return out;
}

/** Argument count of the call whose `(` is at `open`, and the index after its `)`. */
function callArgs(s: string, open: number): { count: number; end: number } {
    let depth = 0;
    let count = 0;
    let sawToken = false;
    for (let i = open; i < s.length; i++) {
        const c = s[i];
        if ("([{".includes(c)) {
            depth++;
            if (depth > 1) sawToken = true;
        } else if (")]}".includes(c)) {
            depth--;
            if (depth === 0) return { count: sawToken ? count + 1 : count, end: i + 1 };
        } else if (c === "," && depth === 1) count++;
        else if (depth === 1 && !/\s/.test(c)) sawToken = true;
        // A closure (`-> |k, v| { ... }`) is not an argument of the call itself.
        if (depth === 1 && s.startsWith("->", i)) {
            return { count: sawToken ? count + 1 : count, end: s.indexOf(")", i) + 1 || s.length };
        }
    }
    return { count, end: s.length };
}

export function vrlProblems(src: string, functions: Record<string, VrlFunction>): VrlProblem[] {
    const s = stripVrl(src);
    const out: VrlProblem[] = [];
    for (const m of s.matchAll(/(^|[^.\w%])([a-z_][a-z0-9_]*)(!?)\s*\(/g)) {
        const name = m[2];
        if (KEYWORDS.has(name)) continue;
        const at = m.index! + m[1].length;
        const open = at + m[0].length - m[1].length - 1;
        const fn = functions[name];
        if (!fn) {
            out.push({ message: `VRL function ${name}() does not exist in the VRL that Vector pins`, fix: "use a stdlib function (https://vector.dev/docs/reference/vrl/functions/)", rule: "vrl/unknown-function" });
            continue;
        }
        const { count, end } = callArgs(s, open);
        if (count < fn.min || count > fn.max) {
            out.push({
                message: `${name}() takes ${fn.min === fn.max ? fn.min : `${fn.min} to ${fn.max}`} argument(s), given ${count}`,
                fix: `call it with ${fn.min === fn.max ? fn.min : `${fn.min}..${fn.max}`} argument(s)`,
                rule: "vrl/arity",
            });
        }
        if (fn.f === "always" && m[3] !== "!") {
            const lineStart = s.lastIndexOf("\n", at) + 1;
            const before = s.slice(lineStart, at);
            const after = s.slice(end).split("\n")[0];
            const assignsErr = /^\s*[.\w[\]"]+\s*,\s*[\w.]+\s*=\s*$/.test(before);
            const coalesced = /^\s*\?\?/.test(after) || /\?\?/.test(after.split(/[,)]/)[0] ?? "");
            if (!assignsErr && !coalesced) {
                out.push({ message: `${name}() can fail and its error is not handled (VRL refuses to compile: unhandled fallible expression)`, fix: `write ${name}!(...), "x, err = ${name}(...)" or "${name}(...) ?? default"`, rule: "vrl/unhandled-fallible" });
            }
        }
    }
    return out;
}
