/**
 * Runs the benchmark: every measurement in its own child process, sequentially (the machine has
 * two cores; parallel runs would measure each other). Knows nothing about formatting.
 */
import { spawnSync, SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pulumiConfigEnv } from "./fleet";
import type { ImportJobResult } from "./imports";
import type { RenderJobResult, ScaleJobResult } from "./jobs";
import type { BenchResults, Machine, StartupSamples, TestSuiteSamples } from "./report";
import { CHOSEN_VARIANT, parseProbe, PRECOMPILED_DIR, STARTUP_VARIANTS, startupCommand } from "./startup";
import { childrenCpuMs } from "./stats";
import { readStackFile } from "../render/render";
import { REPO_ROOT } from "../shared/paths";

export const ROOT = REPO_ROOT;

export interface BenchOptions {
    quick: boolean;
    runs: { startup: number; render: number; scale: number; tests: number };
    sizes: number[];
    startupVariants: string[];
    /** Skip the test-suite runs (its wall time is reported as not measured). */
    skipTests: boolean;
    log: (line: string) => void;
}

export function defaultOptions(quick: boolean, log: (line: string) => void = () => {}): BenchOptions {
    return quick
        ? // One load balancer carries at most 15 source clusters (two ports each, lb31: docs/identity.md).
          { quick, runs: { startup: 1, render: 2, scale: 1, tests: 1 }, sizes: [5, 15], startupVariants: [CHOSEN_VARIANT], skipTests: false, log }
        : { quick, runs: { startup: 3, render: 5, scale: 3, tests: 3 }, sizes: [5, 10, 15], startupVariants: STARTUP_VARIANTS.map((v) => v.id), skipTests: false, log };
}

/** What a child prints before its JSON result (tools/bench/main.ts --child). */
const CHILD_PREFIX = "BENCH-CHILD ";

/** The environment children get: ours, without loader hooks that would change what is measured. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
    delete env.NODE_OPTIONS;
    for (const k of Object.keys(env)) if (k.startsWith("PULUMI_NODEJS_") && !(k in extra)) delete env[k];
    return env;
}

/** Waited-for children's CPU time so far; NaN where /proc is not there (not Linux). */
function childrenCpuNow(): number {
    try {
        const ticks = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
        return childrenCpuMs(fs.readFileSync("/proc/self/stat", "utf8"), ticks);
    } catch {
        return NaN;
    }
}

interface Timed {
    wallMs: number;
    /** CPU time of the child and everything it waited for. */
    cpuMs: number;
    res: SpawnSyncReturns<string>;
}

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv): Timed {
    const cpu0 = childrenCpuNow();
    const start = performance.now();
    const res = spawnSync(cmd, args, { cwd: ROOT, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const wallMs = performance.now() - start;
    return { wallMs, cpuMs: childrenCpuNow() - cpu0, res };
}

function tail(s: string, lines = 8): string {
    return s.trim().split("\n").slice(-lines).join("\n");
}

/**
 * Runs `tools/bench/main.ts --child <job...>` with the same TypeScript loader as this process. The
 * jobs that render load the Pulumi SDKs as `npm run render` does (tools/shared/fast-pulumi.cjs);
 * the import profile does not, as it measures what loading them costs.
 */
function child<T>(script: string, job: string[]): T & { processCpuMs: number } {
    const preload = job[0] === "imports" ? [] : ["--require", path.join(ROOT, "tools", "shared", "fast-pulumi.cjs")];
    const { res, cpuMs } = timed(process.execPath, [...preload, ...process.execArgv, script, "--child", ...job], cleanEnv());
    const line = res.stdout.split("\n").find((l) => l.startsWith(CHILD_PREFIX));
    if (res.status !== 0 || line === undefined) throw new Error(`bench child ${job.join(" ")} failed (exit ${res.status}):\n${tail(res.stderr || res.stdout)}`);
    return { ...(JSON.parse(line.slice(CHILD_PREFIX.length)) as T), processCpuMs: cpuMs };
}

function git(args: string[]): string {
    const r = spawnSync("git", args, { cwd: ROOT, encoding: "utf8" });
    return r.status === 0 ? r.stdout.trim() : "";
}

export function machine(command: string): Machine {
    const cpus = os.cpus();
    const dirty = git(["status", "--porcelain", "--untracked-files=no"]) !== "";
    return {
        date: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC",
        cpu: cpus[0]?.model.trim() ?? "unknown CPU",
        cores: cpus.length,
        memoryBytes: os.totalmem(),
        node: process.versions.node,
        os: `${os.type()} ${os.release()}`,
        loadBefore: os.loadavg()[0],
        loadAfter: NaN,
        commit: `${git(["rev-parse", "--short", "HEAD"]) || "unknown"}${dirty ? " (with uncommitted changes)" : ""}`,
        command,
    };
}

function buildPrecompiled(): { ms: number } | { failure: string } {
    const tsc = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
    const { wallMs, res } = timed(process.execPath, [tsc, "-p", "tsconfig.build.json", "--outDir", PRECOMPILED_DIR], cleanEnv());
    return res.status === 0 ? { ms: wallMs } : { failure: `tsc -p tsconfig.build.json failed: ${tail(res.stdout + res.stderr, 3)}` };
}

function measureStartup(opts: BenchOptions): { samples: StartupSamples[]; buildMs?: number } {
    const hub = readStackFile(ROOT, "monitoring");
    const runPath = require.resolve("@pulumi/pulumi/cmd/run", { paths: [ROOT] }).replace(/\/index\.js$/, "");
    const preload = path.join(__dirname, "startup-preload.cjs");
    let build: { ms: number } | { failure: string } | undefined;
    const samples: StartupSamples[] = [];
    for (const v of STARTUP_VARIANTS.filter((x) => opts.startupVariants.includes(x.id))) {
        const s: StartupSamples = { id: v.id, label: v.label, wallMs: [], cpuMs: [], loadedMs: [], maxRssBytes: [], resources: 0 };
        samples.push(s);
        if (v.needsBuild) {
            build ??= buildPrecompiled();
            if ("failure" in build) {
                s.failure = build.failure;
                continue;
            }
        }
        const cmd = startupCommand(v, { root: ROOT, runPath, preload, stack: "monitoring", pulumiConfig: pulumiConfigEnv(hub.config) });
        // Run 0 only warms the caches (tsx's, ts-node's, the OS's): "warm" then means what it says.
        for (let i = 0; i <= opts.runs.startup; i++) {
            opts.log(`start-up: ${v.id} ${i === 0 ? "warm-up" : `run ${i}/${opts.runs.startup}`}`);
            const { wallMs, cpuMs, res } = timed(process.execPath, cmd.args, cleanEnv(cmd.env));
            const probe = parseProbe(res.stderr);
            if (res.status !== 0 || !probe || probe.loadedMs === null) {
                s.failure = `exit ${res.status}: ${tail(res.stderr, 4).replace(/\n/g, " / ")}`;
                break;
            }
            if (i === 0) continue;
            s.wallMs.push(wallMs);
            s.cpuMs.push(cpuMs);
            s.loadedMs.push(probe.loadedMs);
            s.maxRssBytes.push(probe.maxRssBytes);
            s.resources = probe.resources;
        }
    }
    return { samples, buildMs: build && "ms" in build ? build.ms : undefined };
}

function measureRenderProcess(opts: BenchOptions): { wallMs: number[]; cpuMs: number[] } {
    // The command of `npm run render` itself (package.json), without npm's own start-up.
    const [node, ...renderArgs] = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.render.split(" ");
    if (node !== "node") throw new Error(`package.json's render script no longer starts with node: update tools/bench/run.ts`);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "vector-fleet-bench-"));
    try {
        const walls: number[] = [];
        const cpus: number[] = [];
        for (let i = 0; i < opts.runs.render; i++) {
            opts.log(`render: npm run render run ${i + 1}/${opts.runs.render}`);
            const { wallMs, cpuMs, res } = timed(process.execPath, [...renderArgs, "--out", out], cleanEnv());
            if (res.status !== 0) throw new Error(`npm run render failed:\n${tail(res.stderr)}`);
            walls.push(wallMs);
            cpus.push(cpuMs);
        }
        return { wallMs: walls, cpuMs: cpus };
    } finally {
        fs.rmSync(out, { recursive: true, force: true });
    }
}

/** The last line of mocha's dot reporter that counts, e.g. "183 passing (6s)". */
export function testSummary(output: string): string {
    const counts = output.split("\n").map((l) => l.trim()).filter((l) => /^\d+ (passing|failing|pending)/.test(l));
    return counts.length > 0 ? counts.join(", ") : "no mocha summary found";
}

function measureTests(opts: BenchOptions, script: string): TestSuiteSamples {
    const command = script === "test" ? "npm test" : `npm run ${script}`;
    const walls: number[] = [];
    const cpus: number[] = [];
    let passed = true;
    let summary = "";
    for (let i = 0; i < opts.runs.tests; i++) {
        opts.log(`tests: ${command} run ${i + 1}/${opts.runs.tests}`);
        const { wallMs, cpuMs, res } = timed("npm", ["run", script, "--silent"], cleanEnv());
        walls.push(wallMs);
        cpus.push(cpuMs);
        passed &&= res.status === 0;
        summary = testSummary(`${res.stdout}\n${res.stderr}`);
    }
    return { command, wallMs: walls, cpuMs: cpus, passed, summary };
}

export function runBench(script: string, command: string, opts: BenchOptions): BenchResults {
    const m = machine(command);
    const startup = measureStartup(opts);
    opts.log("imports: profile of index.ts");
    const imports = child<ImportJobResult>(script, ["imports"]);
    const render = measureRenderProcess(opts);
    const renderJobs: RenderJobResult[] = [];
    for (let i = 0; i < opts.runs.render; i++) {
        opts.log(`evaluation: every stack, run ${i + 1}/${opts.runs.render}`);
        renderJobs.push(child<RenderJobResult>(script, ["render"]));
    }
    const scale: ScaleJobResult[][] = [];
    for (const n of opts.sizes) {
        const runs: ScaleJobResult[] = [];
        for (let i = 0; i < opts.runs.scale; i++) {
            opts.log(`scale: N=${n} run ${i + 1}/${opts.runs.scale}`);
            runs.push(child<ScaleJobResult>(script, ["scale", String(n)]));
        }
        scale.push(runs);
    }
    const tests = opts.skipTests ? undefined : { unit: measureTests(opts, "test"), all: measureTests(opts, "test:all") };
    m.loadAfter = os.loadavg()[0];
    return { machine: m, quick: opts.quick, startup: startup.samples, buildMs: startup.buildMs, imports, renderProcessMs: render.wallMs, renderProcessCpuMs: render.cpuMs, renderJobs, scale, tests };
}
