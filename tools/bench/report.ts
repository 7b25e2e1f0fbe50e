/**
 * Turns the bench's raw samples into the Markdown that `npm run bench` prints and writes to
 * docs/performance.md. Pure: every figure in the output comes from the samples passed in.
 */
import type { ImportJobResult } from "./imports";
import type { RenderJobResult, ScaleJobResult } from "./jobs";
import { formatBytes, formatMs } from "../shared/format";
import { markdownTable } from "../shared/markdown";
import { linearity, Linearity, median } from "./stats";

export interface Machine {
    date: string;
    cpu: string;
    cores: number;
    memoryBytes: number;
    node: string;
    os: string;
    /** 1-minute load average before and after the bench: other work on the machine skews figures. */
    loadBefore: number;
    loadAfter: number;
    commit: string;
    command: string;
}

export interface StartupSamples {
    id: string;
    label: string;
    wallMs: number[];
    cpuMs: number[];
    loadedMs: number[];
    maxRssBytes: number[];
    resources: number;
    /** Why the variant could not be measured, if it could not. */
    failure?: string;
}

/** Where the fleet-level checks live (issue 18 item 2): the program's config module. */
export const FLEET_CHECK_MODULE = "config/fleet";

/**
 * The floor of any Pulumi program: a fresh node loading @pulumi/pulumi and @pulumi/kubernetes, no
 * loader hooks, nothing evaluated. The render's target is a multiple of it, measured in the same run.
 */
export const FLOOR_SOURCE = 'require("@pulumi/pulumi"); require("@pulumi/kubernetes");';

/** Wall and CPU time of the runs of one command, each a fresh process. */
export interface Samples {
    wallMs: number[];
    /** User + system time of the process and everything it waited for; NaN where unreadable. */
    cpuMs: number[];
}

/** The runs of one test command. */
export interface TestSuiteSamples extends Samples {
    command: string;
    passed: boolean;
    summary: string;
}

export type ScaleRun = ScaleJobResult & { processCpuMs?: number };

export interface BenchResults {
    machine: Machine;
    quick: boolean;
    /** How `npm run render` starts the renderer; the render, evaluation and fleet children start the same way. */
    renderScript: string;
    startup: StartupSamples[];
    /** `tsc -p tsconfig.build.json` wall time, the build step the precompiled variant needs. */
    buildMs?: number;
    imports?: ImportJobResult;
    /** A fresh node loading @pulumi/pulumi and @pulumi/kubernetes, run for run beside the render. */
    floor: Samples;
    /** `npm run render` of the repo's stacks as a whole process, per run. */
    renderProcess: Samples;
    renderJobs: RenderJobResult[];
    /** Per fleet size, per run; processCpuMs is the whole child process's CPU time. */
    scale: ScaleRun[][];
    /**
     * `npm test` (the unit tier) and `npm run test:all` (both tiers, as CI runs them); the unit
     * tier of a base commit, run for run beside this tree's.
     */
    tests?: { unit: TestSuiteSamples; all: TestSuiteSamples; baseline?: { ref: string; commit: string; subject: string; unit: TestSuiteSamples } };
}

/**
 * Issue 18 item 4 and issue 17 ("the full suite is no slower"), plus the older budgets that still
 * stand. The render and the test suite are judged as ratios to something measured in the same run.
 */
export const TARGETS = {
    /** The four-stack render over the floor (node loading the two Pulumi SDKs). */
    renderOverFloor: 1.5,
    /** What the Vector validator may add to the four-stack render (issue: engine rules in every render). */
    validatorMs: 150,
    /** Per added source cluster (its hub's share included), linear up to scaleN. */
    perClusterMs: 35,
    scaleN: 200,
    /** Peak resident memory of the render of scaleN clusters, in one process. */
    peakRssBytes: 400 * 2 ** 20,
    /** The fleet-level checks over scaleN clusters' stacks: loading them and one call. */
    fleetCheckMs: 100,
    /** `npm test` here over `npm test` in the tree before the layout change. */
    unitOverBase: 1.0,
    /** The unit tier: fast enough to run on every save. */
    unitTestsMs: 3000,
    /** Both tiers, integration included. */
    testsMs: 10_000,
};

/** One target: met, missed, or not measured in this run (met undefined, with the reason as `measured`). */
export interface Verdict {
    what: string;
    target: string;
    measured: string;
    met?: boolean;
}

/** The median of pairwise ratios a[i] / b[i]: each pair ran back to back, so drift cancels. */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
    const n = Math.min(a.length, b.length);
    if (n === 0) return NaN;
    return median(Array.from({ length: n }, (_, i) => a[i] / b[i]));
}

const finite = (xs: readonly number[]) => xs.length > 0 && xs.every(Number.isFinite);

/**
 * Time targets are judged on CPU time where it could be read, wall time otherwise: on a shared
 * two-core machine the wall time of a run measures the other work as much as ours, while the CPU
 * time of a mostly single-threaded process is about its wall time on an idle machine, or more.
 */
function judged(s: Samples): { xs: number[]; basis: "CPU" | "wall" } {
    return finite(s.cpuMs) ? { xs: s.cpuMs, basis: "CPU" } : { xs: s.wallMs, basis: "wall" };
}

/** Scale figures of one fleet size, medians over its runs. */
export function scaleMedians(runs: readonly ScaleRun[]): ScaleRun & { processCpuMs: number } {
    if (runs.length === 0) throw new Error("no scale runs");
    const m = (f: (r: ScaleRun) => number) => median(runs.map(f));
    return {
        ...runs[0],
        importMs: m((r) => r.importMs),
        readMs: m((r) => r.readMs),
        renderMs: m((r) => r.renderMs),
        renderCpuMs: m((r) => r.renderCpuMs),
        maxRssBytes: m((r) => r.maxRssBytes),
        processCpuMs: m((r) => r.processCpuMs ?? NaN),
    };
}

/** The cost per added cluster: the fitted slope of the render's time over N, and whether it is linear. */
export function perCluster(r: BenchResults): { basis: "CPU" | "wall"; lin: Linearity; maxN: number } | undefined {
    const scale = r.scale.filter((runs) => runs.length > 0).map(scaleMedians);
    if (scale.length < 2) return undefined;
    const cpu = scale.every((s) => Number.isFinite(s.renderCpuMs));
    return {
        basis: cpu ? "CPU" : "wall",
        lin: linearity(scale.map((s) => ({ n: s.n, ms: cpu ? s.renderCpuMs : s.renderMs }))),
        maxN: Math.max(...scale.map((s) => s.n)),
    };
}

/** "1.20 s", or "n/a" where CPU time could not be read. */
function cpu(samples: readonly number[]): string {
    const v = samples.length ? median(samples) : NaN;
    return Number.isFinite(v) ? formatMs(v) : "n/a";
}

const ratio = (x: number) => `${x.toFixed(2)}x`;

export function verdicts(r: BenchResults): Verdict[] {
    const out: Verdict[] = [];
    const rj = judged(r.renderProcess);
    const fj = judged(r.floor);
    const over = pairedRatio(rj.xs, fj.xs);
    out.push({
        what: `four-stack render (\`npm run render\`, whole process) over the floor (fresh node loading @pulumi/pulumi and @pulumi/kubernetes), run for run`,
        target: `≤ ${ratio(TARGETS.renderOverFloor)}`,
        measured: Number.isFinite(over)
            ? `${ratio(over)} on ${rj.basis} (render ${formatMs(median(rj.xs))}, floor ${formatMs(median(fj.xs))}); wall ${ratio(pairedRatio(r.renderProcess.wallMs, r.floor.wallMs))}`
            : "not measured",
        met: Number.isFinite(over) ? over <= TARGETS.renderOverFloor : undefined,
    });
    if (r.renderJobs.length > 0) {
        const vj = judged({ wallMs: r.renderJobs.map((j) => j.validateMs), cpuMs: r.renderJobs.map((j) => j.validateCpuMs ?? NaN) });
        const ms = median(vj.xs);
        out.push({
            what: "Vector validator's share of that render (every config of every stack, data load included)",
            target: `< ${formatMs(TARGETS.validatorMs)}`,
            measured: `${formatMs(ms)} on ${vj.basis}${vj.basis === "CPU" ? ` (wall ${formatMs(median(r.renderJobs.map((j) => j.validateMs)))})` : ""}`,
            met: ms < TARGETS.validatorMs,
        });
    }
    const pc = perCluster(r);
    const reached = pc !== undefined && pc.maxN >= TARGETS.scaleN;
    out.push({
        what: `cost per added source cluster (its hub's share included), fitted over the sweep, linear to N=${TARGETS.scaleN}`,
        target: `≤ ${TARGETS.perClusterMs} ms, linear`,
        measured: pc
            ? `${pc.lin.slopeMs.toFixed(1)} ms on ${pc.basis}; marginal cost ratio ${pc.lin.marginalRatio.toFixed(2)} (${pc.lin.linear ? "linear" : "grows faster than linear"})` +
              (reached ? "" : `; the sweep stopped at N=${pc.maxN}`)
            : "not measured (fewer than two fleet sizes)",
        met: pc && reached ? pc.lin.slopeMs <= TARGETS.perClusterMs && pc.lin.linear : undefined,
    });
    const atN = r.scale.find((runs) => runs[0]?.n === TARGETS.scaleN);
    const big = atN && scaleMedians(atN);
    out.push({
        what: `peak memory of the render of N=${TARGETS.scaleN} (one process, max RSS)`,
        target: `< ${formatBytes(TARGETS.peakRssBytes)}`,
        measured: big ? formatBytes(big.maxRssBytes) : `not measured (no N=${TARGETS.scaleN} in the sweep)`,
        met: big ? big.maxRssBytes < TARGETS.peakRssBytes : undefined,
    });
    const fc = big?.fleetCheck;
    // What the checks add to a render: checkFleet's call; reading the files is the render's own work.
    const fcMs = fc && (Number.isFinite(fc.cpuMs) ? fc.cpuMs : fc.ms);
    out.push({
        what: `fleet-level checks over the N=${TARGETS.scaleN} fleet's ${big ? big.n + big.hubs : TARGETS.scaleN} stacks (checkFleet over the loaded stacks)`,
        target: `< ${formatMs(TARGETS.fleetCheckMs)}`,
        measured:
            !big || !fc
                ? `not measured (no N=${TARGETS.scaleN} in the sweep)`
                : `${formatMs(fcMs!)} on CPU (wall ${formatMs(fc.ms)}), ${fc.fn}; reading the files, which the render does anyway: ${formatMs(fc.loadCpuMs)}`,
        met: fcMs === undefined ? undefined : fcMs < TARGETS.fleetCheckMs,
    });
    const t = r.tests;
    if (t?.baseline) {
        const hj = judged(t.unit);
        const bj = judged(t.baseline.unit);
        const x = pairedRatio(hj.xs, bj.xs);
        out.push({
            what: `unit tests (\`npm test\`) over the same at ${t.baseline.ref} (${t.baseline.commit}), run for run`,
            target: `≤ ${ratio(TARGETS.unitOverBase)}`,
            measured: `${ratio(x)} on ${hj.basis} (${formatMs(median(hj.xs))} against ${formatMs(median(bj.xs))}); wall ${ratio(pairedRatio(t.unit.wallMs, t.baseline.unit.wallMs))}`,
            met: Number.isFinite(x) ? x <= TARGETS.unitOverBase : undefined,
        });
    } else
        out.push({
            what: "unit tests (`npm test`) over the tree before the layout change",
            target: `≤ ${ratio(TARGETS.unitOverBase)}`,
            measured: t ? "not measured (--no-base)" : "not measured (--no-tests)",
        });
    if (t) {
        for (const [s, ms, what] of [
            [t.unit, TARGETS.unitTestsMs, "unit tests"],
            [t.all, TARGETS.testsMs, "all tests, both tiers"],
        ] as const) {
            const wall = median(s.wallMs);
            out.push({
                what: `${what} (\`${s.command}\`; wall, as this older budget is stated)`,
                target: `< ${formatMs(ms)}`,
                measured: `${formatMs(wall)} (CPU ${cpu(s.cpuMs)})`,
                met: wall < ms,
            });
        }
        out.push({
            what: "the test suite passes",
            target: "every test",
            measured: [t.unit, t.all].map((s) => `\`${s.command}\`: ${s.passed ? "" : "**FAILED**, "}${s.summary}`).join("; "),
            met: t.unit.passed && t.all.passed,
        });
    }
    return out;
}

/** The targets this run measured and missed (failing tests included). */
export function missedTargets(v: readonly Verdict[]): Verdict[] {
    return v.filter((x) => x.met === false);
}

/** `npm run bench`'s exit status: 0 when every measured target is met and the tests pass, 1 otherwise. */
export function exitCode(r: BenchResults): number {
    return missedTargets(verdicts(r)).length > 0 ? 1 : 0;
}

const yesNo = (ok: boolean | undefined) => (ok === undefined ? "not measured" : ok ? "yes" : "**no**");

export function formatReport(r: BenchResults): string {
    const v = verdicts(r);
    const m = r.machine;
    const parts: string[] = [];
    parts.push(
        `Measured ${m.date} by \`${m.command}\`${r.quick ? " (**--quick**: fewer runs, smaller fleets; a sanity check, not the reference figures)" : ""} ` +
            `at commit ${m.commit}, on ${m.cpu} (${m.cores} cores), ${formatBytes(m.memoryBytes)} memory, Node ${m.node}, ${m.os}. ` +
            `Load average (1 min) ${m.loadBefore.toFixed(2)} before, ${m.loadAfter.toFixed(2)} after: other work on the machine inflates wall times. ` +
            `Every figure is the median of its runs; each run is a fresh process. The render and the fleet runs start as \`npm run render\` does: \`${r.renderScript}\`.\n`,
    );

    const missed = missedTargets(v);
    parts.push(
        `### Targets\n\nTime targets are judged on CPU time (user + system of the process and its children), wall time beside it: on this shared machine ` +
            `wall time measures the other work as much as ours. Ratios are medians of run-for-run pairs measured back to back in this run. ` +
            `${missed.length === 0 ? "Every measured target is met." : `**${missed.length} missed**: \`npm run bench\` exits 1.`}\n\n` +
            markdownTable(
                ["what", "target", "measured", "met"],
                v.map((x) => [x.what, x.target, x.measured, yesNo(x.met)]),
            ),
    );

    const startRows = r.startup.map((s) =>
        s.failure
            ? [s.label, "failed", "", "", "", s.failure]
            : [
                  s.label,
                  formatMs(median(s.wallMs)),
                  cpu(s.cpuMs),
                  formatMs(median(s.loadedMs)),
                  formatBytes(median(s.maxRssBytes)),
                  `${s.wallMs.length} runs, ${s.resources} resources`,
              ],
    );
    parts.push(
        `### Start-up under the language host's entry point (monitoring stack)\n\n` +
            `\`node <nodeargs> @pulumi/pulumi/cmd/run ... <entry>\` as pulumi-language-nodejs launches it, with mocks instead of an engine. ` +
            `"program loaded" is when index.ts and everything it imports had been required; "total" is until the process exited with every resource registered. ` +
            `Each variant had one unmeasured warm-up run first; "cold" variants switch their transform cache off.` +
            (r.buildMs !== undefined
                ? ` The precompiled variant first needs \`tsc -p tsconfig.build.json\`: ${formatMs(r.buildMs)} here (not included).`
                : "") +
            `\n\n${markdownTable(["runtime (Pulumi.yaml)", "total (wall)", "CPU", "program loaded", "peak RSS", "samples"], startRows, ["l", "r", "r", "r", "r", "l"])}`,
    );

    if (r.imports) {
        const rows = r.imports.steps.map((s) => [s.module, formatMs(s.ms), String(s.modules)]);
        const lazy = Object.entries(r.imports.pulumiPackageFiles).map(([p, c]) => `${p} ${c.afterImport} → ${c.afterRun}`);
        parts.push(
            `### What importing index.ts costs (started as the render is, in import order)\n\n` +
                `A package a preload already loaded costs next to nothing here.\n\n${markdownTable(["module", "added", "modules loaded"], rows, ["l", "r", "r"])}\n` +
                `Files of each @pulumi package after the import → after evaluating the hub (lazily loaded resource modules show as the difference): ${lazy.join("; ")}.\n`,
        );
    }

    if (r.renderProcess.wallMs.length > 0) {
        const row = (what: string, s: Samples) => [what, formatMs(median(s.wallMs)), cpu(s.cpuMs), s.wallMs.map(formatMs).join(", ")];
        parts.push(
            `### The render beside the floor\n\n` +
                `Alternately, one unmeasured warm-up of each first: the floor (\`node -e '${FLOOR_SOURCE}'\` in the repo, no loader hooks: what any Pulumi program pays before it does anything) ` +
                `and \`npm run render\` of every stack as a whole process (\`${r.renderScript} --out <tmp>\`).\n\n` +
                markdownTable(["process", "wall", "CPU", "runs (wall)"], [row("floor", r.floor), row("npm run render", r.renderProcess)], ["l", "r", "r", "l"]),
        );
    }

    if (r.renderJobs.length > 0) {
        const stacks = r.renderJobs[0].stacks.map((s) => s.stack);
        const rows = stacks.map((stack) => {
            const ms = r.renderJobs.map((j) => j.stacks.find((s) => s.stack === stack)?.ms ?? NaN);
            return [stack, formatMs(median(ms)), String(r.renderJobs[0].stacks.find((s) => s.stack === stack)?.resources ?? "")];
        });
        rows.push(["import of index.ts (once per process)", formatMs(median(r.renderJobs.map((j) => j.importMs))), ""]);
        parts.push(
            `### Program evaluation per stack under mocks\n\n` +
                `Evaluation and rendering to files in memory, stacks in render order (the hub first; the first stack also pays for Pulumi's runtime warming up), wall time.\n\n` +
                markdownTable(["stack", "evaluation + render", "resources"], rows, ["l", "r", "r"]),
        );
    }

    const scale = r.scale.filter((runs) => runs.length > 0).map(scaleMedians);
    if (scale.length > 0) {
        const rows = scale.map((s) => [
            String(s.n),
            String(s.hubs),
            String(s.n + s.hubs),
            String(s.resources),
            formatMs(s.renderMs),
            formatMs(s.renderCpuMs),
            formatMs(s.renderCpuMs / s.n),
            formatMs(s.readMs),
            formatBytes(s.maxRssBytes),
            Number.isFinite(s.processCpuMs) ? formatMs(s.processCpuMs) : "n/a",
        ]);
        const pc = perCluster(r);
        const checks = scale.map((s) => `N=${s.n}: ${formatMs(s.fleetCheck.cpuMs)} CPU (reading the files before it: ${formatMs(s.fleetCheck.loadCpuMs)})`);
        parts.push(
            `### Scaling with fleet size\n\n` +
                `N source clusters (copies of the repository's first source stack file by name) and the hubs they need (copies of its first hub stack file, at most 15 clusters each: ` +
                `one lb31 load balancer carries 30 services, two per cluster, docs/identity.md), written as stack files and rendered by the renderer's \`renderFleet\` ` +
                `(Pulumi CLI checks, evaluation, files, Vector validator) in one process per N and run (${r.scale[0]?.length ?? 0} run(s) each, the sizes taken in turn each round). ` +
                `Times exclude the import of index.ts (${formatMs(median(scale.map((s) => s.importMs)))}); "read" is every stack file through the one reader.\n\n` +
                markdownTable(
                    ["N", "hubs", "stacks", "resources", "render (wall)", "render (CPU)", "CPU per cluster", "read", "peak RSS", "process CPU"],
                    rows,
                    ["r", "r", "r", "r", "r", "r", "r", "r", "r", "r"],
                ) +
                (pc
                    ? `\nLeast-squares fit on ${pc.basis}: ${formatMs(pc.lin.interceptMs)} + ${pc.lin.slopeMs.toFixed(1)} ms × N. Marginal cost per cluster, last step over first: ${pc.lin.marginalRatio.toFixed(2)} ` +
                      `(${pc.lin.linear ? "flat: no quadratic step" : "growing: something is worse than linear"}).\n`
                    : "") +
                `\nFleet-level checks (\`${FLEET_CHECK_MODULE}\`), before the render: ${checks.join("; ")}.\n`,
        );
    }

    if (r.tests) {
        const line = (t: TestSuiteSamples, where = "") =>
            `- \`${t.command}\`${where}: ${formatMs(median(t.wallMs))} wall, ${cpu(t.cpuMs)} CPU, median of ${t.wallMs.length} runs (wall ${t.wallMs.map(formatMs).join(", ")}; CPU ${t.cpuMs.map((x) => (Number.isFinite(x) ? formatMs(x) : "n/a")).join(", ")}); ${t.passed ? "" : "**FAILED**: "}${t.summary}.`;
        const b = r.tests.baseline;
        parts.push(
            `### Test suite\n\n${line(r.tests.unit)}\n` +
                (b ? `${line(b.unit, ` at ${b.ref} (${b.commit}, "${b.subject}"), run for run beside the line above`)}\n` : "") +
                `${line(r.tests.all)}\n`,
        );
    }
    return parts.join("\n");
}
