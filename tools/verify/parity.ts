/**
 * The judgement: from what the two APIs said (Observations) to a verdict and its reasons.
 * Pure functions only, so every threshold edge is unit tested without a server.
 */
import { formatAge, formatDuration } from "../shared/duration";
import { Service } from "../shared/http";

export interface Thresholds {
    /** Nodes allowed to report on one side only (either side). */
    maxNodeGap: number;
    /** Allowed relative deviation of a namespace's vector/promtail ratio from the expected one (0.1 = ±10 %). */
    maxLogRatioDrift: number;
    /** Oldest acceptable age of the newest Vector sample and log line, seconds. */
    maxStalenessSec: number;
}

/** Namespace -> N: the aggregator keeps 1 line in N on purpose, so the expected ratio is 1/N. */
export type Sampling = Record<string, number>;

export interface QueryRecord {
    service: Service;
    /** What the query is for, as shown in progress ("nodes via vector"). */
    label: string;
    query: string;
    /** Wall time the query took, ms. */
    ms: number;
}

/** Everything the queries returned, before any judgement. */
export interface Observations {
    cluster: string;
    windowMs: number;
    /** When the queries ran (ms since the epoch). */
    at: number;
    metrics: {
        vectorNodes: string[];
        oldNodes: string[];
        /** Seconds since the newest Vector host sample, or null when there is none in the window. */
        newestSampleAgeSec: number | null;
    };
    logs: {
        /** Namespace -> log lines in the window. */
        vector: Record<string, number>;
        old: Record<string, number>;
        /** Seconds since the newest Vector log line, or null when there is none in the lookback. */
        newestLineAgeSec: number | null;
        /** How far back the newest-line query looked, ms. */
        freshnessLookbackMs: number;
    };
    queries: QueryRecord[];
}

export interface NodeParity {
    viaVector: string[];
    viaOld: string[];
    missingViaVector: string[];
    missingViaOld: string[];
    /** Nodes reporting on one side only. */
    gap: number;
    maxGap: number;
    ok: boolean;
    /** Neither side reported any node. */
    noData: boolean;
}

/** "ignored": shown but not judged (the agent does not collect that namespace on purpose). */
export type NamespaceStatus = "ok" | "drift" | "missing-via-vector" | "missing-via-old" | "ignored";

export interface NamespaceParity {
    namespace: string;
    vector: number;
    old: number;
    /** N when the aggregator keeps 1 line in N for this namespace, else 1. */
    sampledEvery: number;
    expectedRatio: number;
    /** vector / old; null when the old side has no lines. */
    ratio: number | null;
    /** ratio / expectedRatio - 1 (signed); null when there is no ratio. */
    drift: number | null;
    status: NamespaceStatus;
}

export interface LogParity {
    namespaces: NamespaceParity[];
    maxDrift: number;
    ok: boolean;
    /** No lines on either side outside the ignored namespaces. */
    noData: boolean;
}

export type FreshnessStatus = "ok" | "stale" | "none";

export interface FreshnessCheck {
    ageSec: number | null;
    maxSec: number;
    status: FreshnessStatus;
}

export type Verdict = "PARITY" | "NO PARITY" | "NO DATA";

export const EXIT = { parity: 0, noParity: 1, usage: 2, noData: 3, unreachable: 3 } as const;

export interface ParityResult {
    cluster: string;
    windowMs: number;
    at: number;
    thresholds: Thresholds;
    sampling: Sampling;
    ignoredNamespaces: string[];
    nodes: NodeParity;
    logs: LogParity;
    freshness: { metrics: FreshnessCheck; logs: FreshnessCheck & { lookbackMs: number } };
    verdict: Verdict;
    exitCode: number;
    /** Why the verdict is what it is, one line each; empty at parity. */
    reasons: string[];
    queries: QueryRecord[];
}

/** Node names sort the way people number them: worker-2 before worker-10. */
export function naturalSort(names: Iterable<string>): string[] {
    return [...names].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
}

export function compareNodes(viaVector: string[], viaOld: string[], maxGap: number): NodeParity {
    const v = new Set(viaVector);
    const o = new Set(viaOld);
    const missingViaVector = naturalSort([...o].filter((n) => !v.has(n)));
    const missingViaOld = naturalSort([...v].filter((n) => !o.has(n)));
    const gap = missingViaVector.length + missingViaOld.length;
    const noData = v.size === 0 && o.size === 0;
    return {
        viaVector: naturalSort(v),
        viaOld: naturalSort(o),
        missingViaVector,
        missingViaOld,
        gap,
        maxGap,
        ok: !noData && gap <= maxGap,
        noData,
    };
}

// Ratios are floating point: 0.11/0.1 - 1 must not count as beyond a 0.1 threshold.
const EPSILON = 1e-9;

export function compareLogs(
    vector: Record<string, number>,
    old: Record<string, number>,
    sampling: Sampling,
    maxDrift: number,
    ignored: string[] = [],
): LogParity {
    const names = naturalSort(new Set([...Object.keys(vector), ...Object.keys(old)]));
    const skip = new Set(ignored);
    const namespaces = names.map((namespace): NamespaceParity => {
        const v = vector[namespace] ?? 0;
        const o = old[namespace] ?? 0;
        const sampledEvery = sampling[namespace] ?? 1;
        const expectedRatio = 1 / sampledEvery;
        const ratio = o === 0 ? null : v / o;
        const drift = ratio === null ? null : ratio / expectedRatio - 1;
        let status: NamespaceStatus;
        if (skip.has(namespace)) status = "ignored";
        else if (o === 0) status = "missing-via-old";
        // A namespace Vector does not ship at all is a gap whatever the threshold says.
        else if (v === 0) status = "missing-via-vector";
        else status = Math.abs(drift ?? 0) > maxDrift + EPSILON ? "drift" : "ok";
        return { namespace, vector: v, old: o, sampledEvery, expectedRatio, ratio, drift, status };
    });
    const judged = namespaces.filter((n) => n.status !== "ignored");
    const noData = judged.length === 0;
    return { namespaces, maxDrift, ok: !noData && judged.every((n) => n.status === "ok"), noData };
}

export function checkFreshness(ageSec: number | null, maxSec: number): FreshnessCheck {
    if (ageSec === null || !Number.isFinite(ageSec)) return { ageSec: null, maxSec, status: "none" };
    return { ageSec, maxSec, status: ageSec <= maxSec ? "ok" : "stale" };
}

export function formatPercent(fraction: number, signed = false): string {
    const p = (fraction * 100).toFixed(1);
    return signed && fraction > 0 ? `+${p}%` : `${p}%`;
}

function plural(n: number, one: string, many = `${one}s`): string {
    return `${n} ${n === 1 ? one : many}`;
}

/** How one flagged namespace is described in a reason and in the table. */
export function namespaceProblem(n: NamespaceParity): string {
    switch (n.status) {
        case "missing-via-vector":
            return "no lines via vector";
        case "missing-via-old":
            return "no lines via promtail";
        case "drift":
            return `${formatPercent(n.drift ?? 0, true)} off the expected ratio`;
        case "ok":
            return "ok";
        case "ignored":
            return "not judged (--ignore-namespaces)";
    }
}

export function evaluate(obs: Observations, thresholds: Thresholds, sampling: Sampling, ignoredNamespaces: string[] = []): ParityResult {
    const nodes = compareNodes(obs.metrics.vectorNodes, obs.metrics.oldNodes, thresholds.maxNodeGap);
    const logs = compareLogs(obs.logs.vector, obs.logs.old, sampling, thresholds.maxLogRatioDrift, ignoredNamespaces);
    const metricsFresh = checkFreshness(obs.metrics.newestSampleAgeSec, thresholds.maxStalenessSec);
    const logsFresh = { ...checkFreshness(obs.logs.newestLineAgeSec, thresholds.maxStalenessSec), lookbackMs: obs.logs.freshnessLookbackMs };
    const window = formatDuration(obs.windowMs);
    const maxAge = formatDuration(thresholds.maxStalenessSec * 1000);

    const failures: string[] = [];
    if (!nodes.noData && !nodes.ok) {
        const sides = [
            nodes.missingViaVector.length ? `missing via vector: ${nodes.missingViaVector.join(", ")}` : "",
            nodes.missingViaOld.length ? `missing via node-exporter: ${nodes.missingViaOld.join(", ")}` : "",
        ].filter(Boolean);
        failures.push(`host metrics: ${plural(nodes.gap, "node")} reporting on one side only (max ${nodes.maxGap}); ${sides.join("; ")}`);
    }
    if (!nodes.noData && metricsFresh.status !== "ok") {
        failures.push(
            metricsFresh.status === "none"
                ? `freshness: no Vector host-metric sample in the last ${window}`
                : `freshness: newest Vector host-metric sample is ${formatAge(metricsFresh.ageSec ?? 0)} old (max ${maxAge})`,
        );
    }
    if (!logs.noData && !logs.ok) {
        const flagged = logs.namespaces.filter((n) => n.status !== "ok" && n.status !== "ignored");
        failures.push(
            `logs: ${plural(flagged.length, "namespace")} beyond ±${formatPercent(logs.maxDrift)} of the expected ratio: ` +
                flagged.map((n) => `${n.namespace || "(no namespace)"} (${namespaceProblem(n)})`).join(", "),
        );
    }
    if (!logs.noData && logsFresh.status !== "ok") {
        failures.push(
            logsFresh.status === "none"
                ? `freshness: no Vector log line in the last ${formatDuration(logsFresh.lookbackMs)}`
                : `freshness: newest Vector log line is ${formatAge(logsFresh.ageSec ?? 0)} old (max ${maxAge})`,
        );
    }

    const cluster = JSON.stringify(obs.cluster);
    let verdict: Verdict;
    let reasons: string[];
    if (nodes.noData && logs.noData) {
        verdict = "NO DATA";
        reasons = [
            `no data at all for cluster ${cluster}: no host metrics and no log lines from Vector or from the old shippers in the last ${window} (is the cluster name right? are the selectors right?)`,
        ];
    } else if (failures.length > 0) {
        // Something measured is off: that is a parity failure even if another part had no data.
        verdict = "NO PARITY";
        reasons = failures;
        if (nodes.noData) reasons.push(`host metrics: no data from either shipper for cluster ${cluster}`);
        if (logs.noData) reasons.push(`logs: no data from either shipper for cluster ${cluster}`);
    } else if (nodes.noData || logs.noData) {
        // Half a comparison is not parity: say which half could not be measured.
        verdict = "NO DATA";
        reasons = [
            nodes.noData
                ? `host metrics: no data from Vector or node-exporter for cluster ${cluster} in the last ${window}`
                : `logs: no data from Vector or Promtail for cluster ${cluster} in the last ${window}`,
        ];
    } else {
        verdict = "PARITY";
        reasons = [];
    }
    const exitCode = verdict === "PARITY" ? EXIT.parity : verdict === "NO PARITY" ? EXIT.noParity : EXIT.noData;
    return {
        cluster: obs.cluster,
        windowMs: obs.windowMs,
        at: obs.at,
        thresholds,
        sampling,
        ignoredNamespaces,
        nodes,
        logs,
        freshness: { metrics: metricsFresh, logs: logsFresh },
        verdict,
        exitCode,
        reasons,
        queries: obs.queries,
    };
}
