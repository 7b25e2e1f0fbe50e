import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as os from "node:os";
import { parse as parseYaml } from "yaml";
import { LB_MAX_SERVICES, LB_SERVICES_PER_CLUSTER, parseStackConfig } from "../../../config/stack";
import { parseBenchArgs } from "../../../tools/bench/cli";
import { CLUSTERS_PER_HUB, clusterName, fleetTemplates, generateFleet, pulumiConfigEnv, writeFleet } from "../../../tools/bench/fleet";
import { pulumiPackageCounts } from "../../../tools/bench/imports";
import { ScaleJobResult, timeFleetCheck } from "../../../tools/bench/jobs";
import { BenchResults, exitCode, formatReport, missedTargets, pairedRatio, TARGETS, Verdict, verdicts } from "../../../tools/bench/report";
import { defaultOptions, renderLauncher, scaleSchedule, testSummary } from "../../../tools/bench/run";
import { childrenCpuMs, linearity, median } from "../../../tools/bench/stats";
import { CHOSEN_VARIANT, parseProbe, PROBE_PREFIX, STARTUP_VARIANTS, startupCommand } from "../../../tools/bench/startup";
import { listStacks, readStackFile, StackFile } from "../../../tools/render/render";
import { FIXTURE_FLEET, ROOT } from "../../support/fleet";

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
        assert.deepEqual(
            lin.perCluster.map((p) => p.ms),
            [100, 68, 64, 62],
        );
    });

    it("flags a quadratic term even when it starts small", () => {
        const lin = linearity([10, 50, 100, 200].map((n) => ({ n, ms: 400 + 40 * n + 0.3 * n * n })));
        assert.equal(lin.linear, false);
        assert.ok(lin.marginalRatio > 2, `ratio ${lin.marginalRatio}`);
    });
});

describe("bench: generated fleets", () => {
    const hub = readStackFile(FIXTURE_FLEET, "monitoring");
    const staging = readStackFile(FIXTURE_FLEET, "staging");

    it("names clusters so they sort and are DNS labels", () => {
        assert.equal(clusterName(7), "c007");
        assert.equal(clusterName(200), "c200");
        assert.match(clusterName(1234), /^[a-z][a-z0-9-]*$/);
    });

    const parse = (f: StackFile) => parseStackConfig({ values: f.config, isSecret: (k) => f.secretKeys.includes(k), project: "vector-fleet", stack: f.stack });

    it("gives a hub no more clusters than its largest load balancer carries, two ports each", () => {
        // config/stack.ts refuses a hub whose load balancer type has fewer services than 2 per cluster.
        assert.equal(CLUSTERS_PER_HUB, Math.floor(LB_MAX_SERVICES.lb31 / LB_SERVICES_PER_CLUSTER));
        for (const n of [1, CLUSTERS_PER_HUB, CLUSTERS_PER_HUB + 1, 200]) {
            const f = generateFleet(n, hub, staging);
            assert.equal(f.hubs.length, Math.ceil(n / CLUSTERS_PER_HUB), `N=${n}`);
            assert.equal(f.sources.length, n);
            for (const h of f.hubs) {
                const c = parse(h);
                assert.ok(c.role === "hub" && c.aggregator.clusters.length <= CLUSTERS_PER_HUB && c.aggregator.clusters.length > 0, h.stack);
            }
        }
    });

    it("lists each source on exactly one hub, with an identity, and points the source at that hub", () => {
        const f = generateFleet(2 * CLUSTERS_PER_HUB + 3, hub, staging);
        const servedBy = new Map<string, string>();
        for (const h of f.hubs) {
            const c = parse(h);
            assert.equal(c.role, "hub");
            if (c.role !== "hub") continue;
            assert.deepEqual(
                Object.keys(c.aggregator.identities).sort(),
                [...c.aggregator.clusters].sort(),
                `${h.stack}: an identity per listed cluster, no other`,
            );
            for (const name of c.aggregator.clusters) {
                assert.equal(servedBy.has(name), false, `${name} listed twice`);
                servedBy.set(name, h.stack);
            }
        }
        for (const s of f.sources) {
            const c = parse(s);
            assert.equal(c.role === "source" && c.monitoringStack, servedBy.get(c.cluster.name), s.stack);
        }
        assert.equal(servedBy.size, f.sources.length);
    });

    it("gives every stack its own cluster name, kube context and hub load balancer address, and keeps the rest of the templates", () => {
        const f = generateFleet(200, hub, staging);
        const all = [...f.hubs, ...f.sources];
        const distinct = (k: string) => new Set(all.map((s) => s.config[`vector-fleet:${k}`])).size;
        assert.equal(distinct("cluster"), all.length);
        assert.equal(distinct("kubeContext"), all.length);
        assert.equal(new Set(all.map((s) => s.stack)).size, all.length);
        const ips = f.hubs.map((h) => (JSON.parse(h.config["vector-fleet:aggregator"]) as { loadBalancer: { privateIp: string } }).loadBalancer.privateIp);
        assert.equal(new Set(ips).size, f.hubs.length);
        const agg = JSON.parse(f.hubs[0].config["vector-fleet:aggregator"]) as { replicas: number; loki: unknown };
        const template = JSON.parse(hub.config["vector-fleet:aggregator"]) as { replicas: number; loki: unknown };
        assert.deepEqual([agg.replicas, agg.loki], [template.replicas, template.loki], "the rest of the hub's config is kept");
        assert.equal(f.sources[0].config["vector-fleet:migration"], staging.config["vector-fleet:migration"], "agent tuning comes from the template");
        assert.deepEqual(readStackFile(FIXTURE_FLEET, "monitoring"), hub, "the template is not modified");
    });

    it("writes stack files the renderer's reader reads back as generated", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-fleet-test-"));
        try {
            const f = generateFleet(CLUSTERS_PER_HUB + 2, hub, {
                ...staging,
                config: { ...staging.config, "vector-fleet:kubeconfig": "x" },
                secretKeys: ["vector-fleet:kubeconfig"],
            });
            writeFleet(dir, ROOT, f);
            const read = listStacks(dir);
            const byName = new Map(read.map((s) => [s.stack, s]));
            for (const s of [...f.hubs, ...f.sources]) {
                const back = byName.get(s.stack)!;
                assert.deepEqual(back.secretKeys, s.secretKeys, s.stack);
                for (const [k, v] of Object.entries(s.config))
                    if (s.secretKeys.includes(k)) assert.match(back.config[k], /secret/i, `${s.stack} ${k} stays a secret`);
                    else assert.equal(back.config[k], v, `${s.stack} ${k}`);
            }
            assert.equal(read.length, f.hubs.length + f.sources.length);
            assert.ok(fs.existsSync(path.join(dir, "Pulumi.yaml")), "the project file the CLI checks read");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("builds on the repository's first hub and first source, whatever their names", () => {
        const renamed = (f: StackFile, stack: string): StackFile => ({ ...f, stack, file: `Pulumi.${stack}.yaml` });
        const t = fleetTemplates([renamed(staging, "zz-source"), renamed(hub, "ops-hub"), renamed(staging, "a-source")]);
        assert.deepEqual([t.hub.stack, t.source.stack], ["ops-hub", "a-source"]);
        assert.throws(() => fleetTemplates([staging]), /one hub and one source/);
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
    it("runs everything and only prints by default; writes the docs only with --write", () => {
        assert.deepEqual(parseBenchArgs([]), {
            kind: "bench",
            quick: false,
            sizes: undefined,
            runs: undefined,
            variants: undefined,
            tests: true,
            base: undefined,
            renderCmd: undefined,
            write: false,
        });
        assert.equal((parseBenchArgs(["--quick"]) as { write: boolean }).write, false);
        assert.equal((parseBenchArgs(["--write"]) as { write: boolean }).write, true);
        assert.equal((parseBenchArgs(["--quick", "--write"]) as { write: boolean }).write, true);
    });

    it("takes a base commit for the test-suite comparison, or none, and a render command", () => {
        assert.equal((parseBenchArgs(["--base", "main"]) as { base: string }).base, "main");
        assert.equal((parseBenchArgs(["--no-base"]) as { base: boolean }).base, false);
        const cmd = "node --require ./x.cjs --require tsx/cjs tools/render/main.ts";
        assert.equal((parseBenchArgs(["--render-cmd", cmd]) as { renderCmd: string }).renderCmd, cmd);
        assert.throws(() => parseBenchArgs(["--base"]), /--base expects a value/);
        assert.throws(() => parseBenchArgs(["--base", "--quick"]), /--base expects a value/);
    });

    it("runs the fleet sizes in turn, round after round, so a slow stretch touches every size alike", () => {
        assert.deepStrictEqual(
            scaleSchedule([15, 200], 3).map(({ n, run }) => `${n}#${run}`),
            ["15#0", "200#0", "15#1", "200#1", "15#2", "200#2"],
        );
        assert.deepStrictEqual(
            scaleSchedule([15, 50, 200], 1).map((x) => x.size),
            [0, 1, 2],
        );
        // A full run samples each size more than once: one sample per size let one slow minute set the slope.
        const full = defaultOptions(false);
        assert.ok(full.runs.scale >= 3, `scale runs ${full.runs.scale}`);
        assert.deepStrictEqual(full.sizes, [15, 50, 100, 200]);
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

    it("starts children as the render script starts the renderer: env, tsx or node, their flags", () => {
        assert.deepEqual(renderLauncher("tsx tools/render/main.ts", "/tsx/cli.mjs"), { script: "tsx tools/render/main.ts", env: {}, prefix: ["/tsx/cli.mjs"] });
        const fast = "node --require ./tools/shared/fast-pulumi.cjs --require tsx/cjs tools/render/main.ts";
        assert.deepEqual(renderLauncher(fast, "/t").prefix, ["--require", "./tools/shared/fast-pulumi.cjs", "--require", "tsx/cjs"]);
        assert.deepEqual(renderLauncher("A=1 tsx --require ./p.cjs tools/render/main.ts --out out", "/t"), {
            script: "A=1 tsx --require ./p.cjs tools/render/main.ts --out out",
            env: { A: "1" },
            prefix: ["/t", "--require", "./p.cjs"],
        });
        assert.throws(() => renderLauncher("ts-node tools/render/main.ts", "/t"), /expected \[VAR=value/);
        assert.throws(() => renderLauncher("tsx tools/other.ts", "/t"), /expected/);
        assert.throws(() => renderLauncher("tsx 'tools/render/main.ts'", "/t"), /quoting/);
    });

    it("understands the repo's own render script", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
        assert.ok(renderLauncher(pkg.scripts.render, "/t").prefix.length > 0 || pkg.scripts.render.startsWith("node "));
    });

    it("finds mocha's counts in the test suite's output", () => {
        assert.equal(testSummary("  ....\n\n  183 passing (6s)\n  2 pending\n"), "183 passing (6s), 2 pending");
        assert.equal(testSummary("npm ERR!"), "no mocha summary found");
    });

    it("counts loaded files per @pulumi package", () => {
        const files = [
            "/r/node_modules/@pulumi/pulumi/index.js",
            "/r/node_modules/@pulumi/pulumi/output.js",
            "/r/node_modules/@pulumi/kubernetes/core/v1/pod.js",
            "/r/index.ts",
        ];
        assert.deepEqual(pulumiPackageCounts(files), { "@pulumi/pulumi": 2, "@pulumi/kubernetes": 1 });
    });
});

describe("bench: fleet-level checks", () => {
    it("times config/fleet.ts's checks over a generated fleet's files, which pass them", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-fleetcheck-"));
        try {
            const f = generateFleet(2 * CLUSTERS_PER_HUB + 1, readStackFile(FIXTURE_FLEET, "monitoring"), readStackFile(FIXTURE_FLEET, "staging"));
            writeFleet(dir, ROOT, f);
            const r = timeFleetCheck(dir);
            assert.equal(r.fn, `checkFleet(${f.hubs.length + f.sources.length} stacks)`);
            assert.equal(r.problems, 0, "a generated fleet the render would refuse measures nothing");
            for (const k of ["loadMs", "ms"] as const) assert.ok(r[k] >= 0, k);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("bench: report", () => {
    const scaleRun = (n: number, renderCpuMs: number, over: Partial<ScaleJobResult> = {}): ScaleJobResult => ({
        n,
        hubs: Math.ceil(n / 15),
        importMs: 100,
        readMs: 10,
        renderMs: renderCpuMs * 1.5,
        renderCpuMs,
        resources: 20 * n + 40,
        maxRssBytes: 200 * 2 ** 20,
        fleetCheck: { fn: "checkFleet(215 stacks)", loadMs: 120, loadCpuMs: 110, ms: 45, cpuMs: 40, problems: 0 },
        ...over,
    });
    const suite = (command: string, cpuMs: number[], passed = true) => ({
        command,
        wallMs: cpuMs.map((x) => x * 0.7),
        cpuMs,
        passed,
        summary: passed ? "150 passing" : "1 failing",
    });
    const results = (over: Partial<BenchResults>): BenchResults => ({
        machine: {
            date: "2026-01-01 00:00 UTC",
            cpu: "CPU",
            cores: 2,
            memoryBytes: 2 ** 34,
            node: "20",
            os: "Linux",
            loadBefore: 0.5,
            loadAfter: 0.7,
            commit: "abc",
            command: "npm run bench",
        },
        quick: false,
        renderScript: "tsx tools/render/main.ts",
        startup: [
            {
                id: "tsx-cjs",
                label: "chosen",
                wallMs: [1700, 1600, 1800],
                cpuMs: [1500, 1400, 1450],
                loadedMs: [1300, 1200, 1400],
                maxRssBytes: [2 ** 28],
                resources: 52,
            },
        ],
        floor: { wallMs: [1000, 1100, 900], cpuMs: [1000, 1000, 1000] },
        renderProcess: { wallMs: [1300, 1500, 1400], cpuMs: [1400, 1300, 1450] },
        renderJobs: [{ importMs: 100, stacks: [{ stack: "monitoring", ms: 300, resources: 52 }], validateMs: 70, validateCpuMs: 60, maxRssBytes: 1 }],
        scale: [15, 50, 100, 200].map((n) => [scaleRun(n, 500 + 30 * n)]),
        tests: {
            unit: suite("npm test", [2000, 2100, 1900]),
            all: suite("npm run test:all", [8000, 8100, 8200]),
            baseline: { ref: "abc^", commit: "1234567", subject: "before", unit: suite("npm test", [2100, 2100, 2000]) },
        },
        ...over,
    });
    const row = (v: Verdict[], what: RegExp) => {
        const found = v.filter((x) => what.test(x.what));
        assert.equal(found.length, 1, `one row matching ${what}: ${v.map((x) => x.what).join(" / ")}`);
        return found[0];
    };

    it("takes the median of run-for-run ratios, so drift between pairs cancels", () => {
        assert.equal(pairedRatio([2, 4, 6], [1, 2, 3]), 2);
        assert.equal(pairedRatio([10, 1], [5, 1, 7]), 1.5);
        assert.ok(Number.isNaN(pairedRatio([], [1])));
    });

    it("meets every target of a fast, linear, small fleet with passing tests, and exits 0", () => {
        const r = results({});
        const v = verdicts(r);
        assert.deepEqual(missedTargets(v), []);
        assert.equal(exitCode(r), 0);
        assert.match(row(v, /over the floor/).measured, /^1\.40x on CPU/, "render 1400 over floor 1000, per pair, on CPU time");
        assert.match(row(v, /per added source cluster/).measured, /^30\.0 ms on CPU; marginal cost ratio 1\.00 \(linear\)/);
        assert.match(row(v, /over the same at abc\^/).measured, /^0\.95x on CPU/, "median of 2000/2100, 2100/2100, 1900/2000");
        assert.equal(row(v, /Vector validator/).measured, "60 ms on CPU (wall 70 ms)");
    });

    it("misses the render target above 1.5x the floor, and exits 1", () => {
        const r = results({ renderProcess: { wallMs: [1], cpuMs: [1600, 1550, 1700] } });
        assert.equal(row(verdicts(r), /over the floor/).met, false);
        assert.equal(exitCode(r), 1);
    });

    it("judges on wall time where CPU time could not be read", () => {
        const r = results({ floor: { wallMs: [1000], cpuMs: [NaN] }, renderProcess: { wallMs: [1400], cpuMs: [NaN] } });
        assert.match(row(verdicts(r), /over the floor/).measured, /^1\.40x on wall/);
    });

    it("misses the per-cluster target when the slope is above 35 ms or the cost grows faster than linear", () => {
        const steep = verdicts(results({ scale: [15, 50, 100, 200].map((n) => [scaleRun(n, 500 + 40 * n)]) }));
        assert.equal(row(steep, /per added source cluster/).met, false);
        const quadratic = verdicts(results({ scale: [15, 50, 100, 200].map((n) => [scaleRun(n, 500 + 10 * n + 0.2 * n * n)]) }));
        const q = row(quadratic, /per added source cluster/);
        assert.equal(q.met, false);
        assert.match(q.measured, /grows faster than linear/);
    });

    it("does not judge what a short sweep did not reach: cost to N=200, its memory and its fleet checks", () => {
        const r = results({ scale: [15, 50].map((n) => [scaleRun(n, 500 + 30 * n)]) });
        const v = verdicts(r);
        for (const what of [/per added source cluster/, /peak memory/, /fleet-level checks/]) assert.equal(row(v, what).met, undefined, String(what));
        assert.match(row(v, /per added source cluster/).measured, /the sweep stopped at N=50/);
        assert.equal(exitCode(r), 0, "not measured is not missed");
    });

    it("misses the memory target at 400 MiB and the fleet-check budget at 100 ms, at N=200", () => {
        const fat = results({ scale: [15, 200].map((n) => [scaleRun(n, 500 + 30 * n, { maxRssBytes: TARGETS.peakRssBytes })]) });
        assert.equal(row(verdicts(fat), /peak memory/).met, false);
        const slowCheck = results({
            scale: [15, 200].map((n) => [
                scaleRun(n, 500 + 30 * n, { fleetCheck: { fn: "checkFleet(x)", loadMs: 500, loadCpuMs: 500, ms: 110, cpuMs: 100, problems: 0 } }),
            ]),
        });
        const fc = row(verdicts(slowCheck), /fleet-level checks/);
        assert.equal(fc.met, false, "the call alone: 100 ms (reading the files is the render's own work)");
        assert.equal(exitCode(slowCheck), 1);
    });

    it("exits 1 when a test fails, whatever the timings, and says so in the report", () => {
        const r = results({ tests: { ...results({}).tests!, all: suite("npm run test:all", [1000], false) } });
        assert.equal(row(verdicts(r), /test suite passes/).met, false);
        assert.equal(exitCode(r), 1);
        assert.ok(formatReport(r).includes("**FAILED**"));
    });

    it("misses the suite target when this tree's unit tests are slower than the base's, run for run", () => {
        const r = results({ tests: { ...results({}).tests!, unit: suite("npm test", [2200, 2300, 2100]) } });
        assert.equal(row(verdicts(r), /over the same at/).met, false);
        assert.equal(exitCode(r), 1);
    });

    it("keeps the older test budgets, judged on wall time as they are stated", () => {
        const r = results({ tests: { ...results({}).tests!, unit: { ...suite("npm test", [2000]), wallMs: [3100] } } });
        assert.equal(row(verdicts(r), /^unit tests \(`npm test`; wall/).met, false);
    });

    it("prints every section with the machine, the render script and the figures it was given", () => {
        const text = formatReport(results({}));
        for (const heading of [
            "### Targets",
            "### Start-up",
            "### The render beside the floor",
            "### Program evaluation per stack",
            "### Scaling with fleet size",
            "### Test suite",
        ])
            assert.ok(text.includes(heading), heading);
        assert.ok(text.includes("CPU (2 cores)"));
        assert.ok(text.includes("`tsx tools/render/main.ts`"), "how the render was started");
        assert.ok(text.includes("| 200 | 14 | 214 | 4040 | 9.75 s | 6.50 s | 33 ms |"), "the N=200 row");
        assert.ok(text.includes("| chosen | 1.70 s | 1.45 s | 1.30 s | 256 MiB |"), "start-up medians");
        assert.ok(text.includes('at abc^ (1234567, "before")'), "the base of the suite comparison");
        assert.ok(text.includes("Every measured target is met."));
        assert.ok(text.includes("N=200: 40 ms CPU (reading the files before it: 110 ms)"));
    });
});
