/**
 * The docs generated from code match the code: docs/migration.md's node-exporter coverage table.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { withNodeExporterCoverage } from "../lib/docs/node-exporter-coverage";

const ROOT = path.resolve(__dirname, "..");

describe("docs", () => {
    it("keeps docs/migration.md's node-exporter coverage table in step with the agent (run `npm run docs`)", () => {
        const doc = fs.readFileSync(path.join(ROOT, "docs/migration.md"), "utf8");
        assert.equal(withNodeExporterCoverage(doc), doc, "docs/migration.md is stale: run `npm run docs`");
    });
});
