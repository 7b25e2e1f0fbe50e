/**
 * The module specifiers a TypeScript file imports: static and type-only imports, `export ... from`,
 * side-effect imports, dynamic `import()` and `typeof import()`, and `require()`. A small scanner
 * rather than the TypeScript compiler, whose load alone (~1 s) would double the unit tier's time:
 * comments are dropped and string, template and regex literals set aside first, so a specifier
 * written in a comment or inside a string is never taken for an import.
 */

/** Where an import statement's specifier was found: the specifier and its 1-based line. */
export interface FoundImport {
    specifier: string;
    line: number;
}

/** Tokens after which a `/` starts a regex literal rather than a division. */
const REGEX_AFTER = new Set(["", "(", ",", "=", ":", "[", "!", "&", "|", "?", "{", "}", ";", "+", "-", "*", "%", "<", ">", "~", "^"]);
const REGEX_AFTER_WORDS = new Set(["return", "typeof", "case", "do", "else", "in", "of", "void", "yield", "await", "throw", "delete", "new"]);

const WORD = /\w|\$/;
// The next character that may start something other than plain code.
const INTERESTING = /\/\/|\/\*|["'`/{}]/g;
const STRING = { '"': /(?:[^"\\\n]|\\[\s\S])*"/y, "'": /(?:[^'\\\n]|\\[\s\S])*'/y } as Record<string, RegExp>;
// A template's text up to its end or its next `${`.
const TEMPLATE_TEXT = /(?:[^`\\$]|\\[\s\S]|\$(?!\{))*(`|\$\{)/y;
const REGEX_BODY = /(?:[^/\\[\n]|\\.|\[(?:[^\]\\\n]|\\.)*\])*\/\w*/y;

const PATTERNS = [
    // import x from "m"; import { a } from "m"; import type ...; export { a } from "m"; export * from "m"
    /\b(?:import|export)\b[^;"`]*?\bfrom\s*"#(\d+)"/g,
    // import "m"
    /\bimport\s*"#(\d+)"/g,
    // import("m"), typeof import("m")
    /\bimport\s*\(\s*"#(\d+)"\s*\)/g,
    // require("m")
    /\brequire\s*\(\s*"#(\d+)"\s*\)/g,
];

export function importsOf(source: string): FoundImport[] {
    // The skeleton is the code without comments, each string literal replaced by "#<index>", so
    // the patterns can name a string without reading into one. The regexes above do the
    // character-by-character work; this loop only visits the characters INTERESTING finds.
    const parts: string[] = [];
    const strings: { value: string; start: number }[] = [];
    // What each open `{` is: a block, or a template's `${`.
    const open: ("block" | "template")[] = [];
    let i = 0;
    let runStart = 0;
    const endRun = () => {
        if (i > runStart) parts.push(source.slice(runStart, i));
    };
    /** The token before position i, skipping white space: a word, or one character. */
    const tokenBefore = (): string => {
        let j = i - 1;
        while (j >= 0 && /\s/.test(source[j])) j--;
        if (j < 0) return "";
        if (!WORD.test(source[j])) return source[j];
        let k = j;
        while (k > 0 && WORD.test(source[k - 1])) k--;
        return source.slice(k, j + 1);
    };
    /** Skips template text from i; true when the template ended, false at a `${`. */
    const skipTemplateText = (): boolean => {
        TEMPLATE_TEXT.lastIndex = i;
        const m = TEMPLATE_TEXT.exec(source);
        if (!m) {
            i = source.length;
            return true;
        }
        i = TEMPLATE_TEXT.lastIndex;
        return m[1] === "`";
    };
    while (true) {
        INTERESTING.lastIndex = i;
        const m = INTERESTING.exec(source);
        if (!m) break;
        i = m.index;
        const t = m[0];
        if (t === "//" || t === "/*") {
            endRun();
            const end = t === "//" ? source.indexOf("\n", i) : source.indexOf("*/", i + 2);
            i = end < 0 ? source.length : t === "//" ? end : end + 2;
            parts.push(" ");
        } else if (t === '"' || t === "'") {
            endRun();
            const re = STRING[t];
            re.lastIndex = i + 1;
            const s = re.exec(source);
            const stop = s ? re.lastIndex : source.length;
            parts.push(`"#${strings.length}"`);
            strings.push({ value: source.slice(i + 1, stop - 1).replace(/\\(.)/g, "$1"), start: i });
            i = stop;
        } else if (t === "`") {
            endRun();
            i++;
            if (!skipTemplateText()) open.push("template");
            parts.push("``");
        } else if (t === "/") {
            const before = tokenBefore();
            if (REGEX_AFTER.has(before) || REGEX_AFTER_WORDS.has(before)) {
                endRun();
                REGEX_BODY.lastIndex = i + 1;
                i = REGEX_BODY.exec(source) ? REGEX_BODY.lastIndex : i + 1;
                parts.push(" /r/ ");
            } else {
                i++;
                continue;
            }
        } else if (t === "{") {
            open.push("block");
            i++;
            continue;
        } else {
            // "}": the end of a block, or of a `${`, after which the template's text goes on.
            if (open.pop() !== "template") {
                i++;
                continue;
            }
            endRun();
            i++;
            if (!skipTemplateText()) open.push("template");
        }
        runStart = i;
    }
    i = source.length;
    endRun();

    const skeleton = parts.join("");
    const hits: { value: string; start: number }[] = [];
    for (const re of PATTERNS) for (const m of skeleton.matchAll(re)) hits.push(strings[Number(m[1])]);
    hits.sort((a, b) => a.start - b.start);
    // Lines counted in one pass over the file, up to each hit in order.
    let line = 1;
    let at = 0;
    return hits.map((h) => {
        for (let k = source.indexOf("\n", at); k >= 0 && k < h.start; k = source.indexOf("\n", k + 1)) {
            line++;
            at = k + 1;
        }
        return { specifier: h.value, line };
    });
}
