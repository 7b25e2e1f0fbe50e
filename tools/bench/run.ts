/**
 * Runs the benchmark: every measurement in its own child process, sequentially (the machine has
 * two cores; parallel runs would measure each other). Knows nothing about formatting.
 */
import { spawnSync, SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fleetTemplates, pulumiConfigEnv } from "./fleet";
import type { ImportJobResult } from "./imports";
import type { RenderJobResult, ScaleJobResult } from "./jobs";
import { FLOOR_SOURCE, type BenchResults, type Machine, type Samples, type StartupSamples, type TestSuiteSamples } from "./report";
import { CHOSEN_VARIANT, parseProbe, PRECOMPILED_DIR, STARTUP_VARIANTS, startupCommand } from "./startup";
import { childrenCpuMs } from "./stats";
import { listStacks } from "../render/render";
import { REPO_ROOT } from "../shared/paths";

export const ROOT = REPO_ROOT;

export interface BenchOptions {
    quick: boolean;
    runs: { startup: number; render: number; scale: number; tests: number };
    sizes: number[];
    startupVariants: string[];
    /** Skip the test-suite runs (their rows are reported as not measured). */
    skipTests: boolean;
    /**
     * The tree whose unit tests the current ones are timed against, side by side: a git ref, or
     * undefined for the default (the commit before the layout change, defaultBaseRef); false skips it.
     */
    base?: string | false;
    /** How `npm run render` is started; package.json's `render` script unless given (--render-cmd). */
    renderScript?: string;
    log: (line: string) => void;
}

export function defaultOptions(quick: boolean, log: (line: string) => void = () => {}): BenchOptions {
    return quick
        ? { quick, runs: { startup: 1, render: 2, scale: 1, tests: 1 }, sizes: [15, 50], startupVariants: [CHOSEN_VARIANT], skipTests: false, log }
        : // Three samples per size: on this shared machine the CPU time of the same N=200 render
          // moved by a quarter between runs an hour apart (other work slows every core it shares),
          // and the slope over N inherits that from whichever size ran in a slow minute.
          {
              quick,
              runs: { startup: 3, render: 5, scale: 3, tests: 3 },
              sizes: [15, 50, 100, 200],
              startupVariants: STARTUP_VARIANTS.map((v) => v.id),
              skipTests: false,
              log,
          };
}

/** The renderer's entry, as package.json's `render` script names it. */
export const RENDER_ENTRY = "tools/render/main.ts";

/**
 * How a script of package.json starts node: environment assignments, then `tsx` or `node` with
 * their flags, then the entry. The bench starts its render and fleet children the same way, with
 * its own entry in place of the renderer's, so a preload or loader the render script gets (e.g.
 * `node --require ./tools/shared/fast-pulumi.cjs --require tsx/cjs tools/render/main.ts`) applies
 * to what the bench measures as soon as the script has it.
 */
export interface Launcher {
    /** The script as written. */
    script: string;
    env: Record<string, string>;
    /** Arguments to node before the entry (tsx's CLI, when the script runs tsx, comes first). */
    prefix: string[];
}

export function renderLauncher(script: string, tsxCli: string, entry = RENDER_ENTRY): Launcher {
    const tokens = script.trim().split(/\s+/);
    if (tokens.some((t) => /["'`$\\]|&&|\|/.test(t)))
        throw new Error(`cannot start the render like ${JSON.stringify(script)}: quoting and shell syntax are not understood`);
    const env: Record<string, string> = {};
    while (tokens.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(tokens[0])) {
        const t = tokens.shift()!;
        env[t.slice(0, t.indexOf("="))] = t.slice(t.indexOf("=") + 1);
    }
    const program = tokens.shift();
    const at = tokens.indexOf(entry);
    if ((program !== "tsx" && program !== "node") || at < 0)
        throw new Error(`cannot start the render like ${JSON.stringify(script)}: expected [VAR=value ...] tsx|node [flags ...] ${entry} [args ...]`);
    const flags = tokens.slice(0, at);
    return { script, env, prefix: program === "tsx" ? [tsxCli, ...flags] : flags };
}

/** What a child prints before its JSON result (tools/bench/main.ts --child). */
const CHILD_PREFIX = "BENCH-CHILD ";

/** The environment children get: ours, without loader hooks that would change what is measured. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.NODE_OPTIONS;
    for (const k of Object.keys(env)) if (k.startsWith("PULUMI_NODEJS_")) delete env[k];
    return { ...env, ...extra };
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

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): Timed {
    const cpu0 = childrenCpuNow();
    const start = performance.now();
    const res = spawnSync(cmd, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const wallMs = performance.now() - start;
    return { wallMs, cpuMs: childrenCpuNow() - cpu0, res };
}

function tail(s: string, lines = 8): string {
    return s.trim().split("\n").slice(-lines).join("\n");
}

/** Runs `tools/bench/main.ts --child <job...>` started as `npm run render` starts the renderer. */
function child<T>(launcher: Launcher, script: string, job: string[]): T & { processCpuMs: number } {
    const { res, cpuMs } = timed(process.execPath, [...launcher.prefix, script, "--child", ...job], cleanEnv(launcher.env));
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
    const { hub } = fleetTemplates(listStacks(ROOT));
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
        const cmd = startupCommand(v, { root: ROOT, runPath, preload, stack: hub.stack, pulumiConfig: pulumiConfigEnv(hub.config) });
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

/**
 * `npm run render` of the repo's stacks as a whole process, and the floor, alternately (floor,
 * render, floor, render, ...) so that both see the same machine; one unmeasured warm-up of each first.
 */
function measureRenderAndFloor(opts: BenchOptions, launcher: Launcher): { render: Samples; floor: Samples } {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "vector-fleet-bench-"));
    try {
        const render: Samples = { wallMs: [], cpuMs: [] };
        const floor: Samples = { wallMs: [], cpuMs: [] };
        for (let i = 0; i <= opts.runs.render; i++) {
            const what = i === 0 ? "warm-up" : `run ${i}/${opts.runs.render}`;
            opts.log(`floor: node loading @pulumi/pulumi and @pulumi/kubernetes, ${what}`);
            const f = timed(process.execPath, ["-e", FLOOR_SOURCE], cleanEnv());
            if (f.res.status !== 0) throw new Error(`the floor (node -e '${FLOOR_SOURCE}') failed:\n${tail(f.res.stderr)}`);
            opts.log(`render: ${launcher.script} ${what}`);
            const r = timed(process.execPath, [...launcher.prefix, RENDER_ENTRY, "--out", out], cleanEnv(launcher.env));
            if (r.res.status !== 0) throw new Error(`npm run render failed:\n${tail(r.res.stderr)}`);
            if (i === 0) continue;
            floor.wallMs.push(f.wallMs);
            floor.cpuMs.push(f.cpuMs);
            render.wallMs.push(r.wallMs);
            render.cpuMs.push(r.cpuMs);
        }
        return { render, floor };
    } finally {
        fs.rmSync(out, { recursive: true, force: true });
    }
}

/** The last line of mocha's dot reporter that counts, e.g. "183 passing (6s)". */
export function testSummary(output: string): string {
    const counts = output
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => /^\d+ (passing|failing|pending)/.test(l));
    return counts.length > 0 ? counts.join(", ") : "no mocha summary found";
}

function runSuite(script: string, cwd: string): { wallMs: number; cpuMs: number; passed: boolean; summary: string } {
    const { wallMs, cpuMs, res } = timed("npm", ["run", script, "--silent"], cleanEnv(), cwd);
    return { wallMs, cpuMs, passed: res.status === 0, summary: testSummary(`${res.stdout}\n${res.stderr}`) };
}

function emptySuite(command: string): TestSuiteSamples {
    return { command, wallMs: [], cpuMs: [], passed: true, summary: "" };
}

function add(s: TestSuiteSamples, run: ReturnType<typeof runSuite>): void {
    s.wallMs.push(run.wallMs);
    s.cpuMs.push(run.cpuMs);
    s.passed &&= run.passed;
    s.summary = run.summary;
}

/**
 * The commit before the layout change (issue 17: "the full suite is no slower than today"): the
 * parent of the commit that created tools/bench/main.ts. Undefined outside a git checkout.
 */
export function defaultBaseRef(): string | undefined {
    const added = git(["log", "--no-renames", "--diff-filter=A", "--format=%h", "--", "tools/bench/main.ts"]).split("\n").filter(Boolean);
    return added.length > 0 ? `${added[added.length - 1]}^` : undefined;
}

/**
 * A copy of the tree at `ref` (git archive: the repo's own worktrees and index are left alone),
 * sharing this checkout's node_modules.
 */
function baselineTree(ref: string): { dir: string; commit: string; subject: string } {
    const commit = git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
    if (!/^[0-9a-f]{40}$/.test(commit)) throw new Error(`--base ${ref}: not a commit in this repository`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vector-fleet-bench-base-"));
    const tar = spawnSync("sh", ["-c", `git archive --format=tar ${commit} | tar -x -C "$1"`, "sh", dir], { cwd: ROOT, encoding: "utf8" });
    if (tar.status !== 0) throw new Error(`git archive ${commit} failed: ${tail(tar.stderr, 3)}`);
    fs.symlinkSync(fs.realpathSync(path.join(ROOT, "node_modules")), path.join(dir, "node_modules"));
    return { dir, commit: commit.slice(0, 7), subject: git(["log", "-1", "--format=%s", commit]) };
}

/**
 * `npm test` here and in the base tree alternately (here, base, here, base, ...), then
 * `npm run test:all` here. The base runs its own `npm test` script, whatever it was then.
 */
function measureTests(opts: BenchOptions): NonNullable<BenchResults["tests"]> {
    const unit = emptySuite("npm test");
    const all = emptySuite("npm run test:all");
    const ref = opts.base === false ? undefined : (opts.base ?? defaultBaseRef());
    const base = ref === undefined ? undefined : baselineTree(ref);
    const baseline = base && { ref: ref!, commit: base.commit, subject: base.subject, unit: emptySuite("npm test") };
    try {
        for (let i = 0; i < opts.runs.tests; i++) {
            opts.log(`tests: npm test run ${i + 1}/${opts.runs.tests}`);
            add(unit, runSuite("test", ROOT));
            if (base && baseline) {
                opts.log(`tests: npm test at ${ref} (${base.commit}) run ${i + 1}/${opts.runs.tests}`);
                add(baseline.unit, runSuite("test", base.dir));
            }
        }
        for (let i = 0; i < opts.runs.tests; i++) {
            opts.log(`tests: npm run test:all run ${i + 1}/${opts.runs.tests}`);
            add(all, runSuite("test:all", ROOT));
        }
    } finally {
        if (base) fs.rmSync(base.dir, { recursive: true, force: true });
    }
    return { unit, all, baseline };
}

/**
 * The order of the fleet runs: round by round, every size in each round. A slow stretch of the
 * shared machine then touches every size about alike instead of all the runs of one size, which
 * would tilt the slope fitted over N. `size` is the index into `sizes`.
 */
export function scaleSchedule(sizes: readonly number[], runs: number): { size: number; n: number; run: number }[] {
    return Array.from({ length: runs }, (_, run) => sizes.map((n, size) => ({ size, n, run }))).flat();
}

export function runBench(script: string, command: string, opts: BenchOptions): BenchResults {
    const m = machine(command);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    const launcher = renderLauncher(opts.renderScript ?? pkg.scripts.render, path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"));
    const startup = measureStartup(opts);
    opts.log("imports: profile of index.ts");
    const imports = child<ImportJobResult>(launcher, script, ["imports"]);
    const { render, floor } = measureRenderAndFloor(opts, launcher);
    const renderJobs: RenderJobResult[] = [];
    for (let i = 0; i < opts.runs.render; i++) {
        opts.log(`evaluation: every stack, run ${i + 1}/${opts.runs.render}`);
        renderJobs.push(child<RenderJobResult>(launcher, script, ["render"]));
    }
    const scale: ScaleJobResult[][] = opts.sizes.map(() => []);
    for (const { size, n, run } of scaleSchedule(opts.sizes, opts.runs.scale)) {
        opts.log(`scale: N=${n} run ${run + 1}/${opts.runs.scale}`);
        scale[size].push(child<ScaleJobResult>(launcher, script, ["scale", String(n)]));
    }
    const tests = opts.skipTests ? undefined : measureTests(opts);
    m.loadAfter = os.loadavg()[0];
    return {
        machine: m,
        quick: opts.quick,
        renderScript: launcher.script,
        startup: startup.samples,
        buildMs: startup.buildMs,
        imports,
        floor,
        renderProcess: render,
        renderJobs,
        scale,
        tests,
    };
}
