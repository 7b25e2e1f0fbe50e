/** Swaps the text between two marker comments of a Markdown file, leaving the markers in place. */
export function replaceGenerated(doc: string, begin: string, end: string, body: string, file: string): string {
    const a = doc.indexOf(begin);
    const b = doc.indexOf(end);
    if (a < 0 || b < a) throw new Error(`${file} has no ${begin} ... ${end} block`);
    return `${doc.slice(0, a + begin.length)}\n${body}${doc.slice(b)}`;
}
