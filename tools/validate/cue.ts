/**
 * A parser for the subset of CUE that Vector's machine-generated reference uses
 * (vectordotdev/vector website/cue/reference/**\/generated/*.cue, written by `vector generate-schema`
 * through scripts/generate-component-docs.rb): structs, chained labels (`type: string: {}`),
 * quoted labels, lists, strings (plain, multi-line `"""`, raw `#"..."#`), numbers, bools, null and
 * `//` comments. There is no `cue` binary here, and the generated files need nothing more.
 * Repeated labels are unified the way CUE does for plain data: structs merge, equal scalars stay.
 * Anything else (references, `&`, `|`, interpolation) is an error naming the line, never a guess.
 */

export type CueValue = string | number | boolean | null | CueValue[] | { [k: string]: CueValue };

type Tok =
    { k: "id"; v: string; line: number } | { k: "str"; v: string; line: number } | { k: "num"; v: number; line: number } | { k: "p"; v: string; line: number };

export class CueError extends Error {}

function dedent(body: string): string {
    // CUE strips the closing delimiter's indentation from every line of a multi-line string.
    const lines = body.split("\n");
    const last = lines[lines.length - 1];
    const indent = /^[ \t]*$/.test(last) ? last : "";
    const inner = lines.slice(1, lines.length - 1);
    return inner.map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart())).join("\n");
}

function unescape(s: string, line: number): string {
    return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_m, c: string) => {
        if (c === "n") return "\n";
        if (c === "t") return "\t";
        if (c === "r") return "\r";
        if (c === '"' || c === "\\" || c === "/" || c === "'") return c;
        if (c.startsWith("u")) return String.fromCharCode(parseInt(c.slice(1), 16));
        if (c === "(") throw new CueError(`line ${line}: string interpolation is outside the generated subset`);
        return c;
    });
}

export function tokenize(src: string): Tok[] {
    const toks: Tok[] = [];
    let i = 0;
    let line = 1;
    const n = src.length;
    while (i < n) {
        const c = src[i];
        if (c === "\n") {
            line++;
            i++;
        } else if (c === " " || c === "\t" || c === "\r") i++;
        else if (c === "/" && src[i + 1] === "/") {
            while (i < n && src[i] !== "\n") i++;
        } else if ("{}[]:,".includes(c)) {
            toks.push({ k: "p", v: c, line });
            i++;
        } else if (c === "#" && src[i + 1] === '"') {
            // Raw string: no escapes, `"#` closes (or `"""#` for the multi-line form).
            const multi = src.startsWith('#"""', i);
            const close = multi ? '"""#' : '"#';
            const start = i + (multi ? 4 : 2);
            const end = src.indexOf(close, start);
            if (end < 0) throw new CueError(`line ${line}: unterminated raw string`);
            const body = src.slice(start, end);
            toks.push({ k: "str", v: multi ? dedent(body) : body, line });
            line += (body.match(/\n/g) ?? []).length;
            i = end + close.length;
        } else if (c === '"') {
            if (src.startsWith('"""', i)) {
                let j = i + 3;
                while (j < n && !(src.startsWith('"""', j) && src[j - 1] !== "\\")) j++;
                if (j >= n) throw new CueError(`line ${line}: unterminated multi-line string`);
                const body = src.slice(i + 3, j);
                toks.push({ k: "str", v: unescape(dedent(body), line), line });
                line += (body.match(/\n/g) ?? []).length;
                i = j + 3;
            } else {
                let j = i + 1;
                while (j < n && src[j] !== '"') {
                    if (src[j] === "\\") j++;
                    if (src[j] === "\n") throw new CueError(`line ${line}: newline in a string`);
                    j++;
                }
                toks.push({ k: "str", v: unescape(src.slice(i + 1, j), line), line });
                i = j + 1;
            }
        } else if (/[-0-9]/.test(c)) {
            const m = /^-?(0x[0-9a-fA-F_]+|[0-9_]+(\.[0-9_]*)?([eE][-+]?[0-9]+)?)/.exec(src.slice(i, i + 64));
            if (!m) throw new CueError(`line ${line}: bad number`);
            toks.push({ k: "num", v: Number(m[0].replace(/_/g, "")), line });
            i += m[0].length;
        } else if (/[\p{L}_$]/u.test(c)) {
            const m = /^[\p{L}_$][\p{L}\p{N}_$]*/u.exec(src.slice(i, i + 256))!;
            toks.push({ k: "id", v: m[0], line });
            i += m[0].length;
        } else throw new CueError(`line ${line}: unexpected ${JSON.stringify(c)} (outside the generated subset)`);
    }
    return toks;
}

function unify(a: CueValue | undefined, b: CueValue, where: string): CueValue {
    if (a === undefined) return b;
    if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
        const out: { [k: string]: CueValue } = { ...a };
        for (const [k, v] of Object.entries(b)) out[k] = unify(out[k], v, `${where}.${k}`);
        return out;
    }
    if (JSON.stringify(a) === JSON.stringify(b)) return a;
    throw new CueError(`${where}: conflicting values ${JSON.stringify(a)} and ${JSON.stringify(b)}`);
}

/** Parses a file (its optional `package` clause skipped) into one struct. */
export function parseCue(src: string): { [k: string]: CueValue } {
    const toks = tokenize(src);
    let p = 0;
    if (toks[0]?.k === "id" && toks[0].v === "package") p = 2;
    const peek = () => toks[p];
    const fail = (what: string): never => {
        const t = toks[p];
        throw new CueError(t ? `line ${t.line}: expected ${what}, found ${JSON.stringify(t.v)}` : `expected ${what} at end of file`);
    };
    const isLabel = (t: Tok | undefined) => t !== undefined && (t.k === "id" || t.k === "str");
    const isColon = (t: Tok | undefined) => t?.k === "p" && t.v === ":";

    function value(): CueValue {
        const t = peek() ?? fail("a value");
        if (t.k === "p" && t.v === "{") {
            p++;
            const s = fields("}");
            p++;
            return s;
        }
        if (t.k === "p" && t.v === "[") {
            p++;
            const items: CueValue[] = [];
            while (!(peek()?.k === "p" && peek().v === "]")) {
                items.push(value());
                if (peek()?.k === "p" && peek().v === ",") p++;
                else if (!(peek()?.k === "p" && peek().v === "]")) fail("`,` or `]`");
            }
            p++;
            return items;
        }
        // A label followed by `:` is the chained form `a: b: c`.
        if (isLabel(t) && isColon(toks[p + 1])) {
            const label = String(t.v);
            p += 2;
            return { [label]: value() };
        }
        p++;
        if (t.k === "str" || t.k === "num") return t.v;
        if (t.k === "id" && (t.v === "true" || t.v === "false")) return t.v === "true";
        if (t.k === "id" && t.v === "null") return null;
        p--;
        return fail("a literal (references are outside the generated subset)");
    }

    function fields(end: string | undefined): { [k: string]: CueValue } {
        let out: { [k: string]: CueValue } = {};
        while (p < toks.length && !(end && peek()?.k === "p" && peek().v === end)) {
            const t = peek();
            if (!isLabel(t)) fail("a label");
            if (!isColon(toks[p + 1])) {
                p++;
                fail("`:`");
            }
            const label = String(t.v);
            p += 2;
            out = unify(out, { [label]: value() }, `line ${t.line}`) as { [k: string]: CueValue };
            if (peek()?.k === "p" && peek().v === ",") p++;
        }
        if (end && p >= toks.length) fail(`\`${end}\``);
        return out;
    }

    return fields(undefined);
}
