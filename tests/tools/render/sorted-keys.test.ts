import { strict as assert } from "node:assert";
import { sortedKeys } from "../../../tools/render/sorted-keys";

describe("render: sortedKeys", () => {
    it("orders a map's keys exactly as Object.keys(o).sort() does, short maps and long", () => {
        // Integer-like keys (which Object.keys lists first), case, punctuation, and characters past
        // the Basic Multilingual Plane (surrogate pairs, compared by code unit like sort()).
        const alphabet = ["10", "9", "0", "a", "B", "_", "-", "é", "\u{1F600}", "\uFFFD", "z.y", "Z", "aa", "a.b", ""];
        let seed = 7;
        const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
        for (let n = 0; n <= 40; n++) {
            for (let round = 0; round < 20; round++) {
                const o: Record<string, number> = {};
                for (let i = 0; i < n; i++) o[alphabet[Math.floor(random() * alphabet.length)] + (random() < 0.5 ? String(i) : "")] = i;
                assert.deepStrictEqual(sortedKeys(o), Object.keys(o).sort(), JSON.stringify(Object.keys(o)));
            }
        }
    });
});
