import { strict as assert } from "node:assert";
import { checkFreshness, compareLogs, compareNodes, evaluate, naturalSort, Observations, Thresholds } from "../../../tools/verify/parity";
import { formatHuman, formatJson, ReportContext, table } from "../../../tools/verify/report";

const T: Thresholds = { maxNodeGap: 0, maxLogRatioDrift: 0.1, maxStalenessSec: 300 };
const CTX: ReportContext = { stack: "dev", prometheusUrl: "http://prom", lokiUrl: "http://loki", samplingSource: "--sampled" };

function obs(over: { metrics?: Partial<Observations["metrics"]>; logs?: Partial<Observations["logs"]> } = {}): Observations {
    return {
        cluster: "dev",
        windowMs: 3_600_000,
        at: Date.UTC(2026, 0, 2, 3, 4, 5),
        metrics: { vectorNodes: ["w1", "w2"], oldNodes: ["w1", "w2"], newestSampleAgeSec: 20, ...over.metrics },
        logs: {
            vector: { default: 100, "kube-system": 10 },
            old: { default: 100, "kube-system": 100 },
            newestLineAgeSec: 3,
            freshnessLookbackMs: 900_000,
            ...over.logs,
        },
        queries: [{ service: "Prometheus", label: "nodes via vector", query: 'count by (node) (x{cluster="dev"})', ms: 5 }],
    };
}

describe("verify: node diff", () => {
    it("finds the nodes missing on each side and counts the gap", () => {
        const n = compareNodes(["w1", "w2", "w4"], ["w1", "w2", "w3"], 0);
        assert.deepEqual(n.missingViaVector, ["w3"]);
        assert.deepEqual(n.missingViaOld, ["w4"]);
        assert.equal(n.gap, 2);
        assert.equal(n.ok, false);
        assert.equal(n.noData, false);
    });

    it("accepts a gap up to --max-node-gap", () => {
        assert.equal(compareNodes(["w1"], ["w1", "w2"], 1).ok, true);
        assert.equal(compareNodes(["w1"], ["w1", "w2", "w3"], 1).ok, false);
    });

    it("ignores duplicates and sorts node names naturally", () => {
        const n = compareNodes(["w10", "w2", "w2"], ["w2", "w10"], 0);
        assert.deepEqual(n.viaVector, ["w2", "w10"]);
        assert.equal(n.gap, 0);
        assert.deepEqual(naturalSort(["node-10", "node-9", "node-1"]), ["node-1", "node-9", "node-10"]);
    });

    it("says no data, not parity, when neither side reports a node", () => {
        const n = compareNodes([], [], 5);
        assert.equal(n.noData, true);
        assert.equal(n.ok, false);
    });
});

describe("verify: log ratios", () => {
    it("expects a ratio of 1 and flags drift beyond the threshold either way", () => {
        const l = compareLogs({ a: 100, b: 89, c: 112 }, { a: 100, b: 100, c: 100 }, {}, 0.1);
        assert.deepEqual(
            l.namespaces.map((n) => [n.namespace, n.status]),
            [
                ["a", "ok"],
                ["b", "drift"],
                ["c", "drift"],
            ],
        );
        assert.ok(Math.abs((l.namespaces[1].drift ?? 0) + 0.11) < 1e-9);
    });

    it("counts a drift exactly at the threshold as within it (no floating-point surprise)", () => {
        const l = compareLogs({ a: 110, b: 90, s: 11 }, { a: 100, b: 100, s: 100 }, { s: 10 }, 0.1);
        assert.ok(l.ok, JSON.stringify(l.namespaces));
    });

    it("expects 1/N for a sampled namespace", () => {
        const l = compareLogs(
            { "kube-system": 10, "ingress-nginx": 100 },
            { "kube-system": 100, "ingress-nginx": 100 },
            { "kube-system": 10, "ingress-nginx": 5 },
            0.1,
        );
        const [ingress, kube] = l.namespaces;
        assert.equal(kube.expectedRatio, 0.1);
        assert.equal(kube.status, "ok");
        assert.equal(ingress.sampledEvery, 5);
        assert.equal(ingress.status, "drift", "1/1 where 1/5 is expected is +400%");
        assert.ok(Math.abs((ingress.drift ?? 0) - 4) < 1e-9);
    });

    it("flags a namespace missing on either side whatever the threshold", () => {
        const l = compareLogs({ onlyvector: 5 }, { onlypromtail: 5 }, {}, 10);
        assert.deepEqual(
            l.namespaces.map((n) => [n.namespace, n.status, n.ratio]),
            [
                ["onlypromtail", "missing-via-vector", 0],
                ["onlyvector", "missing-via-old", null],
            ],
        );
        assert.equal(l.ok, false);
    });

    it("shows ignored namespaces without judging them", () => {
        const l = compareLogs({ default: 100 }, { default: 100, "vector-system": 50 }, {}, 0.1, ["vector-system"]);
        assert.deepEqual(
            l.namespaces.map((n) => [n.namespace, n.status, n.ratio]),
            [
                ["default", "ok", 1],
                ["vector-system", "ignored", 0],
            ],
        );
        assert.equal(l.ok, true);
        assert.equal(compareLogs({}, { "vector-system": 50 }, {}, 0.1, ["vector-system"]).noData, true, "only ignored lines is no data");
    });

    it("says no data when neither side has any line", () => {
        const l = compareLogs({}, {}, {}, 0.1);
        assert.equal(l.noData, true);
        assert.equal(l.ok, false);
    });
});

describe("verify: freshness", () => {
    it("is ok up to the limit, stale beyond it, none without a sample", () => {
        assert.equal(checkFreshness(300, 300).status, "ok");
        assert.equal(checkFreshness(301, 300).status, "stale");
        assert.equal(checkFreshness(null, 300).status, "none");
        assert.equal(checkFreshness(Number.NaN, 300).status, "none");
    });
});

describe("verify: verdict", () => {
    it("PARITY, exit 0, when every check is within its threshold", () => {
        const r = evaluate(obs(), T, { "kube-system": 10 });
        assert.equal(r.verdict, "PARITY");
        assert.equal(r.exitCode, 0);
        assert.deepEqual(r.reasons, []);
    });

    it("NO PARITY, exit 1, when a node is missing via vector", () => {
        const r = evaluate(obs({ metrics: { vectorNodes: ["w1"] } }), T, { "kube-system": 10 });
        assert.equal(r.verdict, "NO PARITY");
        assert.equal(r.exitCode, 1);
        assert.match(r.reasons.join("\n"), /1 node reporting on one side only \(max 0\); missing via vector: w2/);
    });

    it("NO PARITY when sampling is not accounted for", () => {
        const r = evaluate(obs(), T, {});
        assert.equal(r.verdict, "NO PARITY");
        assert.match(r.reasons.join("\n"), /kube-system \(-90\.0% off the expected ratio\)/);
    });

    it("NO PARITY when the newest Vector sample or log line is stale, or absent", () => {
        const stale = evaluate(obs({ metrics: { newestSampleAgeSec: 1200 } }), T, { "kube-system": 10 });
        assert.equal(stale.verdict, "NO PARITY");
        assert.match(stale.reasons.join("\n"), /newest Vector host-metric sample is 20m00s old \(max 5m\)/);
        const noLine = evaluate(obs({ logs: { newestLineAgeSec: null } }), T, { "kube-system": 10 });
        assert.match(noLine.reasons.join("\n"), /no Vector log line in the last 15m/);
    });

    it("NO DATA, exit 3, when neither side has anything, naming the cluster", () => {
        const r = evaluate(
            obs({ metrics: { vectorNodes: [], oldNodes: [], newestSampleAgeSec: null }, logs: { vector: {}, old: {}, newestLineAgeSec: null } }),
            T,
            {},
        );
        assert.equal(r.verdict, "NO DATA");
        assert.equal(r.exitCode, 3);
        assert.match(r.reasons[0], /no data at all for cluster "dev"/);
    });

    it("NO DATA when one half cannot be measured and the other is fine", () => {
        const r = evaluate(obs({ logs: { vector: {}, old: {}, newestLineAgeSec: null } }), T, {});
        assert.equal(r.verdict, "NO DATA");
        assert.equal(r.exitCode, 3);
        assert.match(r.reasons[0], /^logs: no data from Vector or Promtail for cluster "dev"/);
    });

    it("NO PARITY wins over a half without data: a measured failure is a finding", () => {
        const r = evaluate(obs({ metrics: { vectorNodes: [], newestSampleAgeSec: null }, logs: { vector: {}, old: {}, newestLineAgeSec: null } }), T, {});
        assert.equal(r.verdict, "NO PARITY");
        assert.equal(r.exitCode, 1);
        assert.match(r.reasons.join("\n"), /logs: no data from either shipper/);
    });

    it("Vector shipping nothing while the old shippers work is NO PARITY, not NO DATA", () => {
        const r = evaluate(obs({ metrics: { vectorNodes: [], newestSampleAgeSec: null }, logs: { vector: {}, newestLineAgeSec: null } }), T, {});
        assert.equal(r.verdict, "NO PARITY");
    });
});

describe("verify: report formatting", () => {
    it("prints the node counts, the namespace table, freshness and a verdict line", () => {
        const text = formatHuman(evaluate(obs({ metrics: { vectorNodes: ["w1"] } }), T, { "kube-system": 10 }), CTX);
        const lines = text.split("\n");
        assert.ok(lines[0].startsWith('Vector parity for cluster "dev" (stack dev), window 1h, at 2026-01-02T03:04:05.000Z'), lines[0]);
        assert.ok(lines.includes("  nodes via vector           1"), text);
        assert.ok(lines.includes("  nodes via node-exporter    2"), text);
        assert.ok(lines.includes("  missing via vector         w2"), text);
        assert.ok(lines.includes("  missing via node-exporter  -"), text);
        assert.ok(lines.includes("  NAMESPACE    VECTOR  PROMTAIL  RATIO      EXPECTED  DRIFT  STATUS"), text);
        assert.ok(lines.includes("  default         100       100  1.000         1.000   0.0%  ok"), text);
        assert.ok(lines.includes("  kube-system      10       100  0.100  0.100 (1/10)   0.0%  ok"), text);
        assert.ok(lines.includes("  sampled namespaces (--sampled): kube-system 1/10"), text);
        assert.ok(lines.includes("  newest vector host-metric sample  20s ago  ok"), text);
        assert.ok(lines.includes("VERDICT: NO PARITY"), text);
        assert.ok(!text.includes("Queries run:"), "queries are listed only when there is no data");
    });

    it("lists the queries it ran when there is no data", () => {
        const r = evaluate(
            obs({ metrics: { vectorNodes: [], oldNodes: [], newestSampleAgeSec: null }, logs: { vector: {}, old: {}, newestLineAgeSec: null } }),
            T,
            {},
        );
        const text = formatHuman(r, CTX);
        assert.match(text, /Queries run:\n {2}\[Prometheus\] nodes via vector: count by \(node\) \(x\{cluster="dev"\}\)/);
        assert.match(text, /\nVERDICT: NO DATA\n {2}- no data at all for cluster "dev"/);
    });

    it("prints notes under the header and the namespaces it does not judge", () => {
        const r = evaluate(obs({ logs: { vector: { default: 100 }, old: { default: 100, "vector-system": 9 } } }), T, {}, ["vector-system"]);
        const text = formatHuman(r, { ...CTX, notes: ["phase cutover"], ignoredSource: "not collected by the agent" });
        assert.match(text, /^ {2}Prometheus http:\/\/prom {3}Loki http:\/\/loki\n {2}note: phase cutover\n\n/m);
        assert.ok(text.includes("\n  vector-system       0         9  0.000     1.000  -100.0%  ignored\n"), text);
        assert.ok(text.includes("\n  not judged (not collected by the agent): vector-system\n"), text);
        assert.equal(r.verdict, "PARITY");
    });

    it("marks stale freshness and missing namespaces in capitals", () => {
        const r = evaluate(
            obs({ metrics: { newestSampleAgeSec: 4000 }, logs: { vector: { default: 100, web: 80 }, old: { default: 100, payments: 7, web: 100 } } }),
            T,
            {},
        );
        const text = formatHuman(r, CTX);
        assert.ok(text.includes("\n  web            80       100  0.800     1.000   -20.0%  DRIFT\n"), text);
        assert.match(text, /newest vector host-metric sample {2}1h06m ago {2}STALE/);
        assert.ok(text.includes("\n  payments        0         7  0.000     1.000  -100.0%  MISSING via vector\n"), text);
    });

    it("gives the same facts as JSON, ratios rounded", () => {
        const doc = JSON.parse(formatJson(evaluate(obs({ logs: { vector: { a: 11 }, old: { a: 100 } } }), T, { a: 10 }), CTX)) as {
            verdict: string;
            exitCode: number;
            hostMetrics: { viaVector: string[] };
            logs: { namespaces: Array<{ namespace: string; drift: number; status: string }> };
            queries: unknown[];
        };
        assert.equal(doc.verdict, "PARITY");
        assert.equal(doc.exitCode, 0);
        assert.deepEqual(doc.hostMetrics.viaVector, ["w1", "w2"]);
        assert.deepEqual(doc.logs.namespaces, [
            { namespace: "a", vector: 11, promtail: 100, sampledEvery: 10, expectedRatio: 0.1, ratio: 0.11, drift: 0.1, status: "ok" },
        ]);
        assert.equal(doc.queries.length, 1);
    });

    it("pads table columns, numbers to the right", () => {
        assert.deepEqual(
            table(
                [
                    ["a", "1"],
                    ["long", "100"],
                ],
                [false, true],
            ),
            ["a       1", "long  100"],
        );
    });
});
