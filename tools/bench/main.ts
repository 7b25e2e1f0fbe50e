/**
 * `npm run bench`: start-up, render, fleet-size scaling and test-suite timings, judged against
 * their targets and printed (written to docs/performance.md with --write); exits 1 when a target
 * is missed or a test fails. See tools/bench/cli.ts for the options.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { BENCH_USAGE, parseBenchArgs } from "./cli";
import { exitCode, formatReport, missedTargets, verdicts } from "./report";
import { replaceSection } from "./stats";

const ROOT = path.resolve(__dirname, "../..");
const DOC = path.join(ROOT, "docs", "performance.md");
const CHILD_PREFIX = "BENCH-CHILD ";

// The jobs and the runner are required only where they are used: the import profile must run in a
// process that has not loaded Pulumi yet, and the runner loads the simulator.
type Jobs = typeof import("./jobs");
type Imports = typeof import("./imports");
type Runner = typeof import("./run");

async function main(argv: string[]): Promise<number> {
    let args;
    try {
        args = parseBenchArgs(argv);
    } catch (e) {
        console.error(`bench: ${e instanceof Error ? e.message : String(e)}\n\n${BENCH_USAGE}`);
        return 2;
    }
    if (args.kind === "help") {
        console.log(BENCH_USAGE);
        return 0;
    }
    if (args.kind === "child") {
        const result =
            args.job === "imports"
                ? await (require("./imports") as Imports).importJob()
                : args.job === "scale"
                  ? await (require("./jobs") as Jobs).scaleJob(args.n)
                  : await (require("./jobs") as Jobs).renderJob();
        console.log(`${CHILD_PREFIX}${JSON.stringify(result)}`);
        return 0;
    }
    const { defaultOptions, runBench } = require("./run") as Runner;
    const opts = defaultOptions(args.quick, (line) => console.error(`bench: ${line}`));
    if (args.sizes) opts.sizes = args.sizes;
    if (args.runs) opts.runs = { startup: args.runs, render: args.runs, scale: args.runs, tests: args.runs };
    if (args.variants) opts.startupVariants = args.variants;
    opts.skipTests = !args.tests;
    if (args.base !== undefined) opts.base = args.base;
    if (args.renderCmd !== undefined) opts.renderScript = args.renderCmd;
    const command = `npm run bench${argv.length > 0 ? ` -- ${argv.join(" ")}` : ""}`;
    const results = runBench(__filename, command, opts);
    const report = formatReport(results);
    console.log(report);
    if (args.write) {
        fs.writeFileSync(DOC, replaceSection(fs.existsSync(DOC) ? fs.readFileSync(DOC, "utf8") : "", "BENCH", report));
        console.error(`bench: wrote ${path.relative(ROOT, DOC)}`);
    }
    const missed = missedTargets(verdicts(results));
    if (missed.length > 0) console.error(`bench: targets not met: ${missed.map((m) => m.what).join("; ")} (see the report)`);
    return exitCode(results);
}

main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
        console.error(`bench failed: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(1);
    },
);
