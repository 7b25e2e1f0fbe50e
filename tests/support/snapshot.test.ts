import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { lineDiff, snapshots } from "./snapshot";

describe("snapshot files", () => {
    let dir: string;
    let testFile: string;
    const saved = { CI: process.env.CI, UPDATE_SNAPSHOTS: process.env.UPDATE_SNAPSHOTS };
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "snapshot-"));
        testFile = path.join(dir, "thing.test.ts");
        delete process.env.CI;
        delete process.env.UPDATE_SNAPSHOTS;
    });
    afterEach(() => {
        for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        }
        fs.rmSync(dir, { recursive: true, force: true });
    });
    const file = (name: string) => path.join(dir, "__snapshots__", `thing.${name}`);

    it("writes a missing snapshot beside the test, keys sorted, and then holds the value to it", () => {
        snapshots(testFile)("v.yaml", { b: 1, a: { d: [2, 1], c: "x" }, gone: undefined });
        assert.equal(fs.readFileSync(file("v.yaml"), "utf8"), "a:\n  c: x\n  d:\n    - 2\n    - 1\nb: 1\n");
        snapshots(testFile)("v.yaml", { a: { c: "x", d: [2, 1] }, b: 1 });
        assert.throws(() => snapshots(testFile)("v.yaml", { a: { c: "x", d: [1, 2] }, b: 1 }), /thing\.v\.yaml differs/);
    });

    it("fails on a missing snapshot under CI, and says how to write it", () => {
        process.env.CI = "true";
        assert.throws(() => snapshots(testFile)("v.json", { a: 1 }), /does not exist, and CI never writes a snapshot: run `UPDATE_SNAPSHOTS=1 npm test`/);
        assert.equal(fs.existsSync(file("v.json")), false);
    });

    it("shows a difference as a line diff with its line number, and how to update", () => {
        const match = snapshots(testFile);
        match("t.toml", "a = 1\nb = 2\nc = 3\n");
        assert.throws(
            () => match("t.toml", "a = 1\nb = 20\nc = 3\n"),
            (e: Error) => {
                assert.match(e.message, /@@ snapshot line 1\n {2}a = 1\n- b = 2\n\+ b = 20\n {2}c = 3/);
                assert.match(e.message, /If the change is intended: run `UPDATE_SNAPSHOTS=1 npm test`/);
                return true;
            },
        );
    });

    it("rewrites a differing snapshot with UPDATE_SNAPSHOTS=1, also under CI", () => {
        const match = snapshots(testFile);
        match("t.txt", "old");
        process.env.CI = "true";
        process.env.UPDATE_SNAPSHOTS = "1";
        match("t.txt", "new");
        assert.equal(fs.readFileSync(file("t.txt"), "utf8"), "new\n");
    });

    it("takes only text for a text snapshot", () => {
        assert.throws(() => snapshots(testFile)("t.toml", { a: 1 }), /takes a string; name it \.yaml or \.json/);
    });

    it("diffs only around the changes", () => {
        const before = Array.from({ length: 40 }, (_, i) => `l${i}`).join("\n");
        const d = lineDiff(before, before.replace("l20", "x"));
        assert.equal(d, ["@@ snapshot line 18", "  l17", "  l18", "  l19", "- l20", "+ x", "  l21", "  l22", "  l23"].join("\n"));
    });
});
