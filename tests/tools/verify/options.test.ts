import { strict as assert } from "node:assert";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { formatAge, formatDuration, parseDuration } from "../../../tools/shared/duration";
import { linesPerNamespaceQuery, oldLogSelector, parseStreams, vectorLogSelector } from "../../../tools/verify/loki";
import { parseVerifyArgs, UsageError, VerifyOptions } from "../../../tools/verify/options";
import {
    newestSampleAgeQuery,
    nodeName,
    nodesQuery,
    oldHostSeries,
    oldNodeGrouping,
    parseInstantVector,
    stripPort,
    vectorHostSeries,
} from "../../../tools/shared/prometheus";
import { matchersOf } from "../../../tools/shared/selector";
import { parseDocument } from "yaml";
import { DEFAULT_SAMPLING } from "../../../config/stack";
import { VERIFY_LOKI_LABELS } from "../../../config/verify-labels";
import { loadStackFile } from "../../../config/stack-file";
import { evaluate, Observations } from "../../../tools/verify/parity";
import { formatHuman } from "../../../tools/verify/report";
import { findPrometheusTools } from "../../support/prometheus-server";

const URLS = ["--prometheus", "http://127.0.0.1:9090", "--loki", "http://127.0.0.1:3100"];

describe("verify: durations and selectors", () => {
    it("parses Prometheus-style durations and renders ones PromQL and LogQL both accept", () => {
        assert.equal(parseDuration("1h"), 3_600_000);
        assert.equal(parseDuration("1h30m"), 5_400_000);
        assert.equal(parseDuration("2d"), 172_800_000);
        assert.equal(parseDuration("250ms"), 250);
        assert.equal(parseDuration("1.5h"), undefined);
        assert.equal(parseDuration("h"), undefined);
        assert.equal(formatDuration(172_800_000), "48h");
        assert.equal(formatDuration(5_400_000), "1h30m");
        assert.equal(formatDuration(90_500), "1m30s500ms");
        assert.equal(formatAge(65), "1m05s");
        assert.equal(formatAge(7300), "2h01m");
    });

    it("takes the matchers out of a selector and refuses anything else", () => {
        assert.equal(matchersOf('{job="node-exporter"}'), 'job="node-exporter"');
        assert.equal(matchersOf(' job=~".*promtail.*", app!="x" '), 'job=~".*promtail.*", app!="x"');
        assert.equal(matchersOf('{job="a}b"}'), 'job="a}b"', "braces inside strings are fine");
        assert.throws(() => matchersOf("{}"), /empty/);
        assert.throws(() => matchersOf('{job="x"'), /does not close/);
        assert.throws(() => matchersOf('up{job="x"}'), /label matchers only/);
        assert.throws(() => matchersOf('node_load1 job="x"'), /not a metric name/);
        assert.throws(() => matchersOf('{job="x}'), /unterminated/);
    });
});

describe("verify: queries", () => {
    it("builds the PromQL of the brief", () => {
        assert.equal(
            nodesQuery(vectorHostSeries("dev"), 3_600_000, ["node"]),
            'count by (node) (last_over_time(node_load1{cluster="dev",shipper="vector"}[1h]))',
        );
        assert.equal(
            nodesQuery(oldHostSeries("dev", 'job="node-exporter"'), 5_400_000, oldNodeGrouping("auto")),
            'count by (node, instance) (last_over_time(node_load1{cluster="dev",job="node-exporter"}[1h30m]))',
        );
        assert.equal(
            newestSampleAgeQuery(vectorHostSeries("dev"), 3_600_000),
            'time() - (max(timestamp(node_load1{cluster="dev",shipper="vector"})) or max(max_over_time(timestamp(node_load1{cluster="dev",shipper="vector"})[1h:1m])))',
        );
        assert.equal(vectorHostSeries('we"ird'), 'node_load1{cluster="we\\"ird",shipper="vector"}');
    });

    it("selects and groups Vector's logs only by the labels the fleet checks keep while a migration runs in parallel", () => {
        const query = linesPerNamespaceQuery(vectorLogSelector("dev"), 3_600_000);
        const used = new Set([...query.matchAll(/([a-z_]+)(?:=|!=|=~)"/g)].map((m) => m[1]));
        for (const by of /by \(([^)]*)\)/.exec(query)![1].split(",")) used.add(by.trim());
        assert.deepEqual([...used].sort(), Object.keys(VERIFY_LOKI_LABELS).sort());
    });

    it("builds the LogQL of the brief", () => {
        assert.equal(
            linesPerNamespaceQuery(vectorLogSelector("dev"), 3_600_000),
            'sum by (namespace) (count_over_time({cluster="dev", shipper="vector"}[1h]))',
        );
        assert.equal(oldLogSelector("dev", 'job=~".*promtail.*"'), '{cluster="dev", job=~".*promtail.*"}');
    });

    it("names the node of a node-exporter series by node, else by instance without its port", () => {
        assert.equal(nodeName({ node: "w1", instance: "10.0.0.1:9100" }, "auto"), "w1");
        assert.equal(nodeName({ instance: "w1:9100" }, "auto"), "w1");
        assert.equal(nodeName({ instance: "10.0.0.1:9100" }, "instance"), "10.0.0.1");
        assert.equal(nodeName({ hostname: "w1" }, "hostname"), "w1");
        assert.equal(stripPort("[fd00::1]:9100"), "fd00::1");
        assert.equal(stripPort("fd00::1"), "fd00::1");
        assert.equal(stripPort("worker-1"), "worker-1");
    });

    it("reads the documented answer shapes and refuses others", () => {
        const v = parseInstantVector({
            status: "success",
            data: {
                resultType: "vector",
                result: [
                    { metric: { node: "w1" }, value: [1700000000.5, "3"] },
                    { metric: {}, value: [1, "+Inf"] },
                ],
            },
        });
        assert.deepEqual(v[0], { metric: { node: "w1" }, value: 3, time: 1700000000.5 });
        assert.equal(v[1].value, Number.POSITIVE_INFINITY);
        assert.deepEqual(parseInstantVector({ status: "success", data: { resultType: "scalar", result: [1, "2"] } }), [{ metric: {}, value: 2, time: 1 }]);
        assert.throws(() => parseInstantVector({ status: "error", errorType: "bad_data", error: "parse error" }), /parse error/);
        assert.throws(() => parseInstantVector({ status: "success", data: { resultType: "matrix", result: [] } }), /expected resultType vector/);
        assert.throws(() => parseInstantVector("<html>"), /not a JSON object/);

        const s = parseStreams({
            status: "success",
            data: { resultType: "streams", result: [{ stream: { namespace: "a" }, values: [["1700000000123456789", "line", { trace_id: "x" }]] }] },
        });
        assert.equal(s[0].ns, 1700000000123456789n, "nanoseconds are kept exactly");
        assert.throws(
            () => parseStreams({ status: "success", data: { resultType: "streams", result: [{ stream: {}, values: [[1, "x"]] }] } }),
            /not \["<unix ns>"/,
        );
    });
});

describe("verify: command line", () => {
    let root: string;
    before(() => {
        root = mkdtempSync(path.join(tmpdir(), "verify-stacks-"));
        // Whole stack files the program accepts: verify reads them through its loader (config/stack-file.ts).
        const source = (cluster: string, hub: string, extra: string[] = []) => [
            "config:",
            "  vector-fleet:role: source",
            `  vector-fleet:cluster: ${cluster}`,
            "  vector-fleet:environment: production",
            "  vector-fleet:region: fsn1",
            `  vector-fleet:monitoringStack: ${hub}`,
            `  vector-fleet:kubeContext: ${cluster}`,
            ...extra,
            "",
        ];
        const hub = (cluster: string, aggregator: string[], extra: string[] = []) => [
            "config:",
            "  vector-fleet:role: hub",
            `  vector-fleet:cluster: ${cluster}`,
            "  vector-fleet:environment: production",
            "  vector-fleet:region: fsn1",
            `  vector-fleet:kubeContext: ${cluster}`,
            "  vector-fleet:aggregator:",
            "    loadBalancer: { network: fleet-private, privateIp: 10.0.64.250 }",
            ...aggregator.map((l) => `    ${l}`),
            ...extra,
            "",
        ];
        const write = (stack: string, lines: string[]) => writeFileSync(path.join(root, `Pulumi.${stack}.yaml`), lines.join("\n"));
        write(
            "src",
            source("src-cluster", "hub", [
                "  vector-fleet:agent:",
                "    namespace: vector",
                "    excludedNamespaces: [noisy]",
                "  vector-fleet:migration:",
                "    phase: parallel",
                "    promtail: {}",
            ]),
        );
        write(
            "hub",
            hub(
                "hub-cluster",
                [
                    "clusters: [src-cluster]",
                    "identities: { src-cluster: { environment: production, region: fsn1 } }",
                    "sampling:",
                    "  kube-system: 10",
                    "loki:",
                    "  tenantId: fleet",
                ],
                ["  vector-fleet:migration:", "    phase: cutover", "    promtail: {}"],
            ),
        );
        write("lonely", source("l", "gone"));
        write("nocluster", ["config:", "  vector-fleet:role: source", ""]);
        write("badsampling", hub("x", ["sampling:", "  a: 0"]));
        writeFileSync(path.join(root, "token"), "s3cret\n");
        writeFileSync(path.join(root, "empty-token"), "\n");
    });
    after(() => rmSync(root, { recursive: true, force: true }));

    const parse = (args: string[], env: Record<string, string> = {}): VerifyOptions => {
        const r = parseVerifyArgs(args, env, root);
        assert.ok(!r.help);
        return r.options;
    };
    const refuses = (args: string[], message: RegExp, env: Record<string, string> = {}) =>
        assert.throws(
            () => parseVerifyArgs(args, env, root),
            (e: unknown) => e instanceof UsageError && message.test(e.message),
        );

    it("reads the cluster from Pulumi.<stack>.yaml and the sampling from the hub stack it names", () => {
        const o = parse(["--stack", "src", ...URLS]);
        assert.equal(o.cluster, "src-cluster");
        assert.deepEqual(o.sampling, { "kube-system": 10 });
        assert.equal(o.samplingSource, "Pulumi.hub.yaml");
        assert.equal(o.windowMs, 3_600_000);
        assert.deepEqual(o.thresholds, { maxNodeGap: 0, maxLogRatioDrift: 0.1, maxStalenessSec: 300 });
        assert.equal(o.oldMetricsMatchers, 'job="node-exporter"');
        assert.equal(o.oldLogsMatchers, 'job=~".*promtail.*"');
        assert.equal(o.timeoutMs, 10_000);
        assert.equal(o.token, undefined);
        assert.deepEqual(o.ignoredNamespaces, ["vector", "noisy"], "the agent's own and excluded namespaces are not judged");
        assert.equal(o.lokiTenant, "fleet", "the tenant the hub's aggregators write to");
        assert.deepEqual(o.notes, [], "phase parallel is what verify is for");
    });

    it("notes a stack whose old shippers are parked, and reads a hub's own settings", () => {
        const o = parse(["--stack", "hub", ...URLS]);
        assert.equal(o.cluster, "hub-cluster");
        assert.deepEqual(o.sampling, { "kube-system": 10 });
        assert.deepEqual(o.ignoredNamespaces, ["vector-system"], "the agent's default namespace");
        assert.match(o.notes.join("\n"), /Pulumi\.hub\.yaml puts this cluster in migration phase "cutover": Promtail and node-exporter are parked/);
    });

    it("asks for --sampled when the hub's stack file is not here: its sampling sets the expected ratios", () => {
        refuses(
            ["--stack", "lonely", ...URLS],
            /^hub stack file Pulumi\.gone\.yaml not found: its aggregators' sampling sets the expected ratios; pass --sampled NS=N,\.\.\. \(or none\)$/,
        );
        const o = parse(["--stack", "lonely", "--sampled", "none", ...URLS]);
        assert.deepEqual(o.sampling, {});
        assert.equal(o.samplingSource, "--sampled");
        assert.equal(o.lokiTenant, undefined);
    });

    it("lets flags override the stack: --cluster, --sampled, thresholds, selectors", () => {
        const o = parse([
            "--stack=src",
            "--cluster",
            "other",
            "--sampled",
            "a=2,b=5",
            "--sampled",
            "c=3",
            "--window",
            "30m",
            "--max-node-gap",
            "2",
            "--max-log-ratio-drift",
            "5%",
            "--max-staleness",
            "90s",
            "--old-metrics-selector",
            '{job="node"}',
            "--old-node-label",
            "hostname",
            "--old-logs-selector",
            '{app="promtail"}',
            "--timeout",
            "2s",
            "--ignore-namespaces",
            "a,b",
            "--loki-tenant",
            "other-tenant",
            "--token-file",
            path.join(root, "token"),
            "--json",
            ...URLS,
        ]);
        assert.equal(o.cluster, "other");
        assert.deepEqual(o.sampling, { a: 2, b: 5, c: 3 });
        assert.equal(o.windowMs, 1_800_000);
        assert.deepEqual(o.thresholds, { maxNodeGap: 2, maxLogRatioDrift: 0.05, maxStalenessSec: 90 });
        assert.equal(o.oldMetricsMatchers, 'job="node"');
        assert.equal(o.oldNodeLabel, "hostname");
        assert.equal(o.oldLogsMatchers, 'app="promtail"');
        assert.equal(o.timeoutMs, 2000);
        assert.equal(o.token, "s3cret");
        assert.equal(o.json, true);
        assert.deepEqual(o.ignoredNamespaces, ["a", "b"]);
        assert.equal(o.lokiTenant, "other-tenant");
        const none = parse(["--stack", "src", "--sampled", "none", "--ignore-namespaces", "none", ...URLS]);
        assert.deepEqual(none.sampling, {});
        assert.deepEqual(none.ignoredNamespaces, []);
    });

    it("takes the URLs from VERIFY_PROMETHEUS_URL / VERIFY_LOKI_URL when the flags are absent", () => {
        const o = parse(["--cluster", "c"], { VERIFY_PROMETHEUS_URL: "http://p:9090/", VERIFY_LOKI_URL: "https://l/prefix" });
        assert.equal(o.prometheusUrl, "http://p:9090");
        assert.equal(o.lokiUrl, "https://l/prefix");
        assert.deepEqual(o.sampling, DEFAULT_SAMPLING, "the rates the program deploys when the hub sets none");
        assert.equal(o.samplingSource, "the program's default; no --stack to read the hub's from");
        assert.deepEqual(o.ignoredNamespaces, ["vector-system"], "the agent's default namespace");
    });

    it("says which flag to pass for every missing or bad input", () => {
        refuses(["--stack", "src", "--loki", "http://l"], /no Prometheus URL: pass --prometheus URL or set VERIFY_PROMETHEUS_URL/);
        refuses(["--stack", "src", "--prometheus", "http://p"], /no Loki URL: pass --loki URL or set VERIFY_LOKI_URL/);
        refuses([...URLS], /--stack NAME \(or --cluster NAME\)/);
        refuses(["--stack", "nope", ...URLS], /no stack file Pulumi\.nope\.yaml/);
        refuses(["--stack", "my stack!", ...URLS], /not a stack name/);
        refuses(
            ["--stack", "nocluster", ...URLS],
            /^the program would refuse Pulumi\.nocluster\.yaml, so verify cannot read it: invalid stack configuration[^]*\n {2}- Pulumi\.nocluster\.yaml: vector-fleet:cluster: got nothing; expected a DNS label/,
        );
        refuses(
            ["--stack", "badsampling", ...URLS],
            /\n {2}- Pulumi\.badsampling\.yaml: vector-fleet:aggregator\.sampling\.a: got 0; expected an integer from 1 to 1000000 \(keep 1 in N\)/,
        );
        refuses(["--cluster", "c", "--window", "1.5h", ...URLS], /--window "1\.5h" is not a duration/);
        refuses(["--cluster", "c", "--window", "30s", ...URLS], /--window must be at least 1m/);
        refuses(["--cluster", "c", "--max-node-gap", "-1", ...URLS], /--max-node-gap/);
        refuses(["--cluster", "c", "--max-log-ratio-drift", "lots", ...URLS], /--max-log-ratio-drift/);
        refuses(["--cluster", "c", "--sampled", "kube-system", ...URLS], /NAMESPACE=N/);
        refuses(["--cluster", "c", "--sampled", "a=0", ...URLS], /whole number ≥ 1/);
        refuses(["--cluster", "c", "--old-metrics-selector", "up", ...URLS], /--old-metrics-selector/);
        refuses(["--cluster", "c", "--old-node-label", "no-dashes", ...URLS], /not a label name/);
        refuses(["--cluster", "c", "--prometheus", "127.0.0.1:9090", "--loki", "http://l"], /--prometheus .* is not a URL|must be an http/);
        refuses(["--cluster", "c", "--prometheus", "http://u:pw@p", "--loki", "http://l"], /no credentials in the URL; use --token-file/);
        refuses(["--cluster", "c", "--token-file", path.join(root, "missing"), ...URLS], /--token-file .*cannot read it \(ENOENT\)/);
        refuses(["--cluster", "c", "--token-file", path.join(root, "empty-token"), ...URLS], /is empty/);
        refuses(["--cluster", "c", "--bogus", ...URLS], /Unknown option '--bogus'/);
    });

    it("--help wins over everything else", () => {
        assert.deepEqual(parseVerifyArgs(["--help", "--window", "nonsense"], {}, root), { help: true });
        assert.deepEqual(parseVerifyArgs(["-h"], {}, root), { help: true });
    });
});

describe("verify: the stack's values are the program's, defaults included", () => {
    const REPO = path.resolve(__dirname, "../../..");
    let root: string;
    before(() => {
        // A copy of the repository's hub and one of its sources, the hub's sampling removed.
        root = mkdtempSync(path.join(tmpdir(), "verify-defaults-"));
        const hub = parseDocument(readFileSync(path.join(REPO, "Pulumi.monitoring.yaml"), "utf8"));
        assert.ok(hub.hasIn(["config", "vector-fleet:aggregator", "sampling"]), "the repository's hub sets sampling: the test removes it");
        hub.deleteIn(["config", "vector-fleet:aggregator", "sampling"]);
        writeFileSync(path.join(root, "Pulumi.monitoring.yaml"), hub.toString());
        copyFileSync(path.join(REPO, "Pulumi.staging.yaml"), path.join(root, "Pulumi.staging.yaml"));
    });
    after(() => rmSync(root, { recursive: true, force: true }));

    it("a hub without sampling: verify expects the rates the program deploys by default, not none", () => {
        const r = parseVerifyArgs(["--stack", "staging", ...URLS], {}, root);
        assert.ok(!r.help);
        const hub = loadStackFile(root, "monitoring");
        assert.ok(hub.role === "hub");
        assert.deepEqual(r.options.sampling, hub.aggregator.sampling, "what the program parses from the same file");
        assert.deepEqual(r.options.sampling, DEFAULT_SAMPLING);
        assert.equal(r.options.samplingSource, "Pulumi.monitoring.yaml");
        const report = formatHuman(evaluate(noObservations("staging"), r.options.thresholds, r.options.sampling, r.options.ignoredNamespaces), {
            stack: "staging",
            prometheusUrl: r.options.prometheusUrl,
            lokiUrl: r.options.lokiUrl,
            samplingSource: r.options.samplingSource,
        });
        assert.match(report, /^ {2}sampled namespaces \(Pulumi\.monitoring\.yaml\): ingress-nginx 1\/5, kube-system 1\/10$/m);
        assert.doesNotMatch(report, /sampled namespaces: none/);
    });
});

/** Observations with nothing seen, enough for the report's header lines. */
function noObservations(cluster: string): Observations {
    return {
        cluster,
        windowMs: 3_600_000,
        at: 0,
        metrics: { vectorNodes: [], oldNodes: [], newestSampleAgeSec: null },
        logs: { vector: {}, old: {}, newestLineAgeSec: null, freshnessLookbackMs: 900_000 },
        queries: [],
    };
}

describe("verify: test support", () => {
    it("explains how to install Prometheus when it is not on PATH", () => {
        const t = findPrometheusTools("/nonexistent-dir");
        assert.equal(t.ok, false);
        assert.match(t.ok ? "" : t.reason, /prometheus and promtool not found on PATH; install them with `apt-get install prometheus`/);
    });
});
