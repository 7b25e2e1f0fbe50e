/**
 * `npm run render [-- --stack NAME ...] [--out DIR]`: runs the real program for every stack
 * offline (Pulumi mocks, a simulated Hetzner Cloud) and writes what would be applied to out/.
 * tools/render/main.ts only wires a process to main().
 */
import * as path from "node:path";
import program = require("../../index");
import { ProcessIO, UsageError } from "../shared/cli";
import { configWarnings } from "./config-warnings";
import { readRendered } from "./out-dir";
import { formatRenderFailure, listStacks, renderFleet, writeRendered } from "./render";
import { formatSummary, sizingLines, summarizeStack } from "./summary";
import { formatProblems } from "../validate";

export const USAGE = `usage: npm run render [-- --stack NAME ...] [--out DIR]

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

export async function main(argv: string[], io: ProcessIO): Promise<number> {
    const stacks: string[] = [];
    let out = "out";
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--help" || a === "-h") {
            io.stdout(`${USAGE}\n`);
            return 0;
        } else if (a === "--stack" && argv[i + 1]) stacks.push(argv[++i]);
        else if (a === "--out" && argv[i + 1]) out = argv[++i];
        else {
            throw new UsageError(`unknown argument ${JSON.stringify(a)}`);
        }
    }
    const root = io.rootDir;
    const started = Date.now();
    try {
        const rendered = await renderFleet(program, root, stacks.length > 0 ? stacks : undefined);
        const vectorWarnings = rendered.flatMap((r) => r.vectorWarnings);
        if (vectorWarnings.length > 0) io.stdout(`${formatProblems(vectorWarnings)}\n`);
        // What out/ held before: the summary warns about stateful objects the change since would replace.
        const previous = readRendered(path.resolve(root, out));
        writeRendered(path.resolve(root, out), rendered);
        let warnings = 0;
        const stackFiles = new Map(listStacks(root).map((f) => [f.stack, f]));
        for (const r of rendered) {
            const summary = summarizeStack(r.stack, r.files, previous[r.stack], r.objects?.());
            const file = stackFiles.get(r.stack);
            if (file) {
                summary.warnings.push(...configWarnings(file));
                summary.sizing = sizingLines(file);
            }
            warnings += summary.warnings.length;
            io.stdout(`${formatSummary(summary, `${path.join(out, r.stack)}/`).join("\n")}\n`);
        }
        io.stdout(`rendered ${rendered.length} stack(s) in ${Date.now() - started} ms, ${warnings} warning(s)\n`);
        return 0;
    } catch (e) {
        io.stderr(`${formatRenderFailure(e)}\n`);
        return 1;
    }
}
