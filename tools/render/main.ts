/**
 * `npm run render [-- --stack NAME ...] [--out DIR]`: runs the real program for every stack
 * offline (Pulumi mocks, a simulated Hetzner Cloud) and writes what would be applied to out/.
 */
import * as path from "node:path";
import program = require("../../index");
import { isReportedFailure } from "./failures";
import { configWarnings } from "./config-warnings";
import { readRendered } from "../diff/diff";
import { formatRenderFailure, listStacks, renderFleet, writeRendered } from "./render";
import { formatSummary, sizingLines, summarizeStack } from "./summary";
import { formatProblems } from "../validate";

const USAGE = `usage: npm run render [-- --stack NAME ...] [--out DIR]

Renders every Pulumi.<stack>.yaml (or only the named stacks) without a cluster or the Pulumi CLI.
Writes out/<stack>/manifests.yaml, resources.txt, outputs.json and <component>.vector.toml.
Hub stacks are always evaluated first: agent stacks read their outputs through a StackReference.

Prints per stack its Kubernetes objects by kind, the Vector components of each config (sources,
transforms, sinks, by type), for a stack with a sizing section every figure it decided and
where it came from (docs/sizing.md), and warnings: what a reviewer should notice (self-monitoring off,
logs shipped twice during a migration, objects patched that another tool owns, node drains a
PodDisruptionBudget blocks, no container metrics, self-monitoring labels left at their default,
and a stateful object that the change since the last render in the same folder would replace or
delete). Warnings do not fail the render.

Before running a stack, checks Pulumi.yaml and its Pulumi.<stack>.yaml the way the Pulumi CLI
does (required declared keys, declared types, secrets): a stack the CLI would refuse fails here.

On failure nothing is written, and every problem is printed on one line, prefixed with its stack.

Exit status: 0 rendered, 1 a stack failed to render, 2 usage error.`;

async function main(argv: string[]): Promise<number> {
    const stacks: string[] = [];
    let out = "out";
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--help" || a === "-h") {
            console.log(USAGE);
            return 0;
        } else if (a === "--stack" && argv[i + 1]) stacks.push(argv[++i]);
        else if (a === "--out" && argv[i + 1]) out = argv[++i];
        else {
            console.error(`render: unknown argument ${JSON.stringify(a)}\n\n${USAGE}`);
            return 2;
        }
    }
    const root = path.resolve(__dirname, "../..");
    const started = Date.now();
    process.on("unhandledRejection", (reason) => {
        if (!isReportedFailure(reason)) throw reason;
    });
    try {
        const rendered = await renderFleet(program, root, stacks.length > 0 ? stacks : undefined);
        const vectorWarnings = rendered.flatMap((r) => r.vectorWarnings);
        if (vectorWarnings.length > 0) console.log(formatProblems(vectorWarnings));
        // What out/ held before: the summary warns about stateful objects the change since would replace.
        const previous = readRendered(path.resolve(root, out));
        writeRendered(path.resolve(root, out), rendered);
        let warnings = 0;
        const stackFiles = new Map(listStacks(root).map((f) => [f.stack, f]));
        for (const r of rendered) {
            const summary = summarizeStack(r.stack, r.files, previous[r.stack]);
            const file = stackFiles.get(r.stack);
            if (file) {
                summary.warnings.push(...configWarnings(file));
                summary.sizing = sizingLines(file);
            }
            warnings += summary.warnings.length;
            console.log(formatSummary(summary, `${path.join(out, r.stack)}/`).join("\n"));
        }
        console.log(`rendered ${rendered.length} stack(s) in ${Date.now() - started} ms, ${warnings} warning(s)`);
        return 0;
    } catch (e) {
        console.error(formatRenderFailure(e));
        return 1;
    }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
