/**
 * Why each agent cluster's metrics have their own Prometheus sink (components/aggregator/pipeline.ts,
 * docs/identity.md#fairness), measured on the real engine: Debian's Prometheus with its
 * remote-write receiver, fed remote-write 1.0 requests encoded by hand (tests/support/remote-write.ts).
 *
 * The rule (prometheus/prometheus storage/remote/write_handler.go): write() appends every sample
 * of a request through one appender and returns on the first error, rolling the appender back;
 * ServeHTTP answers an out-of-order, out-of-bounds or duplicate-timestamp error with 400 (so that
 * the sender does not retry). Vector does not retry a 400 (vectordotdev/vector
 * src/sinks/util/http.rs RetryStrategy::Default) and drops the request's events: one cluster's bad
 * sample in a shared batch loses every cluster's samples in it.
 *
 * Skipped, saying why, where prometheus and promtool are not installed (`apt-get install prometheus`).
 */
import { strict as assert } from "node:assert";
import { prometheusOrSkip, RunningPrometheus, startPrometheus } from "../../support/prometheus-server";
import { remoteWrite, WriteSeries } from "../../support/remote-write";

const METRIC = "fleet_fairness_probe";
const probe = (cluster: string, ms: number, value: number): WriteSeries => ({ labels: { __name__: METRIC, cluster }, samples: [[ms, value]] });

describe("batch poisoning: Prometheus refuses a whole remote-write request for one cluster's bad sample (real engine)", function () {
    this.timeout(60_000);
    prometheusOrSkip();

    let prom: RunningPrometheus | undefined;
    let now = 0;
    /** A fresh pair of cluster names per test: each test is a clean slate in the one server. */
    let n = 0;
    const pair = () => {
        n++;
        return { a: `a${n}`, b: `b${n}` };
    };
    const write = (series: WriteSeries[]) => remoteWrite(`${prom!.url}/api/v1/write`, series);
    const stored = async (cluster: string): Promise<number[]> => {
        const q = new URLSearchParams({ query: `${METRIC}{cluster="${cluster}"}`, time: String(now / 1000 + 1) });
        const res = await fetch(`${prom!.url}/api/v1/query?${q}`);
        const body = (await res.json()) as { data: { result: Array<{ value: [number, string] }> } };
        return body.data.result.map((r) => Number(r.value[1]));
    };

    before(async () => {
        prom = await startPrometheus([], { remoteWriteReceiver: true });
        now = Date.now();
    });
    after(async () => {
        await prom?.stop();
    });

    it("stores a well-formed request (204), the baseline the other cases build on", async () => {
        const { a } = pair();
        const res = await write([probe(a, now, 1)]);
        assert.equal(res.status, 204, res.body);
        assert.deepEqual(await stored(a), [1]);
    });

    for (const [what, bad] of [
        ["an out-of-order sample", (b: string) => probe(b, now - 60_000, 7)],
        ["a duplicate timestamp with another value", (b: string) => probe(b, now, 7)],
        // Older than the head accepts (tsdb/head_append.go appendableMinValidTime: newest - 1 h):
        // what the sample_age_<cluster> filters drop before any sink.
        ["a sample older than the head accepts", (b: string) => probe(b, now - 2 * 3600_000, 7)],
    ] as const) {
        it(`refuses a mixed request with 400 for ${what} of cluster B, and stores cluster A's good sample neither`, async () => {
            const { a, b } = pair();
            // B's series already has a sample at `now`: the next one must be newer.
            assert.equal((await write([probe(b, now, 1)])).status, 204);
            // A first: it is appended before B's sample fails, and rolled back with it.
            const mixed = await write([probe(a, now, 42), bad(b)]);
            assert.equal(mixed.status, 400, mixed.body);
            assert.match(mixed.body, /out of order|duplicate sample|out of bounds/);
            assert.deepEqual(await stored(a), [], "A's sample went down with B's");
            assert.deepEqual(await stored(b), [1]);
        });

        it(`stores cluster A's sample when each cluster has its own request, as per-cluster sinks send them (${what})`, async () => {
            const { a, b } = pair();
            assert.equal((await write([probe(b, now, 1)])).status, 204);
            const own = await write([probe(a, now, 42)]);
            const theirs = await write([bad(b)]);
            assert.equal(own.status, 204, own.body);
            assert.equal(theirs.status, 400, theirs.body);
            assert.deepEqual(await stored(a), [42]);
        });
    }
});
