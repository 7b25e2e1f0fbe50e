import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { parseBenchArgs } from "../../../tools/bench/cli";
import { clusterName, generateFleet, pulumiConfigEnv } from "../../../tools/bench/fleet";
import { pulumiPackageCounts } from "../../../tools/bench/imports";
import type { ScaleJobResult } from "../../../tools/bench/jobs";
import { BenchResults, formatReport, verdicts } from "../../../tools/bench/report";
import { testSummary } from "../../../tools/bench/run";
import { childrenCpuMs, linearity, median } from "../../../tools/bench/stats";
import { CHOSEN_VARIANT, parseProbe, PROBE_PREFIX, STARTUP_VARIANTS, startupCommand } from "../../../tools/bench/startup";
import { readStackFile } from "../../../tools/render/render";
import { ROOT } from "../../support/fleet";

describe("bench: statistics and formatting", () => {
    it("takes the middle sample, or the mean of the middle two, whatever the order", () => {
        assert.equal(median([5, 1, 3]), 3);
        assert.equal(median([4, 1, 3, 2]), 2.5);
        assert.equal(median([7]), 7);
        assert.throws(() => median([]), /no samples/);
    });

    it("reads the waited-for children's CPU time from /proc/<pid>/stat, whatever the command name", () => {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime ...
        const stat = "4242 (node (x) y) S 1 2 3 4 5 6 7 8 9 10 11 12 130 27 20 0 1 0";
        assert.equal(childrenCpuMs(stat), 1570);
        assert.equal(childrenCpuMs(stat, 1000), 157);
        assert.throws(() => childrenCpuMs("1 (x) S 1"), /unexpected/);
    });

    it("calls a sweep with a fixed share plus a constant cost per cluster linear", () => {
        const lin = linearity([10, 50, 100, 200].map((n) => ({ n, ms: 400 + 60 * n })));
        assert.ok(lin.linear);
        assert.ok(Math.abs(lin.slopeMs - 60) < 1e-9 && Math.abs(lin.interceptMs - 400) < 1e-9);
        assert.ok(Math.abs(lin.marginalRatio - 1) < 1e-9);
        assert.deepEqual(lin.perCluster.map((p) => p.ms), [100, 68, 64, 62]);
    });

    it("flags a quadratic term even when it starts small", () => {
        const lin = linearity([10, 50, 100, 200].map((n) => ({ n, ms: 400 + 40 * n + 0.3 * n * n })));
        assert.equal(lin.linear, false);
        assert.ok(lin.marginalRatio > 2, `ratio ${lin.marginalRatio}`);
    });
});

describe("bench: generated fleets", () => {
    const hub = readStackFile(ROOT, "monitoring");
    const staging = readStackFile(ROOT, "staging");

    it("names clusters so they sort and are DNS labels", () => {
        assert.equal(clusterName(7), "c007");
        assert.equal(clusterName(200), "c200");
        assert.match(clusterName(1234), /^[a-z][a-z0-9-]*$/);
    });

    it("serves exactly the generated clusters from the hub, and points every agent stack at it", () => {
        const f = generateFleet(3, hub, staging);
        const agg = JSON.parse(f.hub.config["vector-fleet:aggregator"]) as { clusters: string[]; replicas: number };
        assert.deepEqual(agg.clusters, ["c001", "c002", "c003"]);
        assert.equal(agg.replicas, JSON.parse(hub.config["vector-fleet:aggregator"]).replicas, "the rest of the hub's config is kept");
        assert.deepEqual(
            f.sources.map((s) => [s.stack, s.config["vector-fleet:cluster"], s.config["vector-fleet:monitoringStack"], s.config["vector-fleet:kubeContext"]]),
            [
                ["c001", "c001", "monitoring", "c001-admin@c001"],
                ["c002", "c002", "monitoring", "c002-admin@c002"],
                ["c003", "c003", "monitoring", "c003-admin@c003"],
            ],
        );
        assert.equal(f.sources[0].config["vector-fleet:migration"], staging.config["vector-fleet:migration"], "agent tuning comes from the template");
        assert.equal(JSON.parse(hub.config["vector-fleet:aggregator"]).clusters.length, 3, "the template is not modified");
    });

    it("refuses templates of the wrong role and empty fleets", () => {
        assert.throws(() => generateFleet(2, staging, staging), /expected "hub"/);
        assert.throws(() => generateFleet(2, hub, hub), /expected "source"/);
        assert.throws(() => generateFleet(0, hub, staging), /positive integer/);
    });

    it("hands config to the program in the language host's namespace:config:key form", () => {
        assert.equal(pulumiConfigEnv({ "vector-fleet:role": "hub", "hcloud:token": "t" }), '{"vector-fleet:config:role":"hub","hcloud:config:token":"t"}');
        assert.throws(() => pulumiConfigEnv({ role: "hub" }), /no namespace/);
    });
});

describe("bench: start-up like the Pulumi language host", () => {
    const opts = { root: "/repo", runPath: "/repo/node_modules/@pulumi/pulumi/cmd/run", preload: "/p.cjs", stack: "monitoring", pulumiConfig: "{}" };
    const variant = (id: string) => STARTUP_VARIANTS.find((v) => v.id === id)!;

    it("puts nodeargs first, then the probe, then cmd/run with its flags and the entry last", () => {
        const c = startupCommand(variant("tsx-cjs"), opts);
        assert.deepEqual(c.args.slice(0, 5), ["--require", "tsx/cjs", "--require", "/p.cjs", opts.runPath]);
        assert.equal(c.args[c.args.length - 1], ".");
        assert.equal(c.args[c.args.indexOf("--pwd") + 1], "/repo");
        assert.equal(c.env.PULUMI_NODEJS_TYPESCRIPT, undefined, "typescript: false sets nothing");
    });

    it("asks cmd/run for ts-node exactly as typescript: true does, and can switch its check off", () => {
        assert.equal(startupCommand(variant("ts-node-check"), opts).env.PULUMI_NODEJS_TYPESCRIPT, "true");
        assert.equal(startupCommand(variant("ts-node-check-cold"), opts).env.TS_NODE_CACHE, "false", "ts-node 7 caches its output per file: cold means off");
        const t = startupCommand(variant("ts-node-transpile"), opts).env;
        assert.equal(t.PULUMI_NODEJS_TYPESCRIPT, "true");
        assert.equal(t.PULUMI_NODEJS_TRANSPILE_ONLY, "true");
    });

    it("runs the precompiled variant from the emitted index.js", () => {
        const c = startupCommand(variant("precompiled"), opts);
        assert.equal(c.args[c.args.length - 1], ".scratch/bench-dist/index.js");
        assert.equal(c.env.BENCH_PROBE_PROGRAM, "/repo/.scratch/bench-dist/index.js");
    });

    it("reads the probe's report from stderr, and nothing when the child died first", () => {
        const report = { loadedMs: 900, exitMs: 1200, resources: 52, maxRssBytes: 1, code: 0 };
        assert.deepEqual(parseProbe(`warning: x\n${PROBE_PREFIX}${JSON.stringify(report)}\n`), report);
        assert.equal(parseProbe("Error: boom\n"), undefined);
    });

    it("configures Pulumi.yaml with the variant the docs call chosen, and tsx provides it", () => {
        const project = parseYaml(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { runtime: { name: string; options: Record<string, unknown> } };
        const chosen = STARTUP_VARIANTS.filter((v) => v.id === CHOSEN_VARIANT);
        assert.equal(chosen.length, 1);
        assert.ok(chosen[0].label.includes("chosen"));
        assert.equal(project.runtime.name, "nodejs");
        assert.equal(project.runtime.options.typescript, chosen[0].typescript);
        assert.equal(project.runtime.options.nodeargs, chosen[0].nodeargs.join(" "));
        assert.ok(require.resolve(chosen[0].nodeargs[1], { paths: [ROOT] }));
        const doc = fs.readFileSync(path.join(ROOT, "docs", "performance.md"), "utf8");
        assert.ok(doc.includes(`nodeargs: "${chosen[0].nodeargs.join(" ")}"`), "docs/performance.md shows the configured nodeargs");
    });
});

describe("bench: command line", () => {
    it("runs everything and writes the docs by default; --quick prints only", () => {
        assert.deepEqual(parseBenchArgs([]), { kind: "bench", quick: false, sizes: undefined, runs: undefined, variants: undefined, tests: true, write: true });
        assert.equal((parseBenchArgs(["--quick"]) as { write: boolean }).write, false);
        assert.equal((parseBenchArgs(["--quick", "--write"]) as { write: boolean }).write, true);
    });

    it("parses sizes, runs, variants and child jobs, and rejects what it does not know", () => {
        assert.deepEqual((parseBenchArgs(["--sizes", "10,20", "--runs", "2"]) as { sizes: number[] }).sizes, [10, 20]);
        assert.deepEqual(parseBenchArgs(["--child", "scale", "50"]), { kind: "child", job: "scale", n: 50 });
        assert.deepEqual(parseBenchArgs(["--child", "imports"]), { kind: "child", job: "imports" });
        assert.deepEqual(parseBenchArgs(["--help"]), { kind: "help" });
        assert.throws(() => parseBenchArgs(["--sizes", "10"]), /at least two sizes/);
        assert.throws(() => parseBenchArgs(["--sizes", "10,x"]), /positive integers/);
        assert.throws(() => parseBenchArgs(["--variants", "nope"]), /unknown "nope"/);
        assert.throws(() => parseBenchArgs(["--fast"]), /unknown argument "--fast"/);
    });

    it("finds mocha's counts in the test suite's output", () => {
        assert.equal(testSummary("  ....\n\n  183 passing (6s)\n  2 pending\n"), "183 passing (6s), 2 pending");
        assert.equal(testSummary("npm ERR!"), "no mocha summary found");
    });

    it("counts loaded files per @pulumi package", () => {
        const files = ["/r/node_modules/@pulumi/pulumi/index.js", "/r/node_modules/@pulumi/pulumi/output.js", "/r/node_modules/@pulumi/kubernetes/core/v1/pod.js", "/r/index.ts"];
        assert.deepEqual(pulumiPackageCounts(files), { "@pulumi/pulumi": 2, "@pulumi/kubernetes": 1 });
    });
});

describe("bench: report", () => {
    const scaleRun = (n: number, totalMs: number): ScaleJobResult => ({
        n,
        importMs: 100,
        hubMs: totalMs / 2,
        sourcesMs: totalMs / 2,
        totalMs,
        resources: 20 * n + 40,
        hubOutputBytes: 1000,
        maxRssBytes: 200 * 2 ** 20,
    });
    const results = (over: Partial<BenchResults>): BenchResults => ({
        machine: { date: "2026-01-01 00:00 UTC", cpu: "CPU", cores: 2, memoryBytes: 2 ** 34, node: "20", os: "Linux", loadBefore: 0.5, loadAfter: 0.7, commit: "abc", command: "npm run bench" },
        quick: false,
        startup: [{ id: "tsx-cjs", label: "chosen", wallMs: [1700, 1600, 1800], cpuMs: [1500, 1400, 1450], loadedMs: [1300, 1200, 1400], maxRssBytes: [2 ** 28], resources: 52 }],
        renderProcessMs: [1500, 1600, 1700],
        renderProcessCpuMs: [1400, 1500, 1450],
        renderJobs: [{ importMs: 100, stacks: [{ stack: "monitoring", ms: 300, resources: 52 }], validateMs: 60, maxRssBytes: 1 }],
        scale: [10, 50, 100, 200].map((n) => [scaleRun(n, 500 + 80 * n), scaleRun(n, 520 + 80 * n)]),
        tests: {
            unit: { command: "npm test", wallMs: [2500, 3100, 2600], cpuMs: [3000, 3100, 3200], passed: true, summary: "150 passing" },
            all: { command: "npm run test:all", wallMs: [9000, 11000, 9500], cpuMs: [8000, 8100, 8200], passed: true, summary: "200 passing" },
        },
        ...over,
    });

    it("judges each target on the medians and says which are met", () => {
        const v = verdicts(results({}));
        assert.deepEqual(v.render, { ms: 1600, met: true });
        assert.deepEqual(v.validator, { ms: 60, met: true });
        const slowValidator = results({}).renderJobs.map((j) => ({ ...j, validateMs: 180 }));
        assert.equal(verdicts(results({ renderJobs: slowValidator })).validator?.met, false, "the validator has its own 150 ms budget");
        assert.equal(v.scale?.ms, 510 + 8000 + 100, "the N=100 median plus the import");
        assert.equal(v.scale?.met, true);
        assert.deepEqual(v.tests, { unit: { ms: 2600, met: true, passed: true }, all: { ms: 9500, met: true, passed: true } });
        assert.equal(verdicts(results({ renderProcessMs: [2100, 2500, 1900] })).render.met, false);
        const failing = { command: "npm test", wallMs: [1000], cpuMs: [900], passed: false, summary: "1 failing" };
        assert.equal(verdicts(results({ tests: { unit: failing, all: { ...failing, command: "npm run test:all" } } })).tests?.unit.met, false, "failing tests miss the target");
        const slowUnit = { command: "npm test", wallMs: [3200], cpuMs: [4000], passed: true, summary: "150 passing" };
        assert.equal(verdicts(results({ tests: { unit: slowUnit, all: results({}).tests!.all } })).tests?.unit.met, false, "the unit tier has its own, tighter target");
    });

    it("does not call a fleet sweep linear when the cost per cluster grows with N", () => {
        const v = verdicts(results({ scale: [10, 50, 100, 200].map((n) => [scaleRun(n, 500 + 30 * n + 0.5 * n * n)]) }));
        assert.equal(v.scale?.linear.linear, false);
        assert.equal(v.scale?.met, false);
    });

    it("extrapolates the 100-cluster figure when the sweep did not include it", () => {
        const v = verdicts(results({ scale: [5, 20].map((n) => [scaleRun(n, 500 + 80 * n)]) }));
        assert.ok(Math.abs((v.scale?.ms ?? 0) - (500 + 8000 + 100)) < 1e-6);
    });

    it("prints every section with the machine, and the figures it was given", () => {
        const text = formatReport(results({}));
        for (const heading of ["### Targets", "### Start-up", "### Program evaluation per stack", "### Scaling with fleet size", "### Test suite"]) assert.ok(text.includes(heading), heading);
        assert.ok(text.includes("CPU (2 cores)"));
        assert.ok(text.includes("| 100 | 101 | 2040 | 8.51 s | 85 ms |"), "the N=100 row");
        assert.ok(text.includes("| chosen | 1.70 s | 1.45 s | 1.30 s | 256 MiB |"), "start-up medians");
        assert.ok(text.includes("9.50 s wall, 8.10 s CPU, median of 3 runs"));
        assert.ok(text.includes("1.60 s (CPU 1.45 s)"), "the render target with its CPU time");
        assert.ok(text.includes("| Vector validator's share of that render (every config of every stack, data load included) | < 150 ms | 60 ms | yes |"), "the validator's row");
    });
});
