import { strict as assert } from "node:assert";
import { stripVrl } from "../../../tools/validate/vrl";

/**
 * The blanking as first written, a character at a time: comments and the insides of string
 * literals become spaces (newlines stay), so every offset into the program stays valid.
 */
function reference(src: string): string {
    let out = "";
    let i = 0;
    while (i < src.length) {
        const c = src[i];
        if (c === "#") {
            while (i < src.length && src[i] !== "\n") {
                out += " ";
                i++;
            }
        } else if (c === '"' || (c === "'" && /[srt]/.test(src[i - 1] ?? ""))) {
            const q = c;
            out += q;
            i++;
            while (i < src.length && src[i] !== q) {
                if (src[i] === "\\" && q === '"') {
                    out += " ";
                    i++;
                }
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

describe("validate: VRL text with its comments and string literals blanked", () => {
    it("blanks what the character-at-a-time reference blanks, edge cases included", () => {
        const cases = [
            '.a = "x # not a comment" # a comment\n.b = 1',
            '.msg = s\'raw "quoted"\' + "esc \\" quote"\n',
            "r'^\\d+$' # trailing",
            '"unterminated',
            '"ends in a backslash\\',
            "'not a raw string' .x = 1",
            '"multi\nline" #\n#\n',
            "",
        ];
        for (const c of cases) assert.equal(stripVrl(c), reference(c), JSON.stringify(c));
        let seed = 11;
        const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
        const alphabet = ['"', "'", "#", "\\", "\n", "s", "r", "t", ".", "a", " ", "="];
        for (let n = 0; n < 3000; n++) {
            const len = Math.floor(random() * 40);
            const src = Array.from({ length: len }, () => alphabet[Math.floor(random() * alphabet.length)]).join("");
            assert.equal(stripVrl(src), reference(src), JSON.stringify(src));
        }
    });
});
