import { strict as assert } from "node:assert";
import { markdownTable } from "../../../tools/shared/markdown";

describe("shared: Markdown tables", () => {
    it("writes a table with right-aligned columns, escaping pipes and folding newlines so no cell breaks its row", () => {
        const t = markdownTable(
            ["what", "ms"],
            [
                ["a|b", "12"],
                ["two\nlines", "3"],
            ],
            ["l", "r"],
        );
        assert.equal(t, "| what | ms |\n| --- | ---: |\n| a\\|b | 12 |\n| two lines | 3 |\n");
    });

    it("refuses a row whose cell count differs from the header's", () => {
        assert.throws(() => markdownTable(["a", "b"], [["1"]]), /1 cells, header has 2/);
    });
});
