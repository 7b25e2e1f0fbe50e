/**
 * The stack config model: one typed object per stack, parsed from untrusted `Pulumi.<stack>.yaml`
 * values, with every default applied here and nowhere else.
 */
import { MIN_VECTOR_VERSION, VECTOR_IMAGE } from "./versions";
import {
    bool,
    ConfigError,
    dict,
    Field,
    Infer,
    defaultOf,
    int,
    INVALID,
    isPlainObject,
    list,
    obj,
    ObjectSchema,
    oneOf,
    opt,
    Problem,
    req,
    Schema,
    secret,
    section,
    str,
    unknownKeyHint,
} from "./schema-kit";
import {
    cidr,
    cpuMillis,
    cpuQuantity,
    dnsLabel,
    eventPath,
    HETZNER_LOCATIONS,
    ipv4,
    labelKey,
    labelName,
    labelValue,
    LB_TYPES,
    memoryBytes,
    memoryQuantity,
    namespaceName,
    vectorImage,
    url,
} from "./validators";
import { applySizing, MIN_DISK_BUFFER_BYTES, minMetricsBufferBytes, SIZING_PRESETS, type SizingReport } from "./sizing";
import { LOKI_PUSH_PATH, missingVerifyLabels, VERIFY_LOKI_LABELS } from "./verify-labels";
import { agentSignalProblems, eventsSchema, nodeLogsSchema, otlpSchema, signalsTheHubLacks, tempoSchema } from "./signals";

export const PROJECT = "vector-fleet";

/**
 * `stack` or `org/project/stack`. Pulumi's own parsers also take `org/stack` (pulumi/pulumi
 * pkg/backend/httpstate/backend.go parseStackName); it is refused here so a name is either bare
 * (resolved by qualifiedStackName) or says everything.
 */
const STACK_REFERENCE = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)?$/;

/**
 * The fully qualified name a StackReference must be given. The engine resolves a bare name with
 * the backend's *default organization* (pulumi/pulumi pkg/backend/httpstate/backend.go
 * ParseStackReference: defaultOrg, else the current user), not the organization of the stack that
 * runs, so a teammate whose default org differs would wire to another org's (or no) hub. Resolving
 * it here with the running stack's own organization and project makes it mean the same for all.
 */
export function qualifiedStackName(name: string, organization: string, project: string): string {
    return name.includes("/") ? name : `${organization}/${project}/${name}`;
}

export { MIN_DISK_BUFFER_BYTES, metricsBufferSplit, minMetricsBufferBytes, OWN_METRICS_BUFFER_BYTES } from "./sizing";

/**
 * Prometheus' head refuses samples older than its newest minus half the block range
 * (prometheus/prometheus tsdb/head_append.go appendableMinValidTime: MaxTime - chunkRange/2,
 * DefaultBlockDuration 2 h in tsdb/db.go), unless out_of_order_time_window is set: 1 h. Five
 * minutes less, for the batch timeout and retries between the age check and the write.
 */
export const DEFAULT_MAX_SAMPLE_AGE_SECS = 55 * 60;

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const resourcesSchema = (d: { cpuReq: string; memReq: string; cpuLim: string; memLim: string }, why: string) =>
    obj({
        requests: section(
            obj({
                cpu: opt(cpuQuantity(), d.cpuReq, `CPU request. ${why}`),
                memory: opt(memoryQuantity(), d.memReq, "Memory request."),
            }),
            "Requests used for scheduling.",
        ),
        limits: section(
            obj({
                cpu: opt(cpuQuantity(), d.cpuLim, "CPU limit."),
                memory: opt(memoryQuantity(), d.memLim, "Memory limit; Vector is OOM-killed above it."),
            }),
            "Limits.",
        ),
    });

/**
 * host_metrics collectors the agent may run. Not `filesystem`: it lists and measures the mounts of
 * the agent's own mount namespace, so it reports the container's view, not the node's disks
 * (vector issue #18231; docs/migration.md).
 */
export const HOST_METRICS_COLLECTORS = ["cgroups", "cpu", "disk", "load", "host", "memory", "network", "process", "tcp"] as const;

/** Labels the pipeline sets itself; an extra label of the same name would overwrite the identity. */
export const RESERVED_LABELS = [
    "cluster",
    "environment",
    "region",
    "node",
    "instance",
    "namespace",
    "pod",
    "container",
    "severity",
    "labels",
    "message",
    "timestamp",
    "runtime_timestamp",
    "host",
    "shipper",
    "vector_role",
    "job",
];

const agentSchema = obj({
    enabled: opt(bool(), true, "Run the agent DaemonSet in this cluster. Source stacks must keep it on; the hub may turn its own agent off."),
    namespace: opt(namespaceName(), "vector-system", "Namespace of the agent, excluded from log collection so Vector never reads its own output."),
    image: opt(vectorImage(MIN_VECTOR_VERSION), VECTOR_IMAGE, "Vector image; pinned so every node runs the same release, at least MIN_VECTOR_VERSION."),
    excludedNamespaces: opt(list(namespaceName(), { unique: true }), [], "Further namespaces whose pod logs are not collected."),
    maxMergedLineBytes: opt(
        int(32 * 1024, 16 * MiB, "bytes"),
        128 * 1024,
        "Longest log line the agent rebuilds from the runtime's 16 KiB pieces; longer lines are truncated (Vector's default merges without limit). " +
            "Default 128 KiB: half of Loki's default max_line_size (256 KB), which also counts the JSON fields the pipeline adds.",
    ),
    hostMetrics: section(
        obj({
            collectors: opt(
                list(oneOf(HOST_METRICS_COLLECTORS), { unique: true, min: 1 }),
                ["cpu", "disk", "load", "memory", "network"],
                "host_metrics collectors; the default set is what node-exporter dashboards need.",
            ),
            scrapeIntervalSecs: opt(int(5, 300, "seconds"), 30, "How often host metrics are read."),
        }),
        "Host metrics (the node-exporter replacement).",
    ),
    kubelet: section(
        obj({
            enabled: opt(bool(), true, "Scrape the node's kubelet cAdvisor endpoint for container metrics."),
            scrapeIntervalSecs: opt(int(10, 300, "seconds"), 30, "cAdvisor scrape interval."),
        }),
        "Kubelet cAdvisor scraping.",
    ),
    extraLabels: opt(
        dict(
            str({
                pattern: /^[a-zA-Z_][a-zA-Z0-9_]*$/,
                maxLength: 63,
                patternHint: "a label name ([a-zA-Z_][a-zA-Z0-9_]*)",
                check: (n) =>
                    RESERVED_LABELS.includes(n) || n.startsWith("__")
                        ? `a label name other than ${RESERVED_LABELS.join(", ")} (set by the pipeline itself) and not starting with '__'`
                        : undefined,
            }),
            str({ maxLength: 128, pattern: /^[A-Za-z0-9][A-Za-z0-9 ._:/@-]*$/, patternHint: "letters, digits, spaces and ._:/@- (at most 128)" }),
        ),
        {},
        "Labels added to every log and metric, e.g. { team: platform }.",
    ),
    buffers: section(
        obj({
            logsMaxBytes: opt(
                int(MIN_DISK_BUFFER_BYTES, 64 * GiB, "bytes"),
                MIN_DISK_BUFFER_BYTES,
                "Disk buffer for logs on their way to the aggregators (Vector's minimum, about 256 MiB).",
            ),
            metricsMaxEvents: opt(
                int(1000, 10_000_000, "events"),
                50_000,
                "Memory buffer for metrics; when full, new metrics are dropped rather than stalling collection.",
            ),
        }),
        "Sink buffers.",
    ),
    resources: section(
        resourcesSchema(
            { cpuReq: "100m", memReq: "128Mi", cpuLim: "1", memLim: "512Mi" },
            "Defaults from the seed's measured footprint; Vector's sizing guide puts a vCPU at ~10 MiB/s of unstructured logs.",
        ),
        "Agent container resources.",
    ),
    nodeLogs: section(nodeLogsSchema, "Node logs from journald (docs/signals-node-logs.md)."),
    events: section(eventsSchema, "Kubernetes events, once per cluster (docs/signals-events.md)."),
    otlp: section(otlpSchema, "OTLP endpoint for applications: traces, metrics, logs (docs/signals-otlp.md)."),
    identity: section(
        obj({
            tokenGeneration: opt(
                int(0, 1000, "generation"),
                0,
                "Raise by one (with acceptPreviousToken: true) to give this cluster a new remote-write token (docs/identity.md#rotating-a-token).",
            ),
            acceptPreviousToken: opt(
                bool(),
                false,
                "While rotating: keep the previous generation's token, so the agent uses it until the hub accepts the new one.",
            ),
        }),
        "This cluster's own agent credentials: its key, certificate request and remote-write tokens live in this stack alone (docs/identity.md#deployment-order).",
    ),
});

/** The aggregators' log sampling when the hub sets none (namespace -> keep 1 in N). */
export const DEFAULT_SAMPLING: Readonly<Record<string, number>> = { "ingress-nginx": 5, "kube-system": 10 };

const DEFAULT_LOKI_LABELS = {
    cluster: "cluster",
    container: "container",
    environment: "environment",
    namespace: "namespace",
    node: "node",
    pod: "pod",
    severity: "severity",
    shipper: "shipper",
};

/** The rates the config takes, one range each wherever they appear: a fleet's total, a cluster's limit, a sizing input. */
const EVENTS_PER_SEC = int(1, 10_000_000, "events per second");
const SAMPLES_PER_SEC = int(1, 100_000_000, "samples per second");

/** Where a key that left the hub's `aggregator.identities.<cluster>` lives now. */
const movedToClusterStack = (key: string) =>
    `no such key here any more: each cluster keeps its own tokens, so set vector-fleet:agent.identity.${key} in that cluster's own stack file instead (docs/identity.md#rotating-a-token)`;

const aggregatorSchema = obj({
    namespace: opt(namespaceName(), "vector-aggregator", "Namespace of the aggregators (its own, so policies and Pod Security apply to it alone)."),
    image: opt(vectorImage(MIN_VECTOR_VERSION), VECTOR_IMAGE, "Vector image for the aggregators, at least MIN_VECTOR_VERSION."),
    replicas: opt(int(1, 20, "replicas"), 3, "StatefulSet replicas; three keep a quorum of two through one disruption."),
    clusters: opt(
        list(dnsLabel(32), { unique: true }),
        [],
        "Agent clusters that get a client certificate and a remote-write token, each on its own pair of ports in list order (append new clusters: a cluster's ports follow its position, docs/identity.md). The hub's own cluster is added automatically when its agent is enabled.",
    ),
    identities: opt(
        dict(
            dnsLabel(32),
            obj(
                {
                    environment: req(dnsLabel(32), "The cluster's `environment` label, set on everything it sends."),
                    region: req(oneOf(HETZNER_LOCATIONS), "The cluster's `region` label, set on everything it sends."),
                    logEventsPerSec: opt(EVENTS_PER_SEC, undefined, "This cluster's log rate limit; overrides logEventsPerSecPerCluster."),
                    metricSamplesPerSec: opt(SAMPLES_PER_SEC, undefined, "This cluster's metric rate limit; overrides metricSamplesPerSecPerCluster."),
                    clientCaGeneration: opt(
                        int(0, 1000, "generation"),
                        0,
                        "Raise by one to give this cluster a new client CA, which signs its certificate request, e.g. when the CA's key may have leaked or the CA nears expiry (docs/identity.md#rotating-a-clusters-client-ca).",
                    ),
                    acceptPreviousClientCa: opt(
                        bool(),
                        false,
                        "While rotating: this cluster's listeners trust the previous generation's client CA too, until its agent has the certificate of the new one.",
                    ),
                    stack: opt(
                        str({
                            pattern: STACK_REFERENCE,
                            patternHint: "a stack name (dev) or a fully qualified one (org/vector-fleet/dev)",
                        }),
                        undefined,
                        "The cluster's own stack, whose certificate request the hub signs and whose token digests it accepts (docs/identity.md#deployment-order). Default: the cluster's name; a bare name is resolved in the hub's own organization and project.",
                    ),
                },
                { moved: Object.fromEntries(["tokenGeneration", "acceptPreviousToken"].map((k) => [k, movedToClusterStack(k)])) },
            ),
        ),
        {},
        "Per listed cluster, the environment and region the aggregators write on its data, whatever its events claim (docs/identity.md). Every listed cluster needs an entry.",
    ),
    logEventsPerSecPerCluster: opt(
        EVENTS_PER_SEC,
        undefined,
        "Log events per second each agent cluster may send, averaged over 10 s; the excess is dropped and counted (alert VectorClusterLogsThrottled), so one cluster's burst cannot fill the Loki buffer all clusters share (docs/identity.md#fairness). Unset: no limit.",
    ),
    metricSamplesPerSecPerCluster: opt(
        SAMPLES_PER_SEC,
        undefined,
        "Metric samples per second each agent cluster's own Prometheus sink may write, per aggregator replica, over 10 s windows; the excess waits in that cluster's own buffer and, when it is full, holds back that cluster's remote write only (alert VectorClusterMetricsBackPressured; docs/identity.md#fairness). Unset: no limit.",
    ),
    loki: section(
        obj({
            endpoint: opt(url(), "http://loki-gateway.monitoring.svc.cluster.local", "Loki base URL (without /loki/api/v1/push)."),
            tenantId: opt(str({ maxLength: 64, patternHint: "a Loki tenant id" }), undefined, "X-Scope-OrgID for multi-tenant Loki."),
            labels: opt(
                dict(labelName(), eventPath()),
                DEFAULT_LOKI_LABELS,
                "Loki stream labels: label name to event field. Every label multiplies Loki's streams; never add unbounded fields (request ids, user ids).",
            ),
        }),
        "Loki destination.",
    ),
    prometheus: section(
        obj({
            remoteWriteUrl: opt(
                url(),
                "http://prometheus-operated.monitoring.svc.cluster.local:9090/api/v1/write",
                "Prometheus remote-write receiver (Prometheus needs --web.enable-remote-write-receiver).",
            ),
            maxSampleAgeSecs: opt(
                // From 30 minutes: below that the capped buffer-minutes figure would set off the
                // renderer's short-buffer warning, whose advice (a bigger buffer) would not help.
                int(30 * 60, 30 * 24 * 3600, "seconds"),
                DEFAULT_MAX_SAMPLE_AGE_SECS,
                "Metric samples older than this are dropped and counted (alert VectorClusterSamplesOutOfRange) before the cluster's own Prometheus sink: Prometheus refuses a whole remote-write request with one sample older than its head accepts (1 h behind its newest sample with the default 2 h blocks and no out-of-order window), and Vector does not retry it, so the sender's batch would be lost (docs/reliability.md#samples-prometheus-would-refuse). Raise it only with Prometheus' out_of_order_time_window; also caps the Prometheus buffer-minutes figure.",
            ),
        }),
        "Prometheus destination.",
    ),
    sampling: opt(
        dict(namespaceName(), int(1, 1_000_000, "(keep 1 in N)")),
        { ...DEFAULT_SAMPLING },
        "Per-namespace log sampling, namespace to N (keep 1 in N). Namespaces not listed keep everything.",
    ),
    dedupeCacheEvents: opt(int(100, 10_000_000, "events"), 10_000, "How many recent log events each replica remembers to drop duplicates."),
    buffers: section(
        obj({
            lokiMaxBytes: opt(int(MIN_DISK_BUFFER_BYTES, 512 * GiB, "bytes"), GiB, "Disk buffer in front of Loki, on the replica's volume."),
            prometheusMaxBytes: opt(
                int(MIN_DISK_BUFFER_BYTES, 512 * GiB, "bytes"),
                2 * GiB,
                "Disk buffers in front of Prometheus, all together: Vector's minimum (256 MiB) for the aggregators' own metrics, the rest split evenly over the agent clusters' own sinks (docs/identity.md#fairness); at least 256 MiB per sink.",
            ),
        }),
        "Sink buffers (on the PersistentVolume).",
    ),
    expectedLoad: section(
        obj({
            logEventsPerSec: opt(EVENTS_PER_SEC, 2000, "Log events per second the whole fleet sends to the aggregators (before sampling)."),
            metricSamplesPerSec: opt(SAMPLES_PER_SEC, 10_000, "Metric samples per second the whole fleet remote-writes through the aggregators."),
        }),
        "The load the fleet is expected to carry. Sizes nothing: it turns buffer sizes into minutes of Loki or Prometheus outage they survive (docs/reliability.md).",
    ),
    storage: section(
        obj({
            size: opt(memoryQuantity(), "10Gi", "Volume per replica; must hold every disk buffer plus checkpoints."),
            storageClassName: opt(str({ patternHint: "a StorageClass name" }), "hcloud-volumes", "StorageClass; hcloud-volumes is the Hetzner CSI driver's."),
        }),
        "PersistentVolumeClaim per replica for Vector's data dir.",
    ),
    resources: section(
        resourcesSchema(
            { cpuReq: "1", memReq: "8Gi", cpuLim: "4", memLim: "8Gi" },
            "Vector's sizing guide: 2 GiB of memory per vCPU, at least 4 vCPU per production aggregator (the limit). The memory request must equal the limit (docs/aggregator.md#memory-request-what-it-may-use).",
        ),
        "Aggregator container resources.",
    ),
    signalLogs: opt(
        bool(),
        false,
        "Accept node logs, Kubernetes events and OTLP logs from the agents: they get a `job` Loki label, and Loki labels they lack are left empty (docs/signals-node-logs.md). Turn on before any cluster's agent sends them.",
    ),
    tempo: opt(tempoSchema, undefined, "Send the agents' OTLP traces to Tempo (docs/signals-otlp.md). Unset: the aggregators accept no traces."),
    loadBalancer: req(
        obj({
            name: opt(dnsLabel(63), "vector-aggregator", "Name of the Hetzner load balancer."),
            type: opt(oneOf(LB_TYPES), "lb11", "Hetzner load balancer type."),
            location: opt(oneOf(HETZNER_LOCATIONS), undefined, "Location of the load balancer; defaults to the stack's region."),
            network: req(str({ maxLength: 63, patternHint: "the name of an hcloud Network" }), "The fleet's private hcloud Network, shared by every cluster."),
            privateIp: req(ipv4({ privateOnly: true }), "Pinned private IPv4 of the load balancer inside that Network; agents in other clusters dial it."),
        }),
        "Private Hetzner load balancer in front of the aggregators.",
    ),
});

/**
 * What a default kube-prometheus-stack selects: with `*SelectorNilUsesHelmValues: true` (its
 * default) the Prometheus' podMonitorSelector and ruleSelector are `matchLabels: { release:
 * <Helm release name> }`, and the usual release name is the chart's.
 */
export const DEFAULT_SELECTOR_LABELS = { release: "kube-prometheus-stack" };

const monitoringSchema = obj({
    enabled: opt(bool(), true, "Create PodMonitors, alert rules and the dashboard (needs the prometheus-operator CRDs)."),
    namespace: opt(namespaceName(), "monitoring", "Namespace of Prometheus and Grafana (allowed to scrape Vector)."),
    selectorLabels: opt(
        dict(labelKey(), labelValue()),
        DEFAULT_SELECTOR_LABELS,
        "Labels on the PodMonitors and the PrometheusRule, so the Prometheus' podMonitorSelector and ruleSelector pick them up. A default kube-prometheus-stack selects `release: <its Helm release name>`; set this to what `kubectl get prometheus -A -o jsonpath='{..podMonitorSelector}'` shows ({} when it selects every PodMonitor). The render warns while it is left unset.",
    ),
});

/**
 * NetworkPolicies need a CNI that enforces them (Cilium, Calico); with one that does not they are
 * inert, never harmful. Addresses are what the policy engine sees after kube-proxy's DNAT, so the
 * API server is named by its endpoints' addresses and ports, not the `kubernetes` Service.
 */
const networkPolicySchema = obj({
    enabled: opt(bool(), true, "Create default-deny NetworkPolicies for both tiers and allow only what each needs (SECURITY.md)."),
    apiServer: section(
        obj({
            cidrs: opt(
                list(cidr(), { unique: true, min: 1 }),
                ["0.0.0.0/0"],
                "Where the API server's endpoints live; narrow it to your control-plane nodes' addresses (kubectl get endpoints kubernetes).",
            ),
            ports: opt(list(int(1, 65535), { unique: true, min: 1 }), [443, 6443], "API server ports after the Service's DNAT: 6443 (kubeadm, k3s) or 443."),
        }),
        "Egress from the agent to the Kubernetes API server (pod and namespace metadata).",
    ),
    clusterCidrs: opt(
        list(cidr(), { unique: true }),
        ["10.244.0.0/16"],
        "Hub only: this cluster's pod network. Its own host-network agent reaches the aggregators from a node or a pod-network address, depending on the CNI; the private Network's range is always allowed.",
    ),
});

const legacyDaemonSet = (ns: string, name: string, what: string) =>
    obj({
        namespace: opt(namespaceName(), ns, `Namespace of the ${what} DaemonSet.`),
        name: opt(dnsLabel(63), name, `Name of the ${what} DaemonSet.`),
    });

const migrationSchema = obj({
    phase: opt(
        oneOf(["none", "parallel", "cutover", "done"] as const),
        "none",
        "none: no old agents. parallel: Vector runs beside them. cutover: the old DaemonSets are parked (a required node affinity no node matches; their own node selector stays), not deleted. done: as cutover; delete them by hand (docs/migration.md).",
    ),
    promtail: opt(legacyDaemonSet("monitoring", "promtail", "Promtail"), undefined, "The Promtail DaemonSet Vector replaces."),
    nodeExporter: opt(legacyDaemonSet("monitoring", "node-exporter", "node-exporter"), undefined, "The node-exporter DaemonSet Vector replaces."),
});

/** Rollout waves, in deployment order; the hub always goes first, before any wave. */
export const ROLLOUT_WAVES = ["canary", "early", "main"] as const;
export type RolloutWave = (typeof ROLLOUT_WAVES)[number];

/** The gate's thresholds when a stack sets none (docs/rollout.md explains each). */
export const DEFAULT_ROLLOUT_GATE = {
    soak: "15m",
    minDeliveredPercent: 95,
    maxLatencySeconds: 60,
    maxComponentErrors: 0,
    maxDiscardedEvents: 0,
    maxRestarts: 0,
    maxOomKills: 0,
} as const;

const rolloutSchema = obj({
    wave: opt(
        oneOf(ROLLOUT_WAVES),
        "main",
        "Wave this source stack is deployed in: canary, then early, then main, each gated on `npm run gate` (docs/rollout.md). The hub is always deployed first and takes no wave.",
    ),
    gate: section(
        obj({
            soak: opt(
                str({ pattern: /^[1-9][0-9]*[smh]$/, patternHint: "a duration such as 15m (s, m or h)" }),
                DEFAULT_ROLLOUT_GATE.soak,
                "Window the gate looks back over after the wave is deployed; also how long the workflow waits before it asks.",
            ),
            minDeliveredPercent: opt(
                int(0, 100, "percent"),
                DEFAULT_ROLLOUT_GATE.minDeliveredPercent,
                "Least share of sent heartbeats that must have reached Loki, per node.",
            ),
            maxLatencySeconds: opt(
                int(1, 600, "seconds"),
                DEFAULT_ROLLOUT_GATE.maxLatencySeconds,
                "Highest p99 heartbeat latency (agent send to aggregator count), per cluster.",
            ),
            maxComponentErrors: opt(
                int(0, 1_000_000, "errors"),
                DEFAULT_ROLLOUT_GATE.maxComponentErrors,
                "Most vector_component_errors_total the cluster's agents may add in the window.",
            ),
            maxDiscardedEvents: opt(
                int(0, 1_000_000_000, "events"),
                DEFAULT_ROLLOUT_GATE.maxDiscardedEvents,
                "Most vector_component_discarded_events_total the cluster's agents may add in the window.",
            ),
            maxRestarts: opt(int(0, 1000, "restarts"), DEFAULT_ROLLOUT_GATE.maxRestarts, "Most agent container restarts in the window."),
            maxOomKills: opt(int(0, 1000, "OOM kills"), DEFAULT_ROLLOUT_GATE.maxOomKills, "Most agent containers whose last termination was an OOM kill."),
        }),
        "Thresholds of `npm run gate` for this stack.",
    ),
});

/** What one cluster sends; each field overrides its preset's (docs/sizing.md). */
const clusterLoadFields = {
    preset: opt(
        oneOf(SIZING_PRESETS),
        undefined,
        "A named input set (small ~50 nodes, medium ~250, large ~1000; docs/sizing.md#presets); the fields beside it override its figures.",
    ),
    nodes: opt(int(1, 5000, "nodes"), undefined, "Nodes in the cluster (required without a preset)."),
    logLinesPerSec: opt(int(1, 10_000_000, "lines per second"), undefined, "Log lines per second the whole cluster writes (required without a preset)."),
    metricSamplesPerSec: opt(SAMPLES_PER_SEC, undefined, "Metric samples per second the cluster's agents send. Unset: nodes x metricSeriesPerNode / 30 s."),
    metricSeriesPerNode: opt(int(1, 1_000_000, "series"), undefined, "Metric series per node (host metrics and cAdvisor); default 2000."),
    avgLogEventBytes: opt(
        int(64, 1024 * 1024, "bytes"),
        undefined,
        "Average log line with its Kubernetes metadata; default 768 (Vector's sizing guide, a structured log event).",
    ),
};

const sizingSchema = obj({
    ...clusterLoadFields,
    outageMinutes: opt(
        int(1, 7 * 24 * 60, "minutes"),
        undefined,
        "Minutes of an outage the disk buffers carry at twice the load: Loki or Prometheus down for the aggregators (Prometheus capped at aggregator.prometheus.maxSampleAgeSecs), the aggregators unreachable for an agent. Default: the preset's, else 60.",
    ),
    clusters: opt(
        dict(dnsLabel(32), obj(clusterLoadFields)),
        undefined,
        "Hub only: the load of each cluster in aggregator.clusters (every one, e.g. { preset: small }); the aggregators are sized for their sum plus the hub's own.",
    ),
});

/** Top-level keys, in the `vector-fleet:` namespace. */
const topFields = {
    role: req(oneOf(["hub", "source"] as const), "hub runs the aggregators (the monitoring stack); source runs agents only."),
    cluster: req(dnsLabel(32), "Cluster name, attached to every log and metric as the `cluster` label."),
    environment: req(dnsLabel(32), "Environment name (e.g. production, staging, development), the `environment` label."),
    region: req(oneOf(HETZNER_LOCATIONS), "Hetzner location of the cluster, the `region` label."),
    monitoringStack: opt(
        str({
            pattern: STACK_REFERENCE,
            patternHint: "a stack name (monitoring) or a fully qualified one (org/vector-fleet/monitoring)",
        }),
        undefined,
        "Source stacks: the monitoring stack to take the aggregator address and credentials from. A bare name is resolved in this stack's own organization and project (`<org>/vector-fleet/monitoring`); write `org/project/stack` to name another.",
    ),
    kubeContext: opt(str({ patternHint: "a kubeconfig context name" }), undefined, "Context in the ambient kubeconfig; or set kubeconfig."),
    kubeconfig: opt(secret(str({ patternHint: "a kubeconfig document" })), undefined, "Kubeconfig contents, set with `pulumi config set --secret`."),
    agent: section(agentSchema, "The agent DaemonSet."),
    aggregator: opt(aggregatorSchema, undefined, "The aggregator tier (hub only)."),
    monitoring: section(monitoringSchema, "Self-monitoring objects."),
    networkPolicy: section(networkPolicySchema, "NetworkPolicies for the agent and aggregator namespaces."),
    migration: section(migrationSchema, "Migration away from Promtail and node-exporter, per cluster."),
    rollout: section(rolloutSchema, "Progressive rollout: this stack's wave and its gate's thresholds."),
    sizing: opt(
        sizingSchema,
        undefined,
        "Derive agent and aggregator resources, disk buffers, aggregator replicas and volume size from the cluster's load (docs/sizing.md). A key set explicitly still wins; without this section nothing changes.",
    ),
} satisfies Record<string, Field<unknown>>;

type TopConfig = Infer<ObjectSchema<typeof topFields>>;
export type AgentConfig = Infer<typeof agentSchema>;
export type AggregatorConfig = Infer<typeof aggregatorSchema>;
export type MonitoringConfig = Infer<typeof monitoringSchema>;
export type MigrationConfig = Infer<typeof migrationSchema>;
export type NetworkPolicyConfig = Infer<typeof networkPolicySchema>;
export type RolloutConfig = Infer<typeof rolloutSchema>;
export type Resources = AgentConfig["resources"];

export interface ClusterIdentity {
    name: string;
    environment: string;
    region: string;
}

interface Common {
    project: string;
    stack: string;
    cluster: ClusterIdentity;
    /** Exactly one of these selects the cluster; the kubeconfig itself is read as a secret at the edge. */
    kubernetes: { context: string } | { kubeconfigSecret: true };
    agent: AgentConfig;
    monitoring: MonitoringConfig;
    networkPolicy: NetworkPolicyConfig;
    migration: MigrationConfig;
    rollout: RolloutConfig;
    /** Present only with a `sizing` section: every figure it decided and where each came from. */
    sizing?: SizingReport;
}
/**
 * Who an agent cluster is, as the hub knows it: what the aggregators write on its data, and its
 * slot, which picks its ports (0 = the hub's own cluster, n = the n-th listed cluster).
 */
export interface AgentIdentity {
    name: string;
    environment?: string;
    region?: string;
    slot: number;
    /** Log events per second this cluster may send; undefined = no limit. */
    logEventsPerSec?: number;
    /** Metric samples per second its own Prometheus sink may write (per replica); undefined = no limit. */
    metricSamplesPerSec?: number;
    /** Which client CA signs this cluster's certificate (0 = the first), and whether the one before is still trusted. */
    clientCaGeneration?: number;
    acceptPreviousClientCa?: boolean;
}
export interface HubConfig extends Common {
    role: "hub";
    aggregator: AggregatorConfig;
    /** Clusters that get credentials: the listed ones plus the hub's own when its agent runs. */
    agentClusters: string[];
    /** The same clusters with their identities, sorted by name. */
    agentIdentities: AgentIdentity[];
}

/**
 * Services (listening ports) a Hetzner load balancer of each type may have: lb11 5, lb21 15,
 * lb31 30 (Hetzner Cloud API, GET /load_balancer_types: `max_services`). The cloud controller
 * adds one service per Service port and fails the whole reconcile when the type refuses it.
 */
export const LB_MAX_SERVICES: Record<(typeof LB_TYPES)[number], number> = { lb11: 5, lb21: 15, lb31: 30 };
/** Ports the load balancer carries per source cluster: the vector protocol and remote write. */
export const LB_SERVICES_PER_CLUSTER = 2;
export interface SourceConfig extends Common {
    role: "source";
    monitoringStack: string;
}
export type StackConfig = HubConfig | SourceConfig;

/** Config keys whose values must be encrypted (`pulumi config set --secret`). */
export const SECRET_KEYS = ["kubeconfig"] as const;

export interface RawConfig {
    /** Every config value of the stack, as `pulumi.runtime.allConfig()` returns it. */
    values: Record<string, string>;
    /** Which keys are secret. */
    isSecret: (key: string) => boolean;
    project: string;
    stack: string;
}

/**
 * Pulumi hands every top-level value over as a string; structured values (objects, lists,
 * numbers, booleans) arrive JSON-encoded, strings as they are.
 */
function decode(key: string, raw: string, field: Field<unknown>, problems: Problem[]): unknown {
    if (field.schema.kind === "string") return raw;
    try {
        return JSON.parse(raw);
    } catch {
        problems.push({ path: key, value: JSON.stringify(raw.length > 80 ? `${raw.slice(0, 77)}...` : raw), expected: field.schema.expected });
        return INVALID;
    }
}

/** Freezes `v` and everything it holds, so a value handed to several readers cannot change between them. */
export function deepFreeze<T>(v: T): T {
    if (v !== null && typeof v === "object" && !Object.isFrozen(v)) {
        Object.freeze(v);
        for (const x of Object.values(v)) deepFreeze(x);
    }
    return v;
}

/**
 * Each stack's config, parsed, by what it was parsed from. A render parses one stack's config up to
 * three times (the fleet checks, the first pass and the steady-state pass of a source: tools/render),
 * always from the same values; the result is frozen, so no reader changes what the next one sees.
 * A config with problems is not kept: it throws again, the same way, each time.
 */
const parsedConfigs = new Map<string, StackConfig>();
const PARSED_CONFIGS_KEPT = 2000;

/** Forgets every parsed config: for measuring a first parse (tools/bench), never needed for correctness. */
export function forgetParsedStackConfigs(): void {
    parsedConfigs.clear();
}

/**
 * Parses the stack's config into one typed object, frozen. Throws a ConfigError listing every
 * problem; nothing may be registered before this returns.
 */
export function parseStackConfig(raw: RawConfig): StackConfig {
    // Everything the parse reads of `raw`: which keys are secret matters only for keys it holds.
    const entries = Object.entries(raw.values).sort(([a], [b]) => a.localeCompare(b));
    const key = JSON.stringify([raw.project, raw.stack, entries.map(([k, v]) => [k, v, raw.isSecret(k)])]);
    const kept = parsedConfigs.get(key);
    if (kept) return kept;
    const config = deepFreeze(parseStackConfigOnce(raw));
    if (parsedConfigs.size >= PARSED_CONFIGS_KEPT) parsedConfigs.clear();
    parsedConfigs.set(key, config);
    return config;
}

function parseStackConfigOnce(raw: RawConfig): StackConfig {
    const problems: Problem[] = [];
    const prefix = `${raw.project}:`;
    const fields = topFields as Record<string, Field<unknown>>;
    const given = new Set<string>();
    const values: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(raw.values).sort(([a], [b]) => a.localeCompare(b))) {
        if (!key.startsWith(prefix)) continue; // provider namespaces (kubernetes:, hcloud:) are theirs
        const name = key.slice(prefix.length);
        given.add(name);
        if (!fields[name]) {
            problems.push({ path: key, value: raw.isSecret(key) ? "[secret]" : JSON.stringify(v), expected: unknownKeyHint(name, Object.keys(fields)) });
            continue;
        }
        values[name] = decode(key, v, fields[name], problems);
    }
    // Each top-level key is parsed on its own so cross-field rules still see the valid ones.
    const parsed: Record<string, unknown> = {};
    for (const [name, field] of Object.entries(fields)) {
        const key = `${prefix}${name}`;
        const v = values[name];
        if (v === INVALID) continue;
        if (v === undefined) {
            const d = defaultOf(field, key, { problems, secret: false });
            if (d !== INVALID) parsed[name] = d;
            continue;
        }
        const isSecret = raw.isSecret(key) || (SECRET_KEYS as readonly string[]).includes(name);
        const r = field.schema.parse(v, key, { problems, secret: isSecret });
        if (r !== INVALID) parsed[name] = r;
    }
    const p = parsed as Partial<TopConfig>;
    const k = (name: keyof typeof topFields) => `${prefix}${name}`;

    // Sizing fills in what the stack file leaves unset, so the rules below check the result.
    const sizing = applySizing(p.sizing, p, { agent: values.agent, aggregator: values.aggregator }, k, problems);

    // Cross-field rules: what no single key can say on its own.
    if (given.has("kubeconfig") && !raw.isSecret(k("kubeconfig"))) {
        problems.push({
            path: k("kubeconfig"),
            value: "[not shown: plaintext]",
            expected: "a secret: set it with `pulumi config set --secret kubeconfig < kubeconfig.yaml`",
        });
    }
    if (p.kubeContext !== undefined && p.kubeconfig !== undefined)
        problems.push({ path: k("kubeContext"), value: JSON.stringify(p.kubeContext), expected: "either kubeContext or kubeconfig, not both" });
    if (!given.has("kubeContext") && !given.has("kubeconfig"))
        problems.push({
            path: k("kubeContext"),
            value: "nothing",
            expected: "a kubeconfig context (or a secret kubeconfig): every stack names its cluster explicitly, never the ambient default",
        });

    if (p.agent?.identity.acceptPreviousToken && p.agent.identity.tokenGeneration === 0)
        problems.push({
            path: `${k("agent")}.identity.acceptPreviousToken`,
            value: "true with tokenGeneration 0",
            expected: "tokenGeneration of at least 1: generation 0 has no previous token",
        });

    if (p.role === "hub") {
        if (p.monitoringStack !== undefined)
            problems.push({ path: k("monitoringStack"), value: JSON.stringify(p.monitoringStack), expected: "nothing on the hub: it is the monitoring stack" });
        const rawRollout = values.rollout;
        if (isPlainObject(rawRollout) && rawRollout.wave !== undefined)
            problems.push({
                path: `${k("rollout")}.wave`,
                value: JSON.stringify(rawRollout.wave),
                expected: "nothing on the hub: it is deployed before every wave (docs/rollout.md)",
            });
        if (!given.has("aggregator"))
            problems.push({
                path: k("aggregator"),
                value: "nothing",
                expected: 'an aggregator object with at least loadBalancer.network and loadBalancer.privateIp (required when role is "hub")',
            });
        if (p.aggregator && p.cluster && p.aggregator.clusters.includes(p.cluster))
            problems.push({
                path: `${k("aggregator")}.clusters`,
                value: JSON.stringify(p.cluster),
                expected: "only the source clusters: the hub's own cluster is added automatically",
            });
        if (p.aggregator) {
            for (const [name, id] of Object.entries(p.aggregator.identities).sort(([a], [b]) => a.localeCompare(b)))
                if (id.acceptPreviousClientCa && (id.clientCaGeneration ?? 0) === 0)
                    problems.push({
                        path: `${k("aggregator")}.identities.${name}.acceptPreviousClientCa`,
                        value: "true with clientCaGeneration 0",
                        expected:
                            "clientCaGeneration of at least 1 (raise it by one to start a rotation), or acceptPreviousClientCa: false: generation 0 has no previous client CA",
                    });
            // A later generation's client CA is named <cluster>-g<N>: a cluster of that
            // name would collide with them (two resources of one URN fail the deployment midway).
            const named = new Set([...p.aggregator.clusters, ...(p.cluster ? [p.cluster] : [])]);
            for (const name of p.aggregator.clusters) {
                const base = /^(.+)-g\d+$/.exec(name)?.[1];
                if (base !== undefined && named.has(base))
                    problems.push({
                        path: `${k("aggregator")}.clusters`,
                        value: JSON.stringify(name),
                        expected: `a name not of the form ${base}-g<N>: the client CAs of ${base}'s later generations take those names (rename the cluster)`,
                    });
            }
            for (const name of Object.keys(p.aggregator.identities).sort())
                if (!p.aggregator.clusters.includes(name))
                    problems.push({
                        path: `${k("aggregator")}.identities.${name}`,
                        value: JSON.stringify(name),
                        expected: "a cluster listed in aggregator.clusters (remove the entry, or list the cluster)",
                    });
            // Without an identity the aggregators would strip the environment and region a cluster claims.
            for (const name of p.aggregator.clusters)
                if (!(name in p.aggregator.identities))
                    problems.push({
                        path: `${k("aggregator")}.identities.${name}`,
                        value: "nothing",
                        expected: `the environment and region the aggregators write on ${name}'s data, e.g. { environment: production, region: fsn1 } (every listed cluster has one: docs/identity.md)`,
                    });
            const endpoint = p.aggregator.loki.endpoint;
            if (new URL(endpoint).pathname.replace(/\/+$/, "").endsWith(LOKI_PUSH_PATH))
                problems.push({
                    path: `${k("aggregator")}.loki.endpoint`,
                    value: JSON.stringify(endpoint),
                    expected: `Loki's base URL, without ${LOKI_PUSH_PATH}: Vector's loki sink appends it, so the URL would end in it twice`,
                });
            const lacking = missingVerifyLabels(p.aggregator.loki.labels);
            if (p.migration?.phase === "parallel" && lacking.length > 0)
                problems.push({
                    path: `${k("aggregator")}.loki.labels`,
                    value: `no ${lacking.map((l) => `${l}: ${VERIFY_LOKI_LABELS[l]}`).join(", ")} while this stack's migration.phase is "parallel"`,
                    expected: `the labels npm run verify selects Vector's logs by (${Object.entries(VERIFY_LOKI_LABELS)
                        .map(([l, f]) => `${l}: ${f}`)
                        .join(", ")}) until every migration has left "parallel"`,
                });
            const lb = p.aggregator.loadBalancer;
            const needed = p.aggregator.clusters.length * LB_SERVICES_PER_CLUSTER;
            if (lb && needed > LB_MAX_SERVICES[lb.type])
                problems.push({
                    path: `${k("aggregator")}.loadBalancer.type`,
                    value: `${JSON.stringify(lb.type)}, which carries at most ${LB_MAX_SERVICES[lb.type]} ports`,
                    expected: `a type with at least ${needed} services (${p.aggregator.clusters.length} clusters x ${LB_SERVICES_PER_CLUSTER} ports, one pair per cluster: docs/identity.md): ${Object.entries(
                        LB_MAX_SERVICES,
                    )
                        .map(([t, n]) => `${t} ${n}`)
                        .join(", ")}`,
                });
        }
        if (p.aggregator && p.agent) {
            const agentNs = p.agent.enabled ? p.agent.namespace : undefined;
            if (agentNs === p.aggregator.namespace)
                problems.push({
                    path: `${k("aggregator")}.namespace`,
                    value: JSON.stringify(agentNs),
                    expected: "a namespace other than the agent's (each tier has its own policies)",
                });
        }
    } else if (p.role === "source") {
        // An invalid name has its own problem already.
        if (!given.has("monitoringStack"))
            problems.push({
                path: k("monitoringStack"),
                value: "nothing",
                expected: 'the monitoring stack\'s name (required when role is "source"), e.g. "monitoring"',
            });
        if (given.has("aggregator"))
            problems.push({ path: k("aggregator"), value: "an object", expected: "nothing on a source stack: only the hub runs aggregators (role: hub)" });
        const ms = p.monitoringStack;
        if (ms !== undefined && (ms === raw.stack || ms === `${ms.split("/")[0]}/${raw.project}/${raw.stack}`))
            problems.push({
                path: k("monitoringStack"),
                value: JSON.stringify(ms),
                expected: "the hub stack's name, not this stack's own: a source reads the aggregators' address from the hub",
            });
        if (p.agent && !p.agent.enabled)
            problems.push({ path: `${k("agent")}.enabled`, value: "false", expected: "true on a source stack: an agent is all it runs" });
    }
    if (p.migration) {
        const m = p.migration;
        const listed = m.promtail !== undefined || m.nodeExporter !== undefined;
        if (m.phase !== "none" && !listed)
            problems.push({
                path: `${k("migration")}.phase`,
                value: JSON.stringify(m.phase),
                expected: '"none", or name the old agents under migration.promtail / migration.nodeExporter',
            });
        if (m.phase === "none" && listed)
            problems.push({ path: `${k("migration")}.phase`, value: '"none"', expected: '"parallel", "cutover" or "done" when old agents are listed' });
        // Every DaemonSet in the agent's namespace is Vector's own: parking it stops the agent on every node.
        const own = p.agent?.enabled ? p.agent.namespace : undefined;
        for (const role of ["promtail", "nodeExporter"] as const) {
            const t = m[role];
            if (t && own !== undefined && t.namespace === own)
                problems.push({
                    path: `${k("migration")}.${role}.namespace`,
                    value: JSON.stringify(t.namespace),
                    expected: `the namespace of the old ${role === "promtail" ? "Promtail" : "node-exporter"} DaemonSet, not the Vector agent's own (${own}): parking a DaemonSet there would stop Vector's agent on every node`,
                });
        }
        if (m.promtail && m.nodeExporter && m.promtail.namespace === m.nodeExporter.namespace && m.promtail.name === m.nodeExporter.name)
            problems.push({
                path: `${k("migration")}.nodeExporter`,
                value: JSON.stringify(`${m.nodeExporter.namespace}/${m.nodeExporter.name}`),
                expected: "a DaemonSet other than migration.promtail's: one object parked twice is two patches fighting over it",
            });
        if ((m.phase === "cutover" || m.phase === "done") && p.agent && !p.agent.enabled)
            problems.push({
                path: `${k("migration")}.phase`,
                value: JSON.stringify(m.phase),
                expected: '"parallel" while the Vector agent is disabled: parking the old agents would leave the cluster unobserved',
            });
    }
    if (p.agent) problems.push(...agentSignalProblems(p.agent, k("agent"), { API: 8686, metrics: 9598 }));
    if (p.role === "hub" && p.agent?.enabled && p.aggregator) {
        // The hub's own agent: what it would send, its aggregators must take.
        for (const lack of signalsTheHubLacks(p.agent, p.aggregator, "this stack's agent"))
            problems.push({ path: `${k("aggregator")}.${lack.key}`, value: lack.value, expected: lack.expected });
    }
    checkResources(p.agent?.resources, `${k("agent")}.resources`, problems);
    checkResources(p.aggregator?.resources, `${k("aggregator")}.resources`, problems);
    // A stateful tier that may use more memory than it requested is the kubelet's first eviction
    // candidate under node memory pressure (docs/aggregator.md#memory-request-what-it-may-use).
    const aggMem = p.aggregator?.resources;
    if (aggMem && memoryBytes(aggMem.requests.memory) !== memoryBytes(aggMem.limits.memory))
        problems.push({
            path: `${k("aggregator")}.resources.requests.memory`,
            value: JSON.stringify(aggMem.requests.memory),
            expected: `the memory limit ${JSON.stringify(aggMem.limits.memory)}: the aggregators request the memory they may use`,
        });
    if (p.aggregator) {
        // Every agent cluster's metrics have their own sink and buffer, each at least Vector's minimum.
        const senders = p.aggregator.clusters.length + (p.agent?.enabled ? 1 : 0);
        if (p.aggregator.buffers.prometheusMaxBytes < minMetricsBufferBytes(senders))
            problems.push({
                path: `${k("aggregator")}.buffers.prometheusMaxBytes`,
                value: String(p.aggregator.buffers.prometheusMaxBytes),
                expected: `at least ${minMetricsBufferBytes(senders)} bytes: Vector's minimum disk buffer (${MIN_DISK_BUFFER_BYTES}) for the aggregators' own metrics and for each of the ${senders} agent cluster(s)' own sinks (docs/identity.md#fairness)`,
            });
        const need = p.aggregator.buffers.lokiMaxBytes + p.aggregator.buffers.prometheusMaxBytes + (p.aggregator.tempo?.bufferMaxBytes ?? 0);
        const have = memoryBytes(p.aggregator.storage.size) ?? 0;
        if (have < need * 1.2)
            problems.push({
                path: `${k("aggregator")}.storage.size`,
                value: JSON.stringify(p.aggregator.storage.size),
                expected: `a volume at least 20% larger than the disk buffers it holds (${Math.ceil((need * 1.2) / GiB)}Gi or more)`,
            });
    }

    if (problems.length > 0) throw new ConfigError(problems);

    const agent = p.agent!;
    const monitoring = p.monitoring!;
    const networkPolicy = p.networkPolicy!;
    const migration = p.migration!;
    const rollout = p.rollout!;
    const common: Common = {
        project: raw.project,
        stack: raw.stack,
        cluster: { name: p.cluster!, environment: p.environment!, region: p.region! },
        kubernetes: p.kubeContext !== undefined ? { context: p.kubeContext } : { kubeconfigSecret: true },
        agent,
        monitoring,
        networkPolicy,
        migration,
        rollout,
        ...(sizing ? { sizing } : {}),
    };
    if (p.role === "hub") {
        const aggregator = p.aggregator!;
        aggregator.loadBalancer.location ??= p.region!;
        const agentClusters = [...aggregator.clusters, ...(agent.enabled ? [p.cluster!] : [])].sort();
        const listed: AgentIdentity[] = [
            ...(agent.enabled ? [{ ...common.cluster, slot: 0 }] : []),
            ...aggregator.clusters.map((name, i) => {
                // Where its credentials are read from is the hub's business (index.ts), not the aggregators'.
                const { stack: _stack, ...id } = aggregator.identities[name] ?? {};
                return { name, ...id, slot: i + 1 };
            }),
        ];
        const agentIdentities = listed
            .map(({ logEventsPerSec, metricSamplesPerSec, ...a }): AgentIdentity => {
                const logs = logEventsPerSec ?? aggregator.logEventsPerSecPerCluster;
                const metrics = metricSamplesPerSec ?? aggregator.metricSamplesPerSecPerCluster;
                return { ...a, ...(logs === undefined ? {} : { logEventsPerSec: logs }), ...(metrics === undefined ? {} : { metricSamplesPerSec: metrics }) };
            })
            .sort((a, b) => a.name.localeCompare(b.name));
        return { ...common, role: "hub", aggregator, agentClusters, agentIdentities };
    }
    return { ...common, role: "source", monitoringStack: p.monitoringStack! };
}

function checkResources(r: Resources | undefined, path: string, problems: Problem[]): void {
    if (!r) return;
    if ((cpuMillis(r.requests.cpu) ?? 0) > (cpuMillis(r.limits.cpu) ?? Infinity))
        problems.push({
            path: `${path}.requests.cpu`,
            value: JSON.stringify(r.requests.cpu),
            expected: `at most the CPU limit ${JSON.stringify(r.limits.cpu)}`,
        });
    if ((memoryBytes(r.requests.memory) ?? 0) > (memoryBytes(r.limits.memory) ?? Infinity))
        problems.push({
            path: `${path}.requests.memory`,
            value: JSON.stringify(r.requests.memory),
            expected: `at most the memory limit ${JSON.stringify(r.limits.memory)}`,
        });
}

/** Exposed for generated docs: the top-level fields and their nested schemas. */
export const CONFIG_MODEL = topFields;
export type { Schema };
