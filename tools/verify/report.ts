/**
 * The parity report: a human table (default) and a JSON document (`--json`) built from the same
 * ParityResult, so the two never disagree. Pure: strings in, strings out.
 */
import { formatAge, formatDuration } from "../shared/duration";
import { FreshnessCheck, formatPercent, NamespaceParity, ParityResult } from "./parity";
import { HOST_METRIC } from "../shared/prometheus";

/** What the report says about where its inputs came from. */
export interface ReportContext {
    stack?: string;
    prometheusUrl: string;
    lokiUrl: string;
    /** Where the sampled namespaces came from, e.g. "--sampled" or "Pulumi.monitoring.yaml". */
    samplingSource: string;
    /** Where the ignored namespaces came from. */
    ignoredSource?: string;
    /** Shown under the header: things needed to read the report right. */
    notes?: string[];
}

/** Columns padded to their widest cell; `right` marks numeric columns. */
export function table(rows: string[][], right: boolean[] = []): string[] {
    const widths: number[] = [];
    for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
    return rows.map((row) =>
        row
            .map((cell, i) => (right[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
            .join("  ")
            .trimEnd(),
    );
}

function list(names: string[]): string {
    return names.length === 0 ? "-" : names.map((n) => n || "(no label)").join(", ");
}

function ratio(n: number | null): string {
    return n === null ? "-" : n.toFixed(3);
}

function expected(n: NamespaceParity): string {
    return n.sampledEvery === 1 ? "1.000" : `${n.expectedRatio.toFixed(3)} (1/${n.sampledEvery})`;
}

/** The table's last column: the DRIFT column already has the number, so only the kind of problem. */
function status(n: NamespaceParity): string {
    switch (n.status) {
        case "ok":
        case "ignored":
            return n.status;
        case "drift":
            return "DRIFT";
        case "missing-via-vector":
            return "MISSING via vector";
        case "missing-via-old":
            return "MISSING via promtail";
    }
}

function freshnessLine(what: string, f: FreshnessCheck, lookbackMs: number): string[] {
    if (f.status === "none") return [what, `none in the last ${formatDuration(lookbackMs)}`, "NONE"];
    return [what, `${formatAge(f.ageSec ?? 0)} ago`, f.status === "ok" ? "ok" : "STALE"];
}

export function formatHuman(r: ParityResult, ctx: ReportContext): string {
    const out: string[] = [];
    const window = formatDuration(r.windowMs);
    const stack = ctx.stack ? ` (stack ${ctx.stack})` : "";
    out.push(`Vector parity for cluster "${r.cluster}"${stack}, window ${window}, at ${new Date(r.at).toISOString()}`);
    out.push(`  Prometheus ${ctx.prometheusUrl}   Loki ${ctx.lokiUrl}`);
    for (const note of ctx.notes ?? []) out.push(`  note: ${note}`);
    out.push("");

    const n = r.nodes;
    out.push(`Host metrics (${HOST_METRIC}: nodes reporting in the last ${window})`);
    out.push(
        ...table(
            [
                ["nodes via vector", String(n.viaVector.length)],
                ["nodes via node-exporter", String(n.viaOld.length)],
                ["missing via vector", list(n.missingViaVector)],
                ["missing via node-exporter", list(n.missingViaOld)],
                ["gap", `${n.gap} (max ${n.maxGap})  ${n.noData ? "NO DATA" : n.ok ? "ok" : "NO PARITY"}`],
            ].map((row) => ["  " + row[0], row[1]]),
        ),
    );
    out.push("");

    const l = r.logs;
    out.push(`Logs (lines per namespace in the last ${window}; allowed drift ±${formatPercent(l.maxDrift)} of the expected ratio)`);
    if (l.noData) {
        out.push("  no log lines via vector or promtail");
    } else {
        const rows = [["NAMESPACE", "VECTOR", "PROMTAIL", "RATIO", "EXPECTED", "DRIFT", "STATUS"]];
        for (const ns of l.namespaces) {
            rows.push([
                ns.namespace || "(no namespace)",
                String(ns.vector),
                String(ns.old),
                ratio(ns.ratio),
                expected(ns),
                ns.drift === null ? "-" : formatPercent(ns.drift, true),
                status(ns),
            ]);
        }
        out.push(...table(rows, [false, true, true, true, true, true, false]).map((line) => "  " + line));
    }
    const sampled = Object.entries(r.sampling);
    out.push(
        sampled.length === 0
            ? `  sampled namespaces: none (${ctx.samplingSource})`
            : `  sampled namespaces (${ctx.samplingSource}): ${sampled.map(([ns, every]) => `${ns} 1/${every}`).join(", ")}`,
    );
    if (r.ignoredNamespaces.length > 0) {
        out.push(`  not judged (${ctx.ignoredSource ?? "--ignore-namespaces"}): ${r.ignoredNamespaces.join(", ")}`);
    }
    out.push("");

    out.push(`Freshness (max ${formatDuration(r.thresholds.maxStalenessSec * 1000)})`);
    out.push(
        ...table([
            freshnessLine("newest vector host-metric sample", r.freshness.metrics, r.windowMs),
            freshnessLine("newest vector log line", r.freshness.logs, r.freshness.logs.lookbackMs),
        ]).map((line) => "  " + line),
    );
    out.push("");

    if (r.verdict === "NO DATA") {
        out.push("Queries run:");
        for (const q of r.queries) out.push(`  [${q.service}] ${q.label}: ${q.query}`);
        out.push("");
    }
    out.push(`VERDICT: ${r.verdict}`);
    for (const reason of r.reasons) out.push(`  - ${reason}`);
    return out.join("\n") + "\n";
}

/** Ratios to 6 decimals: 0.09999999999999987 says nothing 0.1 does not. */
function round6(n: number | null): number | null {
    return n === null ? null : Math.round(n * 1e6) / 1e6;
}

/** The machine-readable report. Field names say which side is which; no secrets are in a ParityResult. */
export function toJson(r: ParityResult, ctx: ReportContext): Record<string, unknown> {
    return {
        verdict: r.verdict,
        exitCode: r.exitCode,
        cluster: r.cluster,
        stack: ctx.stack ?? null,
        window: formatDuration(r.windowMs),
        at: new Date(r.at).toISOString(),
        endpoints: { prometheus: ctx.prometheusUrl, loki: ctx.lokiUrl },
        thresholds: {
            maxNodeGap: r.thresholds.maxNodeGap,
            maxLogRatioDrift: r.thresholds.maxLogRatioDrift,
            maxStalenessSeconds: r.thresholds.maxStalenessSec,
        },
        sampling: { namespaces: r.sampling, source: ctx.samplingSource },
        ignoredNamespaces: { namespaces: r.ignoredNamespaces, source: ctx.ignoredSource ?? "--ignore-namespaces" },
        notes: ctx.notes ?? [],
        hostMetrics: {
            metric: HOST_METRIC,
            viaVector: r.nodes.viaVector,
            viaNodeExporter: r.nodes.viaOld,
            missingViaVector: r.nodes.missingViaVector,
            missingViaNodeExporter: r.nodes.missingViaOld,
            gap: r.nodes.gap,
            ok: r.nodes.ok,
            noData: r.nodes.noData,
        },
        logs: {
            namespaces: r.logs.namespaces.map((n) => ({
                namespace: n.namespace,
                vector: n.vector,
                promtail: n.old,
                sampledEvery: n.sampledEvery,
                expectedRatio: round6(n.expectedRatio),
                ratio: round6(n.ratio),
                drift: round6(n.drift),
                status: n.status,
            })),
            ok: r.logs.ok,
            noData: r.logs.noData,
        },
        freshness: {
            metrics: { ageSeconds: round6(r.freshness.metrics.ageSec), status: r.freshness.metrics.status },
            logs: {
                ageSeconds: round6(r.freshness.logs.ageSec),
                status: r.freshness.logs.status,
                lookbackSeconds: r.freshness.logs.lookbackMs / 1000,
            },
        },
        reasons: r.reasons,
        queries: r.queries,
    };
}

export function formatJson(r: ParityResult, ctx: ReportContext): string {
    return JSON.stringify(toJson(r, ctx), null, 2) + "\n";
}
