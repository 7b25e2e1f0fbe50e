/** `npm run docs`: regenerates the Markdown generated from code (config reference, node-exporter coverage). */
import * as fs from "node:fs";
import * as path from "node:path";
import { withConfigReference } from "./config-reference";
import { withNodeExporterCoverage } from "./node-exporter-coverage";

if (process.argv.includes("--help")) {
    console.log(
        "usage: npm run docs\n\n" +
            "Rewrites the generated blocks of the docs from the code they describe:\n" +
            "  README.md          the config reference, from config/stack.ts\n" +
            "  docs/migration.md  the node-exporter coverage table, from components/agent/node-exporter.ts\n" +
            "A test fails when either is stale.",
    );
    process.exit(0);
}
const root = path.resolve(__dirname, "../..");
const targets: [string, (text: string) => string][] = [
    ["README.md", withConfigReference],
    ["docs/migration.md", withNodeExporterCoverage],
];
for (const [file, regenerate] of targets) {
    const full = path.join(root, file);
    const before = fs.readFileSync(full, "utf8");
    const after = regenerate(before);
    if (after !== before) fs.writeFileSync(full, after);
    console.log(`${file}: ${before === after ? "up to date" : "regenerated"}`);
}
