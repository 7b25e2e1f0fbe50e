import { strict as assert } from "node:assert";
import { EndpointError, getJson } from "../../../tools/shared/http";
import { lokiInstantQuery, lokiNewestLine } from "../../../tools/verify/loki";
import { startEarly } from "../../support/early";
import { FakeLoki, startFakeLoki } from "../../support/fake-loki";
import { freePort } from "../../support/prometheus-server";

const NS = 1_000_000n;
const Q_VECTOR = 'sum by (namespace) (count_over_time({cluster="dev", shipper="vector"}[1h]))';
const SELECTOR = '{cluster="dev", shipper="vector"}';

async function rejectsWith(p: Promise<unknown>, kind: EndpointError["kind"], message: RegExp): Promise<EndpointError> {
    try {
        await p;
    } catch (e) {
        assert.ok(e instanceof EndpointError, `expected an EndpointError, got ${String(e)}`);
        assert.equal(e.kind, kind, e.message);
        assert.match(e.message, message);
        return e;
    }
    assert.fail("expected the request to fail");
}

/**
 * The timeout case only waits, so it runs from the start of the mocha run (tests/support/early.ts)
 * and its test reads the outcome: the request to a Loki that never answers, and how long it took.
 */
const hangingQuery = startEarly(async () => {
    const f = await startFakeLoki({}, { hang: true });
    try {
        const started = Date.now();
        const request = getJson("Loki", f.url, "/loki/api/v1/query", { query: Q_VECTOR }, { timeoutMs: 100 });
        await request.catch(() => undefined);
        return { request, took: Date.now() - started };
    } finally {
        await f.stop();
    }
});

describe("verify against a fake Loki (Loki is not packaged here)", () => {
    let now = 0;
    let loki: FakeLoki;
    before(async () => {
        now = Date.now();
        loki = await startFakeLoki(
            {
                vectors: {
                    [Q_VECTOR]: [
                        { metric: { namespace: "default" }, value: 1200 },
                        { metric: { namespace: "kube-system" }, value: 120 },
                    ],
                },
                streams: {
                    [SELECTOR]: [
                        {
                            stream: { namespace: "default", pod: "a" },
                            entries: [
                                [BigInt(now - 60_000) * NS, "older"],
                                [BigInt(now - 2_000) * NS, "newest"],
                            ],
                        },
                        {
                            stream: { namespace: "kube-system", pod: "b" },
                            entries: [
                                [BigInt(now - 30_000) * NS, "middle"],
                                [BigInt(now + 60_000) * NS, "future"],
                            ],
                        },
                    ],
                },
            },
            { token: "t0ken" },
        );
    });
    after(() => loki.stop());

    const req = { token: "t0ken", timeoutMs: 5000 };

    it("reads lines per namespace from an instant metric query, sending the bearer token", async () => {
        const samples = await lokiInstantQuery(loki.url, Q_VECTOR, req);
        assert.deepEqual(
            samples.map((s) => [s.metric.namespace, s.value]),
            [
                ["default", 1200],
                ["kube-system", 120],
            ],
        );
        const seen = loki.requests.at(-1)!;
        assert.equal(seen.path, "/loki/api/v1/query");
        assert.equal(seen.params.query, Q_VECTOR);
        assert.equal(seen.authorization, "Bearer t0ken");
    });

    it("sends X-Scope-OrgID when a tenant is given", async () => {
        await lokiInstantQuery(loki.url, Q_VECTOR, { ...req, headers: { "X-Scope-OrgID": "fleet" } });
        assert.equal(loki.requests.at(-1)!.tenant, "fleet");
    });

    it("gives an empty result, not an error, for a cluster without streams", async () => {
        assert.deepEqual(await lokiInstantQuery(loki.url, Q_VECTOR.replace('"dev"', '"ghost"'), req), []);
    });

    it("finds the newest line in the range with limit=1, direction=backward and nanosecond bounds", async () => {
        const line = await lokiNewestLine(loki.url, SELECTOR, now - 15 * 60_000, now, req);
        assert.equal(line?.line, "newest");
        assert.equal(line?.ns, BigInt(now - 2_000) * NS);
        const seen = loki.requests.at(-1)!;
        assert.equal(seen.path, "/loki/api/v1/query_range");
        assert.deepEqual(seen.params, {
            query: SELECTOR,
            start: (BigInt(now - 15 * 60_000) * NS).toString(),
            end: (BigInt(now) * NS).toString(),
            limit: "1",
            direction: "backward",
        });
        assert.equal(await lokiNewestLine(loki.url, SELECTOR, now - 10 * 60_000, now - 5 * 60_000, req), undefined);
    });

    it("accepts a base URL with a trailing slash", async () => {
        assert.equal((await lokiInstantQuery(`${loki.url}/`, Q_VECTOR, req)).length, 2);
    });

    it("HTTP 401 -> bad credentials, saying whether a token was sent (never the token itself)", async () => {
        const wrong = await rejectsWith(
            lokiInstantQuery(loki.url, Q_VECTOR, { token: "wrong-token", timeoutMs: 5000 }),
            "auth",
            /^Loki at http:\/\/127\.0\.0\.1:\d+ answered HTTP 401 Unauthorized: bad credentials \(the bearer token from --token-file was refused\)$/,
        );
        assert.ok(!wrong.message.includes("wrong-token"));
        await rejectsWith(lokiInstantQuery(loki.url, Q_VECTOR, { timeoutMs: 5000 }), "auth", /bad credentials \(no credentials were sent; pass --token-file\)/);
    });

    it("Loki's plain-text 400 (a log query sent as an instant query) -> HTTP error with Loki's words", async () => {
        await rejectsWith(
            lokiInstantQuery(loki.url, SELECTOR, req),
            "http",
            /answered HTTP 400 Bad Request: log queries are not supported as an instant query type/,
        );
    });

    describe("failures", () => {
        const extra: FakeLoki[] = [];
        afterEach(async () => {
            await Promise.all(extra.splice(0).map((f) => f.stop()));
        });

        it("a multi-tenant Loki's 401 'no org id' -> bad credentials, pointing at --loki-tenant", async () => {
            const f = await startFakeLoki({}, { failWith: { status: 401, body: "no org id\n" } });
            extra.push(f);
            await rejectsWith(
                lokiInstantQuery(f.url, Q_VECTOR, { timeoutMs: 5000 }),
                "auth",
                /bad credentials .*; the server wants a tenant: pass --loki-tenant ID$/,
            );
        });

        it("HTTP 403 is bad credentials too", async () => {
            const f = await startFakeLoki({}, { failWith: { status: 403, body: "forbidden by proxy" } });
            extra.push(f);
            await rejectsWith(lokiInstantQuery(f.url, Q_VECTOR, { timeoutMs: 5000 }), "auth", /HTTP 403 Forbidden: bad credentials/);
        });

        it("any other status -> HTTP error quoting the body", async () => {
            const f = await startFakeLoki({}, { failWith: { status: 502, body: "<html><body>Bad Gateway</body></html>" } });
            extra.push(f);
            await rejectsWith(lokiInstantQuery(f.url, Q_VECTOR, { timeoutMs: 5000 }), "http", /answered HTTP 502 Bad Gateway: <html><body>Bad Gateway/);
        });

        it("a 200 that is not JSON -> not the API", async () => {
            const f = await startFakeLoki({}, { failWith: { status: 200, body: "<html>login</html>" } });
            extra.push(f);
            await rejectsWith(lokiInstantQuery(f.url, Q_VECTOR, { timeoutMs: 5000 }), "bad-response", /not JSON \(is the URL the API root\?\)/);
        });

        it("connection refused -> unreachable, said plainly", async () => {
            const port = await freePort();
            await rejectsWith(
                lokiInstantQuery(`http://127.0.0.1:${port}`, Q_VECTOR, { timeoutMs: 5000 }),
                "refused",
                new RegExp(`^cannot connect to Loki at http://127\\.0\\.0\\.1:${port}: connection refused`),
            );
        });

        it("no answer within the timeout -> timeout, after about the timeout", async () => {
            const { request, took } = await hangingQuery();
            await rejectsWith(request, "timeout", /did not answer within 100 ms \(timeout\)/);
            assert.ok(took >= 90 && took < 3000, `took ${took} ms`);
        });
    });
});
