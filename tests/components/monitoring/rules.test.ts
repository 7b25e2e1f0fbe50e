import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import {
    DEFAULT_RUNBOOK_BASE_URL,
    PrometheusAlertingRule,
    PrometheusRuleFile,
    promtoolRuleFile,
    quorum,
    vectorAlertRules,
    vectorDashboard,
    vectorPrometheusRule,
} from "../../../components/monitoring";
import { ALL_TESTED_ALERTS, RULE_TEST_SETTINGS, ruleTestFile } from "../../support/promtool/rule-tests";
import { deprecatedNamesIn, unknownMetricsIn } from "../../support/promtool/support";
import { snapshots } from "../../support/snapshot";

const matchSnapshot = snapshots(__filename);

const RUNBOOKS = readFileSync(join(__dirname, "../../..", "docs", "runbooks.md"), "utf8");

const alertsOf = (file: PrometheusRuleFile) => file.groups.flatMap((g) => g.rules.filter((r): r is PrometheusAlertingRule => "alert" in r));

/** GitHub's heading slug: lower-case, punctuation other than '-' and '_' removed, spaces to '-'. */
const slug = (heading: string) =>
    heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-");

/** `## Heading` sections of a markdown file: slug -> body. */
function sections(markdown: string): Map<string, string> {
    const out = new Map<string, string>();
    const parts = markdown.split(/^## /m).slice(1);
    for (const part of parts) {
        const newline = part.indexOf("\n");
        out.set(slug(part.slice(0, newline)), part.slice(newline + 1));
    }
    return out;
}

describe("monitoring: alert rules", () => {
    const rule = vectorPrometheusRule({ name: "vector-fleet", namespace: "monitoring" });
    const alerts = alertsOf(promtoolRuleFile(rule));

    it("PrometheusRule: object shape, groups and alerts in a fixed order", () => {
        assert.equal(rule.apiVersion, "monitoring.coreos.com/v1");
        assert.equal(rule.kind, "PrometheusRule");
        // The whole object, every expression included, with groups and rules in their order.
        matchSnapshot("prometheusrule.yaml", rule);
    });

    it("every alert: unique name, severity, summary, description, runbook_url into docs/runbooks.md, and nothing else", () => {
        assert.equal(new Set(alerts.map((a) => a.alert)).size, alerts.length);
        for (const a of alerts) {
            assert.deepStrictEqual(Object.keys(a), ["alert", "expr", "for", "labels", "annotations"], a.alert);
            assert.deepStrictEqual(Object.keys(a.labels), ["severity"], a.alert);
            assert.ok(["critical", "warning", "info"].includes(a.labels.severity), a.alert);
            assert.deepStrictEqual(Object.keys(a.annotations), ["summary", "description", "runbook_url"], a.alert);
            assert.ok(a.annotations.summary.length > 10 && !a.annotations.summary.includes("\n"), `${a.alert}: one-line summary`);
            assert.ok(a.annotations.description.length > a.annotations.summary.length, `${a.alert}: description says more than summary`);
            assert.equal(a.annotations.runbook_url, `docs/runbooks.md#${a.alert.toLowerCase()}`);
            assert.ok(a.expr.trim().length > 0, a.alert);
        }
    });

    it("docs/runbooks.md has a section per alert, at the anchor its runbook_url points to, with meaning, impact, diagnosis and fix", () => {
        const bySlug = sections(RUNBOOKS);
        for (const a of alerts) {
            const anchor = a.annotations.runbook_url.split("#")[1];
            const body = bySlug.get(anchor);
            assert.ok(body !== undefined, `docs/runbooks.md has no "## ${a.alert}" section (anchor #${anchor})`);
            for (const part of ["Meaning", "Impact", "Diagnosis", "Fix"]) {
                assert.match(body, new RegExp(`^### ${part}$`, "m"), `${a.alert}: runbook lacks "### ${part}"`);
            }
        }
    });

    it("runbookBaseUrl and labels parameters", () => {
        const base = "https://github.com/example/vector-fleet/blob/main/docs/runbooks.md";
        const r = vectorPrometheusRule({ name: "r", namespace: "monitoring", runbookBaseUrl: base, labels: { release: "kube-prometheus-stack" } });
        assert.equal(r.metadata.labels.release, "kube-prometheus-stack");
        for (const a of alertsOf(promtoolRuleFile(r))) assert.equal(a.annotations.runbook_url, `${base}#${a.alert.toLowerCase()}`);
        assert.equal(DEFAULT_RUNBOOK_BASE_URL, "docs/runbooks.md");
    });

    it("quorum is floor(n/2)+1 and the aggregator alerts follow the replica count", () => {
        assert.deepStrictEqual([1, 2, 3, 4, 5, 6, 7].map(quorum), [1, 2, 2, 3, 3, 4, 4]);
        const byName = (replicas: number) => new Map(vectorAlertRules({ aggregatorReplicas: replicas }).map((r) => [r.alert, r]));
        const five = byName(5);
        assert.match(five.get("VectorAggregatorReplicasBelowQuorum")!.expr, /\) < 3$/);
        assert.match(five.get("VectorAggregatorReplicasBelowQuorum")!.summary, /of 5 .*\(quorum 3\)/);
        assert.match(five.get("VectorAggregatorReplicasDegraded")!.expr, /\) < 5\nand\n.*\) >= 3$/);
        // With 1 or 2 replicas quorum is all of them: "degraded but at quorum" cannot happen.
        assert.equal(byName(1).has("VectorAggregatorReplicasDegraded"), false);
        assert.equal(byName(2).has("VectorAggregatorReplicasDegraded"), false);
        assert.match(byName(1).get("VectorAggregatorReplicasBelowQuorum")!.expr, /\) < 1$/);
    });

    it("namespaces are parameters: memory and aggregator-up selectors use them", () => {
        const rules = new Map(vectorAlertRules({ agentNamespace: "logs-agents", aggregatorNamespace: "logs-hub" }).map((r) => [r.alert, r]));
        const mem = rules.get("VectorHighMemoryUsage")!.expr;
        assert.equal((mem.match(/namespace=~"logs-agents\|logs-hub"/g) ?? []).length, 2, mem);
        assert.match(rules.get("VectorAggregatorReplicasBelowQuorum")!.expr, /up\{job="vector-aggregator", namespace="logs-hub"\}/);
        assert.doesNotMatch(JSON.stringify([...rules.values()]), /vector-system|vector-aggregator"/);
        // The same namespace twice is one alternative.
        const same = vectorAlertRules({ agentNamespace: "vector", aggregatorNamespace: "vector" }).find((r) => r.alert === "VectorHighMemoryUsage")!;
        assert.match(same.expr, /namespace=~"vector"/);
    });

    it("unset (undefined) settings keep the defaults; invalid ones are refused", () => {
        assert.deepStrictEqual(
            vectorPrometheusRule({ name: "vector-fleet", namespace: "monitoring", aggregatorReplicas: undefined, agentNamespace: undefined }),
            rule,
        );
        assert.throws(() => vectorAlertRules({ aggregatorReplicas: 0 }), /aggregatorReplicas/);
        assert.throws(() => vectorAlertRules({ aggregatorReplicas: 2.5 }), /aggregatorReplicas/);
        assert.throws(() => vectorAlertRules({ agentNamespace: 'x"}' }), /agentNamespace/);
        assert.throws(() => vectorAlertRules({ aggregatorNamespace: "Vector_Aggregator" }), /aggregatorNamespace/);
        assert.throws(() => vectorPrometheusRule({ name: "", namespace: "monitoring" }), /name/);
    });

    it("is deterministic", () => {
        const again = vectorPrometheusRule({ name: "vector-fleet", namespace: "monitoring" });
        assert.equal(stringify(again), stringify(rule));
    });

    it("promtoolRuleFile is the CRD's groups, unchanged", () => {
        assert.deepStrictEqual(promtoolRuleFile(rule), { groups: rule.spec.groups });
    });

    it("the metric-name checks below detect what they should (so they cannot pass vacuously)", () => {
        assert.deepStrictEqual(deprecatedNamesIn('rate(vector_errors_total[5m]) + vector_buffer_events{vector_role="agent"}'), [
            "vector_errors_total",
            "vector_buffer_events",
        ]);
        assert.deepStrictEqual(deprecatedNamesIn("vector_component_errors_total vector_buffer_size_events"), []);
        assert.deepStrictEqual(unknownMetricsIn('vector_component_error_total{vector_role="agent"} / container_memory_usage_bytes'), [
            "vector_component_error_total",
            "container_memory_usage_bytes",
        ]);
        assert.deepStrictEqual(unknownMetricsIn('vector_uptime_seconds{vector_role="agent"} or vector(0)'), []);
    });

    it("uses only metrics of the contract, and no deprecated Vector metric name anywhere", () => {
        for (const a of alerts) assert.deepStrictEqual(unknownMetricsIn(a.expr), [], a.alert);
        assert.deepStrictEqual(deprecatedNamesIn(JSON.stringify(rule)), []);
        assert.deepStrictEqual(deprecatedNamesIn(JSON.stringify(vectorDashboard())), []);
        assert.deepStrictEqual(deprecatedNamesIn(RUNBOOKS), []);
    });

    it("the promtool fixtures cover every alert, firing and not firing", () => {
        const names = vectorAlertRules(RULE_TEST_SETTINGS).map((r) => r.alert);
        assert.deepStrictEqual([...ALL_TESTED_ALERTS].sort(), [...names].sort());
        const cases = ruleTestFile("rules.yaml").tests.flatMap((g) => g.alert_rule_test);
        for (const name of names) {
            assert.ok(
                cases.some((c) => c.alertname === name && c.exp_alerts.length > 0),
                `${name}: no case where it fires`,
            );
            assert.ok(
                cases.some((c) => c.alertname === name && c.exp_alerts.length === 0),
                `${name}: no case where it stays silent`,
            );
        }
        for (const c of cases) assert.ok(names.includes(c.alertname), `fixture tests unknown alert ${c.alertname}`);
    });
});
