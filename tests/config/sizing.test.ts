import { strict as assert } from "node:assert";
import { ConfigError, HubConfig, parseStackConfig, StackConfig } from "../../config";
import {
    agentSizing,
    aggregatorSizing,
    diskBufferBytes,
    formatSizingReport,
    GUIDE,
    MIN_DISK_BUFFER_BYTES,
    OWN_METRICS_BUFFER_BYTES,
    PRESETS,
    SIZING_PRESETS,
    storageBytes,
} from "../../config/sizing";
import { cpuMillis, memoryBytes } from "../../config/validators";
import { quorum } from "../../components/contract/fleet";
import { sizingLines } from "../../tools/render/summary";
import { MINIMAL_HUB, MINIMAL_SOURCE, rawConfig } from "../support/stack-values";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const raw = (values: Record<string, unknown>) => rawConfig(values);

const SOURCE = MINIMAL_SOURCE;
const HUB = MINIMAL_HUB;

const parse = (values: Record<string, unknown>): StackConfig => parseStackConfig(raw(values));
function hub(values: Record<string, unknown>): HubConfig {
    const c = parse({ ...HUB, ...values });
    assert.equal(c.role, "hub");
    return c;
}

function problemsOf(values: Record<string, unknown>): string[] {
    try {
        parse(values);
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
        return e.problems.map((p) => `${p.path}: got ${p.value}; expected ${p.expected}`);
    }
    assert.fail("expected the config to be refused");
}

/** What sizing decides, as one object. */
function sized(c: StackConfig) {
    return {
        agent: { resources: c.agent.resources, logsMaxBytes: c.agent.buffers.logsMaxBytes },
        ...(c.role === "hub"
            ? {
                  aggregator: {
                      replicas: c.aggregator.replicas,
                      resources: c.aggregator.resources,
                      buffers: c.aggregator.buffers,
                      storage: c.aggregator.storage.size,
                      expectedLoad: c.aggregator.expectedLoad,
                  },
              }
            : {}),
    };
}

describe("sizing: the guide's rules", () => {
    // vectordotdev/vector lib/vector-buffers/src/config.rs: a disk buffer's max_size has
    // `validation(range(min = 268435488))`; Vector refuses a smaller one at boot.
    it("never derives a disk buffer below Vector's minimum", () => {
        assert.equal(MIN_DISK_BUFFER_BYTES, 268435488);
        for (const bps of [0, 1, 1000, 10_000]) assert.equal(diskBufferBytes(30, bps), MIN_DISK_BUFFER_BYTES);
    });

    // website/content/en/docs/setup/going-to-prod/sizing.md, Disks: throughput "at least 2x the
    // expected maximum"; the buffer holds N minutes of that.
    it("sizes a buffer for N minutes at twice the load, rounded up to a whole MiB", () => {
        for (const [minutes, bps] of [
            [60, 1_000_000],
            [30, 3_333_333],
            [120, 7 * MiB + 1],
            [1, 50 * MiB],
        ] as const) {
            const want = Math.ceil((minutes * 60 * 2 * bps) / MiB) * MiB;
            assert.equal(diskBufferBytes(minutes, bps), Math.max(MIN_DISK_BUFFER_BYTES, want), `${minutes} min at ${bps} B/s`);
            assert.equal(diskBufferBytes(minutes, bps) % MiB === 0 || diskBufferBytes(minutes, bps) === MIN_DISK_BUFFER_BYTES, true);
            assert.ok(diskBufferBytes(minutes, bps) >= minutes * 60 * 2 * bps);
        }
    });

    // sizing.md, Memory: 2 GiB per vCPU; CPUs and arch/aggregator.md: at least 4 vCPU (8 GiB) per
    // aggregator; Vertical Scaling: no instance above 33% of the volume, so at least 3.
    it("gives every aggregator at least 4 vCPU, 2 GiB per vCPU, and at least three replicas", () => {
        for (const mibPerSec of [0, 1, 10, 50, 100, 300, 1000, 5000]) {
            const a = aggregatorSizing(mibPerSec * MiB);
            assert.ok(a.cpuLimitMillis >= 4000);
            assert.equal(a.memoryBytes, (a.cpuLimitMillis / 1000) * 2 * GiB);
            assert.ok(a.replicas >= 3 && a.replicas <= 20, `${a.replicas}`);
            assert.ok(a.cpuRequestMillis <= a.cpuLimitMillis);
        }
    });

    // The PodDisruptionBudget lets one replica go at a time (components/aggregator/manifests.ts):
    // the others must carry the peak, and keep a majority.
    it("lets all replicas but one carry twice the load, and keep a quorum", () => {
        for (const mibPerSec of [1, 40, 90, 250, 1000, 5000]) {
            const bps = mibPerSec * MiB;
            const a = aggregatorSizing(bps);
            const peakVcpu = (2 * bps) / GUIDE.structuredBytesPerSecPerVcpu / GUIDE.cpuTarget;
            assert.ok(
                ((a.replicas - 1) * a.cpuLimitMillis) / 1000 >= peakVcpu - 1e-9,
                `${mibPerSec} MiB/s: ${a.replicas} x ${a.cpuLimitMillis}m < ${peakVcpu}`,
            );
            assert.ok(a.replicas - 1 >= quorum(a.replicas));
        }
    });

    it("grows each replica once the replica count is at the config's maximum, or set explicitly", () => {
        const huge = aggregatorSizing(5000 * MiB);
        assert.equal(huge.replicas, 20);
        assert.ok(huge.cpuLimitMillis > 4000);
        const pinned = aggregatorSizing(200 * MiB, 3);
        assert.equal(pinned.replicas, 3);
        assert.ok((2 * pinned.cpuLimitMillis) / 1000 >= pinned.peakVcpu);
    });

    // arch/agent.md: "Limit the Vector agent to 2 vCPUs and 4 GiB of memory".
    it("keeps the agent between today's defaults and the guide's agent cap", () => {
        for (const lines of [1, 100, 10_000, 1_000_000, 10_000_000]) {
            const a = agentSizing({ nodes: 3, logLinesPerSec: lines, metricSamplesPerSec: 1000, avgLogEventBytes: 768 }, 60);
            assert.ok(a.cpuRequestMillis >= 100 && a.cpuLimitMillis <= 2000 && a.cpuRequestMillis <= a.cpuLimitMillis, JSON.stringify(a));
            assert.ok(a.memoryRequestBytes >= 128 * MiB && a.memoryLimitBytes <= 4 * GiB && a.memoryRequestBytes <= a.memoryLimitBytes, JSON.stringify(a));
        }
        const quiet = agentSizing({ nodes: 10, logLinesPerSec: 100, metricSamplesPerSec: 100, avgLogEventBytes: 768 }, 30);
        assert.deepEqual([quiet.cpuRequestMillis, quiet.cpuLimitMillis, quiet.memoryRequestBytes, quiet.memoryLimitBytes], [100, 1000, 128 * MiB, 512 * MiB]);
    });

    it("gives the volume its buffers plus 20% in whole GiB, at least 10 GiB", () => {
        assert.equal(storageBytes(GiB), 10 * GiB);
        assert.equal(storageBytes(100 * GiB), 120 * GiB);
        assert.equal(storageBytes(100 * GiB + 1), 121 * GiB);
    });
});

describe("sizing: defaults", () => {
    it("changes nothing without a sizing section", () => {
        const c = parse(SOURCE);
        assert.equal("sizing" in c, false);
        const h = hub({});
        assert.equal("sizing" in h, false);
        assert.deepEqual(sized(h).aggregator, {
            replicas: 3,
            resources: { requests: { cpu: "1", memory: "8Gi" }, limits: { cpu: "4", memory: "8Gi" } },
            buffers: { lokiMaxBytes: GiB, prometheusMaxBytes: 2 * GiB },
            storage: "10Gi",
            expectedLoad: { logEventsPerSec: 2000, metricSamplesPerSec: 10_000 },
        });
    });

    it("takes the figures a preset leaves out from the defaults: 2000 series per node, 768-byte lines, 60 minutes", () => {
        const c = parse({ ...SOURCE, sizing: { nodes: 4, logLinesPerSec: 400 } });
        const r = c.sizing!;
        assert.deepEqual(r.outageMinutes, { value: 60, origin: "default" });
        assert.deepEqual(r.loads[0].avgLogEventBytes, { value: 768, origin: "default" });
        assert.equal(r.loads[0].metricSamplesPerSec.value, Math.ceil((4 * 2000) / 30));
        // 400 lines/s x 768 B over 4 nodes, 60 min at 2x
        assert.equal(c.agent.buffers.logsMaxBytes, diskBufferBytes(60, (400 * 768) / 4));
    });
});

describe("sizing: presets", () => {
    const want = {
        small: {
            agent: { resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } }, logsMaxBytes: MIN_DISK_BUFFER_BYTES },
            aggregator: {
                replicas: 3,
                resources: { requests: { cpu: "1", memory: "8Gi" }, limits: { cpu: "4", memory: "8Gi" } },
                buffers: { lokiMaxBytes: 5530189824, prometheusMaxBytes: 3341811744 },
                storage: "10Gi",
                expectedLoad: { logEventsPerSec: 6000, metricSamplesPerSec: 10002 },
            },
        },
        medium: {
            agent: { resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } }, logsMaxBytes: 442499072 },
            aggregator: {
                replicas: 3,
                resources: { requests: { cpu: "1400m", memory: "8Gi" }, limits: { cpu: "4", memory: "8Gi" } },
                buffers: { lokiMaxBytes: 110592262144, prometheusMaxBytes: 28430041120 },
                storage: "156Gi",
                expectedLoad: { logEventsPerSec: 60000, metricSamplesPerSec: 50001 },
            },
        },
        large: {
            agent: { resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } }, logsMaxBytes: 553648128 },
            aggregator: {
                replicas: 8,
                resources: { requests: { cpu: "1900m", memory: "8Gi" }, limits: { cpu: "4", memory: "8Gi" } },
                buffers: { lokiMaxBytes: 207360098304, prometheusMaxBytes: 42509271072 },
                storage: "280Gi",
                expectedLoad: { logEventsPerSec: 300000, metricSamplesPerSec: 200001 },
            },
        },
    };

    for (const preset of SIZING_PRESETS) {
        it(`${preset}: a hub and two clusters of that preset`, () => {
            const c = hub({ sizing: { preset, clusters: { dev: { preset }, staging: { preset } } } });
            assert.deepEqual(sized(c), want[preset]);
            assert.equal(c.sizing!.loads.length, 3);
            assert.ok(c.sizing!.figures.every((f) => f.origin.startsWith("derived: ")));
            // The rules the config enforces hold for what sizing derived.
            const a = c.aggregator;
            assert.equal(memoryBytes(a.resources.requests.memory), memoryBytes(a.resources.limits.memory));
            assert.ok(memoryBytes(a.storage.size)! >= 1.2 * (a.buffers.lokiMaxBytes + a.buffers.prometheusMaxBytes));
            // Each replica's Loki buffer carries the preset's outage at twice its share of the fleet's logs.
            const logBps = 3 * PRESETS[preset].logLinesPerSec * PRESETS[preset].avgLogEventBytes;
            assert.equal(a.buffers.lokiMaxBytes, diskBufferBytes(PRESETS[preset].outageMinutes, logBps / a.replicas));
        });
    }

    it("takes a preset's outage but caps the Prometheus buffer at the sample age Prometheus still accepts", () => {
        const c = hub({ sizing: { preset: "medium", outageMinutes: 240, clusters: { dev: { preset: "small" }, staging: { preset: "small" } } } });
        const samples = c.aggregator.expectedLoad.metricSamplesPerSec;
        // Plus the shared sink's own share: the per-cluster sinks split the rest (metricsBufferSplit).
        assert.equal(c.aggregator.buffers.prometheusMaxBytes, diskBufferBytes(55, (samples * 256) / c.aggregator.replicas) + OWN_METRICS_BUFFER_BYTES);
        assert.match(
            c.sizing!.figures.find((f) => f.key === "aggregator.buffers.prometheusMaxBytes")!.origin,
            /capped at aggregator.prometheus.maxSampleAgeSecs/,
        );
    });

    it("lets a field beside a preset override its figure, and says so", () => {
        const c = parse({ ...SOURCE, sizing: { preset: "small", nodes: 5 } });
        const load = c.sizing!.loads[0];
        assert.deepEqual(load.nodes, { value: 5, origin: "input" });
        assert.deepEqual(load.logLinesPerSec, { value: 2000, origin: "preset small" });
        assert.equal(c.agent.buffers.logsMaxBytes, diskBufferBytes(30, (2000 * 768) / 5));
    });
});

describe("sizing: the hub sums its clusters", () => {
    it("adds its own cluster while its agent runs, and leaves it out when it does not", () => {
        const clusters = { dev: { nodes: 3, logLinesPerSec: 100 }, staging: { nodes: 3, logLinesPerSec: 200 } };
        const withOwn = hub({ sizing: { nodes: 3, logLinesPerSec: 1000, clusters } });
        assert.deepEqual(
            withOwn.sizing!.loads.map((l) => l.cluster),
            ["monitoring", "dev", "staging"],
        );
        assert.equal(withOwn.aggregator.expectedLoad.logEventsPerSec, 1300);
        const without = hub({ agent: { enabled: false }, sizing: { outageMinutes: 30, clusters } });
        assert.deepEqual(
            without.sizing!.loads.map((l) => l.cluster),
            ["dev", "staging"],
        );
        assert.equal(without.aggregator.expectedLoad.logEventsPerSec, 300);
    });
});

describe("sizing: explicit keys win", () => {
    const SIZED = { preset: "medium", clusters: { dev: { preset: "medium" }, staging: { preset: "medium" } } };

    it("keeps an explicit agent resource and buffer, deriving the rest", () => {
        const c = parse({
            ...SOURCE,
            agent: { resources: { requests: { cpu: "50m" } }, buffers: { logsMaxBytes: MIN_DISK_BUFFER_BYTES } },
            sizing: { preset: "large" },
        });
        assert.equal(c.agent.resources.requests.cpu, "50m");
        assert.equal(c.agent.buffers.logsMaxBytes, MIN_DISK_BUFFER_BYTES);
        const origins = Object.fromEntries(c.sizing!.figures.map((f) => [f.key, f.origin]));
        assert.equal(origins["agent.resources.requests.cpu"], "explicit");
        assert.equal(origins["agent.buffers.logsMaxBytes"], "explicit");
        assert.match(origins["agent.resources.limits.cpu"], /^derived: /);
    });

    it("sizes each replica's CPU and buffers for an explicit replica count", () => {
        const derived = hub({ sizing: SIZED });
        const pinned = hub({ aggregator: { ...HUB.aggregator, replicas: 6 }, sizing: SIZED });
        assert.equal(pinned.aggregator.replicas, 6);
        assert.ok(pinned.aggregator.buffers.lokiMaxBytes < derived.aggregator.buffers.lokiMaxBytes);
        const logBps = pinned.aggregator.expectedLoad.logEventsPerSec * 768;
        assert.equal(pinned.aggregator.buffers.lokiMaxBytes, diskBufferBytes(60, logBps / 6));
    });

    it("makes one explicit aggregator memory figure both request and limit", () => {
        for (const side of ["requests", "limits"] as const) {
            const c = hub({ aggregator: { ...HUB.aggregator, resources: { [side]: { memory: "12Gi" } } }, sizing: SIZED });
            assert.deepEqual([c.aggregator.resources.requests.memory, c.aggregator.resources.limits.memory], ["12Gi", "12Gi"], side);
        }
    });

    it("derives memory from an explicit CPU limit, 2 GiB per vCPU", () => {
        const c = hub({ aggregator: { ...HUB.aggregator, resources: { limits: { cpu: "6" } } }, sizing: SIZED });
        assert.equal(c.aggregator.resources.limits.memory, "12Gi");
        assert.equal(cpuMillis(c.aggregator.resources.limits.cpu), 6000);
    });

    it("sizes the volume for explicit buffers, and keeps explicit expectedLoad and storage", () => {
        const buffers = { lokiMaxBytes: 50 * GiB, prometheusMaxBytes: 10 * GiB };
        const c = hub({ aggregator: { ...HUB.aggregator, buffers, expectedLoad: { logEventsPerSec: 5 } }, sizing: SIZED });
        assert.deepEqual(c.aggregator.buffers, buffers);
        assert.equal(c.aggregator.storage.size, "72Gi");
        assert.equal(c.aggregator.expectedLoad.logEventsPerSec, 5);
        const kept = hub({ aggregator: { ...HUB.aggregator, buffers, storage: { size: "100Gi" } }, sizing: SIZED });
        assert.equal(kept.aggregator.storage.size, "100Gi");
    });
});

describe("sizing: bad input", () => {
    const cases: Array<{ what: string; values: Record<string, unknown>; lines: string[] }> = [
        {
            what: "an unknown preset",
            values: { ...SOURCE, sizing: { preset: "huge" } },
            lines: ['vector-fleet:sizing.preset: got "huge"; expected one of "small", "medium", "large"'],
        },
        {
            what: "a misspelt key",
            values: { ...SOURCE, sizing: { preset: "small", node: 3 } },
            lines: ['vector-fleet:sizing.node: got 3; expected no such key; did you mean "nodes"?'],
        },
        {
            what: "zero nodes and a fractional rate",
            values: { ...SOURCE, sizing: { nodes: 0, logLinesPerSec: 1.5 } },
            lines: [
                "vector-fleet:sizing.nodes: got 0; expected an integer from 1 to 5000 nodes",
                "vector-fleet:sizing.logLinesPerSec: got 1.5; expected an integer from 1 to 10000000 lines per second",
            ],
        },
        {
            what: "neither a preset nor the required inputs",
            values: { ...SOURCE, sizing: { outageMinutes: 30 } },
            lines: [
                'vector-fleet:sizing.nodes: got nothing; expected an integer (required without a preset), or a preset: "small", "medium", "large" (docs/sizing.md)',
                'vector-fleet:sizing.logLinesPerSec: got nothing; expected an integer (required without a preset), or a preset: "small", "medium", "large" (docs/sizing.md)',
            ],
        },
        {
            what: "per-cluster loads on a source stack",
            values: { ...SOURCE, sizing: { preset: "small", clusters: { staging: { preset: "small" } } } },
            lines: [
                'vector-fleet:sizing.clusters: got ["staging"]; expected nothing on a source stack: the hub sums its clusters\' loads (docs/sizing.md#the-hub)',
            ],
        },
        {
            what: "a listed cluster without a load, and a load for an unlisted one",
            values: { ...HUB, sizing: { preset: "small", clusters: { dev: { preset: "small" }, prod: { preset: "large" } } } },
            lines: [
                "vector-fleet:sizing.clusters.staging: got nothing; expected this cluster's load, e.g. { preset: small } or { nodes: 10, logLinesPerSec: 500 }: the hub sizes the aggregators for every cluster in aggregator.clusters and cannot read their stacks (docs/sizing.md#the-hub)",
                'vector-fleet:sizing.clusters.prod: got "prod"; expected a cluster listed in aggregator.clusters (remove the entry, or list the cluster)',
            ],
        },
        {
            what: "a cluster's load without a preset or its required inputs",
            values: { ...HUB, sizing: { preset: "small", clusters: { dev: { nodes: 3 }, staging: { preset: "small" } } } },
            lines: [
                'vector-fleet:sizing.clusters.dev.logLinesPerSec: got nothing; expected an integer (required without a preset), or a preset: "small", "medium", "large" (docs/sizing.md)',
            ],
        },
        {
            what: "an outage whose aggregator buffer would exceed the largest the config accepts",
            values: { ...HUB, sizing: { preset: "large", outageMinutes: 600, clusters: { dev: { preset: "large" }, staging: { preset: "large" } } } },
            lines: [
                "vector-fleet:sizing.outageMinutes: got 600 (input); expected fewer minutes or more replicas: aggregator.buffers.lokiMaxBytes would be 1931.2 GiB (600 min x 2 x 27.5 MiB/s per replica (the fleet's logs / 8), at least Vector's minimum), above its maximum of 512 GiB; or set aggregator.buffers.lokiMaxBytes",
            ],
        },
        {
            what: "an outage whose agent buffer would exceed the largest the config accepts",
            values: { ...SOURCE, sizing: { nodes: 1, logLinesPerSec: 100_000, outageMinutes: 600 } },
            lines: [
                "vector-fleet:sizing.outageMinutes: got 600 (input); expected fewer minutes: the agent's log buffer would be 5149.8 GiB (600 min x 2 x 73.2 MiB/s per node, at least Vector's minimum), above agent.buffers.logsMaxBytes' maximum of 64 GiB; or set agent.buffers.logsMaxBytes",
            ],
        },
        {
            what: "an explicit request above the derived limit",
            values: { ...SOURCE, agent: { resources: { requests: { cpu: "3" } } }, sizing: { preset: "small" } },
            lines: ['vector-fleet:agent.resources.requests.cpu: got "3"; expected at most the CPU limit "1"'],
        },
    ];
    for (const c of cases)
        it(`refuses ${c.what}, one line per problem`, () => {
            assert.deepEqual(problemsOf(c.values), c.lines);
        });
});

describe("sizing: the render summary", () => {
    it("prints every derived figure and where it came from", () => {
        const c = parse({ ...SOURCE, agent: { resources: { limits: { memory: "1Gi" } } }, sizing: { preset: "small", nodes: 10 } });
        assert.deepEqual(formatSizingReport(c.sizing!), [
            "sizing (docs/sizing.md): outage to survive 30 min (preset small)",
            "  load dev: 10 nodes (input), 2000 log lines/s (preset small), 768 B per line (preset small), 667 samples/s (derived: 10 nodes x 2000 series (preset small) / 30 s)",
            "  agent.resources.requests.cpu = 100m (derived: 0.018 vCPU per node (150 KiB/s of logs at 10 MiB/s/vCPU, 16.7 KiB/s of metrics at 25 MiB/s/vCPU, at 85% CPU), at least 100m)",
            "  agent.resources.limits.cpu = 1 (derived: 2x the request's load, from 1 up to the guide's agent cap of 2)",
            "  agent.resources.requests.memory = 128Mi (derived: 2 GiB per vCPU of the load, at least 128Mi)",
            "  agent.resources.limits.memory = 1Gi (explicit)",
            "  agent.buffers.logsMaxBytes = 553648128 (528 MiB) (derived: 30 min x 2 x 150 KiB/s per node, at least Vector's minimum)",
        ]);
    });

    it("reads the figures from the stack file, and prints none without a sizing section", () => {
        const file = (values: Record<string, unknown>) => ({
            stack: "dev",
            file: "Pulumi.dev.yaml",
            config: raw(values).values,
            secretKeys: [],
            role: "source",
        });
        assert.deepEqual(sizingLines(file(SOURCE)), []);
        assert.equal(sizingLines(file({ ...SOURCE, sizing: { preset: "small" } }))[0], "sizing (docs/sizing.md): outage to survive 30 min (preset small)");
        assert.deepEqual(sizingLines(file({ ...SOURCE, sizing: { preset: "huge" } })), []);
    });
});
