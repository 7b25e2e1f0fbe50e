/**
 * Runs the queries, one after the other, and gathers what they say into Observations. The only
 * module that talks to the network (through prometheus.ts and loki.ts); judging is parity.ts'.
 * Queries run sequentially on purpose: there are six, each is cheap, and the progress lines on
 * stderr then read in order and show which one hangs.
 */
import { formatDuration } from "../shared/duration";
import { RequestOptions, Service } from "../shared/http";
import { linesPerNamespaceQuery, lokiInstantQuery, lokiNewestLine, oldLogSelector, vectorLogSelector } from "./loki";
import { VerifyOptions } from "./options";
import { Observations, QueryRecord } from "./parity";
import { newestSampleAgeQuery, nodeName, nodesQuery, oldHostSeries, oldNodeGrouping, promInstantQuery, Sample, vectorHostSeries } from "../shared/prometheus";

export interface Progress {
    /** Runs `run`, reporting its start and how long it took (or that it failed). */
    step<T>(service: Service, label: string, run: () => Promise<T>): Promise<T>;
}

/** Progress lines like `querying Prometheus: nodes via vector... done (120 ms)`. */
export function textProgress(write: (text: string) => void): Progress {
    return {
        async step(service, label, run) {
            write(`querying ${service}: ${label}... `);
            const started = performance.now();
            try {
                const result = await run();
                write(`done (${Math.round(performance.now() - started)} ms)\n`);
                return result;
            } catch (e) {
                write(`failed (${Math.round(performance.now() - started)} ms)\n`);
                throw e;
            }
        },
    };
}

export const silentProgress: Progress = { step: (_service, _label, run) => run() };

/** How far back the newest-log-line query looks: far enough to tell "a bit late" from "stopped". */
export function logFreshnessLookbackMs(maxStalenessSec: number): number {
    return Math.max(2 * maxStalenessSec * 1000, 15 * 60_000);
}

export type CollectOptions = Pick<
    VerifyOptions,
    "cluster" | "prometheusUrl" | "lokiUrl" | "lokiTenant" | "windowMs" | "oldMetricsMatchers" | "oldNodeLabel" | "oldLogsMatchers" | "token" | "timeoutMs"
> & { maxStalenessSec: number };

function perNamespace(samples: Sample[]): Record<string, number> {
    const out: Record<string, number> = {};
    // Streams without a namespace label group under "" (shown as "(no namespace)").
    for (const s of samples) out[s.metric.namespace ?? ""] = (out[s.metric.namespace ?? ""] ?? 0) + s.value;
    return out;
}

export async function collect(o: CollectOptions, progress: Progress, now: () => number = Date.now): Promise<Observations> {
    const req: RequestOptions = { token: o.token, timeoutMs: o.timeoutMs };
    // A multi-tenant Loki answers only for the tenant named here (the aggregators' tenant_id).
    const lokiReq: RequestOptions = { ...req, headers: o.lokiTenant ? { "X-Scope-OrgID": o.lokiTenant } : {} };
    const queries: QueryRecord[] = [];
    const timed = async <T>(service: Service, label: string, query: string, run: () => Promise<T>): Promise<T> => {
        const started = performance.now();
        try {
            return await progress.step(service, label, run);
        } finally {
            queries.push({ service, label, query, ms: Math.round(performance.now() - started) });
        }
    };
    const at = now();

    const vectorSeries = vectorHostSeries(o.cluster);
    const oldSeries = oldHostSeries(o.cluster, o.oldMetricsMatchers);
    const qVectorNodes = nodesQuery(vectorSeries, o.windowMs, ["node"]);
    const qOldNodes = nodesQuery(oldSeries, o.windowMs, oldNodeGrouping(o.oldNodeLabel));
    const qAge = newestSampleAgeQuery(vectorSeries, o.windowMs);
    const vectorNodes = await timed("Prometheus", "nodes via vector", qVectorNodes, () => promInstantQuery(o.prometheusUrl, qVectorNodes, req));
    const oldNodes = await timed("Prometheus", "nodes via node-exporter", qOldNodes, () => promInstantQuery(o.prometheusUrl, qOldNodes, req));
    const age = await timed("Prometheus", "newest vector sample", qAge, () => promInstantQuery(o.prometheusUrl, qAge, req));

    const vectorLogs = vectorLogSelector(o.cluster);
    const qVectorLines = linesPerNamespaceQuery(vectorLogs, o.windowMs);
    const qOldLines = linesPerNamespaceQuery(oldLogSelector(o.cluster, o.oldLogsMatchers), o.windowMs);
    const vectorLines = await timed("Loki", "lines per namespace via vector", qVectorLines, () => lokiInstantQuery(o.lokiUrl, qVectorLines, lokiReq));
    const oldLines = await timed("Loki", "lines per namespace via promtail", qOldLines, () => lokiInstantQuery(o.lokiUrl, qOldLines, lokiReq));
    const lookbackMs = logFreshnessLookbackMs(o.maxStalenessSec);
    const end = now();
    const newest = await timed("Loki", "newest vector log line", `${vectorLogs} (last ${formatDuration(lookbackMs)}, limit 1, backward)`, () =>
        lokiNewestLine(o.lokiUrl, vectorLogs, end - lookbackMs, end, lokiReq),
    );

    const ageSec = age.length > 0 && Number.isFinite(age[0].value) ? Math.max(0, age[0].value) : null;
    return {
        cluster: o.cluster,
        windowMs: o.windowMs,
        at,
        metrics: {
            vectorNodes: vectorNodes.map((s) => s.metric.node ?? ""),
            oldNodes: oldNodes.map((s) => nodeName(s.metric, o.oldNodeLabel)),
            newestSampleAgeSec: ageSec,
        },
        logs: {
            vector: perNamespace(vectorLines),
            old: perNamespace(oldLines),
            newestLineAgeSec: newest ? Math.max(0, (end - Number(newest.ns / 1_000_000n)) / 1000) : null,
            freshnessLookbackMs: lookbackMs,
        },
        queries,
    };
}
