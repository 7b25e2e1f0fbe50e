/**
 * The agent's Vector pipeline, as a typed config built by a pure function.
 *
 *   kubernetes_logs ─> logs_enrich ─────────────────────────> aggregator (vector sink, mTLS, disk buffer)
 *   host_metrics ─> node_exporter_names ─┐
 *   kubelet ─────────────────────────────┼─> metrics_enrich ──────────────────────> prometheus (remote write, bearer token)
 *   internal ────────────────────────────┘
 *   internal ──────────────────────────────────────────────> internal_metrics_exporter (:9598, scraped)
 *   heartbeat ─> heartbeat_enrich ─┬──────────────────────────> aggregator (the same sink as pod logs)
 *                                  └─> heartbeat_sent ─> metrics_enrich ─> prometheus
 */
import { VectorConfig } from "../vector/model";
import { vrl, vrlField, vrlString } from "../vector/vrl";
import { AGENT_PORTS, AgentPorts, ClusterIdentity, HEARTBEAT_FIELD, KUBELET_PORT } from "../contract/fleet";
import { nodeExporterNamesVrl } from "./node-exporter";

// Shared with the aggregators and monitoring, so they live in the contract; exported here too for the agent's callers.
export { AGENT_PORTS, HEARTBEAT_FIELD, KUBELET_PORT };
export type { AgentPorts };

/** Where the DaemonSet mounts what the pipeline reads; shared by the pipeline and the pod spec. */
export const AGENT_PATHS = {
    configDir: "/etc/vector/config",
    configFile: "/etc/vector/config/vector.toml",
    /** The aggregators' CA, public, shipped in the ConfigMap beside the config. */
    caFile: "/etc/vector/config/ca.crt",
    secretsDir: "/etc/vector/secrets",
    clientCert: "/etc/vector/secrets/tls.crt",
    clientKey: "/etc/vector/secrets/tls.key",
    /** Key names inside the agent Secret, also the SECRET[agent.<key>] names. */
    tokenKey: "remote_write_token",
    serviceAccountDir: "/var/run/secrets/kubernetes.io/serviceaccount",
    /** Written at pod start with the node's address (file `ip`): the SECRET[node.ip] backend. */
    nodeAddressDir: "/run/vector-node",
    /** A host directory of its own: checkpoints and disk buffers are written here. */
    dataDir: "/vector-data-dir",
} as const;

/**
 * Seconds between two heartbeats of one agent. Fixed fleet-wide: the recording rules and the gate
 * derive "how many should have arrived" from it, so a per-stack value would need per-stack rules.
 */
export const HEARTBEAT_INTERVAL_SECS = 15;

/** Container label of heartbeat lines: with the agent's pod and namespace, one Loki stream per node. */
export const HEARTBEAT_CONTAINER = "heartbeat";

export const KUBELET_CADVISOR_URL = `https://127.0.0.1:${KUBELET_PORT}/metrics/cadvisor`;

/**
 * Block devices node-exporter's diskstats collector leaves out by default: partitions (their I/O is
 * already counted on the whole disk), loop, RAM and floppy devices. node-exporter's default
 * --collector.diskstats.device-exclude is `^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$`;
 * host_metrics takes shell globs (`disk.devices.excludes`, matched against the /proc/diskstats name),
 * so `\d+` becomes `[0-9]*`. dm-* and md* stay, as they do in node-exporter.
 */
export const EXCLUDED_DISK_DEVICES = [
    "ram[0-9]*",
    "zram[0-9]*",
    "loop[0-9]*",
    "fd[0-9]*",
    "hd[a-z][0-9]*",
    "sd[a-z][0-9]*",
    "vd[a-z][0-9]*",
    "xvd[a-z][0-9]*",
    "nvme[0-9]*n[0-9]*p[0-9]*",
];

/** Virtual interfaces of pods and CNIs: per-pod traffic is cAdvisor's job, not the node's. */
export const EXCLUDED_NETWORK_DEVICES = ["lo", "veth*", "cali*", "cilium*", "lxc*", "flannel*", "cni*", "vxlan*", "kube-ipvs*"];

export interface AgentPipelineSettings {
    cluster: ClusterIdentity;
    /** The agent's own namespace: never collected, or Vector would ship its own logs in a loop. */
    namespace: string;
    excludedNamespaces: string[];
    hostMetrics: { collectors: string[]; scrapeIntervalSecs: number };
    /** Cap on a log line rebuilt from the runtime's partial lines; longer ones are truncated. */
    maxMergedLineBytes: number;
    kubelet: { enabled: boolean; scrapeIntervalSecs: number };
    extraLabels: Record<string, string>;
    buffers: { logsMaxBytes: number; metricsMaxEvents: number };
    /** `https://host:port` of the aggregators' vector source. */
    aggregatorEndpoint: string;
    /** The aggregators' remote-write receiver. */
    remoteWriteUrl: string;
    /** Host ports (the agent shares the node's network); a second agent on the same nodes needs others. Default AGENT_PORTS. */
    ports?: AgentPorts;
}

/**
 * The labels every event carries: the extra labels, then cluster, environment and region last,
 * so an extra label can never overwrite the identity (config also refuses such names).
 */
export function identityLabels(s: Pick<AgentPipelineSettings, "cluster" | "extraLabels">): [string, string][] {
    return [
        ...Object.entries(s.extraLabels).sort(([a], [b]) => a.localeCompare(b)),
        ["cluster", s.cluster.name],
        ["environment", s.cluster.environment],
        ["region", s.cluster.region],
    ];
}

/**
 * VRL for log events. Every fallible call is handled (VRL refuses to compile otherwise), so one odd
 * line can neither abort nor lose an event. Identity fields are written last: an application
 * logging `{"cluster": "prod"}` cannot relabel its stream.
 */
export function logsEnrichVrl(s: Pick<AgentPipelineSettings, "cluster" | "extraLabels">): string {
    return vrl(
        "# Read before the merge below: merge() is shallow and the parsed line wins, so a JSON line",
        "# with its own timestamp or kubernetes key would otherwise replace the runtime's values.",
        "runtime_timestamp = .timestamp",
        "k8s = .kubernetes",
        "",
        "# JSON lines are merged into the event; anything else stays as it is.",
        "if is_string(.message) {",
        "  parsed, err = parse_json(.message)",
        "  if err == null {",
        "    fields, not_object = object(parsed)",
        "    if not_object == null {",
        "      . = merge(., fields)",
        "      if fields.message == null && is_string(fields.msg) { .message = fields.msg }",
        "    }",
        "  }",
        "}",
        "",
        "# Application timestamps: RFC 3339 strings are parsed; anything else falls back to the runtime's.",
        "if is_string(.timestamp) {",
        '  ts, err = parse_timestamp(.timestamp, "%+")',
        "  .timestamp = if err == null { ts } else { runtime_timestamp }",
        "} else if !is_timestamp(.timestamp) {",
        "  .timestamp = runtime_timestamp",
        "}",
        "",
        "# Severity from severity, level or lvl, normalised; info when absent or unknown.",
        "raw_severity = .severity",
        "if raw_severity == null { raw_severity = .level }",
        "if raw_severity == null { raw_severity = .lvl }",
        'sev = downcase(to_string(raw_severity) ?? "")',
        '.severity = if includes(["trace"], sev) {',
        '  "trace"',
        '} else if includes(["debug", "dbug", "dbg"], sev) {',
        '  "debug"',
        '} else if starts_with(sev, "warn") {',
        '  "warning"',
        '} else if includes(["err", "eror", "error"], sev) {',
        '  "error"',
        '} else if includes(["crit", "critical", "fatal", "panic", "alert", "emerg", "emergency"], sev) {',
        '  "critical"',
        "} else {",
        '  "info"',
        "}",
        "",
        "# The source's Kubernetes metadata, as read before the merge, into the fields Loki labels use.",
        ".namespace = k8s.pod_namespace",
        ".pod = k8s.pod_name",
        ".container = k8s.container_name",
        ".node = k8s.pod_node_name",
        ".labels = k8s.pod_labels",
        "del(.kubernetes)",
        "",
        "# Only the agent's own heartbeat may carry the delivery proof the aggregators count.",
        `del(.${HEARTBEAT_FIELD})`,
        "",
        "# The runtime's nanosecond timestamp of this line: the aggregators' dedupe tells two equal lines",
        "# of one second apart by it, where the application's timestamp is often whole seconds.",
        ".runtime_timestamp = runtime_timestamp",
        "# shipper tells Vector's streams from Promtail's during a migration.",
        '.shipper = "vector"',
        "# Identity last, so nothing above can overwrite it.",
        ...identityLabels(s).map(([k, v]) => `.${vrlField(k)} = ${vrlString(v)}`),
    );
}

/**
 * VRL turning demo_logs' `<seq> heartbeat` line into a heartbeat event. It carries the same label
 * fields as a pod's line (the agent's own namespace and pod, container `heartbeat`), so it takes
 * the pod-log path through the aggregators (dedupe, sampling, Loki) and adds one Loki stream per
 * node instead of new label names. The sequence restarts at 0 with the agent (demo_logs counts per
 * process); the send time is demo_logs' event timestamp, taken when the line is generated.
 */
export function heartbeatVrl(s: Pick<AgentPipelineSettings, "cluster" | "extraLabels" | "namespace">): string {
    return vrl(
        `m, err = parse_regex(.message, r'^(?P<seq>[0-9]+) ')`,
        "seq = if err == null { to_int(m.seq) ?? -1 } else { -1 }",
        "sent_at = .timestamp",
        `.${HEARTBEAT_FIELD} = { "seq": seq, "sent_at": sent_at, "interval_secs": ${HEARTBEAT_INTERVAL_SECS} }`,
        "# The same fields logs_enrich gives a pod's line, so the Loki labels render without errors.",
        `.namespace = ${vrlString(s.namespace)}`,
        '.pod = get_env_var("VECTOR_SELF_POD_NAME") ?? "unknown"',
        `.container = ${vrlString(HEARTBEAT_CONTAINER)}`,
        '.node = get_env_var("VECTOR_SELF_NODE_NAME") ?? "unknown"',
        '.severity = "info"',
        "# Unique per heartbeat, so the aggregators' dedupe never folds two into one.",
        ".runtime_timestamp = sent_at",
        '.shipper = "vector"',
        "del(.service)",
        "del(.host)",
        ...identityLabels(s).map(([k, v]) => `.${vrlField(k)} = ${vrlString(v)}`),
    );
}

/**
 * host_metrics' cpu collector emits the CPU counts as two untagged gauges next to
 * cpu_seconds_total (vectordotdev/vector src/sources/host_metrics/cpu.rs, LOGICAL_CPUS and
 * PHYSICAL_CPUS); they are dropped by name.
 */
export const HOST_CPU_COUNT_GAUGES = ["logical_cpus", "physical_cpus"] as const;
const HOST_CPU_COUNT_GAUGES_VRL = `[${HOST_CPU_COUNT_GAUGES.map((n) => vrlString(n)).join(", ")}]`;

/** VRL for metric events: identity goes into tags (metrics have no fields). */
export function metricsEnrichVrl(s: Pick<AgentPipelineSettings, "cluster" | "extraLabels">): string {
    return vrl(
        "# host_metrics' CPU counts are gauges of their own; node-exporter has no such series.",
        `if .namespace == "host" && includes(${HOST_CPU_COUNT_GAUGES_VRL}, .name) {`,
        "  abort",
        "}",
        "# The node name comes from the downward API; host_metrics' own host tag is the hostname.",
        '.tags.node = get_env_var("VECTOR_SELF_NODE_NAME") ?? .tags.host',
        "# shipper tells these series from node-exporter's during a migration; vector_role tells agent from aggregator.",
        '.tags.shipper = "vector"',
        'if .namespace == "vector" { .tags.vector_role = "agent" }',
        ...identityLabels(s).map(([k, v]) => `.tags.${vrlField(k)} = ${vrlString(v)}`),
    );
}

/** Builds the agent's whole Vector config. Pure: same settings, same config. */
export function buildAgentPipeline(s: AgentPipelineSettings): VectorConfig {
    // Config refuses it too; this keeps a direct caller from shipping the agent container's disks as the node's.
    if (s.hostMetrics.collectors.includes("filesystem")) {
        throw new Error(
            "host_metrics' filesystem collector measures the agent container's mounts, not the node's (vector issue #18231); see docs/migration.md",
        );
    }
    const ports = s.ports ?? AGENT_PORTS;
    const ownAndExcluded = [...new Set([s.namespace, ...s.excludedNamespaces])].sort();
    const metricInputs = ["node_exporter_names", ...(s.kubelet.enabled ? ["kubelet_cadvisor"] : []), "internal_metrics", "heartbeat_sent"];
    return {
        data_dir: AGENT_PATHS.dataDir,
        api: { enabled: true, address: `127.0.0.1:${ports.api}` },
        secret: {
            agent: { type: "directory", path: AGENT_PATHS.secretsDir, remove_trailing_whitespace: true },
            node: { type: "directory", path: AGENT_PATHS.nodeAddressDir, remove_trailing_whitespace: true },
            ...(s.kubelet.enabled
                ? { serviceaccount: { type: "directory" as const, path: AGENT_PATHS.serviceAccountDir, remove_trailing_whitespace: true } }
                : {}),
        },
        sources: {
            kubernetes_logs: {
                type: "kubernetes_logs",
                auto_partial_merge: true,
                // Without a cap a runaway line is merged without limit and can OOM the agent; truncating
                // (0.58+) keeps the line's start instead of dropping it (Vector's default action).
                max_merged_line_bytes: s.maxMergedLineBytes,
                max_merged_line_action: "truncate",
                extra_namespace_label_selector: `kubernetes.io/metadata.name notin (${ownAndExcluded.join(",")})`,
            },
            host_metrics: {
                type: "host_metrics",
                collectors: [...s.hostMetrics.collectors].sort(),
                scrape_interval_secs: s.hostMetrics.scrapeIntervalSecs,
                namespace: "host",
                disk: { devices: { excludes: EXCLUDED_DISK_DEVICES } },
                network: { devices: { excludes: EXCLUDED_NETWORK_DEVICES } },
            },
            ...(s.kubelet.enabled
                ? {
                      kubelet_cadvisor: {
                          type: "prometheus_scrape" as const,
                          endpoints: [KUBELET_CADVISOR_URL],
                          scrape_interval_secs: s.kubelet.scrapeIntervalSecs,
                          scrape_timeout_secs: Math.min(10, s.kubelet.scrapeIntervalSecs / 2),
                          // cAdvisor's namespace/pod/container labels are the point of the scrape.
                          honor_labels: true,
                          auth: { strategy: "bearer" as const, token: "SECRET[serviceaccount.token]" as const },
                          tls: {
                              ca_file: `${AGENT_PATHS.serviceAccountDir}/ca.crt`,
                              verify_certificate: true,
                              // Dialled on loopback: the kubelet's certificate names the node, not 127.0.0.1.
                              verify_hostname: false,
                          },
                      },
                  }
                : {}),
            internal_metrics: { type: "internal_metrics", scrape_interval_secs: 15 },
            heartbeat: {
                type: "demo_logs",
                format: "shuffle",
                lines: ["heartbeat"],
                sequence: true,
                interval: HEARTBEAT_INTERVAL_SECS,
            },
        },
        transforms: {
            heartbeat_enrich: { type: "remap", inputs: ["heartbeat"], source: heartbeatVrl(s), drop_on_error: false },
            // Counted where it is sent; the aggregators count arrivals. The ratio is the delivered share.
            heartbeat_sent: {
                type: "log_to_metric",
                inputs: ["heartbeat_enrich"],
                metrics: [{ type: "counter", field: HEARTBEAT_FIELD, namespace: "vector_fleet", name: "heartbeat_sent_total" }],
            },
            logs_enrich: { type: "remap", inputs: ["kubernetes_logs"], source: logsEnrichVrl(s), drop_on_error: false },
            // Existing node-exporter dashboards and alerts keep working after cutover.
            node_exporter_names: { type: "remap", inputs: ["host_metrics"], source: nodeExporterNamesVrl(), drop_on_error: false },
            metrics_enrich: { type: "remap", inputs: metricInputs, source: metricsEnrichVrl(s), drop_on_error: false, drop_on_abort: true },
        },
        sinks: {
            aggregator: {
                type: "vector",
                inputs: ["logs_enrich", "heartbeat_enrich"],
                routing: { endpoints: [s.aggregatorEndpoint] },
                compression: "zstd",
                tls: {
                    enabled: true,
                    ca_file: AGENT_PATHS.caFile,
                    crt_file: AGENT_PATHS.clientCert,
                    key_file: AGENT_PATHS.clientKey,
                    verify_certificate: true,
                    verify_hostname: true,
                },
                // Logs must survive an aggregator outage: block (and let the source's checkpoints
                // hold back reading) rather than drop.
                buffer: { type: "disk", max_size: s.buffers.logsMaxBytes, when_full: "block" },
                batch: { max_bytes: 5 * 1024 * 1024, max_events: 1000, timeout_secs: 5 },
                // The seed's tuning, except retry_attempts: a finite count would throw logs away
                // after a short outage; Vector's default retries until the buffer fills.
                request: {
                    concurrency: 10,
                    rate_limit_num: 1000,
                    rate_limit_duration_secs: 1,
                    timeout_secs: 30,
                    retry_initial_backoff_secs: 1,
                    retry_max_duration_secs: 10,
                },
                healthcheck: { enabled: true },
            },
            prometheus: {
                type: "prometheus_remote_write",
                inputs: ["metrics_enrich"],
                endpoint: s.remoteWriteUrl,
                auth: { strategy: "bearer", token: `SECRET[agent.${AGENT_PATHS.tokenKey}]` },
                // Mutual TLS as well as the token: either credential alone is not enough.
                tls: {
                    ca_file: AGENT_PATHS.caFile,
                    crt_file: AGENT_PATHS.clientCert,
                    key_file: AGENT_PATHS.clientKey,
                    verify_certificate: true,
                    verify_hostname: true,
                },
                // Metrics are resampled every interval: shedding the newest under pressure keeps
                // collection running, where blocking would stall every metric source.
                buffer: { type: "memory", max_events: s.buffers.metricsMaxEvents, when_full: "drop_newest" },
                batch: { max_bytes: 1024 * 1024, max_events: 10_000, timeout_secs: 10 },
                // The receiver answers only POST; Vector's GET healthcheck would always fail.
                healthcheck: { enabled: false },
            },
            internal_metrics_exporter: {
                type: "prometheus_exporter",
                inputs: ["internal_metrics"],
                // The node's own (private) address, not 0.0.0.0: the agent shares the node's network,
                // public interface included. SECRET[] is replaced in the config text before parsing
                // (vectordotdev/vector src/config/loading/secret.rs), so it works in any string.
                address: `SECRET[node.ip]:${ports.metrics}`,
            },
        },
    };
}
