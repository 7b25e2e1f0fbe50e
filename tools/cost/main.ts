/**
 * `npm run cost [-- --no-write]`: renders every stack offline and sums the CPU and memory requests
 * and limits of what it deploys, per stack and per node, beside Promtail's and node-exporter's
 * chart defaults. Prints the report and keeps it in docs/performance.md (between its COST markers).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import program = require("../../index");
import { costReport, stackCost } from "./cost";
import { replaceSection } from "../bench/stats";
import { renderFleet } from "../render/render";

const USAGE = `usage: npm run cost [-- --no-write]

Renders every Pulumi.<stack>.yaml offline (as npm run render does, writing nothing to out/) and reports
the CPU and memory requests and limits of every pod it deploys: per node (DaemonSets), per cluster
(StatefulSet and Deployment replicas) and beside Promtail's and node-exporter's chart defaults.
Writes the report into docs/performance.md unless --no-write.`;

async function main(argv: string[]): Promise<number> {
    let write = true;
    for (const a of argv) {
        if (a === "--help" || a === "-h") {
            console.log(USAGE);
            return 0;
        } else if (a === "--no-write") write = false;
        else {
            console.error(`cost: unknown argument ${JSON.stringify(a)}\n\n${USAGE}`);
            return 2;
        }
    }
    const root = path.resolve(__dirname, "../..");
    const rendered = await renderFleet(program, root);
    const report = costReport(rendered.map((r) => stackCost(r.stack, r.result.resources)));
    console.log(report);
    if (write) {
        const doc = path.join(root, "docs", "performance.md");
        fs.writeFileSync(doc, replaceSection(fs.existsSync(doc) ? fs.readFileSync(doc, "utf8") : "", "COST", report));
        console.error("cost: wrote docs/performance.md");
    }
    return 0;
}

main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
        console.error(`cost failed: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(1);
    },
);
