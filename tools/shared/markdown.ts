/**
 * Just enough Markdown reading to check the docs: headings and their GitHub anchors, relative
 * links, fenced command blocks. Code (fenced blocks, inline spans) is never taken for a heading or
 * a link, since a `# comment` in a shell block is neither. And the one Markdown writer the reports
 * share: tables.
 */

export interface Fence {
    /** The info string's first word: `bash`, `console`, `promql`, or "" when none. */
    lang: string;
    body: string;
}

export interface MarkdownLink {
    /** 1-based line of the link in the file. */
    line: number;
    text: string;
    target: string;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)[^\n]*$/;

/** Splits a document into prose lines (code fences blanked, so line numbers hold) and fences. */
export function splitFences(doc: string): { prose: string[]; fences: Fence[] } {
    const prose: string[] = [];
    const fences: Fence[] = [];
    let open: { marker: string; lang: string; body: string[] } | undefined;
    for (const line of doc.split("\n")) {
        const m = FENCE.exec(line);
        if (open) {
            if (m && m[1][0] === open.marker[0] && m[1].length >= open.marker.length && m[2] === "") {
                fences.push({ lang: open.lang, body: open.body.join("\n") });
                open = undefined;
            } else open.body.push(line);
            prose.push("");
        } else if (m) {
            open = { marker: m[1], lang: m[2].toLowerCase(), body: [] };
            prose.push("");
        } else prose.push(line);
    }
    if (open) fences.push({ lang: open.lang, body: open.body.join("\n") });
    return { prose, fences };
}

/** Inline code spans blanked out (same length), so links and anchors inside them are ignored. */
function withoutCodeSpans(line: string): string {
    return line.replace(/(`+)(.+?)\1/g, (s) => " ".repeat(s.length));
}

/**
 * The anchor GitHub gives a heading: lower case, punctuation other than `-` and `_` dropped,
 * spaces to hyphens (github-slugger's rule). Link and code markup count as their text.
 */
export function githubSlug(heading: string): string {
    return heading
        .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
        .replace(/<[^>]+>/g, "")
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
        .replace(/ /g, "-");
}

/** Every anchor a document offers: its headings' slugs, repeated ones suffixed -1, -2, ... as GitHub does. */
export function anchors(doc: string): Set<string> {
    const seen = new Map<string, number>();
    const out = new Set<string>();
    for (const line of splitFences(doc).prose) {
        const m = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
        if (!m) continue;
        const base = githubSlug(m[1]);
        const n = seen.get(base) ?? 0;
        seen.set(base, n + 1);
        out.add(n === 0 ? base : `${base}-${n}`);
    }
    return out;
}

/** Inline links and images, `[text](target "title")`, outside code. */
export function links(doc: string): MarkdownLink[] {
    const out: MarkdownLink[] = [];
    splitFences(doc).prose.forEach((raw, i) => {
        const line = withoutCodeSpans(raw);
        for (const m of line.matchAll(/!?\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ line: i + 1, text: m[1], target: m[2] });
    });
    return out;
}

/** A link leaving the repository (a URL with a scheme) rather than pointing at a file in it. */
export const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target);

/** Fences holding commands to type: shell or a console transcript. */
export const COMMAND_LANGS: readonly string[] = ["bash", "sh", "shell", "console"];

/** `npm run <script>` invocations anywhere in a document, code included. */
export function npmScripts(doc: string): string[] {
    return [...doc.matchAll(/\bnpm run ([a-z][\w:-]*)/g)].map((m) => m[1]);
}

/** Inline code spans of prose that name a path in the repository, e.g. `components/agent/pipeline.ts`. */
export function repoPathsInProse(doc: string, topLevel: readonly string[]): string[] {
    const out: string[] = [];
    for (const line of splitFences(doc).prose) {
        for (const m of line.matchAll(/`([^`\s]+)`/g)) {
            const p = m[1];
            if (/[<>*{}$]/.test(p)) continue; // a pattern or placeholder, not one path
            if (!/\.[a-z0-9]+$|\/$/i.test(p)) continue; // `policy/v1` is an apiVersion: files have an extension, folders a trailing slash
            if (topLevel.some((d) => p.startsWith(`${d}/`))) out.push(p);
        }
    }
    return out;
}

/** A GitHub Markdown table; cells are escaped so a `|` inside a cell cannot break the row. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], align?: readonly ("l" | "r")[]): string {
    const esc = (c: string) => c.replace(/\|/g, "\\|").replace(/\n/g, " ");
    for (const r of rows) if (r.length !== header.length) throw new Error(`table row has ${r.length} cells, header has ${header.length}: ${r.join(", ")}`);
    const rule = header.map((_, i) => (align?.[i] === "r" ? "---:" : "---"));
    return [header, rule, ...rows].map((r, i) => `| ${(i === 1 ? r : r.map(esc)).join(" | ")} |`).join("\n") + "\n";
}
