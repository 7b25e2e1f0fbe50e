/**
 * TLS rules for a parsed Vector configuration (its `sources` and `sinks` tables).
 *
 * What Vector's options mean (0.59 reference; defaults from its TLS settings code):
 * - `tls.verify_certificate`: on a component that dials out, check the server's chain against
 *   `ca_file` (default true); on one that listens, require clients to present a certificate
 *   that chains to `ca_file` (default false: no client certificate needed).
 * - `tls.verify_hostname`: dialling out only (ignored by listeners), check the dialled name or
 *   IP against the certificate's names (default true).
 * - `tls.enabled`: the `vector` sink and listening sources use TLS only when it is true. HTTP
 *   clients (`prometheus_remote_write`, `loki`, `prometheus_scrape`, ...) use TLS exactly when
 *   the URL says `https://`; their `tls` table only tunes it.
 */
import { asArray, asObject, asString, Json } from "./k8s";

/** Sources that listen for connections; every other source and sink dials out. */
const LISTENING_SOURCES = new Set([
    "vector",
    "prometheus_remote_write",
    "prometheus_pushgateway",
    "http_server",
    "http",
    "socket",
    "syslog",
    "splunk_hec",
    "fluent",
    "logstash",
    "datadog_agent",
    "opentelemetry",
    "statsd",
    "heroku_logs",
    "aws_kinesis_firehose",
]);
const LISTENING_SINKS = new Set(["prometheus_exporter", "websocket_server"]);

/** Listeners that receive the fleet's data from other clusters: TLS with client certificates. */
const MTLS_SOURCES = new Set(["vector", "prometheus_remote_write"]);

export interface TlsProblem {
    /** `sinks.aggregator` */
    component: string;
    message: string;
}

/** Traffic to these never leaves the node. */
export function isLoopback(host: string): boolean {
    const h = host.replace(/^\[|\]$/g, "").toLowerCase();
    return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Traffic to these stays inside the cluster: a Service's full DNS name, or loopback. */
export function isInCluster(host: string): boolean {
    return isLoopback(host) || /^[a-z0-9-]+\.[a-z0-9-]+\.svc(\.cluster\.local)?\.?$/i.test(host);
}

interface Endpoint {
    raw: string;
    scheme?: string;
    host: string;
}

function endpoint(raw: string): Endpoint | undefined {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw)?.[1]?.toLowerCase();
    try {
        const host = new URL(scheme ? raw : `tcp://${raw}`).hostname;
        return { raw, ...(scheme ? { scheme } : {}), host };
    } catch {
        return undefined;
    }
}

/** Where a component dials: `routing.endpoints`/`address` (vector sink), `endpoint(s)`, `uri`. */
function dialledEndpoints(type: string, c: Json): Endpoint[] {
    const raws: unknown[] = type === "vector" ? [...asArray(asObject(c.routing)?.endpoints), c.address] : [c.endpoint, ...asArray(c.endpoints), c.uri];
    return raws
        .map(asString)
        .filter((s): s is string => s !== undefined)
        .map(endpoint)
        .filter((e): e is Endpoint => e !== undefined);
}

function checkComponent(kind: "sources" | "sinks", id: string, c: Json, problems: TlsProblem[]): void {
    const component = `${kind}.${id}`;
    const report = (message: string) => problems.push({ component, message });
    const type = asString(c.type) ?? "";
    const tls = asObject(c.tls) ?? {};
    const listens = kind === "sources" ? LISTENING_SOURCES.has(type) : LISTENING_SINKS.has(type);

    if (listens) {
        if (tls.verify_certificate === false) {
            report(
                "sets tls.verify_certificate = false, so clients need no valid certificate; remove it and set tls.verify_certificate = true with tls.ca_file",
            );
        }
        if (kind === "sources" && MTLS_SOURCES.has(type)) {
            const host = endpoint(asString(c.address) ?? "")?.host;
            if (host !== undefined && isLoopback(host)) return;
            const missing = [
                tls.enabled === true ? undefined : "tls.enabled = true",
                tls.verify_certificate === true ? undefined : "tls.verify_certificate = true (require client certificates)",
                asString(tls.ca_file) ? undefined : "tls.ca_file (the CA client certificates must chain to)",
                asString(tls.crt_file) ? undefined : "tls.crt_file",
                asString(tls.key_file) ? undefined : "tls.key_file",
            ].filter((x): x is string => x !== undefined);
            if (missing.length > 0) report(`(${type} source) accepts data from the network without mutual TLS; set ${missing.join(", ")}`);
        }
        return;
    }

    const endpoints = dialledEndpoints(type, c);
    const shown = endpoints.map((e) => e.raw).join(", ") || "its endpoint";
    if (tls.verify_certificate === false) {
        report(
            `sets tls.verify_certificate = false, so any server can impersonate ${shown}; remove it (Vector verifies by default) and point tls.ca_file at the issuing CA`,
        );
    }
    if (tls.verify_hostname === false && !(endpoints.length > 0 && endpoints.every((e) => isLoopback(e.host)))) {
        report(
            `sets tls.verify_hostname = false while dialling ${shown}, so a certificate issued for any other name by the same CA is accepted; ` +
                "remove it and put the dialled name or IP in the server certificate's subject alternative names",
        );
    }
    if (kind === "sinks" && type === "vector") {
        if (tls.enabled !== true)
            report(`(vector sink) sends to ${shown} without TLS; set tls.enabled = true with tls.ca_file (and a client certificate for mTLS)`);
        for (const e of endpoints) if (e.scheme === "http") report(`(vector sink) endpoint ${e.raw} says http://; use https://`);
        return;
    }
    for (const e of endpoints) {
        if (e.scheme === "http" && !isInCluster(e.host)) {
            report(`(${type}) sends data in clear text to ${e.raw}, outside the cluster; use https:// (TLS with certificate and hostname verification)`);
        }
    }
}

/** Every TLS problem of a Vector config; an empty list when it is sound. */
export function vectorTlsProblems(config: Json): TlsProblem[] {
    const problems: TlsProblem[] = [];
    for (const kind of ["sources", "sinks"] as const) {
        const table = asObject(config[kind]) ?? {};
        for (const id of Object.keys(table)) {
            const c = asObject(table[id]);
            if (c) checkComponent(kind, id, c, problems);
        }
    }
    return problems;
}
