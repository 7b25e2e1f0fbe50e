/**
 * A typed model of the Vector configuration options this project uses, checked against Vector's
 * reference documentation for the pinned release (0.59, see version.ts). Only options we emit
 * are modelled; a misspelt option fails to compile instead of failing a rollout.
 *
 * Names follow Vector's TOML keys exactly (snake_case), so the model serialises as it is.
 */

/** `SECRET[backend.key]`: resolved by Vector from a secret backend at load, never written in config. */
export type SecretRef = `SECRET[${string}.${string}]`;

export interface DirectorySecretBackend {
    type: "directory";
    path: string;
    /** Kubernetes Secret files usually end without a newline, but tokens pasted by hand often do not. */
    remove_trailing_whitespace: boolean;
}

export interface ApiConfig {
    enabled: boolean;
    /** gRPC API plus HTTP `GET /health` on the same port (Vector 0.55+). */
    address: string;
}

/** Client-side TLS for HTTP-based sinks and scrapes: the URL scheme switches TLS on. */
export interface ClientTls {
    ca_file?: string;
    crt_file?: string;
    key_file?: string;
    verify_certificate: boolean;
    verify_hostname: boolean;
    /** Name checked against the server certificate (0.58+), when dialling an IP address. */
    server_name?: string;
}

/** TLS of the `vector` sink, which has an explicit switch. */
export interface VectorSinkTls extends ClientTls {
    enabled: true;
}

/** Server-side TLS; `verify_certificate = true` makes it mutual (client certificates required). */
export interface ServerTls {
    enabled: true;
    ca_file: string;
    crt_file: string;
    key_file: string;
    verify_certificate: boolean;
}

export type Buffer =
    { type: "memory"; max_events: number; when_full: "block" | "drop_newest" } | { type: "disk"; max_size: number; when_full: "block" | "drop_newest" };

export interface Batch {
    max_bytes?: number;
    max_events?: number;
    timeout_secs?: number;
}

export interface Request {
    concurrency?: "adaptive" | "none" | number;
    rate_limit_num?: number;
    rate_limit_duration_secs?: number;
    timeout_secs?: number;
    retry_attempts?: number;
    retry_initial_backoff_secs?: number;
    retry_max_duration_secs?: number;
}

export interface Healthcheck {
    enabled: boolean;
}

export interface Acknowledgements {
    enabled: boolean;
}

// ---- sources ----------------------------------------------------------------------------------

export interface KubernetesLogsSource {
    type: "kubernetes_logs";
    auto_partial_merge: boolean;
    /** Added to Vector's own filters; used to skip whole namespaces (our own first). */
    extra_namespace_label_selector?: string;
    exclude_paths_glob_patterns?: string[];
    max_line_bytes?: number;
    /** Cap on a line rebuilt from partial (16 KiB) runtime lines; unset merges without limit. */
    max_merged_line_bytes?: number;
    /** What happens past `max_merged_line_bytes` (0.58+): `drop` (Vector's default) or `truncate`. */
    max_merged_line_action?: "drop" | "truncate";
    glob_minimum_cooldown_ms?: number;
    use_apiserver_cache?: boolean;
}

export interface GlobFilter {
    excludes?: string[];
    includes?: string[];
}

export interface HostMetricsSource {
    type: "host_metrics";
    collectors: string[];
    scrape_interval_secs: number;
    namespace?: string;
    filesystem?: { mountpoints?: GlobFilter; filesystems?: GlobFilter; devices?: GlobFilter };
    disk?: { devices?: GlobFilter };
    network?: { devices?: GlobFilter };
}

export interface PrometheusScrapeSource {
    type: "prometheus_scrape";
    endpoints: string[];
    scrape_interval_secs: number;
    scrape_timeout_secs?: number;
    honor_labels?: boolean;
    instance_tag?: string;
    endpoint_tag?: string;
    auth?: { strategy: "bearer"; token: SecretRef };
    tls?: ClientTls;
}

export interface InternalMetricsSource {
    type: "internal_metrics";
    namespace?: string;
    scrape_interval_secs?: number;
    tags?: { host_key?: string; pid_key?: string };
}

/**
 * The `vector` (gRPC) source's keepalive, Vector's `GrpcKeepaliveConfig` (`deny_unknown_fields`):
 * these two fields only, from 0.57.0 to the pinned release. No jitter: that is the HTTP keepalive's.
 * (vectordotdev/vector src/sources/util/grpc/mod.rs)
 */
export interface GrpcKeepalive {
    max_connection_age_secs?: number;
    /** Added to the age before the connection is closed; lets in-flight requests finish. */
    max_connection_age_grace_secs?: number;
    /** Never set: makes the HTTP keepalive's field a type error here. */
    max_connection_age_jitter_factor?: never;
}

/**
 * The keepalive of HTTP server sources (`prometheus_remote_write`), Vector's `KeepaliveConfig`
 * (`deny_unknown_fields`) in src/http.rs. `tcp_keepalive` exists only from 0.59 and is not modelled.
 */
export interface HttpKeepalive {
    max_connection_age_secs?: number;
    /** 0..1: the age is drawn between (1 - f) and (1 + f) times `max_connection_age_secs`. */
    max_connection_age_jitter_factor?: number;
    /** Never set: makes the gRPC keepalive's field a type error here. */
    max_connection_age_grace_secs?: never;
}

export interface VectorSource {
    type: "vector";
    address: string;
    /** Recycles HTTP/2 connections so an L4 load balancer can spread agents again. */
    keepalive?: GrpcKeepalive;
    tls: ServerTls;
}

export interface PrometheusRemoteWriteSource {
    type: "prometheus_remote_write";
    address: string;
    path?: string;
    /** `custom`: a VRL boolean over `.headers` (lower-case names), `.address`, `.path`. */
    auth?: { strategy: "custom"; source: string } | { strategy: "basic"; username: string; password: string };
    tls?: ServerTls;
    keepalive?: HttpKeepalive;
}

/**
 * Generates log lines itself; with `format = "shuffle"` and `sequence = true` each line starts with
 * a counter from 0 (per process), and the event's timestamp is the moment it was generated
 * (vectordotdev/vector src/sources/demo_logs.rs). The agents' heartbeat.
 */
export interface DemoLogsSource {
    type: "demo_logs";
    format: "shuffle";
    lines: string[];
    sequence: boolean;
    /** Seconds between lines (a tokio interval: ticks do not drift with processing time). */
    interval: number;
}

/**
 * Runs `journalctl --follow --output=json` (vectordotdev/vector src/sources/journald.rs): the
 * binary must be in the image. Unit filters are applied by Vector to what journalctl prints.
 * The checkpoint (a journal cursor) lives under data_dir/<component id>/.
 */
export interface JournaldSource {
    type: "journald";
    journal_directory?: string;
    include_units?: string[];
    exclude_units?: string[];
    /** Field to accepted values; `include_units` is merged into `_SYSTEMD_UNIT`. An entry matching any pair is taken. */
    include_matches?: Record<string, string[]>;
    /** false is refused with systemd 250 to 257 (the debian image's trixie has 257). */
    current_boot_only?: boolean;
    since_now?: boolean;
    batch_size?: number;
}

/**
 * OTLP over gRPC and HTTP (vectordotdev/vector src/sources/opentelemetry/config.rs). Both
 * listeners are required. Its outputs are named only: `<id>.logs`, `<id>.metrics`, `<id>.traces`.
 */
export interface OpentelemetrySource {
    type: "opentelemetry";
    grpc: { address: string; tls?: ServerTls; keepalive?: GrpcKeepalive };
    http: { address: string; tls?: ServerTls; keepalive?: HttpKeepalive };
    /** Per signal: keep the OTLP structure (`resourceSpans`...) instead of Vector's native events. */
    use_otlp_decoding?: { logs?: boolean; metrics?: boolean; traces?: boolean };
}

export type Source =
    | JournaldSource
    | OpentelemetrySource
    | DemoLogsSource
    | KubernetesLogsSource
    | HostMetricsSource
    | PrometheusScrapeSource
    | InternalMetricsSource
    | VectorSource
    | PrometheusRemoteWriteSource;

// ---- transforms -------------------------------------------------------------------------------

export interface RemapTransform {
    type: "remap";
    inputs: string[];
    source: string;
    /** false: an event whose program errors passes on unmodified instead of being lost. */
    drop_on_error: boolean;
    drop_on_abort?: boolean;
    reroute_dropped?: boolean;
}

export type Condition = string | { type: "is_log" | "is_metric" | "is_trace" } | { type: "vrl"; source: string };

export interface RouteTransform {
    type: "route";
    inputs: string[];
    /** Each route is an output `<id>.<name>`; unmatched events leave through `<id>._unmatched`. */
    route: Record<string, Condition>;
    reroute_unmatched?: boolean;
}

export interface DedupeTransform {
    type: "dedupe";
    inputs: string[];
    fields: { match: string[] } | { ignore: string[] };
    cache: { num_events: number };
}

export interface SampleTransform {
    type: "sample";
    inputs: string[];
    /** Fallback rate (keep 1 in N) when `rate_field` is missing or invalid. */
    rate: number;
    /** Per-event rate (0.56+); cannot be combined with `key_field`. */
    rate_field?: string;
    /** Separate sampling state per rendered value. */
    group_by?: string;
    key_field?: string;
    exclude?: Condition;
    /**
     * Field the kept event's rate is written to; Vector's default is `sample_rate`, which would
     * overwrite an application field of that name. `""` writes nothing (an `OptionalValuePath`).
     */
    sample_rate_key?: string;
}

export interface FilterTransform {
    type: "filter";
    inputs: string[];
    condition: Condition;
}

/** One metric per event (log_to_metric); `tags` values are templates over the event. */
export type LogToMetricMetric =
    | { type: "counter"; field: string; name: string; namespace?: string; increment_by_value?: boolean; tags?: Record<string, string> }
    | { type: "histogram" | "gauge" | "summary"; field: string; name: string; namespace?: string; tags?: Record<string, string> };

export interface LogToMetricTransform {
    type: "log_to_metric";
    inputs: string[];
    metrics: LogToMetricMetric[];
}

/** Logs only (vectordotdev/vector src/transforms/throttle); excess events are discarded, counted as intentional. */
export interface ThrottleTransform {
    type: "throttle";
    inputs: string[];
    /** Events let through per window. */
    threshold: number;
    window_secs: number;
}

export type Transform = LogToMetricTransform | RemapTransform | RouteTransform | DedupeTransform | SampleTransform | FilterTransform | ThrottleTransform;

// ---- sinks ------------------------------------------------------------------------------------

interface SinkCommon {
    inputs: string[];
    buffer?: Buffer;
    batch?: Batch;
    request?: Request;
    healthcheck?: Healthcheck;
    acknowledgements?: Acknowledgements;
}

export interface VectorSink extends SinkCommon {
    type: "vector";
    /** Replaces the deprecated `address` (0.57+). */
    routing: { endpoints: string[]; strategy?: "load_balance" | "failover" | "failover_primary" };
    compression: "none" | "gzip" | "zstd";
    tls: VectorSinkTls;
}

export interface PrometheusRemoteWriteSink extends SinkCommon {
    type: "prometheus_remote_write";
    endpoint: string;
    auth?: { strategy: "bearer"; token: SecretRef };
    compression?: "snappy" | "gzip" | "zlib" | "zstd" | "none";
    tls?: ClientTls;
}

export interface LokiSink extends SinkCommon {
    type: "loki";
    endpoint: string;
    labels: Record<string, string>;
    compression: "snappy" | "gzip" | "zlib" | "zstd" | "none";
    encoding: { codec: "json" | "logfmt" | "text" | "raw_message"; timestamp_format?: "rfc3339" | "unix" | "unix_ms" };
    out_of_order_action?: "accept" | "drop" | "rewrite_timestamp";
    remove_label_fields?: boolean;
    remove_timestamp?: boolean;
    tenant_id?: string;
}

export interface PrometheusExporterSink extends SinkCommon {
    type: "prometheus_exporter";
    address: string;
    flush_period_secs?: number;
}

/**
 * OTLP over HTTP (vectordotdev/vector src/sinks/opentelemetry/mod.rs: an http sink inside
 * `protocol`). The `otlp` codec encodes a trace only when it still has its `resourceSpans`
 * (lib/codecs/src/encoding/format/otlp.rs), so traces must be received with OTLP decoding on.
 */
export interface OpentelemetrySink {
    type: "opentelemetry";
    inputs: string[];
    buffer?: Buffer;
    healthcheck?: Healthcheck;
    acknowledgements?: Acknowledgements;
    protocol: {
        type: "http";
        uri: string;
        method?: "post";
        encoding: { codec: "otlp" };
        compression?: "gzip" | "zstd" | "none";
        batch?: Batch;
        request?: Request & { headers?: Record<string, string> };
        acknowledgements?: Acknowledgements;
    };
}

export type Sink = VectorSink | PrometheusRemoteWriteSink | LokiSink | PrometheusExporterSink | OpentelemetrySink;

export interface VectorConfig {
    data_dir: string;
    api: ApiConfig;
    acknowledgements?: Acknowledgements;
    secret?: Record<string, DirectorySecretBackend>;
    sources: Record<string, Source>;
    transforms: Record<string, Transform>;
    sinks: Record<string, Sink>;
}
