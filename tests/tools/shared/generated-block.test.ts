import { strict as assert } from "node:assert";
import { replaceGenerated, replaceSection } from "../../../tools/shared/generated-block";

const BEGIN = "<!-- BEGIN GENERATED X (npm run docs) -->";
const END = "<!-- END GENERATED X -->";

describe("shared: generated blocks of the docs", () => {
    it("replaces only the text between the markers and keeps the hand-written text, idempotently", () => {
        const doc = `# Title\n\nwhy\n\n${BEGIN}\nold\n${END}\n\nmore prose\n`;
        const out = replaceGenerated(doc, BEGIN, END, "new table\n", "README.md");
        assert.equal(out, `# Title\n\nwhy\n\n${BEGIN}\nnew table\n${END}\n\nmore prose\n`);
        assert.equal(replaceGenerated(out, BEGIN, END, "new table\n", "README.md"), out);
        assert.equal(replaceGenerated(doc, BEGIN, END, "no final newline", "README.md"), replaceGenerated(doc, BEGIN, END, "no final newline\n", "README.md"));
    });

    it("refuses a document without the block, naming the file and the markers, unless told to append it", () => {
        assert.throws(() => replaceGenerated("# Title\n", BEGIN, END, "x\n", "README.md"), { message: `README.md has no ${BEGIN} ... ${END} block` });
        assert.equal(replaceGenerated("# Title", BEGIN, END, "x", "f.md", { append: true }), `# Title\n\n${BEGIN}\nx\n${END}\n`);
        assert.equal(replaceGenerated("", BEGIN, END, "x", "f.md", { append: true }), `\n${BEGIN}\nx\n${END}\n`);
    });

    it("refuses markers out of order or half missing, even when it may append", () => {
        for (const doc of [`${END} ${BEGIN}`, `${BEGIN} only`, `only ${END}`]) {
            assert.throws(() => replaceGenerated(doc, BEGIN, END, "x", "f.md", { append: true }), /^Error: f\.md: the markers of a generated block are broken/);
        }
    });

    it("names a section <!-- BEGIN name --> ... <!-- END name --> and adds it at the end when missing", () => {
        const doc = "# Perf\n\nwhy\n\n<!-- BEGIN BENCH -->\nold\n<!-- END BENCH -->\n\nmore prose\n";
        assert.equal(
            replaceSection(doc, "BENCH", "new table", "docs/performance.md"),
            "# Perf\n\nwhy\n\n<!-- BEGIN BENCH -->\nnew table\n<!-- END BENCH -->\n\nmore prose\n",
        );
        assert.equal(replaceSection("# Perf\n", "COST", "x", "docs/performance.md"), "# Perf\n\n<!-- BEGIN COST -->\nx\n<!-- END COST -->\n");
        assert.throws(
            () => replaceSection("<!-- END BENCH --> <!-- BEGIN BENCH -->", "BENCH", "x", "docs/performance.md"),
            /docs\/performance\.md: the markers of a generated block are broken/,
        );
    });
});
