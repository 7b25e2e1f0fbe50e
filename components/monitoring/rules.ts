/**
 * Alerts on the fleet's own health, evaluated by the central Prometheus on the hub. They are built
 * on the metric contract (see docs/runbooks.md, "Where the data comes from"): Vector's internal
 * metrics arrive by remote write with cluster/vector_role/node labels, container resources come from
 * the agents' cAdvisor scrape, and only the hub's aggregators are scraped directly (for `up`).
 *
 * The rules are data: `vectorAlertRules` returns them typed, `vectorPrometheusRule` wraps them in the
 * CRD, and `promtoolRuleFile` gives promtool the same groups. The promtool unit tests in
 * tests/support/promtool/ exercise every alert both firing and silent.
 */
import { AGGREGATOR_JOB } from "./podmonitors";
import { alternation, dnsLabel, Duration, promql } from "../prometheus/promql";
import type { PrometheusAlertingRule, PrometheusRecordingRule, PrometheusRule, PrometheusRuleFile, PrometheusRuleGroup, Severity } from "../prometheus/rule";
import { quorum } from "../contract/fleet";
import { fleetLabels } from "../k8s/common";

/** Rule groups are evaluated independently; grouping by concern keeps one slow group from delaying the rest. */
export type RuleGroupName =
    "vector-fleet-heartbeats" | "vector-fleet-delivery" | "vector-fleet-aggregators" | "vector-fleet-components" | "vector-fleet-resources";

export interface AlertRule {
    alert: string;
    group: RuleGroupName;
    expr: string;
    for: Duration;
    severity: Severity;
    /** One line, Go-templated ($labels, $value) like every annotation. */
    summary: string;
    description: string;
    /** Anchor in docs/runbooks.md: the GitHub slug of the alert's section heading. */
    runbook: string;
}

export interface VectorAlertSettings {
    /** Aggregator StatefulSet replicas; quorum is floor(n/2)+1. */
    aggregatorReplicas: number;
    agentNamespace: string;
    aggregatorNamespace: string;
}

export const ALERT_DEFAULTS: VectorAlertSettings = {
    aggregatorReplicas: 3,
    agentNamespace: "vector-system",
    aggregatorNamespace: "vector-aggregator",
};

/** Repo-relative, so links work when browsing the repository; deployments pass an absolute URL. */
export const DEFAULT_RUNBOOK_BASE_URL = "docs/runbooks.md";

/** The aggregators' PodDisruptionBudget keeps this many up; the alerts use the same figure. */
export { quorum };
export type { PrometheusAlertingRule, PrometheusRecordingRule, PrometheusRule, PrometheusRuleFile, PrometheusRuleGroup, Severity };

/** GitHub's heading anchor for a heading that is a plain alert name. */
const anchor = (alert: string) => alert.toLowerCase();

// How long a (cluster, node) or cluster is remembered after it goes silent. Bounded on purpose:
// a node that is removed for good must stop alerting without anyone editing rules.
const AGENT_MEMORY = "1h";
// A whole cluster going silent is rarer and graver than a node: remember it longer.
const CLUSTER_MEMORY = "6h";
// Window in which a cluster's agents must have sent something to count as alive.
const SILENT_WINDOW = "10m";

// The agents' two delivery sinks: `vector` (logs to the aggregators) and `prometheus_remote_write`
// (metrics, including Vector's own).
const AGENT_DELIVERY_SINKS = 'vector_role="agent", component_kind="sink", component_type=~"prometheus_remote_write|vector"';

// Labels that identify one Vector instance's component. Agents have no `pod` label (one per node),
// aggregators have both; grouping by an absent label is harmless.
const INSTANCE_COMPONENT = "cluster, vector_role, node, pod, component_kind, component_type, component_id";

/**
 * Heartbeat alert thresholds: looser than the rollout gate's defaults (config/stack.ts), since an
 * alert pages at any hour where the gate only holds a rollout back.
 */
export const HEARTBEAT_ALERT_THRESHOLDS = { maxLossRatio: 0.05, maxLatencySeconds: 120 } as const;

/** Names of the heartbeat recording rules; the dashboard and `npm run gate` read these. */
export const HEARTBEAT_SERIES = {
    sent: "cluster_node:vector_fleet_heartbeat_sent:rate5m",
    received: "cluster_node:vector_fleet_heartbeat_received:rate5m",
    delivered: "cluster_node:vector_fleet_heartbeat_delivered:ratio_rate5m",
    latencyP99: "cluster_node:vector_fleet_heartbeat_latency_seconds:p99_rate5m",
    clusterDelivered: "cluster:vector_fleet_heartbeat_delivered:ratio_rate5m",
    clusterLatencyP99: "cluster:vector_fleet_heartbeat_latency_seconds:p99_rate5m",
} as const;

/**
 * The heartbeat's recording rules: sent (agents, by remote write) against received (aggregators,
 * counted per replica, so summed over replicas). A node that sends but of which nothing arrives
 * gets a share of 0, not a missing series: `or ... * 0` fills the numerator in.
 */
export function heartbeatRecordingRules(): PrometheusRecordingRule[] {
    const h = HEARTBEAT_SERIES;
    return [
        { record: h.sent, expr: "sum by (cluster, node) (rate(vector_fleet_heartbeat_sent_total[5m]))" },
        { record: h.received, expr: "sum by (cluster, node) (rate(vector_fleet_heartbeat_received_total[5m]))" },
        {
            record: h.delivered,
            // Sent is counted before the agent's batch timeout and received after it, so the ratio can
            // briefly exceed 1; clamped so a share reads as a share.
            expr: promql(`clamp_max(`, `  (${h.received} or on (cluster, node) (${h.sent} * 0))`, `  / on (cluster, node) (${h.sent} > 0),`, `  1`, `)`),
        },
        {
            record: h.latencyP99,
            expr: "histogram_quantile(0.99, sum by (cluster, node, le) (rate(vector_fleet_heartbeat_latency_seconds_bucket[5m])))",
        },
        {
            record: h.clusterDelivered,
            expr: promql(
                "clamp_max(",
                `  (sum by (cluster) (${h.received}) or on (cluster) (sum by (cluster) (${h.sent}) * 0))`,
                `  / on (cluster) (sum by (cluster) (${h.sent}) > 0),`,
                "  1",
                ")",
            ),
        },
        {
            record: h.clusterLatencyP99,
            expr: "histogram_quantile(0.99, sum by (cluster, le) (rate(vector_fleet_heartbeat_latency_seconds_bucket[5m])))",
        },
    ];
}

/** The alerts, for the given settings. Pure: same settings, same rules, same order. */
export function vectorAlertRules(settings: Partial<VectorAlertSettings> = {}): AlertRule[] {
    // `??` rather than spread: an explicitly undefined field (an unset config value) keeps the default.
    const s: VectorAlertSettings = {
        aggregatorReplicas: settings.aggregatorReplicas ?? ALERT_DEFAULTS.aggregatorReplicas,
        agentNamespace: settings.agentNamespace ?? ALERT_DEFAULTS.agentNamespace,
        aggregatorNamespace: settings.aggregatorNamespace ?? ALERT_DEFAULTS.aggregatorNamespace,
    };
    if (!Number.isInteger(s.aggregatorReplicas) || s.aggregatorReplicas < 1) {
        throw new Error(`aggregatorReplicas: got ${s.aggregatorReplicas}; expected a positive integer`);
    }
    const agentNs = dnsLabel(s.agentNamespace, "agentNamespace");
    const aggregatorNs = dnsLabel(s.aggregatorNamespace, "aggregatorNamespace");
    const vectorNs = alternation([agentNs, aggregatorNs], "namespace");
    const q = quorum(s.aggregatorReplicas);
    const n = s.aggregatorReplicas;
    // `or vector(0)`: with no target at all (every pod gone, or the PodMonitor broken) count() is
    // empty rather than 0, and an empty result would never alert.
    const healthyAggregators = `(count(up{job="${AGGREGATOR_JOB}", namespace="${aggregatorNs}"} == 1) or vector(0))`;

    const h = HEARTBEAT_SERIES;
    const t = HEARTBEAT_ALERT_THRESHOLDS;
    const rules: AlertRule[] = [
        {
            alert: "VectorHeartbeatsStopped",
            group: "vector-fleet-heartbeats",
            // Arrived within the last hour and no longer does; `unless` also catches the series vanishing.
            expr: promql(`group by (cluster, node) (max_over_time(${h.received}[${AGENT_MEMORY}]) > 0)`, "unless on (cluster, node)", `(${h.received} > 0)`),
            for: "5m",
            severity: "critical",
            summary: "No heartbeat from {{ $labels.cluster }}/{{ $labels.node }} reaches the hub",
            description:
                "The heartbeats of the Vector agent on node {{ $labels.node }} of cluster {{ $labels.cluster }} stopped arriving at the aggregators " +
                `over 5 minutes ago, although they did within the last ${AGENT_MEMORY}. Its pod logs are very likely not reaching Loki either.`,
            runbook: anchor("VectorHeartbeatsStopped"),
        },
        {
            alert: "VectorHeartbeatLoss",
            group: "vector-fleet-heartbeats",
            // Only nodes of which some heartbeats still arrive: none at all is VectorHeartbeatsStopped.
            expr: promql(`1 - ${h.delivered} > ${t.maxLossRatio}`, "and on (cluster, node)", `(${h.received} > 0)`),
            for: "15m",
            severity: "warning",
            summary: "{{ $labels.cluster }}/{{ $labels.node }} loses {{ $value | humanizePercentage }} of its heartbeats",
            description:
                "Of the heartbeats the Vector agent on node {{ $labels.node }} of cluster {{ $labels.cluster }} sent, {{ $value | humanizePercentage }} " +
                `did not reach the aggregators' Loki output over the last 5 minutes (threshold ${t.maxLossRatio * 100}%, for 15 minutes).`,
            runbook: anchor("VectorHeartbeatLoss"),
        },
        {
            alert: "VectorHeartbeatLatencyHigh",
            group: "vector-fleet-heartbeats",
            expr: `${h.latencyP99} > ${t.maxLatencySeconds}`,
            for: "10m",
            severity: "warning",
            summary: "Heartbeats of {{ $labels.cluster }}/{{ $labels.node }} take {{ $value | humanizeDuration }} to arrive",
            description:
                "The 99th percentile of the time from the agent on node {{ $labels.node }} of cluster {{ $labels.cluster }} sending a heartbeat " +
                `to the aggregators counting it has been above ${t.maxLatencySeconds}s for 10 minutes: logs of that node reach Loki late.`,
            runbook: anchor("VectorHeartbeatLatencyHigh"),
        },
        {
            alert: "VectorAgentDown",
            group: "vector-fleet-delivery",
            // `up` cannot do this: source clusters' agents are not scraped by the central Prometheus,
            // and a scrape would not prove the remote-write path works anyway. Instead: a node whose
            // agent reported within the last hour and no longer does. The last clause leaves a cluster
            // that went silent as a whole to VectorClusterSilent (one alert instead of one per node).
            expr: promql(
                "(",
                `  group by (cluster, node) (max_over_time(vector_uptime_seconds{vector_role="agent"}[${AGENT_MEMORY}]))`,
                "  unless on (cluster, node)",
                '  group by (cluster, node) (vector_uptime_seconds{vector_role="agent"})',
                ")",
                "and on (cluster)",
                'group by (cluster) (vector_uptime_seconds{vector_role="agent"})',
            ),
            for: "5m",
            severity: "warning",
            summary: "Vector agent on {{ $labels.cluster }}/{{ $labels.node }} stopped reporting",
            description:
                "The Vector agent on node {{ $labels.node }} of cluster {{ $labels.cluster }} has sent no metrics for over 5 minutes " +
                `although it did within the last ${AGENT_MEMORY}, while other agents of the cluster still report. ` +
                "Logs and metrics of that node are not reaching the hub.",
            runbook: anchor("VectorAgentDown"),
        },
        {
            alert: "VectorClusterSilent",
            group: "vector-fleet-delivery",
            // Per cluster and delivery sink: sent events in the earlier window but none in the last
            // 10 minutes. `unless` (not `== 0`) also catches the sink's series vanishing, which is what
            // happens when the metrics path itself is down: then nothing of the cluster arrives.
            expr: promql(
                "label_replace(",
                "  label_replace(",
                "    sum by (cluster, component_type) (",
                `      rate(vector_component_sent_events_total{${AGENT_DELIVERY_SINKS}}[${CLUSTER_MEMORY}] offset ${SILENT_WINDOW})`,
                "    ) > 0",
                "    unless on (cluster, component_type)",
                "    sum by (cluster, component_type) (",
                `      rate(vector_component_sent_events_total{${AGENT_DELIVERY_SINKS}}[${SILENT_WINDOW}]) > 0`,
                "    ),",
                '    "signal", "logs", "component_type", "vector"',
                "  ),",
                '  "signal", "metrics", "component_type", "prometheus_remote_write"',
                ")",
            ),
            for: "5m",
            severity: "critical",
            summary: "Cluster {{ $labels.cluster }} stopped sending {{ $labels.signal }}",
            description:
                "No agent of cluster {{ $labels.cluster }} has sent events through its {{ $labels.component_type }} sink " +
                `({{ $labels.signal }}) for ${SILENT_WINDOW}, although it did earlier. Nothing of that kind from the cluster reaches the hub.`,
            runbook: anchor("VectorClusterSilent"),
        },
        {
            alert: "VectorAggregatorReplicasBelowQuorum",
            group: "vector-fleet-aggregators",
            // Scraped `up`, not remote-written metrics: it must work when the pipeline does not.
            expr: `${healthyAggregators} < ${q}`,
            for: "5m",
            severity: "critical",
            summary: `Only {{ $value }} of ${n} Vector aggregators are up (quorum ${q})`,
            description:
                `Fewer than ${q} of the ${n} Vector aggregators in namespace ${aggregatorNs} answer Prometheus' scrape. ` +
                "The remaining ones cannot be relied on to carry the fleet's logs and metrics; agents are buffering or dropping.",
            runbook: anchor("VectorAggregatorReplicasBelowQuorum"),
        },
        {
            alert: "VectorAggregatorReplicasDegraded",
            group: "vector-fleet-aggregators",
            // Below full strength but still at quorum; below quorum is the critical alert's job.
            expr: promql(`${healthyAggregators} < ${n}`, "and", `${healthyAggregators} >= ${q}`),
            for: "15m",
            severity: "warning",
            summary: `Only {{ $value }} of ${n} Vector aggregators are up`,
            description:
                `{{ $value }} of the ${n} Vector aggregators in namespace ${aggregatorNs} answer Prometheus' scrape (quorum ${q}). ` +
                "The fleet still delivers, with less headroom: one more failure drops it below quorum.",
            runbook: anchor("VectorAggregatorReplicasDegraded"),
        },
        {
            alert: "VectorSinkSendFailures",
            group: "vector-fleet-components",
            expr: promql(
                "sum by (cluster, vector_role, component_type, component_id, error_type) (",
                '  rate(vector_component_errors_total{component_kind="sink"}[5m])',
                ") > 0",
            ),
            for: "10m",
            severity: "warning",
            summary: "Vector sink {{ $labels.component_id }} ({{ $labels.component_type }}) on {{ $labels.cluster }} fails to send",
            description:
                "The {{ $labels.vector_role }} sink {{ $labels.component_id }} ({{ $labels.component_type }}) in cluster {{ $labels.cluster }} " +
                'reports {{ printf "%.2f" $value }} {{ $labels.error_type }} errors/s for over 10 minutes. Events wait in its buffer until it fills.',
            runbook: anchor("VectorSinkSendFailures"),
        },
        {
            alert: "VectorComponentErrors",
            group: "vector-fleet-components",
            // Sources and transforms; sink errors are VectorSinkSendFailures.
            expr: promql(
                "sum by (cluster, vector_role, component_kind, component_type, component_id, error_type, stage) (",
                '  rate(vector_component_errors_total{component_kind!="sink"}[5m])',
                ") > 0",
            ),
            for: "15m",
            severity: "warning",
            summary: "Vector {{ $labels.component_kind }} {{ $labels.component_id }} on {{ $labels.cluster }} reports {{ $labels.error_type }} errors",
            description:
                "The {{ $labels.vector_role }} {{ $labels.component_kind }} {{ $labels.component_id }} ({{ $labels.component_type }}) " +
                'in cluster {{ $labels.cluster }} reports {{ printf "%.2f" $value }} {{ $labels.error_type }} errors/s at stage {{ $labels.stage }} for over 15 minutes.',
            runbook: anchor("VectorComponentErrors"),
        },
        {
            alert: "VectorEventsDiscarded",
            group: "vector-fleet-components",
            // Unintentional component discards, and every buffer discard: the agents' metrics buffer
            // drops newest when full, which Vector counts as intentional but is still lost data.
            expr: promql(
                "label_replace(",
                "  sum by (cluster, vector_role, component_type, component_id) (",
                '    rate(vector_component_discarded_events_total{intentional="false"}[10m])',
                "  ) > 0,",
                '  "discarded_by", "component", "", ""',
                ")",
                "or",
                "label_replace(",
                "  sum by (cluster, vector_role, component_type, component_id) (",
                "    rate(vector_buffer_discarded_events_total[10m])",
                "  ) > 0,",
                '  "discarded_by", "buffer", "", ""',
                ")",
            ),
            for: "5m",
            severity: "warning",
            summary: "Vector {{ $labels.component_id }} on {{ $labels.cluster }} is discarding events ({{ $labels.discarded_by }})",
            description:
                "The {{ $labels.vector_role }} component {{ $labels.component_id }} ({{ $labels.component_type }}) in cluster {{ $labels.cluster }} " +
                'discards {{ printf "%.2f" $value }} events/s ({{ $labels.discarded_by }} discards). Those events are lost.',
            runbook: anchor("VectorEventsDiscarded"),
        },
        {
            alert: "VectorBufferNearlyFull",
            group: "vector-fleet-components",
            // Memory buffers are bounded in events, disk buffers in bytes; whichever limit exists.
            // `> 0` on the limit: a buffer without one reports 0, which would divide to +Inf.
            expr: promql(
                "label_replace(",
                `  sum by (${INSTANCE_COMPONENT}) (vector_buffer_size_events)`,
                `  / on (${INSTANCE_COMPONENT})`,
                `  sum by (${INSTANCE_COMPONENT}) (vector_buffer_max_size_events > 0)`,
                "  > 0.8,",
                '  "unit", "events", "", ""',
                ")",
                "or",
                "label_replace(",
                `  sum by (${INSTANCE_COMPONENT}) (vector_buffer_size_bytes)`,
                `  / on (${INSTANCE_COMPONENT})`,
                `  sum by (${INSTANCE_COMPONENT}) (vector_buffer_max_size_bytes > 0)`,
                "  > 0.8,",
                '  "unit", "bytes", "", ""',
                ")",
            ),
            for: "10m",
            severity: "warning",
            summary: "Vector buffer of {{ $labels.component_id }} on {{ $labels.cluster }} is {{ $value | humanizePercentage }} full",
            description:
                "The {{ $labels.unit }} buffer of {{ $labels.vector_role }} sink {{ $labels.component_id }} ({{ $labels.component_type }}) " +
                "in cluster {{ $labels.cluster }} (node {{ $labels.node }}{{ if $labels.pod }}, pod {{ $labels.pod }}{{ end }}) " +
                "has been over 80% full for 10 minutes. When full it blocks its inputs or drops events, as configured.",
            runbook: anchor("VectorBufferNearlyFull"),
        },
        {
            alert: "VectorClusterImpersonation",
            group: "vector-fleet-components",
            // The aggregators' identity routes send events that claim another cluster than the
            // one whose certificate (and token) they came with through their `impersonating`
            // output (components/aggregator/pipeline.ts for logs and metrics, signals.ts for traces);
            // a route counts each named output apart
            // (vectordotdev/vector lib/vector-common/src/internal_event/events_sent.rs, tag `output`).
            // Relabelled, not lost: the alert is about the sender, which is misconfigured or compromised.
            expr: promql(
                "label_replace(",
                "  sum by (cluster, component_id) (",
                '    increase(vector_component_sent_events_total{vector_role="aggregator", output="impersonating"}[10m])',
                "  ) > 0,",
                '  "sender", "$1", "component_id", "identity_(?:logs|metrics|traces)_(.+)"',
                ")",
            ),
            for: "0m",
            severity: "critical",
            summary: "Cluster {{ $labels.sender }} sends data claiming to be another cluster",
            description:
                "The aggregators in {{ $labels.cluster }} received {{ $value | humanize }} events in 10 minutes on {{ $labels.sender }}'s own " +
                "listener ({{ $labels.component_id }}) that claimed another cluster. They were stored labelled {{ $labels.sender }}; " +
                "find out why {{ $labels.sender }} claims otherwise: a misconfigured agent, or a compromised cluster.",
            runbook: anchor("VectorClusterImpersonation"),
        },
        {
            alert: "VectorClusterLogsThrottled",
            group: "vector-fleet-components",
            // The per-cluster throttle (components/aggregator/pipeline.ts) drops what exceeds the
            // cluster's limit; Vector counts it as an intentional discard
            // (vectordotdev/vector src/internal_events/throttle.rs, ComponentEventsDropped<INTENTIONAL>),
            // which VectorEventsDiscarded does not watch.
            expr: promql(
                "label_replace(",
                "  sum by (cluster, component_id) (",
                '    rate(vector_component_discarded_events_total{vector_role="aggregator", intentional="true", component_id=~"throttle_logs_.+"}[10m])',
                "  ) > 0,",
                '  "sender", "$1", "component_id", "throttle_logs_(.+)"',
                ")",
            ),
            for: "5m",
            severity: "warning",
            summary: "Cluster {{ $labels.sender }} sends more logs than its limit; the excess is dropped",
            description:
                'The aggregators in {{ $labels.cluster }} drop {{ printf "%.1f" $value }} log events/s from {{ $labels.sender }} above its ' +
                "limit (aggregator.logEventsPerSecPerCluster or aggregator.identities.{{ $labels.sender }}.logEventsPerSec). " +
                "Other clusters are not affected; those events are lost.",
            runbook: anchor("VectorClusterLogsThrottled"),
        },
        {
            alert: "VectorClusterSamplesOutOfRange",
            group: "vector-fleet-components",
            // The per-cluster sample-age filter (components/aggregator/pipeline.ts) drops samples
            // Prometheus would refuse, so they cannot fail a shared batch; Vector counts a filter's
            // drops as intentional discards (vectordotdev/vector src/internal_events/filter.rs,
            // ComponentEventsDropped<INTENTIONAL>), which VectorEventsDiscarded does not watch.
            expr: promql(
                "label_replace(",
                "  sum by (cluster, component_id) (",
                '    rate(vector_component_discarded_events_total{vector_role="aggregator", intentional="true", component_id=~"sample_age_.+"}[10m])',
                "  ) > 0,",
                '  "sender", "$1", "component_id", "sample_age_(.+)"',
                ")",
            ),
            for: "10m",
            severity: "warning",
            summary: "Cluster {{ $labels.sender }} sends metric samples Prometheus would refuse; they are dropped",
            description:
                'The aggregators in {{ $labels.cluster }} drop {{ printf "%.2f" $value }} samples/s from {{ $labels.sender }} that are older than ' +
                "aggregator.prometheus.maxSampleAgeSecs or minutes in the future: a backlog replayed after a long outage, or a clock off. " +
                "Other clusters' samples are not affected; these are lost.",
            runbook: anchor("VectorClusterSamplesOutOfRange"),
        },
        {
            alert: "VectorClusterMetricsBackPressured",
            group: "vector-fleet-components",
            // Each agent cluster's samples have their own sink, prometheus_<cluster>, with a disk
            // buffer that blocks when full (components/aggregator/pipeline.ts). It fills when the
            // cluster sends faster than its limit (request.rate_limit_num: vectordotdev/vector
            // src/sinks/util/service.rs) or than Prometheus takes; once full it holds back that
            // cluster's remote_write source alone (lib/vector-core/src/fanout.rs Fanout::send),
            // whose agents then buffer and drop. Half full, well before the 80% of
            // VectorBufferNearlyFull, names the cluster while there is time; the fullest replica counts.
            expr: promql(
                "label_replace(",
                "  max by (cluster, component_id) (",
                '    vector_buffer_size_bytes{vector_role="aggregator", component_id=~"prometheus_.+"}',
                `    / on (${INSTANCE_COMPONENT})`,
                '    (vector_buffer_max_size_bytes{vector_role="aggregator", component_id=~"prometheus_.+"} > 0)',
                "  ) > 0.5,",
                '  "sender", "$1", "component_id", "prometheus_(.+)"',
                ")",
            ),
            for: "10m",
            severity: "warning",
            summary: "Cluster {{ $labels.sender }}'s metrics wait in the aggregators' buffer; when it is full its remote write is held back",
            description:
                "The aggregators in {{ $labels.cluster }} hold {{ $labels.sender }}'s samples in its own Prometheus sink's buffer " +
                "({{ $labels.component_id }}), {{ $value | humanizePercentage }} full for 10 minutes: it sends faster than its limit " +
                "(aggregator.metricSamplesPerSecPerCluster or aggregator.identities.{{ $labels.sender }}.metricSamplesPerSec) or than Prometheus takes. " +
                "When full, only {{ $labels.sender }}'s remote write is held back and its agents drop samples; other clusters are not affected.",
            runbook: anchor("VectorClusterMetricsBackPressured"),
        },
        {
            alert: "VectorHighMemoryUsage",
            group: "vector-fleet-resources",
            // max, not sum: a restarted container's old series lingers beside the new one for a while.
            expr: promql(
                `max by (cluster, namespace, pod) (container_memory_working_set_bytes{container="vector", namespace=~"${vectorNs}"})`,
                "/ on (cluster, namespace, pod)",
                `max by (cluster, namespace, pod) (container_spec_memory_limit_bytes{container="vector", namespace=~"${vectorNs}"} > 0)`,
                "> 0.8",
            ),
            for: "15m",
            severity: "warning",
            summary: "Vector {{ $labels.namespace }}/{{ $labels.pod }} on {{ $labels.cluster }} uses {{ $value | humanizePercentage }} of its memory limit",
            description:
                "The vector container of pod {{ $labels.pod }} (namespace {{ $labels.namespace }}, cluster {{ $labels.cluster }}) " +
                "has used over 80% of its memory limit for 15 minutes. At the limit it is OOM-killed and in-memory buffers are lost.",
            runbook: anchor("VectorHighMemoryUsage"),
        },
        {
            alert: "VectorHighUtilization",
            group: "vector-fleet-resources",
            expr: `max by (${INSTANCE_COMPONENT}) (vector_utilization) > 0.9`,
            for: "30m",
            severity: "info",
            summary: "Vector {{ $labels.component_id }} on {{ $labels.cluster }} is {{ $value | humanizePercentage }} busy",
            description:
                "The {{ $labels.vector_role }} {{ $labels.component_kind }} {{ $labels.component_id }} ({{ $labels.component_type }}) " +
                "in cluster {{ $labels.cluster }} (node {{ $labels.node }}{{ if $labels.pod }}, pod {{ $labels.pod }}{{ end }}) " +
                "has been over 90% utilised for 30 minutes: it is the bottleneck of its pipeline.",
            runbook: anchor("VectorHighUtilization"),
        },
    ];
    // With 1 or 2 replicas quorum equals the replica count, so "degraded but at quorum" cannot happen.
    return rules.filter((r) => r.alert !== "VectorAggregatorReplicasDegraded" || q < n);
}

export interface PrometheusRuleSettings extends Partial<VectorAlertSettings> {
    name: string;
    namespace: string;
    /** Extra labels, e.g. what the Prometheus' ruleSelector asks for. */
    labels?: Record<string, string>;
    /** Where docs/runbooks.md is served; each rule links to `<base>#<anchor>`. */
    runbookBaseUrl?: string;
}

/** Groups in first-appearance order of the rules, so the output order follows vectorAlertRules. */
export function ruleGroups(rules: AlertRule[], runbookBaseUrl: string = DEFAULT_RUNBOOK_BASE_URL): PrometheusRuleGroup[] {
    const groups = new Map<RuleGroupName, PrometheusAlertingRule[]>();
    for (const r of rules) {
        const list = groups.get(r.group) ?? [];
        list.push({
            alert: r.alert,
            expr: r.expr,
            for: r.for,
            labels: { severity: r.severity },
            annotations: { summary: r.summary, description: r.description, runbook_url: `${runbookBaseUrl}#${r.runbook}` },
        });
        groups.set(r.group, list);
    }
    return [...groups].map(([name, groupRules]) => ({ name, rules: groupRules }));
}

/**
 * The heartbeat recording rules go first in the heartbeat group: rules of one group run in order,
 * so its alerts always see this evaluation's recorded values.
 */
function withRecordingRules(groups: PrometheusRuleGroup[]): PrometheusRuleGroup[] {
    const name: RuleGroupName = "vector-fleet-heartbeats";
    const rest = groups.filter((g) => g.name !== name);
    const alerts = groups.find((g) => g.name === name)?.rules ?? [];
    return [{ name, rules: [...heartbeatRecordingRules(), ...alerts] }, ...rest];
}

/** The PrometheusRule for the central Prometheus on the hub. */
export function vectorPrometheusRule(s: PrometheusRuleSettings): PrometheusRule {
    if (s.name === "") throw new Error("PrometheusRule name: must not be empty");
    dnsLabel(s.namespace, "PrometheusRule namespace");
    const rules = vectorAlertRules({
        aggregatorReplicas: s.aggregatorReplicas,
        agentNamespace: s.agentNamespace,
        aggregatorNamespace: s.aggregatorNamespace,
    });
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: {
            name: s.name,
            namespace: s.namespace,
            labels: {
                ...fleetLabels("monitoring"),
                ...s.labels,
            },
        },
        spec: { groups: withRecordingRules(ruleGroups(rules, s.runbookBaseUrl ?? DEFAULT_RUNBOOK_BASE_URL)) },
    };
}

/** The rule file promtool checks: the CRD's groups, unchanged. */
export function promtoolRuleFile(rule: PrometheusRule): PrometheusRuleFile {
    return { groups: rule.spec.groups };
}
