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

/** The runs of one test command. */
export interface TestSuiteSamples {
    command: string;
    wallMs: number[];
    cpuMs: number[];
    passed: boolean;
    summary: string;
}

export interface BenchResults {
    machine: Machine;
    quick: boolean;
    startup: StartupSamples[];
    /** `tsc -p tsconfig.build.json` wall time, the build step the precompiled variant needs. */
    buildMs?: number;
    imports?: ImportJobResult;
    /** `npm run render` of the repo's stacks as a whole process, per run. */
    renderProcessMs: number[];
    renderProcessCpuMs: number[];
    renderJobs: RenderJobResult[];
    /** Per size, per run; processCpuMs is the whole child process's CPU time. */
    scale: (ScaleJobResult & { processCpuMs?: number })[][];
    /** `npm test` (the unit tier) and `npm run test:all` (both tiers, as CI runs them). */
    tests?: { unit: TestSuiteSamples; all: TestSuiteSamples };
}

export const TARGETS = {
    renderMs: 2000,
    /** What the Vector validator may add to the four-stack render (issue: engine rules in every render). */
    validatorMs: 150,
    scaleN: 100,
    scaleMs: 15_000,
    /** The unit tier: fast enough to run on every save. */
    unitTestsMs: 3000,
    /** Both tiers, integration included. */
    testsMs: 10_000,
};

export interface TestVerdict {
    ms: number;
    met: boolean;
    passed: boolean;
}

export interface Verdicts {
    render: { ms: number; met: boolean };
    validator?: { ms: number; met: boolean };
    scale?: { n: number; ms: number; met: boolean; linear: Linearity };
    tests?: { unit: TestVerdict; all: TestVerdict };
}

/** Scale figures of one fleet size, medians over its runs. */
export function scaleMedians(runs: readonly (ScaleJobResult & { processCpuMs?: number })[]): ScaleJobResult & { processCpuMs: number } {
    if (runs.length === 0) throw new Error("no scale runs");
    const m = (f: (r: ScaleJobResult & { processCpuMs?: number }) => number) => median(runs.map(f));
    return {
        n: runs[0].n,
        importMs: m((r) => r.importMs),
        hubMs: m((r) => r.hubMs),
        sourcesMs: m((r) => r.sourcesMs),
        totalMs: m((r) => r.totalMs),
        resources: runs[0].resources,
        hubOutputBytes: runs[0].hubOutputBytes,
        maxRssBytes: m((r) => r.maxRssBytes),
        processCpuMs: m((r) => r.processCpuMs ?? NaN),
    };
}

/** "1.20 s", or "n/a" where CPU time could not be read. */
function cpu(samples: readonly number[]): string {
    const v = samples.length ? median(samples) : NaN;
    return Number.isFinite(v) ? formatMs(v) : "n/a";
}

export function verdicts(r: BenchResults): Verdicts {
    const renderMs = median(r.renderProcessMs);
    const out: Verdicts = { render: { ms: renderMs, met: renderMs < TARGETS.renderMs } };
    const validate = r.renderJobs.map((j) => j.validateMs).filter((ms) => Number.isFinite(ms));
    if (validate.length > 0) {
        const ms = median(validate);
        out.validator = { ms, met: ms < TARGETS.validatorMs };
    }
    const scale = r.scale.map(scaleMedians);
    if (scale.length >= 2) {
        const lin = linearity(scale.map((s) => ({ n: s.n, ms: s.totalMs })));
        const at = scale.find((s) => s.n === TARGETS.scaleN);
        // Without the target's size in the sweep (--quick), extrapolate along the fitted line.
        const ms = at ? at.totalMs + at.importMs : lin.interceptMs + lin.slopeMs * TARGETS.scaleN + median(scale.map((s) => s.importMs));
        out.scale = { n: TARGETS.scaleN, ms, met: ms < TARGETS.scaleMs && lin.linear, linear: lin };
    }
    if (r.tests) {
        const judge = (t: TestSuiteSamples, targetMs: number): TestVerdict => {
            const ms = median(t.wallMs);
            return { ms, met: ms < targetMs && t.passed, passed: t.passed };
        };
        out.tests = { unit: judge(r.tests.unit, TARGETS.unitTestsMs), all: judge(r.tests.all, TARGETS.testsMs) };
    }
    return out;
}

const yesNo = (ok: boolean) => (ok ? "yes" : "**no**");

export function formatReport(r: BenchResults): string {
    const v = verdicts(r);
    const m = r.machine;
    const parts: string[] = [];
    parts.push(
        `Measured ${m.date} by \`${m.command}\`${r.quick ? " (**--quick**: fewer runs, smaller fleets; a sanity check, not the reference figures)" : ""} ` +
            `at commit ${m.commit}, on ${m.cpu} (${m.cores} cores), ${formatBytes(m.memoryBytes)} memory, Node ${m.node}, ${m.os}. ` +
            `Load average (1 min) ${m.loadBefore.toFixed(2)} before, ${m.loadAfter.toFixed(2)} after: other work on the machine inflates wall times. ` +
            `Every figure is the median of its runs; each run is a fresh process.\n`,
    );

    const targetRows: string[][] = [
        [`four-stack render (\`npm run render\`, whole process)`, `< ${formatMs(TARGETS.renderMs)}`, `${formatMs(v.render.ms)} (CPU ${cpu(r.renderProcessCpuMs)})`, yesNo(v.render.met)],
    ];
    if (v.validator)
        targetRows.push([
            "Vector validator's share of that render (every config of every stack, data load included)",
            `< ${formatMs(TARGETS.validatorMs)}`,
            formatMs(v.validator.ms),
            yesNo(v.validator.met),
        ]);
    if (v.scale) {
        const ex = r.scale.some((runs) => runs[0]?.n === TARGETS.scaleN) ? "" : " (extrapolated)";
        targetRows.push([
            `${TARGETS.scaleN} agent clusters: hub + ${TARGETS.scaleN} agent stacks, import included`,
            `< ${formatMs(TARGETS.scaleMs)}, linear in N`,
            `${formatMs(v.scale.ms)}${ex}; marginal cost ratio ${v.scale.linear.marginalRatio.toFixed(2)} (${v.scale.linear.linear ? "linear" : "grows faster than linear"})`,
            yesNo(v.scale.met),
        ]);
    }
    if (v.tests && r.tests) {
        const row = (what: string, t: TestSuiteSamples, verdict: TestVerdict, targetMs: number) => [
            `${what} (\`${t.command}\`)`,
            `< ${formatMs(targetMs)}`,
            `${formatMs(verdict.ms)} (CPU ${cpu(t.cpuMs)})${verdict.passed ? "" : " (tests FAILED)"}`,
            yesNo(verdict.met),
        ];
        targetRows.push(row("unit tests", r.tests.unit, v.tests.unit, TARGETS.unitTestsMs), row("all tests, both tiers", r.tests.all, v.tests.all, TARGETS.testsMs));
    }
    parts.push(
        `### Targets\n\nJudged on wall time, as the targets are stated. CPU time (user + system of the process and its children) is shown beside it: ` +
            `on a shared machine it moves far less than wall time, so it is the better figure to compare runs by.\n\n${markdownTable(["what", "target", "measured (wall)", "met"], targetRows)}`,
    );

    const startRows = r.startup.map((s) =>
        s.failure
            ? [s.label, "failed", "", "", "", s.failure]
            : [s.label, formatMs(median(s.wallMs)), cpu(s.cpuMs), formatMs(median(s.loadedMs)), formatBytes(median(s.maxRssBytes)), `${s.wallMs.length} runs, ${s.resources} resources`],
    );
    parts.push(
        `### Start-up under the language host's entry point (monitoring stack)\n\n` +
            `\`node <nodeargs> @pulumi/pulumi/cmd/run ... <entry>\` as pulumi-language-nodejs launches it, with mocks instead of an engine. ` +
            `"program loaded" is when index.ts and everything it imports had been required; "total" is until the process exited with every resource registered. ` +
            `Each variant had one unmeasured warm-up run first; "cold" variants switch their transform cache off.` +
            (r.buildMs !== undefined ? ` The precompiled variant first needs \`tsc -p tsconfig.build.json\`: ${formatMs(r.buildMs)} here (not included).` : "") +
            `\n\n${markdownTable(["runtime (Pulumi.yaml)", "total (wall)", "CPU", "program loaded", "peak RSS", "samples"], startRows, ["l", "r", "r", "r", "r", "l"])}`,
    );

    if (r.imports) {
        const rows = r.imports.steps.map((s) => [s.module, formatMs(s.ms), String(s.modules)]);
        const lazy = Object.entries(r.imports.pulumiPackageFiles).map(([p, c]) => `${p} ${c.afterImport} → ${c.afterRun}`);
        parts.push(
            `### What importing index.ts costs (under tsx, in import order)\n\n${markdownTable(["module", "added", "modules loaded"], rows, ["l", "r", "r"])}\n` +
                `Files of each @pulumi package after the import → after evaluating the hub (lazily loaded resource modules show as the difference): ${lazy.join("; ")}.\n`,
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
                `Evaluation and rendering to files in memory, stacks in render order (the hub first; the first stack also pays for Pulumi's runtime warming up). ` +
                `The whole \`npm run render\` process took ${formatMs(median(r.renderProcessMs))} wall, ${cpu(r.renderProcessCpuMs)} CPU (${r.renderProcessMs.length} runs).\n\n` +
                markdownTable(["stack", "evaluation + render", "resources"], rows, ["l", "r", "r"]),
        );
    }

    const scale = r.scale.map(scaleMedians);
    if (scale.length > 0) {
        const rows = scale.map((s) => [
            String(s.n),
            String(s.n + 1),
            String(s.resources),
            formatMs(s.totalMs),
            formatMs(s.totalMs / s.n),
            formatMs(s.hubMs),
            formatMs(s.sourcesMs / s.n),
            formatBytes(s.maxRssBytes),
            formatBytes(s.hubOutputBytes),
            Number.isFinite(s.processCpuMs) ? formatMs(s.processCpuMs) : "n/a",
        ]);
        const lin = v.scale?.linear;
        parts.push(
            `### Scaling with fleet size\n\n` +
                `A hub serving N agent clusters plus the N agent stacks (copies of Pulumi.monitoring.yaml and Pulumi.staging.yaml), evaluated and rendered in one process per N ` +
                `(${r.scale[0]?.length ?? 0} runs each). Wall time excludes the import of index.ts (${formatMs(median(scale.map((s) => s.importMs)))}).\n\n` +
                markdownTable(
                    ["N", "stacks", "resources", "wall", "per cluster", "hub stack", "per agent stack", "peak RSS", "hub outputs", "process CPU"],
                    rows,
                    ["r", "r", "r", "r", "r", "r", "r", "r", "r", "r"],
                ) +
                (lin
                    ? `\nLeast-squares fit: ${formatMs(lin.interceptMs)} + ${lin.slopeMs.toFixed(1)} ms × N. Marginal cost per cluster, last step over first: ${lin.marginalRatio.toFixed(2)} ` +
                      `(${lin.linear ? "flat: no quadratic step" : "growing: something is worse than linear"}).\n`
                    : ""),
        );
    }

    if (r.tests) {
        const line = (t: TestSuiteSamples) =>
            `- \`${t.command}\`: ${formatMs(median(t.wallMs))} wall, ${cpu(t.cpuMs)} CPU, median of ${t.wallMs.length} runs (wall ${t.wallMs.map(formatMs).join(", ")}); ${t.summary}.`;
        parts.push(`### Test suite\n\n${line(r.tests.unit)}\n${line(r.tests.all)}\n`);
    }
    return parts.join("\n");
}
