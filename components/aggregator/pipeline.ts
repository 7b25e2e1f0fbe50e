/**
 * The aggregators' Vector pipeline, built by a pure function.
 *
 * Per agent cluster C (docs/identity.md): its own sources on its own ports, each trusting only C's
 * client CA; what arrives there IS from C, whatever the events claim.
 *
 *   agents_C ─> logs_only_C ─> identity_logs_C ─impersonating / _unmatched─> bind_logs_C ─┐
 *   remote_write_C ─> identity_metrics_C ─impersonating / _unmatched─> bind_metrics_C ─> sample_age_C ─> prometheus_C
 *
 *   bind_logs_* ─> route_logs ─kubernetes─> dedupe_logs ─> sample_rate ─> sample_logs ─> logs_finalize ─┐
 *                                     └─_unmatched─────────────────────────────────────────────────────────────────┴─> loki
 *   internal_metrics ─> aggregator_metrics_enrich ────────────────────────────────────────────> prometheus
 *   internal_metrics ──────────────────────────────────────────────────────────────────────────> internal_metrics_exporter
 *   logs_finalize ─> heartbeats (filter) ─> heartbeat_received ─> heartbeat_metrics ─> prometheus
 *
 * Each cluster's metrics have their own sink, buffer and batches (prometheus_C): a sample
 * Prometheus refuses fails only its own cluster's request, and a slow, rate-limited or blocked
 * sink holds back only the one remote_write_C that feeds it (docs/identity.md#fairness).
 */
import { DEFAULT_MAX_SAMPLE_AGE_SECS, metricsBufferSplit, MIN_DISK_BUFFER_BYTES } from "../../config/stack";
import { Batch, GrpcKeepalive, HttpKeepalive, LogToMetricMetric, PrometheusRemoteWriteSink, Request, VectorConfig } from "../vector/model";
import { vrl, vrlString } from "../vector/vrl";
import { AGGREGATOR_PORTS, agentPorts, ClusterIdentity, HEARTBEAT_FIELD, MAX_AGENT_SLOT } from "../contract/fleet";

// Shared with the agents and the NetworkPolicies, so they live in the contract; exported here too for the aggregators' callers.
export { AGGREGATOR_PORTS, agentPorts, MAX_AGENT_SLOT };

/** Kubernetes port names (IANA service names: at most 15 characters), slot 0 keeps the historic ones. */
export function agentPortNames(slot: number): { vector: string; remoteWrite: string } {
    return slot === 0 ? { vector: "vector", remoteWrite: "remote-write" } : { vector: `vector-${slot}`, remoteWrite: `remote-write-${slot}` };
}

/** The named route output that counts events claiming another cluster than the one they came from. */
export const IMPERSONATING_OUTPUT = "impersonating";
export const identityComponentIds = (cluster: string) => ({
    logsSource: `agents_${cluster}`,
    logsOnly: `logs_only_${cluster}`,
    metricsSource: `remote_write_${cluster}`,
    logsCheck: `identity_logs_${cluster}`,
    metricsCheck: `identity_metrics_${cluster}`,
    logsBind: `bind_logs_${cluster}`,
    logsThrottle: `throttle_logs_${cluster}`,
    metricsBind: `bind_metrics_${cluster}`,
    metricsAge: `sample_age_${cluster}`,
    /** This cluster's own Prometheus sink; the shared `prometheus` sink takes the aggregators' own metrics. */
    metricsSink: `prometheus_${cluster}`,
});

/** The sink of the aggregators' own and heartbeat metrics. */
export const SHARED_METRICS_SINK = "prometheus";

/** What a metrics sink batches without a limit: whichever of 1 MiB (in memory) or 10,000 samples comes first. */
export const METRICS_BATCH: Batch = { max_bytes: 1024 * 1024, max_events: 10_000, timeout_secs: 10 };

/** A rate-limited cluster's sink counts its requests over this window (a 10 s burst, as the log throttle). */
export const METRIC_RATE_WINDOW_SECS = 10;
/** Samples per request at most under a limit: Vector's own default for this sink. */
export const LIMITED_BATCH_MAX_EVENTS = 1000;
/**
 * Room per sample in a limited batch. The batcher measures a batch by the samples' size in memory
 * (vectordotdev/vector src/sinks/prometheus/remote_write/sink.rs: ByteSizeOfItemSize, the metric's
 * allocated_bytes), which for a sample with its tags is a few hundred bytes; 4 KiB each keeps the
 * byte cap from ending a batch before max_events does, so the limit is the one configured.
 */
export const LIMITED_BATCH_BYTES_PER_SAMPLE = 4096;

/**
 * A samples-per-second limit as Vector can enforce it on a sink. Vector limits requests, not
 * events: at most `rate_limit_num` requests per `rate_limit_duration_secs`
 * (vectordotdev/vector src/sinks/util/service.rs, TowerRequestConfig, a tower RateLimit layer in
 * front of the service), each request one batch of at most `batch.max_events` samples. So the
 * limit is num x max_events / duration, chosen as the largest whole batches that stay at or
 * below `samplesPerSec` (rounding costs less than one sample per request per window).
 */
export function metricRateLimit(samplesPerSec: number): { request: Request; batch: Batch } {
    const perWindow = samplesPerSec * METRIC_RATE_WINDOW_SECS;
    const requests = Math.ceil(perWindow / LIMITED_BATCH_MAX_EVENTS);
    const maxEvents = Math.floor(perWindow / requests);
    return {
        request: { rate_limit_num: requests, rate_limit_duration_secs: METRIC_RATE_WINDOW_SECS },
        batch: { max_bytes: maxEvents * LIMITED_BATCH_BYTES_PER_SAMPLE, max_events: maxEvents, timeout_secs: METRICS_BATCH.timeout_secs },
    };
}

/**
 * Prometheus refuses samples more than 10 minutes ahead of its clock (prometheus/prometheus
 * storage/remote/write_handler.go maxAheadTime); half that, for skew between the clocks.
 */
export const MAX_SAMPLE_AHEAD_SECS = 5 * 60;

/**
 * The filter condition keeping a metric sample Prometheus would accept by its age. Remote write
 * 1.0 answers a request holding one sample out of bounds (too old, or too far in the future) with
 * 400 and appends none of it (storage/remote/write_handler.go: write() rolls the appender back on
 * the first such error), and Vector does not retry a 4xx but 408/429 (vectordotdev/vector
 * src/sinks/util/http.rs RetryStrategy::Default): the whole batch is lost. Batches hold one
 * cluster's samples (prometheus_C), so that would cost the sender alone; a sample Prometheus would
 * refuse by its age still never joins a batch. Samples without a timestamp are stamped at write
 * time and kept.
 */
export function sampleAgeCondition(maxAgeSecs: number): string {
    return vrl(
        "t, err = timestamp(.timestamp)",
        "if err != null { true } else {",
        '  age_ms = to_unix_timestamp(now(), unit: "milliseconds") - to_unix_timestamp(t, unit: "milliseconds")',
        `  age_ms <= ${maxAgeSecs * 1000} && age_ms >= ${-MAX_SAMPLE_AHEAD_SECS * 1000}`,
        "}",
    );
}

/**
 * The per-cluster log limit is enforced over this window: a cluster may burst to 10 s worth of its
 * rate at once, then waits (vectordotdev/vector src/transforms/throttle: threshold per window_secs).
 */
export const THROTTLE_WINDOW_SECS = 10;

/** Where a cluster's logs leave its own path for the shared one. */
const logsExit = (a: AgentIdentity) => (a.logEventsPerSec === undefined ? identityComponentIds(a.name).logsBind : identityComponentIds(a.name).logsThrottle);

export const AGGREGATOR_PATHS = {
    configDir: "/etc/vector/config",
    configFile: "/etc/vector/config/vector.toml",
    tlsDir: "/etc/vector/tls",
    caFile: "/etc/vector/tls/ca.crt",
    certFile: "/etc/vector/tls/tls.crt",
    /** One client CA per agent cluster, in the TLS Secret under clientCaKey(cluster). */
    clientCaFile: (cluster: string) => `/etc/vector/tls/${clientCaKey(cluster)}`,
    keyFile: "/etc/vector/tls/tls.key",
    /** On the replica's PersistentVolume: disk buffers survive a reschedule. */
    dataDir: "/vector-data-dir",
    remoteWritePath: "/api/v1/write",
} as const;

/** A cluster whose agents may send to the aggregators, and what the aggregators write on its data (docs/identity.md). */
export interface AgentIdentity {
    name: string;
    /** Its sources' ports (agentPorts); 0 is the hub's own cluster, reached in-cluster only. */
    slot: number;
    /** Written on its data whatever its events claim; undefined keeps the claimed value. */
    environment?: string;
    region?: string;
    /** Log events per second it may send; undefined = no limit. */
    logEventsPerSec?: number;
    /** Samples per second its own Prometheus sink may write, per replica; undefined = no limit. */
    metricSamplesPerSec?: number;
    /**
     * SHA-256 (lowercase hex) of the remote-write tokens its source accepts: the current one, and
     * the previous one during a rotation. Empty or unset: none (a cluster whose own stack has not
     * made its credentials yet, docs/identity.md#deployment-order).
     */
    tokenSha256?: string[];
}

export interface AggregatorPipelineSettings {
    /** The hub's identity, on the aggregators' own metrics. */
    cluster: ClusterIdentity;
    loki: { endpoint: string; tenantId?: string; labels: Record<string, string> };
    prometheusRemoteWriteUrl: string;
    /** Older samples are dropped before the Prometheus sink; DEFAULT_MAX_SAMPLE_AGE_SECS when unset. */
    prometheusMaxSampleAgeSecs?: number;
    /** namespace -> N (keep 1 in N); unlisted namespaces keep everything. */
    sampling: Record<string, number>;
    dedupeCacheEvents: number;
    buffers: { lokiMaxBytes: number; prometheusMaxBytes: number };
    /** Clusters that may send, each on its own sources; sorted by name. */
    agents: AgentIdentity[];
}

/** The TLS Secret key holding one cluster's client CA. */
export const clientCaKey = (cluster: string) => `client-ca-${cluster}.crt`;

/**
 * VRL deciding whether a remote-write request carries one of this one cluster's tokens: each
 * cluster's source accepts its own tokens only, so a token opens exactly one identity. The config
 * holds no token, only their SHA-256, which the cluster's own stack exports (the tokens never leave
 * it): the program hashes the bearer token and compares.
 *
 * Engine rules it relies on: the program is compiled with vector_vrl_functions::all(), which
 * chains VRL's stdlib, so `sha2` exists (vectordotdev/vector src/common/http/server_auth.rs,
 * lib/vector-vrl/functions/src/lib.rs); it must return a boolean and compile without unhandled
 * errors: a missing header is null, so `string(...)` is fallible and gets `?? ""`, and `slice` is
 * always fallible (vectordotdev/vrl src/stdlib/string.rs, slice.rs); `sha2` writes lowercase hex
 * (src/stdlib/sha2.rs: hex::encode). No digest at all (a pending cluster): nothing is accepted.
 */
export function remoteWriteAuthVrl(tokenSha256: readonly string[] = []): string {
    if (tokenSha256.length === 0) return vrl("false");
    for (const h of tokenSha256) if (!/^[0-9a-f]{64}$/.test(h)) throw new Error(`not a lowercase hex SHA-256: ${JSON.stringify(h)}`);
    return vrl(
        'auth = string(.headers.authorization) ?? ""',
        'digest = sha2(slice(auth, 7) ?? "", variant: "SHA-256")',
        `starts_with(auth, "Bearer ") && (${tokenSha256.map((h) => `digest == ${vrlString(h)}`).join(" || ")})`,
    );
}

/**
 * The route condition that picks events claiming another cluster. An event without a claim is no
 * impersonation (it gets the identity all the same). Logs carry `cluster` as a field, metrics as
 * a tag.
 */
export function impersonationCondition(signal: "logs" | "metrics", cluster: string): string {
    const claim = signal === "logs" ? ".cluster" : ".tags.cluster";
    return `${claim} != null && ${claim} != ${vrlString(cluster)}`;
}

/**
 * VRL writing the sender's identity over whatever the event claimed. Identity fields the hub does
 * not know for this cluster are removed rather than trusted.
 */
export function bindIdentityVrl(signal: "logs" | "metrics", a: AgentIdentity): string {
    const at = signal === "logs" ? "." : ".tags.";
    const set = (k: string, v: string | undefined) => (v === undefined ? `del(${at}${k})` : `${at}${k} = ${vrlString(v)}`);
    return vrl(set("cluster", a.name), set("environment", a.environment), set("region", a.region));
}

/** VRL giving each log event its namespace's sampling rate (1 = keep all). */
export function sampleRateVrl(sampling: Record<string, number>): string {
    const entries = Object.entries(sampling)
        .filter(([, n]) => n > 1)
        .sort(([a], [b]) => a.localeCompare(b));
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

/** Client certificates required, and trusted only from the one cluster's own client CA. */
const serverTls = (cluster: string) => ({
    enabled: true as const,
    ca_file: AGGREGATOR_PATHS.clientCaFile(cluster),
    crt_file: AGGREGATOR_PATHS.certFile,
    key_file: AGGREGATOR_PATHS.keyFile,
    verify_certificate: true,
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
    const config = pipeline(s);
    if (s.agents.length > 0) return config;
    // No cluster may send: the log path (and the heartbeats counted on it) would have no input,
    // which Vector refuses at load.
    const { sources, transforms = {}, sinks } = config;
    const { route_logs, dedupe_logs, sample_rate, sample_logs, logs_finalize, heartbeats, heartbeat_received, heartbeat_metrics, ...keptTransforms } =
        transforms;
    const { loki, [SHARED_METRICS_SINK]: shared, ...keptSinks } = sinks;
    void [route_logs, dedupe_logs, sample_rate, sample_logs, logs_finalize, heartbeats, heartbeat_received, heartbeat_metrics, loki];
    const metricsOnly = { ...shared, inputs: shared.inputs.filter((i) => i !== "heartbeat_metrics") };
    return { ...config, sources, transforms: keptTransforms, sinks: { ...keptSinks, [SHARED_METRICS_SINK]: metricsOnly } };
}

function pipeline(s: AggregatorPipelineSettings): VectorConfig {
    // Label values are bare `{{ field }}` templates: since 0.58 (vectordotdev/vector PR 26176) the loki
    // sink confines only label keys and tenant_id, and ours are literals. Vector 0.57 would refuse to
    // start with these values (NoDerivableBase); see MIN_VECTOR_VERSION.
    const agents = [...s.agents].sort((a, b) => a.name.localeCompare(b.name));
    const metricsBuffers = metricsBufferSplit(s.buffers.prometheusMaxBytes, agents.length);
    // config/stack.ts refuses such a total with the fix; a caller that skips it gets no config Vector would refuse.
    if (agents.length > 0 && metricsBuffers.perClusterBytes < MIN_DISK_BUFFER_BYTES)
        throw new Error(
            `buffers.prometheusMaxBytes ${s.buffers.prometheusMaxBytes} leaves each of ${agents.length} cluster sinks below Vector's minimum disk buffer`,
        );
    const metricsSink = (inputs: string[], maxBytes: number, whenFull: "block" | "drop_newest", limit?: number): PrometheusRemoteWriteSink => ({
        type: "prometheus_remote_write",
        inputs,
        endpoint: s.prometheusRemoteWriteUrl,
        // `block`: the sink's inputs wait, and through them every source upstream of this sink
        // (a component hands each batch to all its outputs and waits for every one of them:
        // vectordotdev/vector lib/vector-core/src/fanout.rs, Fanout::send).
        buffer: { type: "disk", max_size: maxBytes, when_full: whenFull },
        ...(limit === undefined ? { batch: METRICS_BATCH } : metricRateLimit(limit)),
        acknowledgements: { enabled: true },
        // Prometheus' receiver answers GET with 405; the healthcheck would always fail.
        healthcheck: { enabled: false },
    });
    const labels = Object.fromEntries(
        Object.entries(s.loki.labels)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([label, field]) => [label, `{{ ${field} }}`]),
    );
    return {
        data_dir: AGGREGATOR_PATHS.dataDir,
        api: { enabled: true, address: `0.0.0.0:${AGGREGATOR_PORTS.api}` },
        sources: {
            ...Object.fromEntries(
                agents.flatMap((a) => {
                    const id = identityComponentIds(a.name);
                    const ports = agentPorts(a.slot);
                    return [
                        [
                            id.logsSource,
                            {
                                type: "vector" as const,
                                address: `0.0.0.0:${ports.vector}`,
                                keepalive: GRPC_KEEPALIVE,
                                // Only a certificate from this cluster's own CA gets in on this port.
                                tls: serverTls(a.name),
                            },
                        ],
                        [
                            id.metricsSource,
                            {
                                type: "prometheus_remote_write" as const,
                                address: `0.0.0.0:${ports.remoteWrite}`,
                                path: AGGREGATOR_PATHS.remoteWritePath,
                                auth: { strategy: "custom" as const, source: remoteWriteAuthVrl(a.tokenSha256) },
                                tls: serverTls(a.name),
                                keepalive: HTTP_KEEPALIVE,
                            },
                        ],
                    ];
                }),
            ),
            internal_metrics: { type: "internal_metrics", scrape_interval_secs: 15 },
        },
        transforms: {
            ...Object.fromEntries(
                agents.flatMap((a) => {
                    const id = identityComponentIds(a.name);
                    const check = (input: string, signal: "logs" | "metrics") => ({
                        type: "route" as const,
                        inputs: [input],
                        // A named output, so vector_component_sent_events_total{output="impersonating"} counts them.
                        route: { [IMPERSONATING_OUTPUT]: impersonationCondition(signal, a.name) },
                        reroute_unmatched: true,
                    });
                    const bind = (checkId: string, signal: "logs" | "metrics") => ({
                        type: "remap" as const,
                        inputs: [`${checkId}.${IMPERSONATING_OUTPUT}`, `${checkId}._unmatched`],
                        source: bindIdentityVrl(signal, a),
                        drop_on_error: false,
                    });
                    return [
                        // The vector protocol carries any event type; only logs belong on this path.
                        [id.logsOnly, { type: "filter" as const, inputs: [id.logsSource], condition: { type: "is_log" as const } }],
                        [id.logsCheck, check(id.logsOnly, "logs")],
                        [id.logsBind, bind(id.logsCheck, "logs")],
                        // Before the shared path: a burst is dropped here, counted against this cluster only.
                        ...(a.logEventsPerSec === undefined
                            ? []
                            : [
                                  [
                                      id.logsThrottle,
                                      {
                                          type: "throttle" as const,
                                          inputs: [id.logsBind],
                                          threshold: a.logEventsPerSec * THROTTLE_WINDOW_SECS,
                                          window_secs: THROTTLE_WINDOW_SECS,
                                      },
                                  ],
                              ]),
                        [id.metricsCheck, check(id.metricsSource, "metrics")],
                        [id.metricsBind, bind(id.metricsCheck, "metrics")],
                        // Per cluster: what it drops is counted against the cluster that sent it
                        // (vector_component_discarded_events_total{component_id="sample_age_C", intentional="true"}).
                        [
                            id.metricsAge,
                            {
                                type: "filter" as const,
                                inputs: [id.metricsBind],
                                condition: { type: "vrl" as const, source: sampleAgeCondition(s.prometheusMaxSampleAgeSecs ?? DEFAULT_MAX_SAMPLE_AGE_SECS) },
                            },
                        ],
                    ];
                }),
            ),
            route_logs: {
                type: "route",
                inputs: agents.map(logsExit),
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
            // One per agent cluster: a request Prometheus refuses whole (400, not retried) holds
            // only that cluster's samples.
            ...Object.fromEntries(
                agents.map((a) => {
                    const id = identityComponentIds(a.name);
                    // Blocking holds back this cluster's remote write alone: its agents buffer, nothing is lost here.
                    return [id.metricsSink, metricsSink([id.metricsAge], metricsBuffers.perClusterBytes, "block", a.metricSamplesPerSec)];
                }),
            ),
            // The aggregators' own metrics are made here and now, and heartbeat metrics count what
            // arrived: neither comes from an agent, so neither can be stale or out of order. It drops
            // the newest when full (counted: vector_buffer_discarded_events_total, VectorEventsDiscarded)
            // rather than block: heartbeat_metrics hangs off logs_finalize, so a full buffer here
            // would stall every cluster's logs to Loki through a long Prometheus outage.
            [SHARED_METRICS_SINK]: metricsSink(["aggregator_metrics_enrich", "heartbeat_metrics"], metricsBuffers.ownBytes, "drop_newest"),
            internal_metrics_exporter: {
                type: "prometheus_exporter",
                inputs: ["internal_metrics"],
                address: `0.0.0.0:${AGGREGATOR_PORTS.metrics}`,
            },
        },
    };
}
