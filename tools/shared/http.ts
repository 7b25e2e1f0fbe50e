/**
 * The one HTTP GET both API clients use: bearer token, a timeout that covers the body too,
 * and failures sorted into the few kinds an operator acts on differently (nothing listening,
 * too slow, wrong credentials, the server said no, not the API at all).
 */

export type Service = "Prometheus" | "Loki";

export type EndpointErrorKind =
    /** Nothing listens at the address: wrong URL or port-forward not running. */
    | "refused"
    /** No complete answer within the timeout. */
    | "timeout"
    /** HTTP 401/403: missing or bad credentials. */
    | "auth"
    /** Any other non-2xx status, or an API-level error. */
    | "http"
    /** DNS failure, reset connection, TLS problem and the like. */
    | "unreachable"
    /** A 2xx answer that is not the API's JSON (an HTML login page, a wrong path). */
    | "bad-response";

export class EndpointError extends Error {
    constructor(
        readonly kind: EndpointErrorKind,
        readonly service: Service,
        /** The base URL as the user gave it, credentials stripped. */
        readonly url: string,
        message: string,
        readonly status?: number,
    ) {
        super(message);
        this.name = "EndpointError";
    }
}

export interface RequestOptions {
    /** Sent as `Authorization: Bearer <token>`; never logged or echoed. */
    token?: string;
    timeoutMs: number;
    /** Further headers, e.g. Loki's X-Scope-OrgID. */
    headers?: Record<string, string>;
}

/** The URL without userinfo, query or fragment: safe to print. */
export function displayUrl(url: string): string {
    try {
        const u = new URL(url);
        return `${u.origin}${u.pathname}`.replace(/\/+$/, "");
    } catch {
        return url;
    }
}

/** `base` (which may carry a path prefix, e.g. behind an ingress) joined with an API path. */
export function joinUrl(base: string, path: string): string {
    return `${base.replace(/\/+$/, "")}${path}`;
}

/** Error codes anywhere in a fetch failure's cause chain (undici nests them, sometimes in an AggregateError). */
function errorCodes(err: unknown, depth = 0): string[] {
    if (depth > 5 || typeof err !== "object" || err === null) return [];
    const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
    const out: string[] = typeof e.code === "string" ? [e.code] : [];
    if (Array.isArray(e.errors)) for (const sub of e.errors) out.push(...errorCodes(sub, depth + 1));
    out.push(...errorCodes(e.cause, depth + 1));
    return out;
}

function innermostMessage(err: unknown): string {
    let cur: unknown = err;
    let msg = err instanceof Error ? err.message : String(err);
    for (let i = 0; i < 5 && cur instanceof Error; i++) {
        msg = cur.message || msg;
        cur = cur.cause;
    }
    return msg;
}

/** One line of a response body, cut short: enough to recognise an error page. */
export function snippet(body: string, max = 300): string {
    const flat = body.replace(/\s+/g, " ").trim();
    return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function seconds(ms: number): string {
    return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** The `error` field of a Prometheus/Loki JSON error body, or the body itself (Loki answers errors in plain text). */
function serverSays(body: string): string {
    try {
        const parsed: unknown = JSON.parse(body);
        if (typeof parsed === "object" && parsed !== null && typeof (parsed as { error?: unknown }).error === "string") {
            return (parsed as { error: string }).error;
        }
    } catch {
        // Not JSON: plain text is what Loki and most proxies send.
    }
    return snippet(body);
}

/**
 * GETs `base + path` with `params` and returns the parsed JSON body. Throws EndpointError for
 * every failure, so callers can rely on the message being fit to show.
 */
export async function getJson(service: Service, base: string, path: string, params: Record<string, string>, opts: RequestOptions): Promise<unknown> {
    const shown = displayUrl(base);
    const url = `${joinUrl(base, path)}?${new URLSearchParams(params).toString()}`;
    const controller = new AbortController();
    // Our own reason object lets us tell "we gave up" from any other abort.
    const timedOut = new Error("timeout");
    const timer = setTimeout(() => controller.abort(timedOut), opts.timeoutMs);
    const headers: Record<string, string> = { Accept: "application/json", ...opts.headers };
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
    let status: number;
    let statusText: string;
    let body: string;
    try {
        const res = await fetch(url, { headers, signal: controller.signal, redirect: "follow" });
        status = res.status;
        statusText = res.statusText;
        // Read the body under the same timer: a server that sends headers and then stalls is
        // as stuck as one that never answers.
        body = await res.text();
    } catch (err) {
        if (controller.signal.aborted && controller.signal.reason === timedOut) {
            throw new EndpointError(
                "timeout",
                service,
                shown,
                `${service} at ${shown} did not answer within ${seconds(opts.timeoutMs)} (timeout): check the URL and the network, or raise --timeout`,
            );
        }
        const codes = errorCodes(err);
        if (codes.includes("ECONNREFUSED")) {
            throw new EndpointError(
                "refused",
                service,
                shown,
                `cannot connect to ${service} at ${shown}: connection refused (nothing listens there; is the URL right, is the port-forward running?)`,
            );
        }
        const inner = innermostMessage(err);
        const why = codes.includes("ENOTFOUND")
            ? "host not found (DNS)"
            : inner === "bad port"
              ? "fetch refuses that port (it is on the WHATWG fetch list of blocked ports)"
              : (codes[0] ?? inner);
        throw new EndpointError("unreachable", service, shown, `cannot reach ${service} at ${shown}: ${why}`);
    } finally {
        clearTimeout(timer);
    }

    if (status === 401 || status === 403) {
        const sent = opts.token ? "the bearer token from --token-file was refused" : "no credentials were sent; pass --token-file";
        // A multi-tenant Loki refuses requests without X-Scope-OrgID with 401 "no org id".
        const tenant = /org ?id/i.test(body) ? "; the server wants a tenant: pass --loki-tenant ID" : "";
        throw new EndpointError(
            "auth",
            service,
            shown,
            `${service} at ${shown} answered HTTP ${status} ${statusText}: bad credentials (${sent})${tenant}`,
            status,
        );
    }
    if (status < 200 || status > 299) {
        throw new EndpointError("http", service, shown, `${service} at ${shown} answered HTTP ${status} ${statusText}: ${serverSays(body)}`, status);
    }
    try {
        return JSON.parse(body);
    } catch {
        throw new EndpointError(
            "bad-response",
            service,
            shown,
            `${service} at ${shown} answered HTTP ${status} with something that is not JSON (is the URL the API root?): ${snippet(body, 120)}`,
            status,
        );
    }
}
