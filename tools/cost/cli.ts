/**
 * `npm run cost [-- --no-write]`: renders every stack offline and sums the CPU and memory requests
 * and limits of what it deploys, per stack and per node, beside Promtail's and node-exporter's
 * chart defaults. Prints the report and keeps it in docs/performance.md (between its COST markers).
 * tools/cost/main.ts only wires a process to main().
 */
import * as fs from "node:fs";
import * as path from "node:path";
import program = require("../../index");
import { costReport, stackCost } from "./cost";
import { formatRenderFailure, renderFleet } from "../render/render";
import { ProcessIO, UsageError, wantsHelp } from "../shared/cli";
import { replaceSection } from "../shared/generated-block";

export const USAGE = `usage: npm run cost [-- --no-write]

Renders every Pulumi.<stack>.yaml offline (as npm run render does, writing nothing to out/) and reports
the CPU and memory requests and limits of every pod it deploys: per node (DaemonSets), per cluster
(StatefulSet and Deployment replicas) and beside Promtail's and node-exporter's chart defaults.
Writes the report into docs/performance.md unless --no-write.

Exit status: 0 reported, 1 a stack failed to render, 2 usage error.`;

const DOC = "docs/performance.md";

export async function main(argv: string[], io: ProcessIO): Promise<number> {
    if (wantsHelp(argv)) {
        io.stdout(`${USAGE}\n`);
        return 0;
    }
    const unknown = argv.find((a) => a !== "--no-write");
    if (unknown !== undefined) throw new UsageError(`unknown argument ${JSON.stringify(unknown)}`);
    let rendered;
    try {
        rendered = await renderFleet(program, io.rootDir);
    } catch (e) {
        io.stderr(`${formatRenderFailure(e)}\n`);
        return 1;
    }
    const report = costReport(rendered.map((r) => stackCost(r.stack, r.result.resources)));
    io.stdout(`${report}\n`);
    if (!argv.includes("--no-write")) {
        const doc = path.join(io.rootDir, DOC);
        fs.writeFileSync(doc, replaceSection(fs.existsSync(doc) ? fs.readFileSync(doc, "utf8") : "", "COST", report, DOC));
        io.stderr(`cost: wrote ${DOC}\n`);
    }
    return 0;
}
