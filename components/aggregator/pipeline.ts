/**
 * The aggregators' Vector pipeline, built by a pure function.
 *
 *   agents (vector, mTLS) ─> route_logs ─kubernetes─> dedupe_logs ─> sample_rate ─> sample_logs ─> logs_finalize ─┐
 *                                     └─_unmatched─────────────────────────────────────────────────────────────────┴─> loki
 *   remote_write (mTLS + per-cluster token) ─────────────────────────────────────────────────┐
 *   internal_metrics ─> aggregator_metrics_enrich ───────────────────────────────────────────┴─> prometheus
 *   internal_metrics ──────────────────────────────────────────────────────────────────────────> internal_metrics_exporter
 *   logs_finalize ─> heartbeats (filter) ─> heartbeat_received ─> heartbeat_metrics ─> prometheus
 */
import { ClusterIdentity } from "../../config/stack";
import { GrpcKeepalive, HttpKeepalive, LogToMetricMetric, VectorConfig } from "../vector/model";
import { vrl, vrlString } from "../vector/vrl";
import { HEARTBEAT_FIELD } from "../agent/pipeline";

export const AGGREGATOR_PORTS = {
    /** Vector's native protocol, the agents' log stream (6000 is Vector's conventional port). */
    vector: 6000,
    /** Prometheus remote write from agents. */
    remoteWrite: 9201,
    api: 8686,
    metrics: 9598,
} as const;

export const AGGREGATOR_PATHS = {
    configDir: "/etc/vector/config",
    configFile: "/etc/vector/config/vector.toml",
    tlsDir: "/etc/vector/tls",
    caFile: "/etc/vector/tls/ca.crt",
    certFile: "/etc/vector/tls/tls.crt",
    keyFile: "/etc/vector/tls/tls.key",
    /** One file per agent cluster, named after it, holding that cluster's token. */
    tokensDir: "/etc/vector/tokens",
    /** On the replica's PersistentVolume: disk buffers survive a reschedule. */
    dataDir: "/vector-data-dir",
    remoteWritePath: "/api/v1/write",
} as const;

export interface AggregatorPipelineSettings {
    /** The hub's identity, on the aggregators' own metrics. */
    cluster: ClusterIdentity;
    loki: { endpoint: string; tenantId?: string; labels: Record<string, string> };
    prometheusRemoteWriteUrl: string;
    /** namespace -> N (keep 1 in N); unlisted namespaces keep everything. */
    sampling: Record<string, number>;
    dedupeCacheEvents: number;
    buffers: { lokiMaxBytes: number; prometheusMaxBytes: number };
    /** Clusters whose tokens are accepted on remote write. */
    agentClusters: string[];
}

/**
 * VRL deciding whether a remote-write request carries one of the clusters' tokens. The tokens
 * themselves stay out of the config: Vector substitutes SECRET[tokens.<cluster>] at load.
 */
export function remoteWriteAuthVrl(clusters: string[]): string {
    if (clusters.length === 0) return "false\n";
    const accepted = [...clusters].sort().map((c) => `"Bearer SECRET[tokens.${c}]"`);
    return vrl(`includes([${accepted.join(", ")}], .headers.authorization)`);
}

/** VRL giving each log event its namespace's sampling rate (1 = keep all). */
export function sampleRateVrl(sampling: Record<string, number>): string {
    const entries = Object.entries(sampling).filter(([, n]) => n > 1).sort(([a], [b]) => a.localeCompare(b));
    if (entries.length === 0) return vrl(".sample_n = 1");
    const branches = entries.map(([ns, n], i) => `${i === 0 ? "" : "} else "}if .namespace == ${vrlString(ns)} {\n  ${n}`);
    return vrl(".sample_n = " + branches.join("\n") + "\n} else {\n  1\n}");
}

export function aggregatorMetricsVrl(cluster: ClusterIdentity): string {
    return vrl(
        `.tags.cluster = ${vrlString(cluster.name)}`,
        `.tags.environment = ${vrlString(cluster.environment)}`,
        `.tags.region = ${vrlString(cluster.region)}`,
        '.tags.vector_role = "aggregator"',
        '.tags.shipper = "vector"',
        '.tags.node = get_env_var("VECTOR_SELF_NODE_NAME") ?? .tags.host',
        '.tags.pod = get_env_var("VECTOR_SELF_POD_NAME") ?? null',
    );
}

/**
 * Bucket bounds (seconds) of the heartbeat latency histogram. Agents batch logs for up to 5 s and
 * retry with backoff, so Vector's default bounds (up to 10 s) would put every slow heartbeat in +Inf.
 */
export const HEARTBEAT_LATENCY_BUCKETS = [0.25, 0.5, 1, 2.5, 5, 7.5, 10, 15, 30, 60, 120, 300, 600];

/** The event field holding 1 when a heartbeat's latency is within `bound`, else 0. */
const bucketKey = (bound: number) => `le_${String(bound).replace(".", "_")}`;

/**
 * VRL stamping an arrived heartbeat with its age, its latency bucket flags and the replica that
 * counted it. The age compares the agent's clock with the aggregator's: NTP-synchronised nodes
 * keep that error far below the thresholds; a negative age (skew) counts as 0.
 */
export function heartbeatReceivedVrl(): string {
    const f = HEARTBEAT_FIELD;
    return vrl(
        "age = 0.0",
        `sent, err = timestamp(.${f}.sent_at)`,
        "if err == null {",
        '  age = (to_unix_timestamp(now(), unit: "milliseconds") - to_unix_timestamp(sent, unit: "milliseconds")) / 1000',
        "}",
        "if age < 0 { age = 0.0 }",
        `.${f}.latency_seconds = age`,
        "# One 0/1 flag per histogram bucket: counted by value, they make the _bucket counters.",
        ...HEARTBEAT_LATENCY_BUCKETS.map((b) => `.${f}.le.${bucketKey(b)} = if age <= ${b.toFixed(2)} { 1 } else { 0 }`),
        "# Each replica counts its own share; without the replica in the series two would overwrite each other.",
        `.${f}.received_by = get_env_var("VECTOR_SELF_POD_NAME") ?? "unknown"`,
    );
}

/**
 * The aggregators' heartbeat metrics: the received counter and a Prometheus histogram of the
 * latency built from counters (`_bucket` per bound, `_count`, `_sum`). Not log_to_metric's
 * `histogram`: that makes an incremental distribution, and prometheus_remote_write's
 * make_absolute keeps every sample of it for the life of the process (MetricValue::add extends
 * the sample list: vectordotdev/vector lib/vector-core/src/event/metric/value.rs), where a counter
 * is one number.
 */
export function heartbeatMetrics(): LogToMetricMetric[] {
    const f = HEARTBEAT_FIELD;
    // The agent's identity fields, not the hub's: the series say which cluster and node sent.
    const tags = { cluster: "{{ cluster }}", environment: "{{ environment }}", node: "{{ node }}", aggregator_pod: `{{ ${f}.received_by }}` };
    const counter = (field: string, name: string, byValue: boolean, extra: Record<string, string> = {}): LogToMetricMetric => ({
        type: "counter",
        field,
        namespace: "vector_fleet",
        name,
        ...(byValue ? { increment_by_value: true } : {}),
        tags: { ...tags, ...extra },
    });
    return [
        counter(`${f}.seq`, "heartbeat_received_total", false),
        ...HEARTBEAT_LATENCY_BUCKETS.map((b) => counter(`${f}.le.${bucketKey(b)}`, "heartbeat_latency_seconds_bucket", true, { le: String(b) })),
        counter(`${f}.seq`, "heartbeat_latency_seconds_bucket", false, { le: "+Inf" }),
        counter(`${f}.seq`, "heartbeat_latency_seconds_count", false),
        counter(`${f}.latency_seconds`, "heartbeat_latency_seconds_sum", true),
    ];
}

const serverTls = (verifyClients: boolean) => ({
    enabled: true as const,
    ca_file: AGGREGATOR_PATHS.caFile,
    crt_file: AGGREGATOR_PATHS.certFile,
    key_file: AGGREGATOR_PATHS.keyFile,
    verify_certificate: verifyClients,
});

/**
 * Connections are recycled every 5 minutes so agents spread again behind an L4 load balancer.
 * The two sources take different keepalive structs: gRPC (`vector`) has an age and a grace period
 * and no jitter; HTTP (`prometheus_remote_write`) has an age and a jitter factor.
 */
const RECYCLE_AFTER_SECS = 300;
export const GRPC_KEEPALIVE: GrpcKeepalive = {
    max_connection_age_secs: RECYCLE_AFTER_SECS,
    // A stream in flight at the deadline gets this long to finish before the socket closes.
    max_connection_age_grace_secs: 30,
};
export const HTTP_KEEPALIVE: HttpKeepalive = { max_connection_age_secs: RECYCLE_AFTER_SECS, max_connection_age_jitter_factor: 0.1 };

/**
 * Fields the dedupe compares. runtime_timestamp is the container runtime's nanosecond timestamp the
 * agent keeps for each line: two equal lines logged in one second differ there, a line the agent
 * re-sends after a restart does not. timestamp stays for events from agents that do not set it yet.
 */
export const DEDUPE_FIELDS = ["cluster", "namespace", "pod", "container", "message", "timestamp", "runtime_timestamp"];

export function buildAggregatorPipeline(s: AggregatorPipelineSettings): VectorConfig {
    // Label values are bare `{{ field }}` templates: since 0.58 (vectordotdev/vector PR 26176) the loki
    // sink confines only label keys and tenant_id, and ours are literals. Vector 0.57 would refuse to
    // start with these values (NoDerivableBase); see MIN_VECTOR_VERSION.
    const labels = Object.fromEntries(
        Object.entries(s.loki.labels)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([label, field]) => [label, `{{ ${field} }}`]),
    );
    return {
        data_dir: AGGREGATOR_PATHS.dataDir,
        api: { enabled: true, address: `0.0.0.0:${AGGREGATOR_PORTS.api}` },
        secret: { tokens: { type: "directory", path: AGGREGATOR_PATHS.tokensDir, remove_trailing_whitespace: true } },
        sources: {
            agents: {
                type: "vector",
                address: `0.0.0.0:${AGGREGATOR_PORTS.vector}`,
                keepalive: GRPC_KEEPALIVE,
                // Client certificates required: only agents holding a certificate from our CA get in.
                tls: serverTls(true),
            },
            remote_write: {
                type: "prometheus_remote_write",
                address: `0.0.0.0:${AGGREGATOR_PORTS.remoteWrite}`,
                path: AGGREGATOR_PATHS.remoteWritePath,
                auth: { strategy: "custom", source: remoteWriteAuthVrl(s.agentClusters) },
                tls: serverTls(true),
                keepalive: HTTP_KEEPALIVE,
            },
            internal_metrics: { type: "internal_metrics", scrape_interval_secs: 15 },
        },
        transforms: {
            route_logs: {
                type: "route",
                inputs: ["agents"],
                // Pod logs are the ones the agents flattened; anything else goes to Loki untouched.
                route: { kubernetes: "is_string(.namespace) && is_string(.pod)" },
                reroute_unmatched: true,
            },
            dedupe_logs: {
                type: "dedupe",
                inputs: ["route_logs.kubernetes"],
                // With the runtime's timestamp: a line a pod repeats later is new, a redelivered one is not.
                fields: { match: DEDUPE_FIELDS },
                cache: { num_events: s.dedupeCacheEvents },
            },
            sample_rate: { type: "remap", inputs: ["dedupe_logs"], source: sampleRateVrl(s.sampling), drop_on_error: false },
            sample_logs: {
                type: "sample",
                inputs: ["sample_rate"],
                // Fallback only; every event carries its namespace's rate in sample_n.
                rate: 1,
                rate_field: "sample_n",
                // Separate counters per namespace, so each keeps exactly its own 1 in N. Transforms'
                // templates are not confined (only sinks' are), so no literal prefix is needed.
                group_by: "{{ namespace }}",
                // Vector writes the rate into `sample_rate` by default, overwriting an application
                // field of that name; the empty path writes nothing.
                sample_rate_key: "",
            },
            // The agents' bookkeeping fields have done their job; Loki gets the line without them.
            logs_finalize: { type: "remap", inputs: ["sample_logs"], source: vrl("del(.sample_n)", "del(.runtime_timestamp)"), drop_on_error: false },
            // Counted after the last transform before Loki: what is counted here is what Loki is sent.
            heartbeats: { type: "filter", inputs: ["logs_finalize"], condition: { type: "vrl", source: `exists(.${HEARTBEAT_FIELD})` } },
            heartbeat_received: { type: "remap", inputs: ["heartbeats"], source: heartbeatReceivedVrl(), drop_on_error: false },
            heartbeat_metrics: { type: "log_to_metric", inputs: ["heartbeat_received"], metrics: heartbeatMetrics() },
            aggregator_metrics_enrich: {
                type: "remap",
                inputs: ["internal_metrics"],
                source: aggregatorMetricsVrl(s.cluster),
                drop_on_error: false,
            },
        },
        sinks: {
            loki: {
                type: "loki",
                inputs: ["logs_finalize", "route_logs._unmatched"],
                endpoint: s.loki.endpoint,
                tenant_id: s.loki.tenantId,
                labels,
                compression: "gzip",
                encoding: { codec: "json", timestamp_format: "rfc3339" },
                out_of_order_action: "accept",
                buffer: { type: "disk", max_size: s.buffers.lokiMaxBytes, when_full: "block" },
                batch: { max_bytes: 1024 * 1024, timeout_secs: 10 },
                // Agents' vector sinks are answered only once Loki has the events.
                acknowledgements: { enabled: true },
                healthcheck: { enabled: true },
            },
            prometheus: {
                type: "prometheus_remote_write",
                inputs: ["remote_write", "aggregator_metrics_enrich", "heartbeat_metrics"],
                endpoint: s.prometheusRemoteWriteUrl,
                buffer: { type: "disk", max_size: s.buffers.prometheusMaxBytes, when_full: "block" },
                batch: { max_bytes: 1024 * 1024, max_events: 10_000, timeout_secs: 10 },
                acknowledgements: { enabled: true },
                // Prometheus' receiver answers GET with 405; the healthcheck would always fail.
                healthcheck: { enabled: false },
            },
            internal_metrics_exporter: {
                type: "prometheus_exporter",
                inputs: ["internal_metrics"],
                address: `0.0.0.0:${AGGREGATOR_PORTS.metrics}`,
            },
        },
    };
}

