/**
 * `npm run docs`: regenerates the Markdown generated from code (config reference, node-exporter
 * coverage). tools/docs/main.ts only wires a process to main().
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ProcessIO, UsageError, wantsHelp } from "../shared/cli";
import { withConfigReference } from "./config-reference";
import { withNodeExporterCoverage } from "./node-exporter-coverage";

export const USAGE = `usage: npm run docs

Rewrites the generated blocks of the docs from the code they describe:
  README.md          the config reference, from config/stack.ts
  docs/migration.md  the node-exporter coverage table, from components/agent/node-exporter.ts
A test fails when either is stale.`;

const TARGETS: readonly [string, (text: string) => string][] = [
    ["README.md", withConfigReference],
    ["docs/migration.md", withNodeExporterCoverage],
];

export function main(argv: string[], io: ProcessIO): number {
    if (wantsHelp(argv)) {
        io.stdout(`${USAGE}\n`);
        return 0;
    }
    if (argv.length > 0) throw new UsageError(`unknown argument ${JSON.stringify(argv[0])}`);
    for (const [file, regenerate] of TARGETS) {
        const full = path.join(io.rootDir, file);
        const before = fs.readFileSync(full, "utf8");
        const after = regenerate(before);
        if (after !== before) fs.writeFileSync(full, after);
        io.stdout(`${file}: ${before === after ? "up to date" : "regenerated"}\n`);
    }
    return 0;
}
