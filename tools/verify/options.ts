/**
 * Command line of `npm run verify`: flags, defaults, and every check that can fail before a
 * single request is sent (all of them exit 2 with a message naming the flag to fix).
 */
import { UsageError } from "../shared/cli";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { formatDuration, parseDuration } from "../shared/duration";
import { Sampling, Thresholds } from "./parity";
import { AUTO_NODE_LABEL } from "../shared/prometheus";
import { matchersOf } from "../shared/selector";
import { defaultAgent, defaultSampling, StackFileError, uncollectedNamespaces, verifyStackInfo } from "./stack";

export const DEFAULTS = {
    window: "1h",
    maxNodeGap: 0,
    maxLogRatioDrift: 0.1,
    maxStaleness: "5m",
    timeout: "10s",
    oldMetricsSelector: '{job="node-exporter"}',
    oldNodeLabel: AUTO_NODE_LABEL,
    oldLogsSelector: '{job=~".*promtail.*"}',
} as const;

export const ENV = { prometheus: "VERIFY_PROMETHEUS_URL", loki: "VERIFY_LOKI_URL" } as const;

export const USAGE = `Usage: npm run verify -- --stack NAME [options]

Compares what Vector ships for one cluster with what node-exporter and Promtail ship, using
the monitoring cluster's Prometheus and Loki HTTP APIs, and prints a parity report.

Cluster:
  --stack NAME                 stack whose Pulumi.<NAME>.yaml gives vector-fleet:cluster
  --cluster NAME               cluster label to check (overrides the stack's)

Endpoints:
  --prometheus URL             Prometheus base URL (default: $${ENV.prometheus})
  --loki URL                   Loki base URL (default: $${ENV.loki})
  --token-file PATH            bearer token sent to both APIs (never printed)
  --loki-tenant ID             X-Scope-OrgID for a multi-tenant Loki (default: the hub stack's
                               vector-fleet:aggregator loki.tenantId, if set)
  --timeout DURATION           per request (default ${DEFAULTS.timeout})

Thresholds:
  --window DURATION            how far back to compare (default ${DEFAULTS.window}, at least 1m)
  --max-node-gap N             nodes allowed to report on one side only (default ${DEFAULTS.maxNodeGap})
  --max-log-ratio-drift F      allowed deviation of a namespace's vector/promtail line ratio
                               from the expected one, as a fraction or percent (default ${DEFAULTS.maxLogRatioDrift})
  --max-staleness DURATION     oldest acceptable newest Vector sample / log line (default ${DEFAULTS.maxStaleness})
  --sampled NS=N,...           namespaces the aggregator keeps 1 line in N of (expected ratio 1/N);
                               default: the hub stack's vector-fleet:aggregator sampling, the
                               program's default when it sets none; "none" for none
  --ignore-namespaces NS,...   namespaces shown but not judged; default: those the agent does not
                               collect on purpose (agent.namespace, agent.excludedNamespaces)

Old shippers:
  --old-metrics-selector SEL   node-exporter series (default ${DEFAULTS.oldMetricsSelector})
  --old-node-label LABEL       label naming the node on those series (default ${DEFAULTS.oldNodeLabel}:
                               "node" if present, else "instance" without its :port)
  --old-logs-selector SEL      Promtail streams (default ${DEFAULTS.oldLogsSelector})

Output:
  --json                       machine-readable report on stdout
  --quiet                      no progress on stderr
  -h, --help                   this text

Exit codes: 0 parity, 1 no parity, 2 usage or config error, 3 endpoint unreachable, bad
credentials, or no data, 4 verify itself failed (a bug).
`;

/** A problem with the command line or the stack files: exit 2 (the one UsageError of every tool). */
export { UsageError };

export interface VerifyOptions {
    stack?: string;
    cluster: string;
    prometheusUrl: string;
    lokiUrl: string;
    windowMs: number;
    thresholds: Thresholds;
    sampling: Sampling;
    /** Where `sampling` came from, for the report. */
    samplingSource: string;
    /** Namespaces shown but not judged (Vector does not collect them on purpose). */
    ignoredNamespaces: string[];
    ignoredSource: string;
    /** X-Scope-OrgID sent to Loki. */
    lokiTenant?: string;
    /** Things the reader should know to read the report right (e.g. the stack's migration phase). */
    notes: string[];
    oldMetricsMatchers: string;
    oldNodeLabel: string;
    oldLogsMatchers: string;
    token?: string;
    timeoutMs: number;
    json: boolean;
    quiet: boolean;
}

export type ParsedArgs = { help: true } | { help: false; options: VerifyOptions };

function duration(flag: string, text: string, minMs = 1): number {
    const ms = parseDuration(text);
    if (ms === undefined) throw new UsageError(`--${flag} ${JSON.stringify(text)} is not a duration such as 30s, 5m, 1h or 1h30m`);
    if (ms < minMs) throw new UsageError(`--${flag} must be at least ${formatDuration(minMs)}`);
    return ms;
}

function endpoint(flag: string, envName: string, given: string | undefined, env: Record<string, string | undefined>): string {
    const text = given ?? env[envName];
    if (!text) throw new UsageError(`no ${flag === "prometheus" ? "Prometheus" : "Loki"} URL: pass --${flag} URL or set ${envName}`);
    let u: URL;
    try {
        u = new URL(text);
    } catch {
        throw new UsageError(`--${flag} ${JSON.stringify(text)} is not a URL (for example http://127.0.0.1:9090)`);
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new UsageError(`--${flag} must be an http:// or https:// URL`);
    // Credentials in a URL would end up in messages and process listings.
    if (u.username || u.password) throw new UsageError(`--${flag}: put no credentials in the URL; use --token-file`);
    return text.replace(/\/+$/, "");
}

/** `kube-system=10,ingress-nginx=5` -> { "kube-system": 10, "ingress-nginx": 5 }; "none" -> {}. */
export function parseSampled(texts: string[]): Sampling {
    const out: Sampling = {};
    for (const text of texts) {
        if (text.trim() === "none" || text.trim() === "") continue;
        for (const part of text.split(",")) {
            const m = /^\s*([^=\s]+)\s*=\s*(\S+)\s*$/.exec(part);
            if (!m) throw new UsageError(`--sampled ${JSON.stringify(part)} is not NAMESPACE=N`);
            const every = Number(m[2]);
            if (!Number.isInteger(every) || every < 1) {
                throw new UsageError(`--sampled: sampling for namespace ${m[1]} must be a whole number ≥ 1 (keep 1 line in N), got ${JSON.stringify(m[2])}`);
            }
            out[m[1]] = every;
        }
    }
    return out;
}

/** `a,b` (repeatable) -> ["a", "b"]; "none" -> []. */
export function parseList(texts: string[]): string[] {
    const out = new Set<string>();
    for (const text of texts) {
        if (text.trim() === "none") continue;
        for (const part of text.split(",")) if (part.trim() !== "") out.add(part.trim());
    }
    return [...out];
}

/** 0.1 or 10% -> 0.1. */
export function parseFraction(flag: string, text: string): number {
    const pct = text.trim().endsWith("%");
    const n = Number(pct ? text.trim().slice(0, -1) : text);
    if (text.trim() === "" || !Number.isFinite(n) || n < 0) throw new UsageError(`--${flag} ${JSON.stringify(text)} is not a fraction such as 0.1 or 10%`);
    return pct ? n / 100 : n;
}

function selector(flag: string, text: string): string {
    try {
        return matchersOf(text);
    } catch (e) {
        throw new UsageError(`--${flag}: ${(e as Error).message}`);
    }
}

function readToken(file: string): string {
    let text: string;
    try {
        text = readFileSync(file, "utf8");
    } catch (e) {
        throw new UsageError(`--token-file ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const token = text.trim();
    if (token === "") throw new UsageError(`--token-file ${file} is empty`);
    if (/\s/.test(token)) throw new UsageError(`--token-file ${file} must hold one token (it contains whitespace)`);
    return token;
}

/**
 * Parses and checks the command line. `rootDir` holds the Pulumi.<stack>.yaml files; `env`
 * supplies the endpoint defaults. Throws UsageError for anything wrong.
 */
export function parseVerifyArgs(argv: string[], env: Record<string, string | undefined>, rootDir: string): ParsedArgs {
    let values;
    try {
        ({ values } = parseArgs({
            args: argv,
            strict: true,
            allowPositionals: false,
            options: {
                stack: { type: "string" },
                cluster: { type: "string" },
                prometheus: { type: "string" },
                loki: { type: "string" },
                window: { type: "string", default: DEFAULTS.window },
                "max-node-gap": { type: "string", default: String(DEFAULTS.maxNodeGap) },
                "max-log-ratio-drift": { type: "string", default: String(DEFAULTS.maxLogRatioDrift) },
                "max-staleness": { type: "string", default: DEFAULTS.maxStaleness },
                sampled: { type: "string", multiple: true },
                "ignore-namespaces": { type: "string", multiple: true },
                "loki-tenant": { type: "string" },
                "old-metrics-selector": { type: "string", default: DEFAULTS.oldMetricsSelector },
                "old-node-label": { type: "string", default: DEFAULTS.oldNodeLabel },
                "old-logs-selector": { type: "string", default: DEFAULTS.oldLogsSelector },
                "token-file": { type: "string" },
                timeout: { type: "string", default: DEFAULTS.timeout },
                json: { type: "boolean", default: false },
                quiet: { type: "boolean", default: false },
                help: { type: "boolean", short: "h", default: false },
            },
        }));
    } catch (e) {
        throw new UsageError((e as Error).message);
    }
    if (values.help) return { help: true };

    const windowMs = duration("window", values.window, 60_000);
    const maxStalenessMs = duration("max-staleness", values["max-staleness"]);
    const timeoutMs = duration("timeout", values.timeout);
    const gapText = values["max-node-gap"];
    const maxNodeGap = Number(gapText);
    if (!/^\d+$/.test(gapText.trim()) || !Number.isSafeInteger(maxNodeGap)) {
        throw new UsageError(`--max-node-gap ${JSON.stringify(gapText)} is not a whole number ≥ 0`);
    }
    const maxLogRatioDrift = parseFraction("max-log-ratio-drift", values["max-log-ratio-drift"]);
    const oldNodeLabel = values["old-node-label"];
    if (oldNodeLabel !== AUTO_NODE_LABEL && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(oldNodeLabel)) {
        throw new UsageError(`--old-node-label ${JSON.stringify(oldNodeLabel)} is not a label name (or "${AUTO_NODE_LABEL}")`);
    }
    const oldMetricsMatchers = selector("old-metrics-selector", values["old-metrics-selector"]);
    const oldLogsMatchers = selector("old-logs-selector", values["old-logs-selector"]);

    // Cluster and sampling: flags win; the stack file fills in what they leave out.
    if (!values.stack && !values.cluster) throw new UsageError("say which cluster to check: --stack NAME (or --cluster NAME)");
    let cluster = values.cluster?.trim();
    let sampling: Sampling | undefined = values.sampled ? parseSampled(values.sampled) : undefined;
    let samplingSource = "--sampled";
    let ignoredNamespaces = values["ignore-namespaces"] ? parseList(values["ignore-namespaces"]) : undefined;
    let ignoredSource = "--ignore-namespaces";
    let lokiTenant = values["loki-tenant"]?.trim() || undefined;
    const notes: string[] = [];
    if (values.stack) {
        try {
            const info = verifyStackInfo(rootDir, values.stack);
            cluster ??= info.cluster;
            if (!sampling) {
                // Without the hub's file its sampling is unknown: guessing would judge the wrong ratios.
                if (!info.sampling)
                    throw new UsageError(`${info.samplingSource}: its aggregators' sampling sets the expected ratios; pass --sampled NS=N,... (or none)`);
                ({ sampling, samplingSource } = { sampling: info.sampling, samplingSource: info.samplingSource });
            }
            if (!ignoredNamespaces) {
                ignoredNamespaces = info.uncollectedNamespaces;
                ignoredSource = `not collected by the agent, ${info.file}`;
            }
            lokiTenant ??= info.lokiTenant;
            const phase = info.migrationPhase;
            if (phase === "cutover" || phase === "done") {
                notes.push(
                    `${info.file} puts this cluster in migration phase "${phase}": Promtail and node-exporter are parked, so the old side is expected to be empty (parity is measured in phase "parallel")`,
                );
            } else if (phase === "none") {
                notes.push(`${info.file} puts this cluster in migration phase "none": there are no old shippers to compare with`);
            }
        } catch (e) {
            if (e instanceof StackFileError) throw new UsageError(e.message);
            throw e;
        }
    }
    if (!cluster) throw new UsageError("--cluster must not be empty");
    if (!sampling) {
        sampling = defaultSampling();
        samplingSource = "the program's default; no --stack to read the hub's from";
    }
    if (!ignoredNamespaces) {
        ignoredNamespaces = uncollectedNamespaces(defaultAgent());
        ignoredSource = "the agent's default namespace; no --stack to read it from";
    }

    const prometheusUrl = endpoint("prometheus", ENV.prometheus, values.prometheus, env);
    const lokiUrl = endpoint("loki", ENV.loki, values.loki, env);
    const token = values["token-file"] !== undefined ? readToken(values["token-file"]) : undefined;

    return {
        help: false,
        options: {
            stack: values.stack,
            cluster,
            prometheusUrl,
            lokiUrl,
            windowMs,
            thresholds: { maxNodeGap, maxLogRatioDrift, maxStalenessSec: maxStalenessMs / 1000 },
            sampling,
            samplingSource,
            ignoredNamespaces,
            ignoredSource,
            lokiTenant,
            notes,
            oldMetricsMatchers,
            oldNodeLabel,
            oldLogsMatchers,
            token,
            timeoutMs,
            json: values.json,
            quiet: values.quiet,
        },
    };
}
