/**
 * A FAKE Loki for tests (Loki itself is not packaged for this machine): a node:http server on
 * 127.0.0.1 that answers the two query endpoints verify uses, in the shapes Grafana documents
 * for the Loki HTTP API, from canned data keyed by the exact query string.
 *
 * - `GET /loki/api/v1/query`: metric queries only (Loki answers 400 to a log query here);
 *   `{"status":"success","data":{"resultType":"vector","result":[{"metric":{…},"value":[<unix s>,"<n>"]}],"stats":{}}}`.
 * - `GET /loki/api/v1/query_range`: log queries; the canned entries are filtered to
 *   start <= ts < end (nanoseconds), ordered by `direction` (default backward) and cut to `limit`
 *   (default 100) across streams, as Loki does;
 *   `{"status":"success","data":{"resultType":"streams","result":[{"stream":{…},"values":[["<unix ns>","<line>"]]}],"stats":{}}}`.
 *
 * A query with no canned answer gets an empty result, which is what a real Loki says when no
 * stream matches. Errors are plain text, as Loki sends them.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";

export interface CannedStream {
    stream: Record<string, string>;
    /** [ns since the epoch, line]. */
    entries: Array<[bigint, string]>;
}

export interface FakeLokiData {
    /** Metric query -> samples (namespace labels and counts). */
    vectors?: Record<string, Array<{ metric: Record<string, string>; value: number }>>;
    /** Log stream selector -> streams. */
    streams?: Record<string, CannedStream[]>;
}

export interface FakeLokiOptions {
    /** When set, requests without `Authorization: Bearer <token>` get 401. */
    token?: string;
    /** Never answer (the request hangs until the client gives up), to test timeouts. */
    hang?: boolean;
    /** Answer every query with this status and plain-text body. */
    failWith?: { status: number; body: string };
}

export interface SeenRequest {
    path: string;
    params: Record<string, string>;
    authorization?: string;
    /** X-Scope-OrgID, Loki's tenant header. */
    tenant?: string;
}

export interface FakeLoki {
    url: string;
    /** Every request received, in order. */
    requests: SeenRequest[];
    stop(): Promise<void>;
}

function text(res: ServerResponse, status: number, body: string): void {
    res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8" });
    res.end(body);
}

function json(res: ServerResponse, body: unknown): void {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify(body));
}

function handle(data: FakeLokiData, opts: FakeLokiOptions, seen: SeenRequest[], req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://fake-loki");
    const params = Object.fromEntries(url.searchParams);
    const tenant = req.headers["x-scope-orgid"];
    seen.push({ path: url.pathname, params, authorization: req.headers.authorization, tenant: Array.isArray(tenant) ? tenant.join(",") : tenant });
    if (opts.hang) return;
    if (url.pathname === "/ready") return text(res, 200, "ready");
    if (opts.token !== undefined && req.headers.authorization !== `Bearer ${opts.token}`) return text(res, 401, "Unauthorized\n");
    if (opts.failWith) return text(res, opts.failWith.status, opts.failWith.body);
    if (req.method !== "GET") return text(res, 405, "method not allowed\n");
    const query = params.query;
    const nowSec = Date.now() / 1000;

    if (url.pathname === "/loki/api/v1/query") {
        if (!query) return text(res, 400, "parse error : query is empty\n");
        if (query.trim().startsWith("{")) {
            return text(res, 400, "log queries are not supported as an instant query type, please change your query to a range query type\n");
        }
        const result = (data.vectors?.[query] ?? []).map((s) => ({ metric: s.metric, value: [nowSec, String(s.value)] }));
        return json(res, { status: "success", data: { resultType: "vector", result, stats: {} } });
    }

    if (url.pathname === "/loki/api/v1/query_range") {
        if (!query) return text(res, 400, "parse error : query is empty\n");
        if (!query.trim().startsWith("{")) return text(res, 400, "fake Loki: only log queries are canned for query_range\n");
        const end = params.end ? BigInt(params.end) : BigInt(Date.now()) * 1_000_000n;
        const start = params.start ? BigInt(params.start) : end - 3_600_000_000_000n;
        const limit = params.limit ? Number(params.limit) : 100;
        const backward = (params.direction ?? "backward") === "backward";
        const all = (data.streams?.[query] ?? []).flatMap((s) =>
            s.entries.filter(([ns]) => ns >= start && ns < end).map(([ns, line]) => ({ stream: s.stream, ns, line })),
        );
        all.sort((a, b) => (a.ns === b.ns ? 0 : a.ns < b.ns === backward ? 1 : -1));
        const kept = all.slice(0, limit);
        const byStream = new Map<Record<string, string>, Array<[string, string]>>();
        for (const e of kept) byStream.set(e.stream, [...(byStream.get(e.stream) ?? []), [e.ns.toString(), e.line]]);
        const result = [...byStream].map(([stream, values]) => ({ stream, values }));
        return json(res, { status: "success", data: { resultType: "streams", result, stats: {} } });
    }
    return text(res, 404, "404 page not found\n");
}

export async function startFakeLoki(data: FakeLokiData, opts: FakeLokiOptions = {}): Promise<FakeLoki> {
    const requests: SeenRequest[] = [];
    const server: Server = createServer((req, res) => handle(data, opts, requests, req, res));
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        requests,
        stop: () =>
            new Promise<void>((resolve) => {
                // Hanging requests would keep close() waiting forever.
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}
