/**
 * The generated blocks of the docs: text between two marker comments that a tool rewrites from
 * code (`npm run docs`: README.md's config reference and docs/migration.md's coverage table;
 * `npm run bench` and `npm run cost`: their sections of docs/performance.md). The markers and the
 * hand-written text around them are never touched.
 */

/**
 * Swaps the text between `begin` and `end` in `doc` for `body` (given a final newline if it has
 * none). A document with neither marker throws, unless `append`: then the block is added at its
 * end, for a section a tool owns outright. `file` names the document in errors.
 */
export function replaceGenerated(doc: string, begin: string, end: string, body: string, file: string, options: { append?: boolean } = {}): string {
    const text = body.endsWith("\n") ? body : `${body}\n`;
    const a = doc.indexOf(begin);
    const b = doc.indexOf(end);
    if (a < 0 && b < 0) {
        if (!options.append) throw new Error(`${file} has no ${begin} ... ${end} block`);
        return `${doc}${doc === "" || doc.endsWith("\n") ? "" : "\n"}\n${begin}\n${text}${end}\n`;
    }
    if (a < 0 || b < a) throw new Error(`${file}: the markers of a generated block are broken (expected "${begin}" before "${end}")`);
    return `${doc.slice(0, a + begin.length)}\n${text}${doc.slice(b)}`;
}

/** The block between `<!-- BEGIN name -->` and `<!-- END name -->`, added at the end when missing. */
export function replaceSection(doc: string, name: string, body: string, file: string): string {
    return replaceGenerated(doc, `<!-- BEGIN ${name} -->`, `<!-- END ${name} -->`, body, file, { append: true });
}
