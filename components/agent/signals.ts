/**
 * The agent's new signals (issue 19), added to the pipeline buildAgentPipeline made and to its
 * DaemonSet, each only when switched on: with all three off both come back unchanged.
 *
 *   node_journal ─> node_journal_enrich ──────────────┐
 *   kubernetes_events.logs ─> events_enrich ──────────┤
 *   otlp.logs ─> otlp_logs_enrich ────────────────────┼─> aggregator (the vector sink, mTLS, disk buffer)
 *   otlp.traces ─> otlp_traces_enrich ────────────────┘
 *   otlp.metrics ─> metrics_enrich ─> prometheus (remote write)
 *
 * Every log carries `job` (its Loki stream set) and the identity; the aggregators bind the
 * identity again from the mTLS port it arrived on (docs/identity.md).
 */
import * as k8s from "@pulumi/kubernetes";
import { journalUnit } from "../../config/signals";
import { ClusterIdentity } from "../../config/stack";
import { appLabels, Obj, selectorLabels } from "../k8s/common";
import { VectorConfig } from "../vector/model";
import { agentEventsServiceName } from "../contract/signals";
import { resourceAttributesVrl } from "../vector/otlp";
import { vrl, vrlField, vrlString } from "../vector/vrl";
import { identityLabels } from "./pipeline";

import T = k8s.types.input;

/** The `job` label value of each new log stream set. */
export const SIGNAL_JOBS = { nodeLogs: "node-journal", events: "kubernetes-events", otlpLogs: "otlp" } as const;

export interface AgentSignalSettings {
    nodeLogs: { enabled: boolean; image: string; journalDirectory: string; units: string[]; excludeUnits: string[]; kernel: boolean; sinceNow: boolean };
    events: { enabled: boolean; image: string; grpcPort: number; httpPort: number };
    otlp: { enabled: boolean; grpcPort: number; httpPort: number };
}

/** Every signal off: what an agent without `signals` gets. */
export const SIGNALS_OFF: AgentSignalSettings = {
    nodeLogs: { enabled: false, image: "", journalDirectory: "/var/log/journal", units: [], excludeUnits: [], kernel: false, sinceNow: true },
    events: { enabled: false, image: "", grpcPort: 0, httpPort: 0 },
    otlp: { enabled: false, grpcPort: 0, httpPort: 0 },
};

export const anySignal = (s: AgentSignalSettings) => s.nodeLogs.enabled || s.events.enabled || s.otlp.enabled;

type Identity = { cluster: ClusterIdentity; extraLabels: Record<string, string> };
const identity = (s: Identity) => identityLabels(s).map(([k, v]) => `.${vrlField(k)} = ${vrlString(v)}`);

/**
 * journald's PRIORITY (syslog levels 0..7) as the pipeline's severities. A missing or odd PRIORITY
 * is info, as an unparsed pod line is.
 */
export function journalSeverityVrl(): string[] {
    return [
        "p = 6",
        "if .PRIORITY != null { p = to_int(.PRIORITY) ?? 6 }",
        '.severity = if p <= 2 { "critical" } else if p == 3 { "error" } else if p == 4 { "warning" } else if p == 7 { "debug" } else { "info" }',
    ];
}

/**
 * A journal entry reduced to what a reader needs. journald hands every field of the entry (_PID,
 * _CMDLINE, _BOOT_ID, ...) as a top-level field (src/sources/journald.rs create_log_event_from_record);
 * they are dropped so a node's journal does not cost more in Loki than its pods' logs.
 */
export function nodeJournalVrl(s: Identity): string {
    return vrl(
        ...journalSeverityVrl(),
        "unit = ._SYSTEMD_UNIT",
        'if unit == null && ._TRANSPORT == "kernel" { unit = "kernel" }',
        ". = {",
        '  "message": .message,',
        '  "timestamp": .timestamp,',
        '  "severity": .severity,',
        '  "unit": unit,',
        '  "identifier": .SYSLOG_IDENTIFIER',
        "}",
        '.node = get_env_var("VECTOR_SELF_NODE_NAME") ?? "unknown"',
        `.job = ${vrlString(SIGNAL_JOBS.nodeLogs)}`,
        '.shipper = "vector"',
        ...identity(s),
    );
}

/**
 * A Kubernetes event from the collector's k8sobjects receiver (watch mode): the log body is the
 * watch event, `{ type, object }`, with the Event in `object`. The line keeps the Event's own
 * words; namespace is the involved object's (empty for cluster-scoped objects such as Nodes).
 */
export function eventsVrl(s: Identity): string {
    return vrl(
        "body = object(.message) ?? {}",
        "ev = object(body.object) ?? body",
        "involved = object(ev.involvedObject) ?? object(ev.regarding) ?? {}",
        'kind = to_string(involved.kind) ?? ""',
        'name = to_string(involved.name) ?? ""',
        'text = to_string(ev.message) ?? to_string(ev.note) ?? ""',
        'reason = to_string(ev.reason) ?? ""',
        'etype = to_string(ev.type) ?? "Normal"',
        ". = {",
        '  "message": text,',
        '  "timestamp": .timestamp,',
        '  "reason": reason,',
        '  "object": kind + "/" + name,',
        '  "event_type": etype,',
        '  "count": ev.count,',
        '  "reporter": ev.reportingComponent',
        "}",
        '.severity = if etype == "Warning" { "warning" } else { "info" }',
        '.namespace = to_string(involved.namespace) ?? ""',
        `.job = ${vrlString(SIGNAL_JOBS.events)}`,
        '.shipper = "vector"',
        ...identity(s),
    );
}

/**
 * OTLP logs (native decoding): the application names itself through its resource attributes
 * (OTEL_RESOURCE_ATTRIBUTES with the downward API: docs/signals-otlp.md); the node is the agent's,
 * since applications send to their own node's agent.
 */
export function otlpLogsVrl(s: Identity): string {
    return vrl(
        "res = object(.resources) ?? {}",
        '.namespace = to_string(res."k8s.namespace.name") ?? ""',
        '.pod = to_string(res."k8s.pod.name") ?? ""',
        '.container = to_string(res."k8s.container.name") ?? ""',
        'sev = downcase(to_string(.severity_text) ?? "")',
        '.severity = if starts_with(sev, "warn") { "warning" } else if includes(["error", "err"], sev) { "error" } else if includes(["fatal", "critical"], sev) { "critical" } else if sev == "debug" || sev == "trace" { "debug" } else { "info" }',
        '.node = get_env_var("VECTOR_SELF_NODE_NAME") ?? "unknown"',
        `.job = ${vrlString(SIGNAL_JOBS.otlpLogs)}`,
        '.shipper = "vector"',
        ...identity(s),
    );
}

/** The attributes the agent writes: where the span was received (variable `node`), and the cluster's identity. */
export function agentTraceAttributes(s: Identity): [string, string][] {
    return [
        ["k8s.node.name", "node"],
        ["k8s.cluster.name", vrlString(s.cluster.name)],
        ["deployment.environment.name", vrlString(s.cluster.environment)],
        ["cloud.region", vrlString(s.cluster.region)],
    ];
}

/** Adds the switched-on signals to the agent's config. Pure. */
export function withAgentSignals(config: VectorConfig, s: AgentSignalSettings & Identity): VectorConfig {
    if (!anySignal(s)) return config;
    const sources = { ...config.sources };
    const transforms = { ...config.transforms };
    const sinks = { ...config.sinks };
    const toAggregator: string[] = [];
    if (s.nodeLogs.enabled) {
        const n = s.nodeLogs;
        // Entries match when any listed field/value pair does (src/sources/journald.rs contains_match):
        // a listed unit OR the kernel. No unit listed: every entry, the kernel's included.
        // include_matches takes values as written; include_units' `.service` fixup is applied here.
        const units = [...new Set(n.units.map(journalUnit))].sort();
        const include: Record<string, string[]> = units.length === 0 ? {} : { _SYSTEMD_UNIT: units, ...(n.kernel ? { _TRANSPORT: ["kernel"] } : {}) };
        sources.node_journal = {
            type: "journald",
            journal_directory: n.journalDirectory,
            ...(Object.keys(include).length > 0 ? { include_matches: include } : {}),
            ...(n.excludeUnits.length > 0 ? { exclude_units: [...new Set(n.excludeUnits.map(journalUnit))].sort() } : {}),
            // Vector refuses false with systemd 250..257, and the debian image's is 257.
            current_boot_only: true,
            since_now: n.sinceNow,
        };
        transforms.node_journal_enrich = { type: "remap", inputs: ["node_journal"], source: nodeJournalVrl(s), drop_on_error: false };
        toAggregator.push("node_journal_enrich");
    }
    if (s.events.enabled) {
        sources.kubernetes_events = {
            type: "opentelemetry",
            // The node's own address, as the metrics exporter's: the host network has public interfaces too.
            grpc: { address: `SECRET[node.ip]:${s.events.grpcPort}` },
            http: { address: `SECRET[node.ip]:${s.events.httpPort}` },
        };
        transforms.events_enrich = { type: "remap", inputs: ["kubernetes_events.logs"], source: eventsVrl(s), drop_on_error: false };
        toAggregator.push("events_enrich");
    }
    if (s.otlp.enabled) {
        sources.otlp = {
            type: "opentelemetry",
            grpc: { address: `SECRET[node.ip]:${s.otlp.grpcPort}` },
            http: { address: `SECRET[node.ip]:${s.otlp.httpPort}` },
            // Traces keep their OTLP form to the end: Tempo is fed by the otlp codec, which encodes nothing else.
            use_otlp_decoding: { traces: true },
        };
        transforms.otlp_logs_enrich = { type: "remap", inputs: ["otlp.logs"], source: otlpLogsVrl(s), drop_on_error: false };
        transforms.otlp_traces_enrich = {
            type: "remap",
            inputs: ["otlp.traces"],
            source: vrl('node = get_env_var("VECTOR_SELF_NODE_NAME") ?? "unknown"') + resourceAttributesVrl(agentTraceAttributes(s)),
            drop_on_error: false,
        };
        toAggregator.push("otlp_logs_enrich", "otlp_traces_enrich");
        const me = transforms.metrics_enrich;
        if (me?.type !== "remap") throw new Error("agent pipeline has no metrics_enrich remap to take OTLP metrics");
        transforms.metrics_enrich = { ...me, inputs: [...me.inputs, "otlp.metrics"] };
    }
    const agg = sinks.aggregator;
    if (agg?.type !== "vector") throw new Error("agent pipeline has no vector sink named aggregator");
    sinks.aggregator = { ...agg, inputs: [...agg.inputs, ...toAggregator] };
    return { ...config, sources, transforms, sinks };
}

/** Host paths of the journal: the chosen directory, and the machine id journalctl names the node's files by. */
export const MACHINE_ID_PATH = "/etc/machine-id";

/**
 * The DaemonSet with what the switched-on signals need at run time: for node logs the image with
 * journalctl and the journal mounted read-only (plus /etc/machine-id: the journal's files sit in a
 * directory named after it, and journalctl's local-only filter compares with it); for OTLP and
 * events their ports, named for the Services.
 */
export function withAgentSignalsDaemonSet(ds: Obj<T.apps.v1.DaemonSet>, s: AgentSignalSettings): Obj<T.apps.v1.DaemonSet> {
    if (!anySignal(s)) return ds;
    const spec = ds.spec as T.apps.v1.DaemonSetSpec;
    const pod = (spec.template as T.core.v1.PodTemplateSpec).spec as T.core.v1.PodSpec;
    const containers = pod.containers as T.core.v1.Container[];
    const vector = containers.find((c) => c.name === "vector");
    if (!vector) throw new Error("agent DaemonSet has no vector container");
    const mounts = [...((vector.volumeMounts as T.core.v1.VolumeMount[]) ?? [])];
    const volumes = [...((pod.volumes as T.core.v1.Volume[]) ?? [])];
    const ports = [...((vector.ports as T.core.v1.ContainerPort[]) ?? [])];
    let image = vector.image;
    if (s.nodeLogs.enabled) {
        image = s.nodeLogs.image;
        mounts.push(
            { name: "journal", mountPath: s.nodeLogs.journalDirectory, readOnly: true },
            { name: "machine-id", mountPath: MACHINE_ID_PATH, readOnly: true },
        );
        volumes.push(
            { name: "journal", hostPath: { path: s.nodeLogs.journalDirectory, type: "Directory" } },
            { name: "machine-id", hostPath: { path: MACHINE_ID_PATH, type: "File" } },
        );
    }
    if (s.otlp.enabled)
        ports.push(
            { name: "otlp-grpc", containerPort: s.otlp.grpcPort, protocol: "TCP" },
            { name: "otlp-http", containerPort: s.otlp.httpPort, protocol: "TCP" },
        );
    if (s.events.enabled) ports.push({ name: "events-grpc", containerPort: s.events.grpcPort, protocol: "TCP" });
    const newVector = { ...vector, image, ports, volumeMounts: mounts };
    return {
        ...ds,
        spec: {
            ...spec,
            template: {
                ...(spec.template as T.core.v1.PodTemplateSpec),
                spec: { ...pod, containers: containers.map((c) => (c === vector ? newVector : c)), volumes },
            },
        },
    };
}

/** The Services of the switched-on listeners: `<agent>-otlp` and `<agent>-events`. */
export function agentSignalServices(agent: string, namespace: string, s: AgentSignalSettings): Obj<T.core.v1.Service>[] {
    const labels = appLabels("agent", agent);
    const selector = selectorLabels("agent", agent);
    return [
        ...(s.otlp.enabled
            ? [
                  agentSignalService(`${agent}-otlp`, namespace, labels, selector, [
                      { name: "otlp-grpc", port: s.otlp.grpcPort },
                      { name: "otlp-http", port: s.otlp.httpPort },
                  ]),
              ]
            : []),
        ...(s.events.enabled
            ? [agentSignalService(agentEventsServiceName(agent), namespace, labels, selector, [{ name: "events-grpc", port: s.events.grpcPort }])]
            : []),
    ];
}

/**
 * A Service in front of the agents for OTLP or events. `internalTrafficPolicy: Local` keeps each
 * sender on its own node's agent: the node attribute the agent writes is then the sender's node,
 * and no span crosses nodes unencrypted.
 */
export function agentSignalService(
    name: string,
    namespace: string,
    labels: Record<string, string>,
    selector: Record<string, string>,
    ports: { name: string; port: number }[],
): Obj<T.core.v1.Service> {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name, namespace, labels },
        spec: {
            type: "ClusterIP",
            selector,
            internalTrafficPolicy: "Local",
            ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port, protocol: "TCP" })),
        },
    };
}

/**
 * The agent's NetworkPolicy with ingress to the switched-on listeners: OTLP from any pod of the
 * cluster, events from the events collector only. Where a CNI does not enforce policies on
 * host-network pods (most: docs/network-policies.md) this documents the ports; where it does, it
 * opens exactly them.
 */
export function withAgentSignalsNetworkPolicy(
    policy: Obj<T.networking.v1.NetworkPolicy>,
    s: AgentSignalSettings,
    collectorLabels: Record<string, string>,
): Obj<T.networking.v1.NetworkPolicy> {
    if (!s.otlp.enabled && !s.events.enabled) return policy;
    const spec = policy.spec as T.networking.v1.NetworkPolicySpec;
    const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: "TCP", port }));
    const ingress = [
        ...((spec.ingress as T.networking.v1.NetworkPolicyIngressRule[]) ?? []),
        ...(s.otlp.enabled ? [{ from: [{ namespaceSelector: {} }], ports: tcp(s.otlp.grpcPort, s.otlp.httpPort) }] : []),
        ...(s.events.enabled ? [{ from: [{ podSelector: { matchLabels: collectorLabels } }], ports: tcp(s.events.grpcPort) }] : []),
    ];
    return { ...policy, spec: { ...spec, ingress } };
}
