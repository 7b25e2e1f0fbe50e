/**
 * Host-metric side of the parity check: the PromQL we run (pure builders, unit tested as
 * strings) and a small client for Prometheus' instant-query API (`GET /api/v1/query`, answer
 * `{"status":"success","data":{"resultType":"vector","result":[{"metric":{…},"value":[<unix s>,"<value>"]}]}}`).
 */
import { formatDuration } from "./duration";
import { displayUrl, EndpointError, getJson, RequestOptions } from "./http";
import { eq } from "./selector";

/**
 * The metric used to tell whether a node reports at all. node_load1 is a gauge every
 * node-exporter exposes and Vector's host_metrics source ships under the same name, one series
 * per node, so `count by (node)` of it is the set of reporting nodes.
 */
export const HOST_METRIC = "node_load1";

/** `--old-node-label auto`: node-exporter series name their node by `node` if relabelled so, else by `instance`. */
export const AUTO_NODE_LABEL = "auto";

/** The Vector-shipped host series of one cluster. */
export function vectorHostSeries(cluster: string): string {
    return `${HOST_METRIC}{${eq("cluster", cluster)},${eq("shipper", "vector")}}`;
}

/** The node-exporter series of one cluster; `oldMatchers` come from `--old-metrics-selector` (already checked). */
export function oldHostSeries(cluster: string, oldMatchers: string): string {
    return `${HOST_METRIC}{${eq("cluster", cluster)},${oldMatchers}}`;
}

/** Labels to group the old side by: both candidates in auto mode, so each series can name its node. */
export function oldNodeGrouping(oldNodeLabel: string): string[] {
    return oldNodeLabel === AUTO_NODE_LABEL ? ["node", "instance"] : [oldNodeLabel];
}

/**
 * Nodes with at least one sample in the window. last_over_time keeps a node that stopped
 * reporting half-way through the window, which is what "reported during the window" means.
 */
export function nodesQuery(series: string, windowMs: number, by: string[]): string {
    return `count by (${by.join(", ")}) (last_over_time(${series}[${formatDuration(windowMs)}]))`;
}

/**
 * Seconds since the newest sample of `series`, computed by Prometheus itself (no clock skew
 * between us and it). timestamp() reports a sample's own time only for a plain selector, and a
 * plain selector only looks back 5 minutes (the lookback delta); so the left side is exact for
 * a fresh series, and the subquery on the right still finds an older sample anywhere in the
 * window (to within its 1-minute step) when the left side is empty.
 */
export function newestSampleAgeQuery(series: string, windowMs: number): string {
    const step = formatDuration(Math.min(60_000, windowMs));
    return `time() - (max(timestamp(${series})) or max(max_over_time(timestamp(${series})[${formatDuration(windowMs)}:${step}])))`;
}

/**
 * The node a series stands for. An `instance` is `host:port` (`worker-1:9100`); the port is
 * dropped so it can match the Kubernetes node name Vector reports.
 */
export function nodeName(metric: Record<string, string>, oldNodeLabel: string): string {
    const label = oldNodeLabel === AUTO_NODE_LABEL ? (metric.node ? "node" : "instance") : oldNodeLabel;
    const value = metric[label] ?? "";
    return label === "instance" ? stripPort(value) : value;
}

export function stripPort(instance: string): string {
    const bracketed = /^\[(.*)\]:\d+$/.exec(instance);
    if (bracketed) return bracketed[1];
    // Only one colon: host:port. Several colons without brackets is a bare IPv6 address.
    return /^[^:]+:\d+$/.test(instance) ? instance.slice(0, instance.lastIndexOf(":")) : instance;
}

export interface Sample {
    metric: Record<string, string>;
    value: number;
    /** Evaluation time, Unix seconds. */
    time: number;
}

/** Prometheus (and Loki) send sample values as strings, with `+Inf`/`-Inf`/`NaN` spelled out. */
export function sampleValue(text: string): number {
    if (text === "+Inf" || text === "Inf") return Number.POSITIVE_INFINITY;
    if (text === "-Inf") return Number.NEGATIVE_INFINITY;
    return Number(text);
}

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The samples of an instant-query answer (resultType vector, or scalar as one label-less
 * sample). Shared with Loki, whose metric queries answer in the same shape. Throws a plain
 * Error naming what is wrong when the body is not that shape.
 */
export function parseInstantVector(body: unknown): Sample[] {
    if (!isRecord(body)) throw new Error("the answer is not a JSON object");
    if (body.status !== "success") {
        const why = typeof body.error === "string" ? body.error : `status ${JSON.stringify(body.status)}`;
        throw new Error(`the query failed: ${why}`);
    }
    const data = body.data;
    if (!isRecord(data)) throw new Error("the answer has no data object");
    const pair = (v: unknown): [number, string] => {
        if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== "number" || typeof v[1] !== "string") {
            throw new Error(`a value is not [<unix seconds>, "<number>"]: ${JSON.stringify(v)}`);
        }
        return [v[0], v[1]];
    };
    if (data.resultType === "scalar") {
        const [time, value] = pair(data.result);
        return [{ metric: {}, value: sampleValue(value), time }];
    }
    if (data.resultType !== "vector") throw new Error(`expected resultType vector, got ${JSON.stringify(data.resultType)}`);
    if (!Array.isArray(data.result)) throw new Error("data.result is not a list");
    return data.result.map((r: unknown) => {
        if (!isRecord(r) || !isRecord(r.metric)) throw new Error(`a result has no metric labels: ${JSON.stringify(r)}`);
        const [time, value] = pair(r.value);
        const metric: Record<string, string> = {};
        for (const [k, v] of Object.entries(r.metric)) metric[k] = String(v);
        return { metric, value: sampleValue(value), time };
    });
}

/** Runs one instant query against Prometheus' HTTP API. */
export async function promInstantQuery(base: string, query: string, opts: RequestOptions): Promise<Sample[]> {
    const body = await getJson("Prometheus", base, "/api/v1/query", { query }, opts);
    try {
        return parseInstantVector(body);
    } catch (e) {
        const shown = displayUrl(base);
        throw new EndpointError("bad-response", "Prometheus", shown, `Prometheus at ${shown}: ${(e as Error).message} (query: ${query})`);
    }
}
