/**
 * Sizing that follows the fleet: agent and aggregator resources, disk buffers, the aggregator
 * replica count and the volume size, derived from what a platform engineer knows about a
 * cluster (nodes, log lines and metric samples per second, the outage to survive) with the
 * figures of Vector's sizing guide. Pure: config/stack.ts parses the `sizing` section and calls
 * applySizing, which fills in only the values the stack file does not set itself.
 *
 * The guide's figures, each cited beside its constant, come from
 * vectordotdev/vector website/content/en/docs/setup/going-to-prod/sizing.md (GUIDE below) and
 * its arch/agent.md and arch/aggregator.md. They are Vector's "conservative" starting points;
 * measured rates (docs/sizing.md#measuring-the-inputs) beat them.
 */
import type { Problem } from "./schema-kit";
import { cpuMillis } from "./validators";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/**
 * Vector refuses a disk buffer below this size (it reserves room for its data files):
 * vectordotdev/vector lib/vector-buffers/src/config.rs, `max_size` `validation(range(min = 268435488))`.
 */
export const MIN_DISK_BUFFER_BYTES = 268435488;

/**
 * The aggregators' metrics buffers (aggregator.buffers.prometheusMaxBytes) are split: the shared
 * sink of their own and heartbeat metrics gets Vector's minimum (a few thousand series every 15 s
 * per replica), and every agent cluster's own sink an equal share of the rest (docs/identity.md#fairness).
 */
export const OWN_METRICS_BUFFER_BYTES = MIN_DISK_BUFFER_BYTES;

/** How aggregator.buffers.prometheusMaxBytes is split over the shared sink and `agentClusters` per-cluster sinks. */
export function metricsBufferSplit(totalBytes: number, agentClusters: number): { ownBytes: number; perClusterBytes: number } {
    if (agentClusters === 0) return { ownBytes: totalBytes, perClusterBytes: 0 };
    return { ownBytes: OWN_METRICS_BUFFER_BYTES, perClusterBytes: Math.floor((totalBytes - OWN_METRICS_BUFFER_BYTES) / agentClusters) };
}

/** The smallest aggregator.buffers.prometheusMaxBytes that gives each of `agentClusters` sinks Vector's minimum. */
export const minMetricsBufferBytes = (agentClusters: number) => OWN_METRICS_BUFFER_BYTES + agentClusters * MIN_DISK_BUFFER_BYTES;

/** The guide's figures. Throughputs are per vCPU (1 ARM core, or half an Intel core with HT). */
export const GUIDE = {
    // website/content/en/docs/setup/going-to-prod/sizing.md, Estimations: unstructured log event
    // ~256 bytes at ~10 MiB/s/vCPU. The agent reads raw container log lines, so its log path is this.
    unstructuredLogBytesPerSecPerVcpu: 10 * MiB,
    // sizing.md, Estimations: structured log event ~768 bytes and metric event ~256 bytes, both at
    // ~25 MiB/s/vCPU. What the aggregators receive: enriched events over the vector protocol and
    // remote write.
    structuredBytesPerSecPerVcpu: 25 * MiB,
    structuredLogEventBytes: 768,
    metricEventBytes: 256,
    // sizing.md, Memory: "2 GiB of memory per vCPU as a general starting point".
    memoryPerVcpu: 2 * GiB,
    // sizing.md, Disks: disk throughput "at least 2x the expected maximum throughput"; used here
    // as the load every buffer and every limit is sized for.
    headroom: 2,
    // sizing.md, Autoscaling: "average CPU over 5 minutes with a 85% utilization target".
    cpuTarget: 0.85,
    // arch/agent.md: "Limit the Vector agent to 2 vCPUs and 4 GiB of memory" (more belongs on the aggregators).
    agentMaxMillis: 2000,
    agentMaxMemory: 4 * GiB,
    // arch/aggregator.md and sizing.md, CPUs: at least 4 vCPUs and 8 GiB per aggregator instance.
    aggregatorMinMillis: 4000,
    // sizing.md, Vertical Scaling: no instance should process more than 33% of the volume, so a
    // node failure leaves enough: at least three instances.
    minAggregatorReplicas: 3,
} as const;

/** The agent's scrape interval the metric-sample estimate assumes: agent.hostMetrics and agent.kubelet default to it. */
export const ASSUMED_SCRAPE_INTERVAL_SECS = 30;

/**
 * Floors: the derived figures never go below today's defaults (the seed's measured idle
 * footprint for the agent, config/stack.ts), so a quiet cluster keeps what it had.
 */
export const FLOORS = {
    agent: { cpuRequestMillis: 100, memoryRequest: 128 * MiB, cpuLimitMillis: 1000, memoryLimit: 512 * MiB },
    aggregator: { cpuRequestMillis: 1000, storage: 10 * GiB },
} as const;

/** Most replicas the config accepts (aggregator.replicas); beyond it the replicas grow instead. */
export const MAX_AGGREGATOR_REPLICAS = 20;
/** The volume holds every disk buffer plus 20%: the rule config/stack.ts enforces on aggregator.storage.size. */
export const STORAGE_HEADROOM = 1.2;
/** The largest disk buffers the config accepts (agent.buffers.logsMaxBytes, aggregator.buffers.*). */
export const MAX_BUFFER = { agent: 64 * GiB, aggregator: 512 * GiB } as const;

export const SIZING_PRESETS = ["small", "medium", "large"] as const;
export type PresetName = (typeof SIZING_PRESETS)[number];

/** What a cluster sends: the inputs the aggregators are sized from. */
export interface LoadInputs {
    nodes: number;
    /** Log lines per second, the whole cluster. */
    logLinesPerSec: number;
    /** Metric series per node, host metrics and cAdvisor together; gives samples/s when metricSamplesPerSec is not given. */
    metricSeriesPerNode: number;
    /** A log line as the pipeline carries it, with its Kubernetes metadata. */
    avgLogEventBytes: number;
}
export interface Preset extends LoadInputs {
    /** Minutes of an outage downstream (Loki, Prometheus, or the aggregators for an agent) the buffers carry. */
    outageMinutes: number;
}

/**
 * Named input sets. Node counts are the upper ends of Grafana k8s-monitoring's collector presets
 * (grafana/k8s-monitoring-helm charts/k8s-monitoring/docs/collectors/presets/README.md: small up
 * to ~50 nodes, medium ~250, large ~1000); the rates per node are ours, moderate for a busy
 * cluster (40, 80, 100 lines/s per node), and 2000 series per node is host metrics plus cAdvisor
 * for about 30 pods. Event size: the guide's structured log event.
 */
export const PRESETS: Record<PresetName, Preset> = {
    small: { nodes: 50, logLinesPerSec: 2_000, metricSeriesPerNode: 2_000, avgLogEventBytes: GUIDE.structuredLogEventBytes, outageMinutes: 30 },
    medium: { nodes: 250, logLinesPerSec: 20_000, metricSeriesPerNode: 2_000, avgLogEventBytes: GUIDE.structuredLogEventBytes, outageMinutes: 60 },
    large: { nodes: 1000, logLinesPerSec: 100_000, metricSeriesPerNode: 2_000, avgLogEventBytes: GUIDE.structuredLogEventBytes, outageMinutes: 60 },
};

/** Without a preset: the fields a stack must give, and what the others default to. */
export const REQUIRED_WITHOUT_PRESET = ["nodes", "logLinesPerSec"] as const;
export const DEFAULTS_WITHOUT_PRESET = { metricSeriesPerNode: 2_000, avgLogEventBytes: GUIDE.structuredLogEventBytes, outageMinutes: 60 } as const;

/** The `sizing` section as config/stack.ts parses it (every field optional). */
export interface ClusterLoadSection {
    preset?: PresetName;
    nodes?: number;
    logLinesPerSec?: number;
    metricSamplesPerSec?: number;
    metricSeriesPerNode?: number;
    avgLogEventBytes?: number;
}
export interface SizingSection extends ClusterLoadSection {
    outageMinutes?: number;
    clusters?: Record<string, ClusterLoadSection>;
}

/** A figure and where it came from: a preset, the stack file, a default, a derivation, or an explicit key. */
export interface Figure<T = number> {
    value: T;
    origin: string;
}

export interface ClusterLoad {
    cluster: string;
    nodes: Figure;
    logLinesPerSec: Figure;
    metricSamplesPerSec: Figure;
    avgLogEventBytes: Figure;
}

// ---------------------------------------------------------------------------------------------
// The guide's rules, as pure functions of numbers.

/**
 * A disk buffer that carries `minutes` of an outage at twice the load (GUIDE.headroom), rounded
 * up to a whole MiB and never below what Vector accepts.
 */
export function diskBufferBytes(minutes: number, bytesPerSec: number): number {
    const raw = minutes * 60 * GUIDE.headroom * bytesPerSec;
    return Math.max(MIN_DISK_BUFFER_BYTES, Math.ceil(raw / MiB) * MiB);
}

/** Metric samples per second when a cluster does not say: every series once per scrape interval. */
export function derivedSamplesPerSec(nodes: number, seriesPerNode: number): number {
    return Math.ceil((nodes * seriesPerNode) / ASSUMED_SCRAPE_INTERVAL_SECS);
}

export interface Resources {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
}

export interface AgentSizing {
    cpuRequestMillis: number;
    cpuLimitMillis: number;
    memoryRequestBytes: number;
    memoryLimitBytes: number;
    logsMaxBytes: number;
    /** The per-node rates they follow from. */
    perNodeLogBytesPerSec: number;
    perNodeMetricBytesPerSec: number;
    /** vCPU one node's agent needs at its CPU target (1x load). */
    vcpu: number;
}

/**
 * One node's agent: its share of the cluster's load (nodes share it evenly; the 2x headroom
 * covers a busier node), CPU at the guide's throughput and utilisation target, memory at 2 GiB
 * per vCPU, the limits at twice the request, all between today's defaults and the guide's agent cap.
 */
export function agentSizing(
    load: { nodes: number; logLinesPerSec: number; metricSamplesPerSec: number; avgLogEventBytes: number },
    outageMinutes: number,
): AgentSizing {
    const perNodeLogBytesPerSec = (load.logLinesPerSec * load.avgLogEventBytes) / load.nodes;
    const perNodeMetricBytesPerSec = (load.metricSamplesPerSec * GUIDE.metricEventBytes) / load.nodes;
    const vcpu =
        (perNodeLogBytesPerSec / GUIDE.unstructuredLogBytesPerSecPerVcpu + perNodeMetricBytesPerSec / GUIDE.structuredBytesPerSecPerVcpu) / GUIDE.cpuTarget;
    const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
    const f = FLOORS.agent;
    return {
        cpuRequestMillis: clamp(ceilTo(vcpu * 1000, 10), f.cpuRequestMillis, GUIDE.agentMaxMillis),
        cpuLimitMillis: clamp(ceilTo(GUIDE.headroom * vcpu * 1000, 100), f.cpuLimitMillis, GUIDE.agentMaxMillis),
        memoryRequestBytes: clamp(ceilTo(vcpu * GUIDE.memoryPerVcpu, MiB), f.memoryRequest, GUIDE.agentMaxMemory),
        memoryLimitBytes: clamp(ceilTo(GUIDE.headroom * vcpu * GUIDE.memoryPerVcpu, MiB), f.memoryLimit, GUIDE.agentMaxMemory),
        logsMaxBytes: diskBufferBytes(outageMinutes, perNodeLogBytesPerSec),
        perNodeLogBytesPerSec,
        perNodeMetricBytesPerSec,
        vcpu,
    };
}

export interface AggregatorSizing {
    replicas: number;
    cpuRequestMillis: number;
    cpuLimitMillis: number;
    /** 2 GiB per vCPU of the limit; the request equals it (config/stack.ts refuses otherwise). */
    memoryBytes: number;
    /** vCPU the whole tier needs at twice the load, at the guide's throughput and utilisation target. */
    peakVcpu: number;
}

/**
 * The aggregator tier for a fleet load: one replica of spare capacity (the PodDisruptionBudget
 * lets one go at a time, components/aggregator/manifests.ts), so the others carry the peak; at
 * least three replicas (the guide's 33% per instance, and a majority of two through one
 * disruption); the guide's 4 vCPU unit per replica, growing per replica once the replica count is
 * at the config's maximum or set explicitly.
 */
export function aggregatorSizing(bytesPerSec: number, explicitReplicas?: number): AggregatorSizing {
    const vcpu1x = bytesPerSec / GUIDE.structuredBytesPerSecPerVcpu / GUIDE.cpuTarget;
    const peakVcpu = GUIDE.headroom * vcpu1x;
    const unit = GUIDE.aggregatorMinMillis / 1000;
    const replicas = explicitReplicas ?? Math.min(MAX_AGGREGATOR_REPLICAS, Math.max(GUIDE.minAggregatorReplicas, Math.ceil(peakVcpu / unit) + 1));
    const carrying = Math.max(1, replicas - 1);
    const cpuLimitMillis = Math.max(GUIDE.aggregatorMinMillis, ceilTo((peakVcpu / carrying) * 1000, 1000));
    const cpuRequestMillis = Math.min(cpuLimitMillis, Math.max(FLOORS.aggregator.cpuRequestMillis, ceilTo((vcpu1x / carrying) * 1000, 100)));
    return { replicas, cpuRequestMillis, cpuLimitMillis, memoryBytes: (cpuLimitMillis / 1000) * GUIDE.memoryPerVcpu, peakVcpu };
}

/** The volume for the buffers it holds: 20% more, in whole GiB, never below today's default. */
export function storageBytes(bufferBytes: number): number {
    return Math.max(FLOORS.aggregator.storage, Math.ceil((bufferBytes * STORAGE_HEADROOM) / GiB) * GiB);
}

// ---------------------------------------------------------------------------------------------
// Quantities.

function ceilTo(v: number, step: number): number {
    return Math.ceil(v / step - 1e-9) * step;
}

export function cpuQuantity(millis: number): string {
    return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

export function memoryQuantity(bytes: number): string {
    if (bytes % GiB === 0) return `${bytes / GiB}Gi`;
    return `${Math.ceil(bytes / MiB)}Mi`;
}

/** For people: 1.5 GiB, 528 MiB, 76.8 kB/s. */
export function humanBytes(bytes: number): string {
    if (bytes >= GiB) return `${+(bytes / GiB).toFixed(1)} GiB`;
    if (bytes >= MiB) return `${+(bytes / MiB).toFixed(1)} MiB`;
    return `${+(bytes / 1024).toFixed(1)} KiB`;
}

// ---------------------------------------------------------------------------------------------
// Applying it to a parsed stack config.

/** The parts of a parsed stack config sizing sets; the objects are changed in place. */
export interface SizingTarget {
    role?: "hub" | "source";
    cluster?: string;
    agent?: { enabled: boolean; resources: Resources; buffers: { logsMaxBytes: number } };
    aggregator?: {
        clusters: string[];
        replicas: number;
        resources: Resources;
        buffers: { lokiMaxBytes: number; prometheusMaxBytes: number };
        storage: { size: string };
        expectedLoad: { logEventsPerSec: number; metricSamplesPerSec: number };
        prometheus: { maxSampleAgeSecs: number };
    };
}

/** Raw (decoded, unparsed) values of the stack file's sections: what tells an explicit key from a default. */
export interface RawSections {
    agent?: unknown;
    aggregator?: unknown;
}

export interface SizingReport {
    /** The clusters whose load was summed (the hub's own first, when its agent runs), with their inputs. */
    loads: ClusterLoad[];
    outageMinutes: Figure;
    /** Every figure sizing decides, keyed by its config path (`agent.resources.requests.cpu`), explicit ones included. */
    figures: Array<Figure<string> & { key: string }>;
}

function given(raw: unknown, path: string[]): boolean {
    let v = raw;
    for (const k of path) {
        if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
        v = (v as Record<string, unknown>)[k];
    }
    return v !== undefined && v !== null;
}

/** A cluster's inputs: its own fields over its preset's, else the defaults; undefined when a required one is missing. */
export function resolveLoad(cluster: string, s: ClusterLoadSection, path: string, problems: Problem[]): ClusterLoad | undefined {
    const preset = s.preset ? PRESETS[s.preset] : undefined;
    const pick = (key: keyof LoadInputs, fallback?: number): Figure | undefined => {
        if (s[key] !== undefined) return { value: s[key], origin: "input" };
        if (preset) return { value: preset[key], origin: `preset ${s.preset}` };
        if (fallback !== undefined) return { value: fallback, origin: "default" };
        problems.push({
            path: `${path}.${key}`,
            value: "nothing",
            expected: `an integer (required without a preset), or a preset: ${SIZING_PRESETS.map((p) => JSON.stringify(p)).join(", ")} (docs/sizing.md)`,
        });
        return undefined;
    };
    const nodes = pick("nodes");
    const logLinesPerSec = pick("logLinesPerSec");
    const series = pick("metricSeriesPerNode", DEFAULTS_WITHOUT_PRESET.metricSeriesPerNode)!;
    const avgLogEventBytes = pick("avgLogEventBytes", DEFAULTS_WITHOUT_PRESET.avgLogEventBytes)!;
    if (!nodes || !logLinesPerSec) return undefined;
    const metricSamplesPerSec: Figure =
        s.metricSamplesPerSec !== undefined
            ? { value: s.metricSamplesPerSec, origin: "input" }
            : {
                  value: derivedSamplesPerSec(nodes.value, series.value),
                  origin: `derived: ${nodes.value} nodes x ${series.value} series (${series.origin}) / ${ASSUMED_SCRAPE_INTERVAL_SECS} s`,
              };
    return { cluster, nodes, logLinesPerSec, metricSamplesPerSec, avgLogEventBytes };
}

/**
 * Fills in what the stack file leaves unset with what the sizing section derives. Precedence:
 * an explicit key > the derived value > the schema's default (which sizing replaces). Returns
 * what it decided, for the render summary, or undefined when there is no sizing section.
 *
 * `path(key)` gives a top-level key's full path (`vector-fleet:sizing`).
 */
export function applySizing(
    sizing: SizingSection | undefined,
    target: SizingTarget,
    raw: RawSections,
    path: (key: "sizing" | "aggregator") => string,
    problems: Problem[],
): SizingReport | undefined {
    if (!sizing) return undefined;
    const p = path("sizing");
    const before = problems.length;
    const clusters = sizing.clusters ?? {};
    const agentRuns = target.agent?.enabled ?? true;

    if (target.role === "source" && Object.keys(clusters).length > 0)
        problems.push({
            path: `${p}.clusters`,
            value: JSON.stringify(Object.keys(clusters)),
            expected: "nothing on a source stack: the hub sums its clusters' loads (docs/sizing.md#the-hub)",
        });
    if (target.role === "hub" && target.aggregator) {
        const listed = target.aggregator.clusters;
        for (const name of listed.filter((c) => !(c in clusters)))
            problems.push({
                path: `${p}.clusters.${name}`,
                value: "nothing",
                expected: `this cluster's load, e.g. { preset: small } or { nodes: 10, logLinesPerSec: 500 }: the hub sizes the aggregators for every cluster in aggregator.clusters and cannot read their stacks (docs/sizing.md#the-hub)`,
            });
        for (const name of Object.keys(clusters).filter((c) => !listed.includes(c)))
            problems.push({
                path: `${p}.clusters.${name}`,
                value: JSON.stringify(name),
                expected: "a cluster listed in aggregator.clusters (remove the entry, or list the cluster)",
            });
    }

    // The stack's own load matters only where its agent runs (always on a source).
    const own = agentRuns ? resolveLoad(target.cluster ?? "this cluster", sizing, p, problems) : undefined;
    const outageMinutes: Figure =
        sizing.outageMinutes !== undefined
            ? { value: sizing.outageMinutes, origin: "input" }
            : sizing.preset
              ? { value: PRESETS[sizing.preset].outageMinutes, origin: `preset ${sizing.preset}` }
              : { value: DEFAULTS_WITHOUT_PRESET.outageMinutes, origin: "default" };
    const others = target.role === "hub" ? Object.entries(clusters).map(([name, s]) => resolveLoad(name, s, `${p}.clusters.${name}`, problems)) : [];
    if (problems.length > before) return undefined;

    const figures: SizingReport["figures"] = [];
    const loads = [...(own ? [own] : []), ...(others as ClusterLoad[])];

    /** Sets a leaf unless the stack file sets it, and records which. */
    const decide = <T extends string | number>(
        section: "agent" | "aggregator",
        keys: string[],
        get: () => T,
        set: (v: T) => void,
        derived: T,
        how: string,
        show: (v: T) => string = String,
    ) => {
        const key = [section, ...keys].join(".");
        if (given(raw[section], keys)) figures.push({ key, value: show(get()), origin: "explicit" });
        else {
            set(derived);
            figures.push({ key, value: show(derived), origin: `derived: ${how}` });
        }
    };

    if (own && target.agent) {
        const a = target.agent;
        const s = agentSizing(
            {
                nodes: own.nodes.value,
                logLinesPerSec: own.logLinesPerSec.value,
                metricSamplesPerSec: own.metricSamplesPerSec.value,
                avgLogEventBytes: own.avgLogEventBytes.value,
            },
            outageMinutes.value,
        );
        const vcpu = `${s.vcpu.toFixed(3)} vCPU per node (${humanBytes(s.perNodeLogBytesPerSec)}/s of logs at 10 MiB/s/vCPU, ${humanBytes(s.perNodeMetricBytesPerSec)}/s of metrics at 25 MiB/s/vCPU, at 85% CPU)`;
        const cpu = (m: number) => cpuQuantity(m);
        decide(
            "agent",
            ["resources", "requests", "cpu"],
            () => a.resources.requests.cpu,
            (v) => (a.resources.requests.cpu = v),
            cpu(s.cpuRequestMillis),
            `${vcpu}, at least ${cpu(FLOORS.agent.cpuRequestMillis)}`,
        );
        decide(
            "agent",
            ["resources", "limits", "cpu"],
            () => a.resources.limits.cpu,
            (v) => (a.resources.limits.cpu = v),
            cpu(s.cpuLimitMillis),
            `2x the request's load, from ${cpu(FLOORS.agent.cpuLimitMillis)} up to the guide's agent cap of 2`,
        );
        decide(
            "agent",
            ["resources", "requests", "memory"],
            () => a.resources.requests.memory,
            (v) => (a.resources.requests.memory = v),
            memoryQuantity(s.memoryRequestBytes),
            `2 GiB per vCPU of the load, at least ${memoryQuantity(FLOORS.agent.memoryRequest)}`,
        );
        decide(
            "agent",
            ["resources", "limits", "memory"],
            () => a.resources.limits.memory,
            (v) => (a.resources.limits.memory = v),
            memoryQuantity(s.memoryLimitBytes),
            `2 GiB per vCPU at 2x the load, from ${memoryQuantity(FLOORS.agent.memoryLimit)} up to the guide's agent cap of 4Gi`,
        );
        const bufferHow = `${outageMinutes.value} min x 2 x ${humanBytes(s.perNodeLogBytesPerSec)}/s per node, at least Vector's minimum`;
        if (!given(raw.agent, ["buffers", "logsMaxBytes"]) && s.logsMaxBytes > MAX_BUFFER.agent)
            problems.push({
                path: `${p}.outageMinutes`,
                value: `${outageMinutes.value} (${outageMinutes.origin})`,
                expected: `fewer minutes: the agent's log buffer would be ${humanBytes(s.logsMaxBytes)} (${bufferHow}), above agent.buffers.logsMaxBytes' maximum of ${humanBytes(MAX_BUFFER.agent)}; or set agent.buffers.logsMaxBytes`,
            });
        else
            decide(
                "agent",
                ["buffers", "logsMaxBytes"],
                () => a.buffers.logsMaxBytes,
                (v) => (a.buffers.logsMaxBytes = v),
                s.logsMaxBytes,
                bufferHow,
                bytesShown,
            );
    }

    if (target.role === "hub" && target.aggregator) {
        const g = target.aggregator;
        const logBytes = loads.reduce((sum, l) => sum + l.logLinesPerSec.value * l.avgLogEventBytes.value, 0);
        const metricBytes = loads.reduce((sum, l) => sum + l.metricSamplesPerSec.value * GUIDE.metricEventBytes, 0);
        const totals = `${loads.length} cluster(s): ${humanBytes(logBytes)}/s of logs, ${humanBytes(metricBytes)}/s of metrics`;
        const agg = aggregatorSizing(logBytes + metricBytes, given(raw.aggregator, ["replicas"]) ? g.replicas : undefined);

        decide(
            "aggregator",
            ["replicas"],
            () => g.replicas,
            (v) => (g.replicas = v),
            agg.replicas,
            `${totals}; ${agg.peakVcpu.toFixed(2)} vCPU at 2x load (25 MiB/s/vCPU, 85% CPU) carried by all but one replica of 4 vCPU, at least 3`,
        );
        const carrying = `${Math.max(1, g.replicas - 1)} of ${g.replicas} replicas`;
        decide(
            "aggregator",
            ["resources", "limits", "cpu"],
            () => g.resources.limits.cpu,
            (v) => (g.resources.limits.cpu = v),
            cpuQuantity(agg.cpuLimitMillis),
            `2x load over ${carrying}, at least the guide's 4 vCPU`,
        );
        decide(
            "aggregator",
            ["resources", "requests", "cpu"],
            () => g.resources.requests.cpu,
            (v) => (g.resources.requests.cpu = v),
            cpuQuantity(agg.cpuRequestMillis),
            `the load over ${carrying}, at least ${cpuQuantity(FLOORS.aggregator.cpuRequestMillis)}`,
        );
        // The memory request equals the limit: one explicit side sets both.
        const memExplicit = given(raw.aggregator, ["resources", "limits", "memory"])
            ? g.resources.limits.memory
            : given(raw.aggregator, ["resources", "requests", "memory"])
              ? g.resources.requests.memory
              : undefined;
        const limitVcpu = Math.ceil((cpuMillis(g.resources.limits.cpu) ?? GUIDE.aggregatorMinMillis) / 1000);
        const memory = memExplicit ?? memoryQuantity(limitVcpu * GUIDE.memoryPerVcpu);
        const memHow = memExplicit ? "the explicit memory (request equals limit)" : `2 GiB per vCPU of the ${limitVcpu} vCPU limit`;
        decide(
            "aggregator",
            ["resources", "limits", "memory"],
            () => g.resources.limits.memory,
            (v) => (g.resources.limits.memory = v),
            memory,
            memHow,
        );
        decide(
            "aggregator",
            ["resources", "requests", "memory"],
            () => g.resources.requests.memory,
            (v) => (g.resources.requests.memory = v),
            memory,
            "equal to the limit",
        );

        const perReplica = (bytes: number) => bytes / g.replicas;
        const promMinutes = Math.min(outageMinutes.value, g.prometheus.maxSampleAgeSecs / 60);
        const bufferFigure = (
            key: "lokiMaxBytes" | "prometheusMaxBytes",
            minutes: number,
            bytesPerSec: number,
            what: string,
            note = "",
            // The metrics buffer is split per cluster (metricsBufferSplit): each share at least Vector's minimum, plus the shared sink's.
            total = (bytes: number) => bytes,
        ) => {
            const bytes = total(diskBufferBytes(minutes, perReplica(bytesPerSec)));
            const how = `${+minutes.toFixed(1)} min x 2 x ${humanBytes(perReplica(bytesPerSec))}/s per replica (${what} / ${g.replicas}), at least Vector's minimum${note}`;
            if (!given(raw.aggregator, ["buffers", key]) && bytes > MAX_BUFFER.aggregator)
                problems.push({
                    path: `${p}.outageMinutes`,
                    value: `${outageMinutes.value} (${outageMinutes.origin})`,
                    expected: `fewer minutes or more replicas: aggregator.buffers.${key} would be ${humanBytes(bytes)} (${how}), above its maximum of ${humanBytes(MAX_BUFFER.aggregator)}; or set aggregator.buffers.${key}`,
                });
            else
                decide(
                    "aggregator",
                    ["buffers", key],
                    () => g.buffers[key],
                    (v) => (g.buffers[key] = v),
                    bytes,
                    how,
                    bytesShown,
                );
        };
        bufferFigure("lokiMaxBytes", outageMinutes.value, logBytes, "the fleet's logs");
        bufferFigure(
            "prometheusMaxBytes",
            promMinutes,
            metricBytes,
            "the fleet's metrics",
            (promMinutes < outageMinutes.value ? "; minutes capped at aggregator.prometheus.maxSampleAgeSecs: Prometheus refuses older samples" : "") +
                `; + ${humanBytes(OWN_METRICS_BUFFER_BYTES)} for the aggregators' own metrics, the rest split over ${loads.length} cluster(s)`,
            (bytes) => Math.max(bytes, loads.length * MIN_DISK_BUFFER_BYTES) + OWN_METRICS_BUFFER_BYTES,
        );
        const buffers = g.buffers.lokiMaxBytes + g.buffers.prometheusMaxBytes;
        decide(
            "aggregator",
            ["storage", "size"],
            () => g.storage.size,
            (v) => (g.storage.size = v),
            memoryQuantity(storageBytes(buffers)),
            `the buffers (${humanBytes(buffers)}) + 20%, at least 10Gi`,
        );
        const logLines = loads.reduce((s, l) => s + l.logLinesPerSec.value, 0);
        const samples = loads.reduce((s, l) => s + l.metricSamplesPerSec.value, 0);
        decide(
            "aggregator",
            ["expectedLoad", "logEventsPerSec"],
            () => g.expectedLoad.logEventsPerSec,
            (v) => (g.expectedLoad.logEventsPerSec = v),
            logLines,
            `the sum over ${loads.length} cluster(s)`,
        );
        decide(
            "aggregator",
            ["expectedLoad", "metricSamplesPerSec"],
            () => g.expectedLoad.metricSamplesPerSec,
            (v) => (g.expectedLoad.metricSamplesPerSec = v),
            samples,
            `the sum over ${loads.length} cluster(s)`,
        );
    }
    return { loads, outageMinutes, figures };
}

function bytesShown(v: number): string {
    return `${v} (${humanBytes(v)})`;
}

/** The report as the render summary prints it: the inputs per cluster, then one line per figure. */
export function formatSizingReport(r: SizingReport): string[] {
    const lines = [`sizing (docs/sizing.md): outage to survive ${r.outageMinutes.value} min (${r.outageMinutes.origin})`];
    for (const l of r.loads)
        lines.push(
            `  load ${l.cluster}: ${l.nodes.value} nodes (${l.nodes.origin}), ${l.logLinesPerSec.value} log lines/s (${l.logLinesPerSec.origin}), ` +
                `${l.avgLogEventBytes.value} B per line (${l.avgLogEventBytes.origin}), ${l.metricSamplesPerSec.value} samples/s (${l.metricSamplesPerSec.origin})`,
        );
    for (const f of r.figures) lines.push(`  ${f.key} = ${f.value} (${f.origin})`);
    return lines;
}
