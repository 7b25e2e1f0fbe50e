import { strict as assert } from "node:assert";
import * as path from "node:path";
import { main } from "../../../tools/verify/cli";
import { linesPerNamespaceQuery, oldLogSelector, vectorLogSelector } from "../../../tools/verify/loki";
import { DEFAULTS } from "../../../tools/verify/options";
import {
    newestSampleAgeQuery,
    nodeName,
    nodesQuery,
    oldHostSeries,
    oldNodeGrouping,
    promInstantQuery,
    vectorHostSeries,
} from "../../../tools/shared/prometheus";
import { matchersOf } from "../../../tools/shared/selector";
import { FakeLoki, FakeLokiData, startFakeLoki } from "../../support/fake-loki";
import { findPrometheusTools, RunningPrometheus, Series, startPrometheus } from "../../support/prometheus-server";

const MIN = 60_000;
const ROOT = path.resolve(__dirname, "../../..");

/** One gauge sample a minute over [from, to] (ms), the newest exactly at `to`, as a 60 s scrape would give. */
function load(labels: Record<string, string>, from: number, to: number): Series {
    const samples: Array<[number, number]> = [];
    for (let t = to; t >= from; t -= MIN) samples.push([t, 0.25]);
    return { name: "node_load1", labels, samples };
}

/**
 * The fleet as Prometheus sees it, relative to `now`:
 * - dev: w1..w3 via Vector and via node-exporter (relabelled with `node`), fresh.
 * - staging: w1, w2 via Vector; w1..w3 via node-exporter, named by `instance` only: w3 missing via Vector.
 * - stale: w1 on both sides, but Vector stopped 20 minutes ago.
 * - custom: node-exporter under job="node" naming nodes by `hostname`.
 * - earlier: only data from 100 to 80 minutes ago (outside a 1h window, inside 2h).
 * - nothing at all for any other cluster.
 */
function fleet(now: number): Series[] {
    const from = now - 59 * MIN;
    const fresh = now - 15_000;
    const out: Series[] = [];
    for (const n of ["w1", "w2", "w3"]) {
        out.push(load({ cluster: "dev", node: n, shipper: "vector" }, from, fresh));
        out.push(load({ cluster: "dev", job: "node-exporter", node: n, instance: `10.0.0.${n.slice(1)}:9100` }, from, fresh));
        out.push(load({ cluster: "staging", job: "node-exporter", instance: `${n}:9100` }, from, fresh));
        out.push(load({ cluster: "custom", node: n, shipper: "vector" }, from, fresh));
        out.push(load({ cluster: "custom", job: "node", hostname: n }, from, fresh));
    }
    out.push(load({ cluster: "staging", node: "w1", shipper: "vector" }, from, fresh));
    out.push(load({ cluster: "staging", node: "w2", shipper: "vector" }, from, fresh));
    out.push(load({ cluster: "stale", node: "w1", shipper: "vector" }, from, now - 20 * MIN));
    out.push(load({ cluster: "stale", job: "node-exporter", node: "w1" }, from, fresh));
    out.push(load({ cluster: "earlier", node: "w1", shipper: "vector" }, now - 100 * MIN, now - 80 * MIN));
    out.push(load({ cluster: "earlier", job: "node-exporter", node: "w1" }, now - 100 * MIN, now - 80 * MIN));
    return out;
}

/** Logs at parity (same lines per namespace on both sides, a fresh line) for each cluster, so verdicts here turn on the metrics. */
function logsAtParity(clusters: string[], now: number): FakeLokiData {
    const data: FakeLokiData = { vectors: {}, streams: {} };
    const promtail = matchersOf(DEFAULTS.oldLogsSelector);
    for (const c of clusters) {
        const lines = [{ metric: { namespace: "default" }, value: 500 }];
        data.vectors![linesPerNamespaceQuery(vectorLogSelector(c), 60 * MIN)] = lines;
        data.vectors![linesPerNamespaceQuery(oldLogSelector(c, promtail), 60 * MIN)] = lines;
        data.streams![vectorLogSelector(c)] = [{ stream: { cluster: c, namespace: "default" }, entries: [[BigInt(now - 5000) * 1_000_000n, "ok"]] }];
    }
    return data;
}

describe("verify against a real Prometheus (Debian's prometheus package, backfilled with promtool)", function () {
    let prom: RunningPrometheus | undefined;
    let loki: FakeLoki | undefined;

    before(async function () {
        const tools = findPrometheusTools();
        if (!tools.ok) {
            // Skipped loudly, never passed: the CI script installs the package.
            console.warn(`    SKIPPED (real Prometheus tests): ${tools.reason}`);
            this.skip();
        }
        // "Now" when the data is made, not when the file was loaded: in a full `npm test` run
        // other files run in between, and the freshness assertions are in seconds.
        const now = Date.now();
        prom = await startPrometheus(fleet(now));
        loki = await startFakeLoki(logsAtParity(["dev", "staging", "stale", "custom"], now));
    });
    after(async () => {
        await prom?.stop();
        await loki?.stop();
    });

    const req = { timeoutMs: 5000 };
    const nodes = async (query: string, label = "node") => (await promInstantQuery(prom!.url, query, req)).map((s) => nodeName(s.metric, label)).sort();

    async function verify(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
        let stdout = "";
        let stderr = "";
        const code = await main([...args, "--prometheus", prom!.url, "--loki", loki!.url, "--sampled", "none"], {
            stdout: (t) => (stdout += t),
            stderr: (t) => (stderr += t),
            env: {},
            rootDir: ROOT,
        });
        return { code, stdout, stderr };
    }

    describe("the queries", () => {
        it("count the nodes reporting through Vector and through node-exporter", async () => {
            assert.deepEqual(await nodes(nodesQuery(vectorHostSeries("dev"), 60 * MIN, ["node"])), ["w1", "w2", "w3"]);
            assert.deepEqual(await nodes(nodesQuery(vectorHostSeries("staging"), 60 * MIN, ["node"])), ["w1", "w2"]);
            const old = (c: string) => nodesQuery(oldHostSeries(c, 'job="node-exporter"'), 60 * MIN, oldNodeGrouping("auto"));
            assert.deepEqual(await nodes(old("dev"), "auto"), ["w1", "w2", "w3"], "the node label wins over instance");
            assert.deepEqual(await nodes(old("staging"), "auto"), ["w1", "w2", "w3"], "instance without its port");
        });

        it("only see nodes that reported within the window", async () => {
            assert.deepEqual(await nodes(nodesQuery(vectorHostSeries("earlier"), 60 * MIN, ["node"])), []);
            assert.deepEqual(await nodes(nodesQuery(vectorHostSeries("earlier"), 120 * MIN, ["node"])), ["w1"]);
        });

        it("measure the age of the newest Vector sample, also when it is older than the 5 m lookback", async () => {
            const age = async (c: string) => (await promInstantQuery(prom!.url, newestSampleAgeQuery(vectorHostSeries(c), 60 * MIN), req))[0]?.value;
            const fresh = await age("dev");
            assert.ok(fresh !== undefined && fresh >= 15 && fresh < 45, `dev: ${fresh}`);
            const stale = await age("stale");
            // The subquery branch resolves to its 1-minute step.
            assert.ok(stale !== undefined && stale >= 20 * 60 - 1 && stale < 22 * 60, `stale: ${stale}`);
            assert.equal(await age("nothing-here"), undefined);
        });
    });

    describe("the verdict", () => {
        it("PARITY (exit 0) when the same nodes report on both sides", async () => {
            const r = await verify("--stack", "dev");
            assert.equal(r.code, 0, r.stdout + r.stderr);
            assert.match(r.stdout, /^ {2}nodes via vector {11}3$/m);
            assert.match(r.stdout, /^ {2}nodes via node-exporter {4}3$/m);
            assert.match(r.stdout, /\nVERDICT: PARITY\n$/);
            assert.match(r.stderr, /querying Prometheus: nodes via vector\.\.\. done \(\d+ ms\)/);
        });

        it("NO PARITY (exit 1) naming the node missing on the Vector side", async () => {
            const r = await verify("--cluster", "staging");
            assert.equal(r.code, 1, r.stdout + r.stderr);
            assert.match(r.stdout, /^ {2}missing via vector {9}w3$/m);
            assert.match(r.stdout, /VERDICT: NO PARITY\n {2}- host metrics: 1 node reporting on one side only \(max 0\); missing via vector: w3\n/);
        });

        it("accepts that gap with --max-node-gap 1", async () => {
            const r = await verify("--cluster", "staging", "--max-node-gap", "1");
            assert.equal(r.code, 0, r.stdout);
        });

        it("NO DATA (exit 3) for a cluster with no series, naming the cluster and the queries", async () => {
            const r = await verify("--cluster", "nothing-here");
            assert.equal(r.code, 3, r.stdout + r.stderr);
            assert.match(r.stdout, /VERDICT: NO DATA\n {2}- no data at all for cluster "nothing-here"/);
            assert.ok(
                r.stdout.includes('[Prometheus] nodes via vector: count by (node) (last_over_time(node_load1{cluster="nothing-here",shipper="vector"}[1h]))'),
                r.stdout,
            );
            assert.ok(
                r.stdout.includes(
                    '[Loki] lines per namespace via promtail: sum by (namespace) (count_over_time({cluster="nothing-here", job=~".*promtail.*"}[1h]))',
                ),
            );
        });

        it("NO PARITY when Vector's newest sample is older than --max-staleness; fine with a looser limit", async () => {
            const r = await verify("--cluster", "stale");
            assert.equal(r.code, 1, r.stdout);
            assert.match(r.stdout, /newest vector host-metric sample {2}20m\d\ds ago {2}STALE/);
            assert.match(r.stdout, /- freshness: newest Vector host-metric sample is 20m\d\ds old \(max 5m\)/);
            assert.equal((await verify("--cluster", "stale", "--max-staleness", "30m")).code, 0);
        });

        it("uses --old-metrics-selector and --old-node-label for the node-exporter side", async () => {
            const custom = await verify("--cluster", "custom", "--old-metrics-selector", '{job="node"}', "--old-node-label", "hostname");
            assert.equal(custom.code, 0, custom.stdout);
            const defaults = await verify("--cluster", "custom");
            assert.equal(defaults.code, 1);
            assert.match(defaults.stdout, /missing via node-exporter: w1, w2, w3/);
        });

        it("reports Prometheus refusing a query as an HTTP error (exit 3), with Prometheus' reason", async () => {
            const r = await verify("--cluster", "dev", "--old-metrics-selector", '{job=~"("}');
            assert.equal(r.code, 3);
            assert.match(r.stderr, /verify: Prometheus at http:\/\/127\.0\.0\.1:\d+ answered HTTP 400 Bad Request: .*missing closing \)/);
            assert.equal(r.stdout, "");
        });
    });
});
