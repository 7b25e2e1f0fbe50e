import { strict as assert } from "node:assert";
import {
    buildAgentPipeline,
    HEARTBEAT_CONTAINER,
    HEARTBEAT_FIELD,
    HEARTBEAT_INTERVAL_SECS,
    heartbeatVrl,
    logsEnrichVrl,
} from "../../../components/agent/pipeline";
import { buildAggregatorPipeline, HEARTBEAT_LATENCY_BUCKETS, heartbeatReceivedVrl } from "../../../components/aggregator/pipeline";
import { LogToMetricTransform, VectorConfig } from "../../../components/vector/model";
import { toToml } from "../../../components/vector/toml";
import { errorsOf, validateVectorConfig } from "../../../tools/validate";
import { DEFAULT_ROLLOUT_GATE } from "../../../config/stack";

const CLUSTER = { name: "dev", environment: "development", region: "hel1" };
const agent = (namespace = "vector-system") =>
    buildAgentPipeline({
        cluster: CLUSTER,
        namespace,
        excludedNamespaces: [],
        hostMetrics: { collectors: ["cpu"], scrapeIntervalSecs: 30 },
        maxMergedLineBytes: 131072,
        kubelet: { enabled: false, scrapeIntervalSecs: 30 },
        extraLabels: {},
        buffers: { logsMaxBytes: 268435488, metricsMaxEvents: 1000 },
        aggregatorEndpoint: "https://10.0.0.1:6000",
        remoteWriteUrl: "https://10.0.0.1:9201/api/v1/write",
    });
const aggregator = () =>
    buildAggregatorPipeline({
        cluster: { name: "monitoring", environment: "production", region: "fsn1" },
        loki: { endpoint: "http://loki", labels: { cluster: "cluster", container: "container", namespace: "namespace", node: "node", pod: "pod" } },
        prometheusRemoteWriteUrl: "http://prometheus:9090/api/v1/write",
        sampling: {},
        dedupeCacheEvents: 10000,
        buffers: { lokiMaxBytes: 268435488, prometheusMaxBytes: 2 * 268435488 },
        agents: [{ name: "dev", environment: "development", region: "hel1", slot: 1 }],
    });

/** Which components feed `id`, transitively. */
function upstream(c: VectorConfig, id: string): Set<string> {
    const seen = new Set<string>();
    const inputsOf = (x: string) => {
        const base = x.split(".")[0];
        return c.transforms[base]?.inputs ?? c.sinks[base]?.inputs ?? [];
    };
    const walk = (x: string) => {
        for (const i of inputsOf(x)) {
            if (seen.has(i)) continue;
            seen.add(i);
            walk(i);
        }
    };
    walk(id);
    return seen;
}

describe("heartbeat: the agent's delivery proof", () => {
    it("generates a numbered line per interval with demo_logs' sequence, which the VRL reads back", () => {
        const src = agent().sources.heartbeat;
        assert.deepEqual(src, { type: "demo_logs", format: "shuffle", lines: ["heartbeat"], sequence: true, interval: HEARTBEAT_INTERVAL_SECS });
        // demo_logs with `sequence = true` writes `format!("{n} {line}")`, n from 0 per process
        // (vectordotdev/vector src/sources/demo_logs.rs, shuffle_generate): the VRL's regex must match that.
        const regex = /r'\^\(\?P<seq>\[0-9\]\+\) '/;
        assert.match(heartbeatVrl({ cluster: CLUSTER, extraLabels: {}, namespace: "vector-system" }), regex);
        for (const n of [0, 1, 4242]) assert.match(`${n} heartbeat`, /^(?<seq>[0-9]+) /);
    });

    it("rides the pod-log path to the aggregators and is counted as sent on the metrics path", () => {
        const c = agent();
        assert.ok(c.sinks.aggregator.inputs.includes("heartbeat_enrich"));
        assert.ok(upstream(c, "prometheus").has("heartbeat_sent"));
        const sent = c.transforms.heartbeat_sent as LogToMetricTransform;
        assert.deepEqual(
            sent.metrics.map((m) => `${m.namespace}_${m.name}`),
            ["vector_fleet_heartbeat_sent_total"],
        );
    });

    it("sets every field the Loki labels and the aggregators' kubernetes route read, with existing label names only", () => {
        const program = heartbeatVrl({ cluster: CLUSTER, extraLabels: { team: "x" }, namespace: "agents" });
        for (const field of ["namespace", "pod", "container", "node", "severity", "shipper", "cluster", "environment", "region", "team", "runtime_timestamp"]) {
            assert.match(program, new RegExp(`^\\.${field} = `, "m"), `.${field} is not set`);
        }
        assert.match(program, /^\.namespace = "agents"$/m);
        assert.match(program, new RegExp(`^\\.container = "${HEARTBEAT_CONTAINER}"$`, "m"));
    });

    it("cannot be forged by an application: pod logs lose the heartbeat field", () => {
        assert.match(logsEnrichVrl({ cluster: CLUSTER, extraLabels: {} }), new RegExp(`^del\\(\\.${HEARTBEAT_FIELD}\\)$`, "m"));
    });

    it("is counted by the aggregators after the last transform before Loki, per sending cluster and node and per replica", () => {
        const c = aggregator();
        const chain = upstream(c, "heartbeat_metrics");
        assert.ok(chain.has("logs_finalize") && chain.has("dedupe_logs") && chain.has("sample_logs"), [...chain].join(","));
        assert.ok(c.sinks.prometheus.inputs.includes("heartbeat_metrics"));
        const m = c.transforms.heartbeat_metrics as LogToMetricTransform;
        const names = m.metrics.map((x) => `${x.namespace}_${x.name}{le=${x.tags?.le ?? ""}}`);
        assert.deepEqual(names, [
            "vector_fleet_heartbeat_received_total{le=}",
            ...HEARTBEAT_LATENCY_BUCKETS.map((b) => `vector_fleet_heartbeat_latency_seconds_bucket{le=${b}}`),
            "vector_fleet_heartbeat_latency_seconds_bucket{le=+Inf}",
            "vector_fleet_heartbeat_latency_seconds_count{le=}",
            "vector_fleet_heartbeat_latency_seconds_sum{le=}",
        ]);
        for (const x of m.metrics) {
            // Counters only: prometheus_remote_write's make_absolute keeps every sample of an incremental
            // distribution (vectordotdev/vector lib/vector-core/src/event/metric/value.rs, MetricValue::add).
            assert.equal(x.type, "counter");
            const { le: _le, ...identity } = x.tags ?? {};
            void _le;
            assert.deepEqual(Object.keys(identity).sort(), ["aggregator_pod", "cluster", "environment", "node"]);
        }
        assert.match(heartbeatReceivedVrl(), /received_by = get_env_var\("VECTOR_SELF_POD_NAME"\)/);
    });

    it("has latency buckets reaching past every default latency threshold, each flagged 0/1 by the VRL", () => {
        const last = HEARTBEAT_LATENCY_BUCKETS[HEARTBEAT_LATENCY_BUCKETS.length - 1];
        assert.ok(last > DEFAULT_ROLLOUT_GATE.maxLatencySeconds * 2);
        assert.deepEqual(
            [...HEARTBEAT_LATENCY_BUCKETS].sort((a, b) => a - b),
            HEARTBEAT_LATENCY_BUCKETS,
        );
        const program = heartbeatReceivedVrl();
        const m = aggregator().transforms.heartbeat_metrics as LogToMetricTransform;
        // Every bucket counter reads a field the VRL sets, counted by value (log_to_metric's increment_by_value:
        // vectordotdev/vector src/transforms/log_to_metric.rs parses the field as the increment).
        for (const x of m.metrics.filter((x) => x.name === "heartbeat_latency_seconds_bucket" && x.tags?.le !== "+Inf")) {
            assert.ok(x.type === "counter" && x.increment_by_value === true, x.field);
            assert.match(
                program,
                new RegExp(`^\\.${x.field.replace(/\./g, "\\.")} = if age <= ${Number(x.tags!.le).toFixed(2)} \\{ 1 \\} else \\{ 0 \\}$`, "m"),
            );
        }
    });

    it("passes the Vector validator on both tiers", () => {
        assert.deepEqual(errorsOf(validateVectorConfig(toToml(agent()), "agent")), []);
        assert.deepEqual(errorsOf(validateVectorConfig(toToml(aggregator()), "aggregator")), []);
    });
});
