/**
 * promtool unit tests for the alert rules, as typed data. tests/components/monitoring/promtool.integration.test.ts writes
 * them out as YAML next to the rendered rule file and runs `promtool test rules` on them.
 *
 * They are written against the default settings (3 aggregator replicas, namespaces vector-system
 * and vector-aggregator, runbooks at docs/runbooks.md); RULE_TEST_SETTINGS is what the test renders.
 *
 * Timing notes, since promtool is exact about them: series are sampled every minute from t=0; an
 * instant selector still sees a series for 5 minutes after its last sample; an alert fires at the
 * first evaluation at least `for` after it became pending; only firing alerts are listed.
 * Expected annotations are spelt out literally so that the templates are tested too.
 */
import type { Duration } from "../../../components/prometheus/promql";

export interface SeriesInput {
    series: string;
    values: string;
}

export interface ExpectedAlert {
    exp_labels: Record<string, string>;
    exp_annotations: { summary: string; description: string; runbook_url: string };
}

export interface AlertTestCase {
    eval_time: Duration;
    alertname: string;
    /** Empty: the alert must not be firing at eval_time. */
    exp_alerts: ExpectedAlert[];
}

/** A recording rule's (or any expression's) value at one time. */
export interface ExprTestCase {
    expr: string;
    eval_time: Duration;
    exp_samples: { labels: string; value: number }[];
}

export interface TestGroup {
    name: string;
    interval: Duration;
    input_series: SeriesInput[];
    alert_rule_test: AlertTestCase[];
    promql_expr_test?: ExprTestCase[];
}

export interface PromtoolTestFile {
    rule_files: string[];
    evaluation_interval: Duration;
    tests: TestGroup[];
}

export const RULE_TEST_SETTINGS = {
    name: "vector-fleet",
    namespace: "monitoring",
    aggregatorReplicas: 3,
    agentNamespace: "vector-system",
    aggregatorNamespace: "vector-aggregator",
} as const;

type Labels = Record<string, string>;

/** `name{k="v",...}` in the given label order. */
function series(name: string, labels: Labels, values: string): SeriesInput {
    const body = Object.entries(labels)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(",");
    return { series: `${name}{${body}}`, values };
}

const IDENTITY: Record<string, Labels> = {
    dev: { cluster: "dev", environment: "development", region: "hel1" },
    staging: { cluster: "staging", environment: "staging", region: "hel1" },
    monitoring: { cluster: "monitoring", environment: "production", region: "fsn1" },
};

/** Labels of an agent's remote-written internal metric (contract: cluster, environment, region, vector_role, node, host). */
const agent = (cluster: string, node: string, extra: Labels = {}): Labels => ({ ...IDENTITY[cluster], vector_role: "agent", node, host: node, ...extra });

/** Same for an aggregator, which also carries `pod`. */
const aggregator = (pod: string, node: string, extra: Labels = {}): Labels => ({
    ...IDENTITY.monitoring,
    vector_role: "aggregator",
    node,
    host: pod,
    pod,
    ...extra,
});

const component = (id: string, kind: "source" | "transform" | "sink", type: string): Labels => ({
    component_id: id,
    component_kind: kind,
    component_type: type,
});

/** cAdvisor labels as the agents ship them. */
const cadvisor = (cluster: string, namespace: string, pod: string, container: string): Labels => ({
    cluster,
    namespace,
    pod,
    container,
    image: container === "" ? "" : "docker.io/timberio/vector:0.59.0-distroless-libc",
});

const runbook = (alert: string) => `docs/runbooks.md#${alert.toLowerCase()}`;

const none = (alertname: string, eval_time: Duration): AlertTestCase => ({ alertname, eval_time, exp_alerts: [] });

const AGENT_DOWN = "VectorAgentDown";
const CLUSTER_SILENT = "VectorClusterSilent";
const BELOW_QUORUM = "VectorAggregatorReplicasBelowQuorum";
const DEGRADED = "VectorAggregatorReplicasDegraded";
const SINK_FAILURES = "VectorSinkSendFailures";
const COMPONENT_ERRORS = "VectorComponentErrors";
const DISCARDED = "VectorEventsDiscarded";
const BUFFER_FULL = "VectorBufferNearlyFull";
const HIGH_MEMORY = "VectorHighMemoryUsage";
const HIGH_UTILIZATION = "VectorHighUtilization";
const HEARTBEATS_STOPPED = "VectorHeartbeatsStopped";
const HEARTBEAT_LOSS = "VectorHeartbeatLoss";
const HEARTBEAT_LATE = "VectorHeartbeatLatencyHigh";
const IMPERSONATION = "VectorClusterImpersonation";
const THROTTLED = "VectorClusterLogsThrottled";
const OUT_OF_RANGE = "VectorClusterSamplesOutOfRange";
const BACK_PRESSURED = "VectorClusterMetricsBackPressured";

export const ALL_TESTED_ALERTS = [
    AGENT_DOWN,
    CLUSTER_SILENT,
    BELOW_QUORUM,
    DEGRADED,
    SINK_FAILURES,
    COMPONENT_ERRORS,
    DISCARDED,
    BUFFER_FULL,
    HIGH_MEMORY,
    HIGH_UTILIZATION,
    HEARTBEATS_STOPPED,
    HEARTBEAT_LOSS,
    HEARTBEAT_LATE,
    IMPERSONATION,
    THROTTLED,
    OUT_OF_RANGE,
    BACK_PRESSURED,
];

const logsSink = component("aggregator", "sink", "vector");
const metricsSink = component("prometheus", "sink", "prometheus_remote_write");
const exporterSink = component("internal_metrics_exporter", "sink", "prometheus_exporter");
const lokiSink = component("loki", "sink", "loki");
const logsEnrich = component("logs_enrich", "transform", "remap");
const metricsEnrich = component("metrics_enrich", "transform", "remap");

const agentDown: TestGroup = {
    name: "agent down: one node of a reporting cluster goes silent",
    interval: "1m",
    input_series: [
        series("vector_uptime_seconds", agent("dev", "dev-1"), "0+60x120"),
        // Stops at 30m: gone from instant queries after 35m, pending at 36m, firing from 41m,
        // and forgotten once its last sample leaves the 1h window (after 90m).
        series("vector_uptime_seconds", agent("dev", "dev-2"), "0+60x30"),
        // The only node of staging: the whole cluster is silent, which is VectorClusterSilent's job.
        series("vector_uptime_seconds", agent("staging", "stg-1"), "0+60x30"),
        // Aggregators are not agents.
        series("vector_uptime_seconds", aggregator("vector-aggregator-0", "mon-1"), "0+60x30"),
    ],
    alert_rule_test: [
        none(AGENT_DOWN, "20m"),
        {
            alertname: AGENT_DOWN,
            eval_time: "45m",
            exp_alerts: [
                {
                    exp_labels: { severity: "warning", cluster: "dev", node: "dev-2" },
                    exp_annotations: {
                        summary: "Vector agent on dev/dev-2 stopped reporting",
                        description:
                            "The Vector agent on node dev-2 of cluster dev has sent no metrics for over 5 minutes although it did within " +
                            "the last 1h, while other agents of the cluster still report. Logs and metrics of that node are not reaching the hub.",
                        runbook_url: runbook(AGENT_DOWN),
                    },
                },
            ],
        },
        none(AGENT_DOWN, "100m"),
    ],
};

const silentDescription = (cluster: string, type: string, signal: string) =>
    `No agent of cluster ${cluster} has sent events through its ${type} sink (${signal}) for 10m, although it did earlier. ` +
    "Nothing of that kind from the cluster reaches the hub.";

const clusterSilent: TestGroup = {
    name: "cluster silent: dev stops sending logs, staging stops sending anything",
    interval: "1m",
    input_series: [
        // dev: the logs sink stalls at 30m (its counter stays flat), metrics keep flowing.
        series("vector_component_sent_events_total", agent("dev", "dev-1", logsSink), "0+100x30 3000+0x60"),
        series("vector_component_sent_events_total", agent("dev", "dev-1", metricsSink), "0+100x90"),
        // Scrapes of the exporter are not delivery: its stop must not count.
        series("vector_component_sent_events_total", agent("dev", "dev-1", exporterSink), "0+100x30"),
        // staging: everything stops at 30m, so its series vanish rather than go flat.
        series("vector_component_sent_events_total", agent("staging", "stg-1", logsSink), "0+100x30"),
        series("vector_component_sent_events_total", agent("staging", "stg-1", metricsSink), "0+100x30"),
        // monitoring: healthy.
        series("vector_component_sent_events_total", agent("monitoring", "mon-1", logsSink), "0+100x90"),
        series("vector_component_sent_events_total", agent("monitoring", "mon-1", metricsSink), "0+100x90"),
        // An aggregator sink stopping is not a cluster going silent.
        series("vector_component_sent_events_total", aggregator("vector-aggregator-0", "mon-1", lokiSink), "0+100x30"),
    ],
    alert_rule_test: [
        none(CLUSTER_SILENT, "20m"),
        {
            alertname: CLUSTER_SILENT,
            eval_time: "50m",
            exp_alerts: [
                {
                    exp_labels: { severity: "critical", cluster: "dev", component_type: "vector", signal: "logs" },
                    exp_annotations: {
                        summary: "Cluster dev stopped sending logs",
                        description: silentDescription("dev", "vector", "logs"),
                        runbook_url: runbook(CLUSTER_SILENT),
                    },
                },
                {
                    exp_labels: { severity: "critical", cluster: "staging", component_type: "vector", signal: "logs" },
                    exp_annotations: {
                        summary: "Cluster staging stopped sending logs",
                        description: silentDescription("staging", "vector", "logs"),
                        runbook_url: runbook(CLUSTER_SILENT),
                    },
                },
                {
                    exp_labels: { severity: "critical", cluster: "staging", component_type: "prometheus_remote_write", signal: "metrics" },
                    exp_annotations: {
                        summary: "Cluster staging stopped sending metrics",
                        description: silentDescription("staging", "prometheus_remote_write", "metrics"),
                        runbook_url: runbook(CLUSTER_SILENT),
                    },
                },
            ],
        },
    ],
};

const upLabels = (pod: string, node: string, namespace = "vector-aggregator"): Labels => ({
    job: "vector-aggregator",
    namespace,
    cluster: "monitoring",
    node,
    pod,
    container: "vector",
    endpoint: "metrics",
    instance: `10.0.0.${pod.slice(-1)}:9598`,
});

const belowQuorumDescription =
    "Fewer than 2 of the 3 Vector aggregators in namespace vector-aggregator answer Prometheus' scrape. " +
    "The remaining ones cannot be relied on to carry the fleet's logs and metrics; agents are buffering or dropping.";

const aggregatorReplicas: TestGroup = {
    name: "aggregator replicas: 3 up, then 2 (degraded), then 1 (below quorum)",
    interval: "1m",
    input_series: [
        series("up", upLabels("vector-aggregator-0", "mon-1"), "1+0x60"),
        // Scrape fails from 11m.
        series("up", upLabels("vector-aggregator-1", "mon-2"), "1+0x10 0+0x50"),
        // Target gone after 40m (pod deleted or unschedulable): no `up` at all from 46m.
        series("up", upLabels("vector-aggregator-2", "mon-3"), "1+0x40"),
        // Another namespace's aggregators are not ours.
        series("up", upLabels("vector-aggregator-9", "mon-1", "other"), "1+0x60"),
    ],
    alert_rule_test: [
        none(BELOW_QUORUM, "5m"),
        none(DEGRADED, "5m"),
        // Degraded since 11m, firing from 26m.
        {
            alertname: DEGRADED,
            eval_time: "30m",
            exp_alerts: [
                {
                    exp_labels: { severity: "warning" },
                    exp_annotations: {
                        summary: "Only 2 of 3 Vector aggregators are up",
                        description:
                            "2 of the 3 Vector aggregators in namespace vector-aggregator answer Prometheus' scrape (quorum 2). " +
                            "The fleet still delivers, with less headroom: one more failure drops it below quorum.",
                        runbook_url: runbook(DEGRADED),
                    },
                },
            ],
        },
        none(BELOW_QUORUM, "30m"),
        // One healthy replica from 46m: below quorum, firing from 51m; degraded hands over.
        {
            alertname: BELOW_QUORUM,
            eval_time: "55m",
            exp_alerts: [
                {
                    exp_labels: { severity: "critical" },
                    exp_annotations: {
                        summary: "Only 1 of 3 Vector aggregators are up (quorum 2)",
                        description: belowQuorumDescription,
                        runbook_url: runbook(BELOW_QUORUM),
                    },
                },
            ],
        },
        none(DEGRADED, "55m"),
    ],
};

const noAggregatorTargets: TestGroup = {
    name: "aggregator replicas: no target at all counts as zero",
    interval: "1m",
    input_series: [series("up", { job: "vector-agent", namespace: "vector-system", cluster: "monitoring", node: "mon-1", pod: "vector-agent-x" }, "1+0x20")],
    alert_rule_test: [
        {
            alertname: BELOW_QUORUM,
            eval_time: "10m",
            exp_alerts: [
                {
                    exp_labels: { severity: "critical" },
                    exp_annotations: {
                        summary: "Only 0 of 3 Vector aggregators are up (quorum 2)",
                        description: belowQuorumDescription,
                        runbook_url: runbook(BELOW_QUORUM),
                    },
                },
            ],
        },
    ],
};

const errors: TestGroup = {
    name: "errors: a transform failing steadily, a short burst, a sink failing on two nodes",
    interval: "1m",
    input_series: [
        // 6 per minute = 0.1/s, for 40 minutes.
        series("vector_component_errors_total", agent("dev", "dev-1", { ...logsEnrich, error_type: "conversion_failed", stage: "processing" }), "0+6x40"),
        // A 5-minute burst: never lasts the 15 minutes of `for`.
        series(
            "vector_component_errors_total",
            agent("dev", "dev-1", { ...metricsEnrich, error_type: "conversion_failed", stage: "processing" }),
            "0+6x5 30+0x35",
        ),
        // 0.2/s on each of two nodes: one alert for the sink of the cluster, 0.4/s.
        series("vector_component_errors_total", agent("dev", "dev-1", { ...logsSink, error_type: "request_failed", stage: "sending" }), "0+12x40"),
        series("vector_component_errors_total", agent("dev", "dev-2", { ...logsSink, error_type: "request_failed", stage: "sending" }), "0+12x40"),
    ],
    alert_rule_test: [
        none(COMPONENT_ERRORS, "10m"),
        {
            alertname: COMPONENT_ERRORS,
            eval_time: "20m",
            exp_alerts: [
                {
                    exp_labels: {
                        severity: "warning",
                        cluster: "dev",
                        vector_role: "agent",
                        component_kind: "transform",
                        component_type: "remap",
                        component_id: "logs_enrich",
                        error_type: "conversion_failed",
                        stage: "processing",
                    },
                    exp_annotations: {
                        summary: "Vector transform logs_enrich on dev reports conversion_failed errors",
                        description:
                            "The agent transform logs_enrich (remap) in cluster dev reports 0.10 conversion_failed errors/s at stage processing for over 15 minutes.",
                        runbook_url: runbook(COMPONENT_ERRORS),
                    },
                },
            ],
        },
        none(SINK_FAILURES, "5m"),
        {
            alertname: SINK_FAILURES,
            eval_time: "20m",
            exp_alerts: [
                {
                    exp_labels: {
                        severity: "warning",
                        cluster: "dev",
                        vector_role: "agent",
                        component_type: "vector",
                        component_id: "aggregator",
                        error_type: "request_failed",
                    },
                    exp_annotations: {
                        summary: "Vector sink aggregator (vector) on dev fails to send",
                        description:
                            "The agent sink aggregator (vector) in cluster dev reports 0.40 request_failed errors/s for over 10 minutes. " +
                            "Events wait in its buffer until it fills.",
                        runbook_url: runbook(SINK_FAILURES),
                    },
                },
            ],
        },
    ],
};

const discards: TestGroup = {
    name: "discards: unintentional component discards and buffer discards alert, intentional filtering does not",
    interval: "1m",
    input_series: [
        series("vector_component_discarded_events_total", aggregator("vector-aggregator-0", "mon-1", { ...lokiSink, intentional: "false" }), "0+60x30"),
        series(
            "vector_component_discarded_events_total",
            agent("dev", "dev-1", { ...component("drop_debug", "transform", "filter"), intentional: "true" }),
            "0+60x30",
        ),
        // The metrics buffer drops newest when full: intentional to Vector, lost to us.
        series("vector_buffer_discarded_events_total", agent("dev", "dev-1", { ...metricsSink, buffer_id: "prometheus", intentional: "true" }), "0+30x30"),
    ],
    alert_rule_test: [
        none(DISCARDED, "3m"),
        {
            alertname: DISCARDED,
            eval_time: "10m",
            exp_alerts: [
                {
                    exp_labels: {
                        severity: "warning",
                        cluster: "monitoring",
                        vector_role: "aggregator",
                        component_type: "loki",
                        component_id: "loki",
                        discarded_by: "component",
                    },
                    exp_annotations: {
                        summary: "Vector loki on monitoring is discarding events (component)",
                        description:
                            "The aggregator component loki (loki) in cluster monitoring discards 1.00 events/s (component discards). Those events are lost.",
                        runbook_url: runbook(DISCARDED),
                    },
                },
                {
                    exp_labels: {
                        severity: "warning",
                        cluster: "dev",
                        vector_role: "agent",
                        component_type: "prometheus_remote_write",
                        component_id: "prometheus",
                        discarded_by: "buffer",
                    },
                    exp_annotations: {
                        summary: "Vector prometheus on dev is discarding events (buffer)",
                        description:
                            "The agent component prometheus (prometheus_remote_write) in cluster dev discards 0.50 events/s (buffer discards). Those events are lost.",
                        runbook_url: runbook(DISCARDED),
                    },
                },
            ],
        },
    ],
};

const buffers: TestGroup = {
    name: "buffers: a memory buffer full in events, a disk buffer full in bytes",
    interval: "1m",
    input_series: [
        // Memory buffer, bounded in events: 90%.
        series("vector_buffer_size_events", agent("dev", "dev-1", { ...metricsSink, buffer_id: "prometheus", stage: "0" }), "9000+0x20"),
        series("vector_buffer_max_size_events", agent("dev", "dev-1", { ...metricsSink, buffer_id: "prometheus", stage: "0" }), "10000+0x20"),
        // Disk buffer, bounded in bytes: 10%.
        series("vector_buffer_size_bytes", agent("dev", "dev-1", { ...logsSink, buffer_id: "aggregator", stage: "0" }), "100+0x20"),
        series("vector_buffer_max_size_bytes", agent("dev", "dev-1", { ...logsSink, buffer_id: "aggregator", stage: "0" }), "1000+0x20"),
        // A limit of 0 means none: no alert (and no division by zero).
        series("vector_buffer_size_events", agent("dev", "dev-2", { ...logsSink, buffer_id: "aggregator", stage: "0" }), "500+0x20"),
        series("vector_buffer_max_size_events", agent("dev", "dev-2", { ...logsSink, buffer_id: "aggregator", stage: "0" }), "0+0x20"),
        // Aggregator disk buffer: 85%.
        series("vector_buffer_size_bytes", aggregator("vector-aggregator-0", "mon-1", { ...lokiSink, buffer_id: "loki", stage: "0" }), "850+0x20"),
        series("vector_buffer_max_size_bytes", aggregator("vector-aggregator-0", "mon-1", { ...lokiSink, buffer_id: "loki", stage: "0" }), "1000+0x20"),
    ],
    alert_rule_test: [
        none(BUFFER_FULL, "5m"),
        {
            alertname: BUFFER_FULL,
            eval_time: "15m",
            exp_alerts: [
                {
                    exp_labels: {
                        severity: "warning",
                        cluster: "dev",
                        vector_role: "agent",
                        node: "dev-1",
                        ...metricsSink,
                        unit: "events",
                    },
                    exp_annotations: {
                        summary: "Vector buffer of prometheus on dev is 90% full",
                        description:
                            "The events buffer of agent sink prometheus (prometheus_remote_write) in cluster dev (node dev-1) has been over 80% full " +
                            "for 10 minutes. When full it blocks its inputs or drops events, as configured.",
                        runbook_url: runbook(BUFFER_FULL),
                    },
                },
                {
                    exp_labels: {
                        severity: "warning",
                        cluster: "monitoring",
                        vector_role: "aggregator",
                        node: "mon-1",
                        pod: "vector-aggregator-0",
                        ...lokiSink,
                        unit: "bytes",
                    },
                    exp_annotations: {
                        summary: "Vector buffer of loki on monitoring is 85% full",
                        description:
                            "The bytes buffer of aggregator sink loki (loki) in cluster monitoring (node mon-1, pod vector-aggregator-0) has been over 80% full " +
                            "for 10 minutes. When full it blocks its inputs or drops events, as configured.",
                        runbook_url: runbook(BUFFER_FULL),
                    },
                },
            ],
        },
    ],
};

const memory: TestGroup = {
    name: "memory: only Vector containers with a limit count",
    interval: "1m",
    input_series: [
        // 90% of the limit.
        series("container_memory_working_set_bytes", cadvisor("dev", "vector-system", "vector-agent-abcde", "vector"), "900+0x30"),
        series("container_spec_memory_limit_bytes", cadvisor("dev", "vector-system", "vector-agent-abcde", "vector"), "1000+0x30"),
        // No limit (0): ignored, however large.
        series("container_memory_working_set_bytes", cadvisor("dev", "vector-system", "vector-agent-fghij", "vector"), "5000+0x30"),
        series("container_spec_memory_limit_bytes", cadvisor("dev", "vector-system", "vector-agent-fghij", "vector"), "0+0x30"),
        // 50%: fine.
        series("container_memory_working_set_bytes", cadvisor("monitoring", "vector-aggregator", "vector-aggregator-0", "vector"), "500+0x30"),
        series("container_spec_memory_limit_bytes", cadvisor("monitoring", "vector-aggregator", "vector-aggregator-0", "vector"), "1000+0x30"),
        // Someone else's container named vector.
        series("container_memory_working_set_bytes", cadvisor("dev", "apps", "vector-demo", "vector"), "990+0x30"),
        series("container_spec_memory_limit_bytes", cadvisor("dev", "apps", "vector-demo", "vector"), "1000+0x30"),
        // The pod-level cgroup (container="") is not the container.
        series("container_memory_working_set_bytes", cadvisor("dev", "vector-system", "vector-agent-abcde", ""), "2000+0x30"),
        series("container_spec_memory_limit_bytes", cadvisor("dev", "vector-system", "vector-agent-abcde", ""), "1000+0x30"),
    ],
    alert_rule_test: [
        none(HIGH_MEMORY, "10m"),
        {
            alertname: HIGH_MEMORY,
            eval_time: "20m",
            exp_alerts: [
                {
                    exp_labels: { severity: "warning", cluster: "dev", namespace: "vector-system", pod: "vector-agent-abcde" },
                    exp_annotations: {
                        summary: "Vector vector-system/vector-agent-abcde on dev uses 90% of its memory limit",
                        description:
                            "The vector container of pod vector-agent-abcde (namespace vector-system, cluster dev) has used over 80% of its memory limit " +
                            "for 15 minutes. At the limit it is OOM-killed and in-memory buffers are lost.",
                        runbook_url: runbook(HIGH_MEMORY),
                    },
                },
            ],
        },
    ],
};

const utilization: TestGroup = {
    name: "utilization: a saturated aggregator sink",
    interval: "1m",
    input_series: [
        series("vector_utilization", aggregator("vector-aggregator-0", "mon-1", lokiSink), "0.95+0x60"),
        series("vector_utilization", agent("dev", "dev-1", logsEnrich), "0.5+0x60"),
    ],
    alert_rule_test: [
        none(HIGH_UTILIZATION, "20m"),
        {
            alertname: HIGH_UTILIZATION,
            eval_time: "40m",
            exp_alerts: [
                {
                    exp_labels: {
                        severity: "info",
                        cluster: "monitoring",
                        vector_role: "aggregator",
                        node: "mon-1",
                        pod: "vector-aggregator-0",
                        ...lokiSink,
                    },
                    exp_annotations: {
                        summary: "Vector loki on monitoring is 95% busy",
                        description:
                            "The aggregator sink loki (loki) in cluster monitoring (node mon-1, pod vector-aggregator-0) has been over 90% utilised " +
                            "for 30 minutes: it is the bottleneck of its pipeline.",
                        runbook_url: runbook(HIGH_UTILIZATION),
                    },
                },
            ],
        },
    ],
};

// ---- heartbeats ---------------------------------------------------------------------------
// An agent sends one heartbeat every 15 s: 4 a minute. Sent is the agent's counter (remote-written
// with its metrics, no vector_role); received and latency are counted by each aggregator replica.

/** The agent's sent counter of one node. */
const hbSent = (node: string, values: string) => series("vector_fleet_heartbeat_sent_total", { ...IDENTITY.dev, node, host: node, shipper: "vector" }, values);
/** One replica's received counter for one node. */
const hbReceived = (node: string, replica: number, values: string) =>
    series(
        "vector_fleet_heartbeat_received_total",
        { cluster: "dev", environment: "development", node, aggregator_pod: `vector-aggregator-${replica}` },
        values,
    );
/** Latency buckets of one node at one replica: `fast` per minute under 1 s, `slow` per minute between 120 s and 300 s. */
const hbLatency = (node: string, perMinute: { fast: number; slow: number }, samples = 90): SeriesInput[] => {
    const labels = { cluster: "dev", environment: "development", node, aggregator_pod: "vector-aggregator-0" };
    const bounds: [string, number][] = [
        ["1", perMinute.fast],
        ["120", perMinute.fast],
        ["300", perMinute.fast + perMinute.slow],
        ["+Inf", perMinute.fast + perMinute.slow],
    ];
    return bounds.map(([le, n]) => series("vector_fleet_heartbeat_latency_seconds_bucket", { ...labels, le }, `0+${n}x${samples}`));
};

const heartbeatsDelivered: TestGroup = {
    name: "heartbeats delivered: every sent heartbeat arrives, split over two replicas, within a second",
    interval: "1m",
    input_series: [hbSent("dev-1", "0+4x90"), hbReceived("dev-1", 0, "0+2x90"), hbReceived("dev-1", 1, "0+2x90"), ...hbLatency("dev-1", { fast: 4, slow: 0 })],
    alert_rule_test: [none(HEARTBEATS_STOPPED, "60m"), none(HEARTBEAT_LOSS, "60m"), none(HEARTBEAT_LATE, "60m")],
    promql_expr_test: [
        {
            expr: "cluster_node:vector_fleet_heartbeat_delivered:ratio_rate5m",
            eval_time: "60m",
            exp_samples: [{ labels: 'cluster_node:vector_fleet_heartbeat_delivered:ratio_rate5m{cluster="dev", node="dev-1"}', value: 1 }],
        },
        {
            expr: "cluster:vector_fleet_heartbeat_delivered:ratio_rate5m",
            eval_time: "60m",
            exp_samples: [{ labels: 'cluster:vector_fleet_heartbeat_delivered:ratio_rate5m{cluster="dev"}', value: 1 }],
        },
    ],
};

const heartbeatsLost: TestGroup = {
    name: "heartbeats lost: a quarter of one node's heartbeats never arrive",
    interval: "1m",
    input_series: [hbSent("dev-2", "0+4x90"), hbReceived("dev-2", 0, "0+3x90"), ...hbLatency("dev-2", { fast: 3, slow: 0 })],
    alert_rule_test: [
        {
            alertname: HEARTBEAT_LOSS,
            eval_time: "40m",
            exp_alerts: [
                {
                    exp_labels: { severity: "warning", cluster: "dev", node: "dev-2" },
                    exp_annotations: {
                        summary: "dev/dev-2 loses 25% of its heartbeats",
                        description:
                            "Of the heartbeats the Vector agent on node dev-2 of cluster dev sent, 25% did not reach the aggregators' Loki output " +
                            "over the last 5 minutes (threshold 5%, for 15 minutes).",
                        runbook_url: runbook(HEARTBEAT_LOSS),
                    },
                },
            ],
        },
        // Some still arrive: that is loss, not a stop.
        none(HEARTBEATS_STOPPED, "40m"),
    ],
    promql_expr_test: [
        {
            expr: "cluster_node:vector_fleet_heartbeat_delivered:ratio_rate5m",
            eval_time: "40m",
            exp_samples: [{ labels: 'cluster_node:vector_fleet_heartbeat_delivered:ratio_rate5m{cluster="dev", node="dev-2"}', value: 0.75 }],
        },
    ],
};

const heartbeatsLate: TestGroup = {
    name: "heartbeats late: all arrive, but after two to five minutes",
    interval: "1m",
    input_series: [hbSent("dev-3", "0+4x90"), hbReceived("dev-3", 0, "0+4x90"), ...hbLatency("dev-3", { fast: 0, slow: 4 })],
    alert_rule_test: [
        {
            alertname: HEARTBEAT_LATE,
            eval_time: "40m",
            exp_alerts: [
                {
                    exp_labels: { severity: "warning", cluster: "dev", node: "dev-3" },
                    exp_annotations: {
                        summary: "Heartbeats of dev/dev-3 take 4m 58s to arrive",
                        description:
                            "The 99th percentile of the time from the agent on node dev-3 of cluster dev sending a heartbeat to the aggregators " +
                            "counting it has been above 120s for 10 minutes: logs of that node reach Loki late.",
                        runbook_url: runbook(HEARTBEAT_LATE),
                    },
                },
            ],
        },
        none(HEARTBEAT_LOSS, "40m"),
    ],
};

const heartbeatsStopped: TestGroup = {
    name: "heartbeats stopped: the agent keeps sending, nothing arrives after 30 minutes",
    interval: "1m",
    input_series: [hbSent("dev-4", "0+4x90"), hbReceived("dev-4", 0, "0+4x30"), ...hbLatency("dev-4", { fast: 4, slow: 0 }, 30)],
    alert_rule_test: [
        none(HEARTBEATS_STOPPED, "30m"),
        {
            alertname: HEARTBEATS_STOPPED,
            eval_time: "45m",
            exp_alerts: [
                {
                    exp_labels: { severity: "critical", cluster: "dev", node: "dev-4" },
                    exp_annotations: {
                        summary: "No heartbeat from dev/dev-4 reaches the hub",
                        description:
                            "The heartbeats of the Vector agent on node dev-4 of cluster dev stopped arriving at the aggregators over 5 minutes ago, " +
                            "although they did within the last 1h. Its pod logs are very likely not reaching Loki either.",
                        runbook_url: runbook(HEARTBEATS_STOPPED),
                    },
                },
            ],
        },
        // Nothing arrives at all: VectorHeartbeatsStopped's job, not also a loss alert.
        none(HEARTBEAT_LOSS, "45m"),
    ],
    promql_expr_test: [
        {
            expr: "cluster_node:vector_fleet_heartbeat_delivered:ratio_rate5m",
            eval_time: "45m",
            exp_samples: [{ labels: 'cluster_node:vector_fleet_heartbeat_delivered:ratio_rate5m{cluster="dev", node="dev-4"}', value: 0 }],
        },
    ],
};

/** Every input of every alert present and healthy for 90 minutes: nothing may fire. */
function healthyFleet(): TestGroup {
    const input: SeriesInput[] = [];
    const agents = [agent("dev", "dev-1"), agent("dev", "dev-2"), agent("monitoring", "mon-1")];
    const aggregators = [0, 1, 2].map((i) => aggregator(`vector-aggregator-${i}`, `mon-${i + 1}`));
    for (const a of agents) {
        input.push(series("vector_uptime_seconds", a, "0+60x90"));
        for (const sink of [logsSink, metricsSink]) {
            input.push(series("vector_component_sent_events_total", { ...a, ...sink }, "0+100x90"));
            input.push(series("vector_component_errors_total", { ...a, ...sink, error_type: "request_failed", stage: "sending" }, "3+0x90"));
            input.push(series("vector_buffer_discarded_events_total", { ...a, ...sink, buffer_id: sink.component_id, intentional: "true" }, "0+0x90"));
        }
        input.push(series("vector_component_errors_total", { ...a, ...logsEnrich, error_type: "conversion_failed", stage: "processing" }, "7+0x90"));
        input.push(series("vector_component_discarded_events_total", { ...a, ...logsEnrich, intentional: "false" }, "0+0x90"));
        input.push(series("vector_buffer_size_events", { ...a, ...metricsSink, buffer_id: "prometheus", stage: "0" }, "100+0x90"));
        input.push(series("vector_buffer_max_size_events", { ...a, ...metricsSink, buffer_id: "prometheus", stage: "0" }, "10000+0x90"));
        input.push(series("vector_buffer_size_bytes", { ...a, ...logsSink, buffer_id: "aggregator", stage: "0" }, "1000+0x90"));
        input.push(series("vector_buffer_max_size_bytes", { ...a, ...logsSink, buffer_id: "aggregator", stage: "0" }, "268435488+0x90"));
        input.push(series("vector_utilization", { ...a, ...logsEnrich }, "0.2+0x90"));
    }
    for (const [i, a] of aggregators.entries()) {
        input.push(series("vector_uptime_seconds", a, "0+60x90"));
        input.push(series("vector_utilization", { ...a, ...lokiSink }, "0.6+0x90"));
        input.push(series("up", upLabels(a.pod, a.node), "1+0x90"));
        input.push(series("container_memory_working_set_bytes", cadvisor("monitoring", "vector-aggregator", a.pod, "vector"), "400+0x90"));
        input.push(series("container_spec_memory_limit_bytes", cadvisor("monitoring", "vector-aggregator", a.pod, "vector"), "1000+0x90"));
        input.push(series("vector_component_errors_total", { ...a, ...lokiSink, error_type: "request_failed", stage: "sending" }, `${i}+0x90`));
    }
    input.push(series("container_memory_working_set_bytes", cadvisor("dev", "vector-system", "vector-agent-abcde", "vector"), "300+0x90"));
    input.push(series("container_spec_memory_limit_bytes", cadvisor("dev", "vector-system", "vector-agent-abcde", "vector"), "1000+0x90"));
    return {
        name: "healthy fleet: nothing fires",
        interval: "1m",
        input_series: input,
        alert_rule_test: ALL_TESTED_ALERTS.map((alert) => none(alert, "90m")),
    };
}

/** A route output of the aggregators' identity check, as internal_metrics reports it. */
const identityRoute = (signal: "logs" | "metrics" | "traces", sender: string, output: string): Labels => ({
    ...component(`identity_${signal}_${sender}`, "transform", "route"),
    output,
});

const impersonation: TestGroup = {
    name: "impersonation: dev sends events claiming another cluster",
    interval: "1m",
    input_series: [
        // dev's honest traffic: the unmatched output grows, the impersonating one stays at 0.
        series("vector_component_sent_events_total", aggregator("vector-aggregator-0", "mon-1", identityRoute("logs", "dev", "_unmatched")), "0+100x60"),
        series("vector_component_sent_events_total", aggregator("vector-aggregator-0", "mon-1", identityRoute("logs", "dev", "impersonating")), "0+0x60"),
        // From 20m, 5 metric samples a minute claim another cluster on dev's remote-write listener.
        // increase() over 10m of 1m samples sees the 9 steps inside the window: 45.
        series(
            "vector_component_sent_events_total",
            aggregator("vector-aggregator-1", "mon-2", identityRoute("metrics", "dev", "impersonating")),
            "0+0x20 0+5x40",
        ),
        // Staging's metrics stay honest; from 20m, 2 span batches a minute on its vector listener
        // claim another cluster (components/aggregator/signals.ts identity_traces_C): 18 in 10m.
        series(
            "vector_component_sent_events_total",
            aggregator("vector-aggregator-1", "mon-2", identityRoute("metrics", "staging", "impersonating")),
            "0+0x60",
        ),
        series(
            "vector_component_sent_events_total",
            aggregator("vector-aggregator-0", "mon-1", identityRoute("traces", "staging", "impersonating")),
            "0+0x20 0+2x40",
        ),
    ],
    alert_rule_test: [
        none(IMPERSONATION, "19m"),
        {
            alertname: IMPERSONATION,
            eval_time: "30m",
            exp_alerts: [
                {
                    exp_labels: { severity: "critical", cluster: "monitoring", component_id: "identity_metrics_dev", sender: "dev" },
                    exp_annotations: {
                        summary: "Cluster dev sends data claiming to be another cluster",
                        description:
                            "The aggregators in monitoring received 45 events in 10 minutes on dev's own listener (identity_metrics_dev) that claimed another cluster. " +
                            "They were stored labelled dev; find out why dev claims otherwise: a misconfigured agent, or a compromised cluster.",
                        runbook_url: runbook(IMPERSONATION),
                    },
                },
                {
                    // The trace route's sender is read from its id like the others'.
                    exp_labels: { severity: "critical", cluster: "monitoring", component_id: "identity_traces_staging", sender: "staging" },
                    exp_annotations: {
                        summary: "Cluster staging sends data claiming to be another cluster",
                        description:
                            "The aggregators in monitoring received 18 events in 10 minutes on staging's own listener (identity_traces_staging) that claimed another cluster. " +
                            "They were stored labelled staging; find out why staging claims otherwise: a misconfigured agent, or a compromised cluster.",
                        runbook_url: runbook(IMPERSONATION),
                    },
                },
            ],
        },
    ],
};

/** Dev over its limit, and only dev: staging's own short burst elsewhere never joins it. */
const devThrottled = {
    exp_labels: { severity: "warning", cluster: "monitoring", component_id: "throttle_logs_dev", sender: "dev" },
    exp_annotations: {
        summary: "Cluster dev sends more logs than its limit; the excess is dropped",
        description:
            "The aggregators in monitoring drop 0.5 log events/s from dev above its limit (aggregator.logEventsPerSecPerCluster or " +
            "aggregator.identities.dev.logEventsPerSec). Other clusters are not affected; those events are lost.",
        runbook_url: runbook(THROTTLED),
    },
};

const throttled: TestGroup = {
    name: "fairness: dev bursts above its log limit, staging stays under",
    interval: "1m",
    input_series: [
        // 0.5 events/s dropped from dev from the start.
        series(
            "vector_component_discarded_events_total",
            aggregator("vector-aggregator-0", "mon-1", { ...component("throttle_logs_dev", "transform", "throttle"), intentional: "true" }),
            "0+30x40",
        ),
        // Staging's throttle never drops.
        series(
            "vector_component_discarded_events_total",
            aggregator("vector-aggregator-0", "mon-1", { ...component("throttle_logs_staging", "transform", "throttle"), intentional: "true" }),
            "0+0x40",
        ),
        // A 2-minute burst on another replica's staging throttle from 21m: at 26m the alert is still pending (for: 5m).
        series(
            "vector_component_discarded_events_total",
            aggregator("vector-aggregator-1", "mon-2", { ...component("throttle_logs_staging", "transform", "throttle"), intentional: "true" }),
            "0+0x20 0+60x2 120+0x18",
        ),
    ],
    alert_rule_test: [
        none(THROTTLED, "4m"),
        {
            alertname: THROTTLED,
            eval_time: "15m",
            exp_alerts: [devThrottled],
        },
        {
            alertname: THROTTLED,
            eval_time: "26m",
            exp_alerts: [devThrottled],
        },
    ],
};

const outOfRange: TestGroup = {
    name: "no batch poisoning: dev replays stale samples, staging's are fresh",
    interval: "1m",
    input_series: [
        // 0.1 stale samples/s from dev from the start.
        series(
            "vector_component_discarded_events_total",
            aggregator("vector-aggregator-0", "mon-1", { ...component("sample_age_dev", "transform", "filter"), intentional: "true" }),
            "0+6x40",
        ),
        series(
            "vector_component_discarded_events_total",
            aggregator("vector-aggregator-0", "mon-1", { ...component("sample_age_staging", "transform", "filter"), intentional: "true" }),
            "0+0x40",
        ),
        // A single stale sample from staging at 20m: pending for a while, never firing (for: 10m).
        series(
            "vector_component_discarded_events_total",
            aggregator("vector-aggregator-1", "mon-2", { ...component("sample_age_staging", "transform", "filter"), intentional: "true" }),
            "0+0x20 1+0x20",
        ),
        // The Loki throttle is not this alert's business.
        series(
            "vector_component_discarded_events_total",
            aggregator("vector-aggregator-0", "mon-1", { ...component("throttle_logs_dev", "transform", "throttle"), intentional: "true" }),
            "0+60x40",
        ),
    ],
    alert_rule_test: [
        none(OUT_OF_RANGE, "9m"),
        {
            alertname: OUT_OF_RANGE,
            eval_time: "15m",
            exp_alerts: [
                {
                    exp_labels: { severity: "warning", cluster: "monitoring", component_id: "sample_age_dev", sender: "dev" },
                    exp_annotations: {
                        summary: "Cluster dev sends metric samples Prometheus would refuse; they are dropped",
                        description:
                            "The aggregators in monitoring drop 0.10 samples/s from dev that are older than aggregator.prometheus.maxSampleAgeSecs or " +
                            "minutes in the future: a backlog replayed after a long outage, or a clock off. Other clusters' samples are not affected; these are lost.",
                        runbook_url: runbook(OUT_OF_RANGE),
                    },
                },
            ],
        },
        {
            alertname: OUT_OF_RANGE,
            eval_time: "28m",
            exp_alerts: [
                {
                    exp_labels: { severity: "warning", cluster: "monitoring", component_id: "sample_age_dev", sender: "dev" },
                    exp_annotations: {
                        summary: "Cluster dev sends metric samples Prometheus would refuse; they are dropped",
                        description:
                            "The aggregators in monitoring drop 0.10 samples/s from dev that are older than aggregator.prometheus.maxSampleAgeSecs or " +
                            "minutes in the future: a backlog replayed after a long outage, or a clock off. Other clusters' samples are not affected; these are lost.",
                        runbook_url: runbook(OUT_OF_RANGE),
                    },
                },
            ],
        },
    ],
};

/** A disk buffer of an aggregator's sink: its fill and its limit, in bytes. */
const aggregatorBuffer = (pod: string, node: string, sinkId: string, size: string, max = "1000000000+0x40"): SeriesInput[] => {
    const labels = aggregator(pod, node, { ...component(sinkId, "sink", "prometheus_remote_write"), buffer_id: sinkId, stage: "0" });
    return [series("vector_buffer_size_bytes", labels, size), series("vector_buffer_max_size_bytes", labels, max)];
};

const devBackPressured: ExpectedAlert = {
    exp_labels: { severity: "warning", cluster: "monitoring", component_id: "prometheus_dev", sender: "dev" },
    exp_annotations: {
        summary: "Cluster dev's metrics wait in the aggregators' buffer; when it is full its remote write is held back",
        description:
            "The aggregators in monitoring hold dev's samples in its own Prometheus sink's buffer (prometheus_dev), 60% full for 10 minutes: " +
            "it sends faster than its limit (aggregator.metricSamplesPerSecPerCluster or aggregator.identities.dev.metricSamplesPerSec) or than Prometheus takes. " +
            "When full, only dev's remote write is held back and its agents drop samples; other clusters are not affected.",
        runbook_url: runbook(BACK_PRESSURED),
    },
};

const backPressured: TestGroup = {
    name: "fairness: dev's own metrics buffer fills past half on one replica; staging's and the shared sink's are not this alert's",
    interval: "1m",
    input_series: [
        // Replica 0: 100 MB a minute for 5 minutes (exactly half at 5m, not over), then 60% from 6m.
        ...aggregatorBuffer("vector-aggregator-0", "mon-1", "prometheus_dev", "0+100000000x5 600000000+0x35"),
        // Replica 1 has drained dev's share: the fullest replica is what counts.
        ...aggregatorBuffer("vector-aggregator-1", "mon-2", "prometheus_dev", "200000000+0x40"),
        ...aggregatorBuffer("vector-aggregator-0", "mon-1", "prometheus_staging", "300000000+0x40"),
        // The shared sink of the aggregators' own metrics is no cluster's: VectorBufferNearlyFull covers it.
        ...aggregatorBuffer("vector-aggregator-0", "mon-1", "prometheus", "900000000+0x40"),
    ],
    alert_rule_test: [
        // Over half from 6m: pending, firing from 16m.
        none(BACK_PRESSURED, "15m"),
        { alertname: BACK_PRESSURED, eval_time: "20m", exp_alerts: [devBackPressured] },
    ],
};

/** The whole test file; `ruleFile` is the path of the rendered rule file. */
export function ruleTestFile(ruleFile: string): PromtoolTestFile {
    return {
        rule_files: [ruleFile],
        evaluation_interval: "1m",
        tests: [
            agentDown,
            clusterSilent,
            aggregatorReplicas,
            noAggregatorTargets,
            errors,
            discards,
            buffers,
            memory,
            utilization,
            heartbeatsDelivered,
            heartbeatsLost,
            heartbeatsLate,
            heartbeatsStopped,
            impersonation,
            throttled,
            outOfRange,
            backPressured,
            healthyFleet(),
        ],
    };
}
