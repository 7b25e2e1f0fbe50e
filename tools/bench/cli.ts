/**
 * `npm run bench`: its arguments and its main(). tools/bench/main.ts only wires a process to
 * main(), and is also the script every measuring child runs (`--child JOB`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ProcessIO, UsageError } from "../shared/cli";
import { replaceSection } from "../shared/generated-block";
import { exitCode, formatReport, missedTargets, verdicts } from "./report";
import { STARTUP_VARIANTS } from "./startup";

const DOC = "docs/performance.md";
const CHILD_PREFIX = "BENCH-CHILD ";
/** The script the children run: the entry point, which wires them to main() as it does the parent. */
const ENTRY = path.join(__dirname, "main.ts");

// The jobs and the runner are required only where they are used: the import profile must run in a
// process that has not loaded Pulumi yet, and the runner loads the simulator.
type Jobs = typeof import("./jobs");
type Imports = typeof import("./imports");
type Runner = typeof import("./run");

export const BENCH_USAGE = `usage: npm run bench [-- --quick] [--sizes 15,50,100,200] [--runs N] [--variants LIST] [--no-tests] [--base REF | --no-base] [--render-cmd SCRIPT] [--write]

Measures, each in fresh processes, and prints a Markdown report:
  - start-up under the Pulumi language host's entry point, per runtime option (ts-node, tsx, precompiled);
  - what importing index.ts costs, package by package;
  - \`npm run render\` of every stack as a whole process, run for run beside the floor (node loading
    @pulumi/pulumi and @pulumi/kubernetes), and each stack's evaluation;
  - N generated source clusters and their hubs written as stack files and rendered, per N (time,
    cost per added cluster, peak memory) with the fleet-level checks timed first (config/fleet.ts, if there);
  - the test suite (\`npm test\`, \`npm run test:all\`), and \`npm test\` of a base commit run for run beside it.
Then judges the targets (docs/performance.md). A full run takes several minutes.

Exit status: 0 every measured target met and the tests pass; 1 a target missed or a test failed;
2 usage error. docs/performance.md is rewritten (between its BENCH markers) only with --write.

  --quick           one run each, N = 15 and 50, only the chosen start-up
  --sizes LIST      source-cluster counts to sweep (comma-separated; the targets are judged at 200)
  --runs N          runs per measurement (start-up, render, scale, tests)
  --variants LIST   start-up variants: ${STARTUP_VARIANTS.map((v) => v.id).join(", ")}
  --no-tests        do not run the test suites
  --base REF        the commit whose \`npm test\` the current one is timed against
                    (default: the parent of the commit that moved the tools into tools/, issue 17)
  --no-base         do not time a base commit's unit tests
  --render-cmd S    start the render and fleet children as if package.json's render script were S,
                    e.g. "node --import tsx tools/render/main.ts" for the render without the SDK preload
  --write           write the report into docs/performance.md`;

export type BenchArgs =
    | { kind: "help" }
    | { kind: "child"; job: "render" | "imports" }
    | { kind: "child"; job: "scale"; n: number }
    | {
          kind: "bench";
          quick: boolean;
          sizes?: number[];
          runs?: number;
          variants?: string[];
          tests: boolean;
          /** A git ref, false for --no-base, undefined for the default. */
          base?: string | false;
          renderCmd?: string;
          write: boolean;
      };

function positiveInts(flag: string, v: string | undefined): number[] {
    const xs = (v ?? "").split(",").map((x) => Number(x.trim()));
    if (v === undefined || xs.length === 0 || xs.some((x) => !Number.isInteger(x) || x < 1))
        throw new Error(`${flag} expects positive integers separated by commas, got ${JSON.stringify(v)}`);
    return xs;
}

/** Parses argv (without node and the script); throws with the reason on anything it does not know. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
    if (argv[0] === "--child") {
        if (argv[1] === "render" || argv[1] === "imports") return { kind: "child", job: argv[1] };
        if (argv[1] === "scale") return { kind: "child", job: "scale", n: positiveInts("--child scale", argv[2])[0] };
        throw new Error(`unknown child job ${JSON.stringify(argv[1])}`);
    }
    let quick = false;
    let tests = true;
    let write = false;
    let base: string | false | undefined;
    let renderCmd: string | undefined;
    let sizes: number[] | undefined;
    let runs: number | undefined;
    let variants: string[] | undefined;
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--help" || a === "-h") return { kind: "help" };
        else if (a === "--quick") quick = true;
        else if (a === "--no-tests") tests = false;
        else if (a === "--write") write = true;
        else if (a === "--no-write") write = false;
        else if (a === "--no-base") base = false;
        else if (a === "--base" || a === "--render-cmd") {
            const value = argv[++i];
            if (value === undefined || value === "" || value.startsWith("--")) throw new Error(`${a} expects a value`);
            if (a === "--base") base = value;
            else renderCmd = value;
        } else if (a === "--sizes") sizes = positiveInts(a, argv[++i]);
        else if (a === "--runs") runs = positiveInts(a, argv[++i])[0];
        else if (a === "--variants") {
            variants = (argv[++i] ?? "").split(",").filter((x) => x !== "");
            const unknown = variants.filter((x) => !STARTUP_VARIANTS.some((v) => v.id === x));
            if (variants.length === 0 || unknown.length > 0)
                throw new Error(`--variants: unknown ${JSON.stringify(unknown.join(",") || argv[i])}; known: ${STARTUP_VARIANTS.map((v) => v.id).join(", ")}`);
        } else throw new Error(`unknown argument ${JSON.stringify(a)}`);
    }
    if (sizes && sizes.length < 2) throw new Error("--sizes needs at least two sizes to judge how cost grows");
    return { kind: "bench", quick, sizes, runs, variants, tests, base, renderCmd, write };
}

/** Exit status: 0 every measured target met and the tests pass, 1 otherwise (report.ts, exitCode). */
export async function main(argv: string[], io: ProcessIO): Promise<number> {
    let args;
    try {
        args = parseBenchArgs(argv);
    } catch (e) {
        throw new UsageError(e instanceof Error ? e.message : String(e));
    }
    if (args.kind === "help") {
        io.stdout(`${BENCH_USAGE}\n`);
        return 0;
    }
    if (args.kind === "child") {
        const result =
            args.job === "imports"
                ? await (require("./imports") as Imports).importJob()
                : args.job === "scale"
                  ? await (require("./jobs") as Jobs).scaleJob(args.n)
                  : await (require("./jobs") as Jobs).renderJob();
        io.stdout(`${CHILD_PREFIX}${JSON.stringify(result)}\n`);
        return 0;
    }
    const { defaultOptions, runBench } = require("./run") as Runner;
    const opts = defaultOptions(args.quick, (line) => io.stderr(`bench: ${line}\n`));
    if (args.sizes) opts.sizes = args.sizes;
    if (args.runs) opts.runs = { startup: args.runs, render: args.runs, scale: args.runs, tests: args.runs };
    if (args.variants) opts.startupVariants = args.variants;
    opts.skipTests = !args.tests;
    if (args.base !== undefined) opts.base = args.base;
    if (args.renderCmd !== undefined) opts.renderScript = args.renderCmd;
    const command = `npm run bench${argv.length > 0 ? ` -- ${argv.join(" ")}` : ""}`;
    const results = runBench(ENTRY, command, opts);
    const report = formatReport(results);
    io.stdout(`${report}\n`);
    if (args.write) {
        const doc = path.join(io.rootDir, DOC);
        fs.writeFileSync(doc, replaceSection(fs.existsSync(doc) ? fs.readFileSync(doc, "utf8") : "", "BENCH", report, DOC));
        io.stderr(`bench: wrote ${DOC}\n`);
    }
    const missed = missedTargets(verdicts(results));
    if (missed.length > 0) io.stderr(`bench: targets not met: ${missed.map((m) => m.what).join("; ")} (see the report)\n`);
    return exitCode(results);
}
