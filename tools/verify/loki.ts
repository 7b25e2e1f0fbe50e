/**
 * Log side of the parity check: the LogQL we run (pure builders) and a client for Loki's query
 * API. Metric queries (`sum by (namespace) (count_over_time(…))`) go to `/loki/api/v1/query` and
 * answer like Prometheus (resultType vector); log queries go to `/loki/api/v1/query_range` and
 * answer resultType streams, each value `["<unix ns>", "<line>"]`, newest first when
 * direction=backward.
 */
import { formatDuration } from "../shared/duration";
import { displayUrl, EndpointError, getJson, RequestOptions } from "../shared/http";
import { parseInstantVector, Sample } from "../shared/prometheus";
import { eq } from "../shared/selector";

/** Every stream Vector ships from one cluster. */
export function vectorLogSelector(cluster: string): string {
    return `{${eq("cluster", cluster)}, ${eq("shipper", "vector")}}`;
}

/** Every stream Promtail ships from one cluster; `oldMatchers` come from `--old-logs-selector` (already checked). */
export function oldLogSelector(cluster: string, oldMatchers: string): string {
    return `{${eq("cluster", cluster)}, ${oldMatchers}}`;
}

/** Log lines per namespace over the window, as one instant metric query. */
export function linesPerNamespaceQuery(selector: string, windowMs: number): string {
    return `sum by (namespace) (count_over_time(${selector}[${formatDuration(windowMs)}]))`;
}

export interface LogLine {
    stream: Record<string, string>;
    /** Nanoseconds since the epoch, exact (a double cannot hold them). */
    ns: bigint;
    line: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The lines of a streams answer, in the order Loki sent them. Throws a plain Error when the shape is wrong. */
export function parseStreams(body: unknown): LogLine[] {
    if (!isRecord(body)) throw new Error("the answer is not a JSON object");
    if (body.status !== "success") throw new Error(`the query failed: status ${JSON.stringify(body.status)}`);
    const data = body.data;
    if (!isRecord(data)) throw new Error("the answer has no data object");
    if (data.resultType !== "streams") throw new Error(`expected resultType streams, got ${JSON.stringify(data.resultType)}`);
    if (!Array.isArray(data.result)) throw new Error("data.result is not a list");
    const out: LogLine[] = [];
    for (const r of data.result) {
        if (!isRecord(r) || !isRecord(r.stream) || !Array.isArray(r.values)) {
            throw new Error(`a result is not {stream, values}: ${JSON.stringify(r).slice(0, 200)}`);
        }
        const stream: Record<string, string> = {};
        for (const [k, v] of Object.entries(r.stream)) stream[k] = String(v);
        for (const v of r.values) {
            // Entries may carry a third element (structured metadata); only the first two matter here.
            if (!Array.isArray(v) || v.length < 2 || typeof v[0] !== "string" || !/^\d+$/.test(v[0]) || typeof v[1] !== "string") {
                throw new Error(`a log entry is not ["<unix ns>", "<line>"]: ${JSON.stringify(v).slice(0, 200)}`);
            }
            out.push({ stream, ns: BigInt(v[0]), line: v[1] });
        }
    }
    return out;
}

function badResponse(base: string, e: unknown, query: string): EndpointError {
    const shown = displayUrl(base);
    return new EndpointError("bad-response", "Loki", shown, `Loki at ${shown}: ${(e as Error).message} (query: ${query})`);
}

/** Runs one instant metric query against Loki. */
export async function lokiInstantQuery(base: string, query: string, opts: RequestOptions): Promise<Sample[]> {
    const body = await getJson("Loki", base, "/loki/api/v1/query", { query }, opts);
    try {
        return parseInstantVector(body);
    } catch (e) {
        throw badResponse(base, e, query);
    }
}

export function msToNs(ms: number): string {
    return (BigInt(Math.floor(ms)) * 1_000_000n).toString();
}

/** The newest log line matching `selector` between `startMs` and `endMs`, if there is one. */
export async function lokiNewestLine(base: string, selector: string, startMs: number, endMs: number, opts: RequestOptions): Promise<LogLine | undefined> {
    const params = { query: selector, start: msToNs(startMs), end: msToNs(endMs), limit: "1", direction: "backward" };
    const body = await getJson("Loki", base, "/loki/api/v1/query_range", params, opts);
    let lines: LogLine[];
    try {
        lines = parseStreams(body);
    } catch (e) {
        throw badResponse(base, e, selector);
    }
    // limit=1 should give one line, but don't rely on the server's ordering across streams.
    let newest: LogLine | undefined;
    for (const l of lines) if (!newest || l.ns > newest.ns) newest = l;
    return newest;
}
