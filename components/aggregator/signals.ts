/**
 * The aggregators' side of the new signals (issue 19), added to the pipeline
 * buildAggregatorPipeline made, each only when the hub's config turns it on.
 *
 * signalLogs: node logs, events and OTLP logs reach Loki on the existing path (identity binding,
 * throttle, route; they have no pod, so they skip dedupe and sampling, except OTLP logs that name
 * their pod), with one more Loki label, `job`. Every label field an event lacks is set to "" first:
 * a missing field makes the loki sink count a template error per event (src/sinks/loki/sink.rs
 * build_template_pair_map), while an empty value is an absent label to Loki (grafana/loki
 * pkg/logql/syntax ParseLabels trims empty values on the write path, PR 7355).
 *
 *   (loki's inputs) ─> loki_label_defaults ─> loki
 *
 * tempo: per agent cluster C, its traces take their own identity path off its own vector source,
 * so a span's cluster is the port's, never its claim (docs/identity.md):
 *
 *   agents_C ─> traces_only_C ─> identity_traces_C ─impersonating / _unmatched─> bind_traces_C ─┐
 *                                                                                              └─> tempo (OTLP over HTTP, disk buffer, drops the newest when full)
 *
 * identity_traces_C counts a span batch that claims another cluster on the same `impersonating`
 * output as the logs and metrics routes, so VectorClusterImpersonation sees it too.
 */
import { AgentIdentity } from "../../config/stack";
import { VectorConfig } from "../vector/model";
import { vrl, vrlField, vrlString } from "../vector/vrl";
import { resourceAttributesVrl } from "../vector/otlp";
import { identityComponentIds, IMPERSONATING_OUTPUT } from "./pipeline";

export interface AggregatorSignalSettings {
    signalLogs: boolean;
    tempo?: { endpoint: string; bufferMaxBytes: number };
    agents: AgentIdentity[];
}

/** The Loki label the new log stream sets are told apart by; pod logs have none. */
export const JOB_LABEL = "job";

const IDENTITY_FIELDS = ["cluster", "environment", "region"];

export const traceComponentIds = (cluster: string) => ({
    only: `traces_only_${cluster}`,
    check: `identity_traces_${cluster}`,
    bind: `bind_traces_${cluster}`,
});

/** The OTLP resource attribute a span batch claims its cluster with (what bind_traces_C overwrites). */
export const TRACE_CLUSTER_ATTRIBUTE = "k8s.cluster.name";

/**
 * The route condition that picks a span batch claiming another cluster: any resourceSpans entry
 * whose `k8s.cluster.name` attribute has a string value other than the sender's name. As for logs
 * and metrics (impersonationCondition in ./pipeline), only the cluster claim counts, and a batch
 * without one is no impersonation. A route condition is a read-only VRL program that must end in
 * a boolean (vectordotdev/vector src/conditions/vrl.rs: set_read_only, "VRL conditions must return
 * a boolean"); closures may still assign variables of the program, as the bind program's do.
 */
export function traceImpersonationCondition(cluster: string): string {
    return vrl(
        "claimed = false",
        "for_each(array(.resourceSpans) ?? []) -> |_i, rs| {",
        "  resource = object(rs.resource) ?? {}",
        "  for_each(array(resource.attributes) ?? []) -> |_j, a| {",
        `    if a.key == ${vrlString(TRACE_CLUSTER_ATTRIBUTE)} && is_string(a.value.stringValue) && a.value.stringValue != ${vrlString(cluster)} { claimed = true }`,
        "  }",
        "}",
        "claimed",
    );
}

/** The OTLP resource attributes that carry the identity, with what the hub knows of the cluster. */
export function traceIdentityAttributes(a: AgentIdentity): [string, string | undefined][] {
    const lit = (v: string | undefined) => (v === undefined ? undefined : vrlString(v));
    return [
        [TRACE_CLUSTER_ATTRIBUTE, lit(a.name)],
        ["deployment.environment.name", lit(a.environment)],
        ["cloud.region", lit(a.region)],
    ];
}

/** VRL setting every label field an event lacks to "". */
export function labelDefaultsVrl(fields: string[]): string {
    const path = (f: string) => `.${f.split(".").map(vrlField).join(".")}`;
    return vrl(...[...new Set(fields)].sort().map((f) => `if !exists(${path(f)}) { ${path(f)} = "" }`));
}

export function withAggregatorSignals(config: VectorConfig, s: AggregatorSignalSettings): VectorConfig {
    if (!s.signalLogs && !s.tempo) return config;
    const transforms = { ...config.transforms };
    const sinks = { ...config.sinks };
    const loki = sinks.loki;
    if (s.signalLogs && loki?.type === "loki") {
        const labels = { ...loki.labels, [JOB_LABEL]: `{{ ${JOB_LABEL} }}` };
        // Not the identity: bind_logs_C wrote it, or removed what the hub does not know (docs/identity.md).
        const fields = Object.values(labels)
            .map((t) => t.replace(/^\{\{\s*|\s*\}\}$/g, ""))
            .filter((f) => !IDENTITY_FIELDS.includes(f));
        transforms.loki_label_defaults = { type: "remap", inputs: loki.inputs, source: labelDefaultsVrl(fields), drop_on_error: false };
        sinks.loki = { ...loki, inputs: ["loki_label_defaults"], labels: Object.fromEntries(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b))) };
    }
    const agents = [...s.agents].sort((a, b) => a.name.localeCompare(b.name));
    if (s.tempo && agents.length > 0) {
        for (const a of agents) {
            const id = traceComponentIds(a.name);
            transforms[id.only] = { type: "filter", inputs: [identityComponentIds(a.name).logsSource], condition: { type: "is_trace" } };
            // A named output, so vector_component_sent_events_total{output="impersonating"} counts them.
            transforms[id.check] = {
                type: "route",
                inputs: [id.only],
                route: { [IMPERSONATING_OUTPUT]: traceImpersonationCondition(a.name) },
                reroute_unmatched: true,
            };
            transforms[id.bind] = {
                type: "remap",
                inputs: [`${id.check}.${IMPERSONATING_OUTPUT}`, `${id.check}._unmatched`],
                source: resourceAttributesVrl(traceIdentityAttributes(a)),
                drop_on_error: false,
            };
        }
        sinks.tempo = {
            type: "opentelemetry",
            inputs: agents.map((a) => traceComponentIds(a.name).bind),
            protocol: {
                type: "http",
                uri: `${s.tempo.endpoint.replace(/\/$/, "")}/v1/traces`,
                method: "post",
                encoding: { codec: "otlp" },
                compression: "gzip",
                batch: { max_bytes: 4 * 1024 * 1024, timeout_secs: 5 },
                // Inside `protocol` (the http sink's own field): the agents' vector sinks are answered
                // once Tempo has the spans, as for Loki.
                acknowledgements: { enabled: true },
            },
            // Dropping, not blocking: a full buffer would block traces_only_C, and through it each
            // cluster's `vector` source, which also carries that cluster's logs (a source hands each
            // batch to all its outputs and waits for every one: vectordotdev/vector
            // lib/vector-core/src/fanout.rs). What it drops is counted
            // (vector_buffer_discarded_events_total{component_id="tempo"}, lib/vector-buffers
            // src/topology/channel/sender.rs WhenFull::DropNewest) and VectorEventsDiscarded fires;
            // a dropped event leaves its batch's status alone, so the agents' logs are still
            // acknowledged once Loki has them (lib/vector-common/src/finalization.rs, EventStatus::Dropped).
            buffer: { type: "disk", max_size: s.tempo.bufferMaxBytes, when_full: "drop_newest" },
            // Tempo's OTLP receiver has no GET health route on its OTLP port.
            healthcheck: { enabled: false },
        };
    }
    return { ...config, transforms, sinks };
}
