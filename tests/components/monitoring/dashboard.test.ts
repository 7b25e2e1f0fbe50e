import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Dashboard, DASHBOARD_FILE, dashboardConfigMap, GridPos, vectorDashboard } from "../../../components/monitoring";
import { deprecatedNamesIn, unknownMetricsIn } from "../../support/promtool/support";

const DASHBOARD_DOC = readFileSync(join(__dirname, "../../..", "docs", "dashboard.md"), "utf8");

/** Grafana's built-in variables; everything else must be defined in templating. */
const BUILTINS = new Set(["__rate_interval", "__interval", "__range", "__interval_ms", "__range_s"]);

const variablesUsed = (text: string) => [...text.matchAll(/\$\{?(\w+)\}?/g)].map((m) => m[1]);

const overlaps = (a: GridPos, b: GridPos) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

describe("monitoring: dashboard", () => {
    const d: Dashboard = vectorDashboard();

    it("is the dashboard itself at top level: no `dashboard` wrapper, no numeric id, a fixed uid", () => {
        const keys = Object.keys(d);
        assert.ok(!keys.includes("dashboard"));
        assert.ok(!keys.includes("id"), "provisioned dashboards must not carry a database id");
        assert.equal(d.uid, "vector-fleet");
        assert.equal(d.title, "Vector fleet");
        assert.ok(Array.isArray(d.panels) && d.panels.length > 0);
    });

    it("has the expected panels, in reading order", () => {
        assert.deepStrictEqual(
            d.panels.map((p) => `${p.type}: ${p.title} [${p.fieldConfig.defaults.unit}]`),
            [
                "stat: Freshness by cluster [s]",
                "timeseries: Events in / out per second by cluster [cps]",
                "timeseries: Bytes in / out per second by cluster [Bps]",
                "timeseries: Errors by component and error type [cps]",
                "timeseries: Discarded events [cps]",
                "timeseries: Buffer usage (fullest instance) [percentunit]",
                "timeseries: Utilization by component (busiest instance) [percentunit]",
                "timeseries: Agent memory (working set) [bytes]",
                "timeseries: Agent CPU (cores) [short]",
                "timeseries: Aggregator memory (working set) [bytes]",
                "timeseries: Aggregator CPU (cores) [short]",
                "timeseries: Heartbeats delivered by cluster [percentunit]",
                "timeseries: Heartbeats delivered, worst nodes [percentunit]",
                "timeseries: Heartbeat latency p99 by cluster [s]",
            ],
        );
    });

    it("every panel: unique id, datasource ${datasource}, targets with non-empty expr and unique refId, a unit", () => {
        assert.equal(new Set(d.panels.map((p) => p.id)).size, d.panels.length);
        for (const p of d.panels) {
            assert.ok(Number.isInteger(p.id) && p.id > 0, p.title);
            assert.deepStrictEqual(p.datasource, { type: "prometheus", uid: "${datasource}" }, p.title);
            assert.ok(p.targets.length > 0, p.title);
            assert.equal(new Set(p.targets.map((t) => t.refId)).size, p.targets.length, p.title);
            for (const t of p.targets) {
                assert.ok(t.expr.trim().length > 0, `${p.title} ${t.refId}`);
                assert.match(t.refId, /^[A-Z]$/);
                assert.deepStrictEqual(t.datasource, p.datasource, `${p.title} ${t.refId}`);
                assert.ok(t.legendFormat.length > 0, `${p.title} ${t.refId}`);
            }
            assert.ok(["cps", "Bps", "percentunit", "s", "bytes", "short"].includes(p.fieldConfig.defaults.unit), p.title);
            if (p.fieldConfig.defaults.unit === "percentunit") {
                assert.equal(p.fieldConfig.defaults.min, 0, p.title);
                assert.equal(p.fieldConfig.defaults.max, 1, p.title);
            }
            assert.ok(p.description.length > 0, p.title);
        }
    });

    it("gridPos: inside 24 columns, positive sizes, no two panels overlapping", () => {
        for (const p of d.panels) {
            const g = p.gridPos;
            assert.ok(Number.isInteger(g.x) && Number.isInteger(g.y) && Number.isInteger(g.w) && Number.isInteger(g.h), p.title);
            assert.ok(g.x >= 0 && g.y >= 0 && g.w > 0 && g.h > 0, p.title);
            assert.ok(g.x + g.w <= 24, `${p.title}: x ${g.x} + w ${g.w} > 24`);
        }
        for (const [i, a] of d.panels.entries()) {
            for (const b of d.panels.slice(i + 1)) assert.ok(!overlaps(a.gridPos, b.gridPos), `${a.title} overlaps ${b.title}`);
        }
    });

    it("variables: datasource, cluster (multi, all), component (depends on cluster)", () => {
        const [ds, cluster, component] = d.templating.list;
        assert.deepStrictEqual(
            d.templating.list.map((v) => `${v.type} ${v.name}`),
            ["datasource datasource", "query cluster", "query component"],
        );
        assert.equal(ds.type === "datasource" && ds.query, "prometheus");
        assert.ok(cluster.type === "query" && component.type === "query");
        assert.equal(cluster.query, "label_values(vector_uptime_seconds, cluster)");
        assert.deepStrictEqual([cluster.multi, cluster.includeAll, cluster.allValue], [true, true, ".*"]);
        assert.deepStrictEqual(cluster.datasource, { type: "prometheus", uid: "${datasource}" });
        assert.match(component.query, /^label_values\(\w+\{cluster=~"\$cluster"\}, component_id\)$/);
        assert.deepStrictEqual([component.multi, component.includeAll], [true, true]);
        assert.equal(cluster.definition, cluster.query);
        assert.equal(component.definition, component.query);
    });

    it("every $variable used in an expression or variable query is defined (before its use, for variables)", () => {
        const names = d.templating.list.map((v) => v.name);
        for (const p of d.panels) {
            for (const t of p.targets) {
                for (const v of variablesUsed(t.expr)) assert.ok(BUILTINS.has(v) || names.includes(v), `${p.title} ${t.refId}: $${v} undefined`);
            }
        }
        d.templating.list.forEach((v, i) => {
            if (v.type !== "query") return;
            for (const used of variablesUsed(v.query)) {
                const at = names.indexOf(used);
                assert.ok(at >= 0 && at < i, `variable ${v.name} uses $${used}, not defined before it`);
            }
        });
        // Both our variables are actually used somewhere.
        const allExprs = d.panels.flatMap((p) => p.targets.map((t) => t.expr)).join("\n");
        assert.match(allExprs, /\$cluster/);
        assert.match(allExprs, /\$component/);
    });

    it("uses only metrics of the contract, never a deprecated name", () => {
        for (const p of d.panels) for (const t of p.targets) assert.deepStrictEqual(unknownMetricsIn(t.expr), [], `${p.title} ${t.refId}`);
        assert.deepStrictEqual(deprecatedNamesIn(JSON.stringify(d)), []);
        assert.deepStrictEqual(deprecatedNamesIn(DASHBOARD_DOC), []);
    });

    it("namespaces are parameters of the resource panels; aggregators are not filtered by $cluster", () => {
        const custom = vectorDashboard({ agentNamespace: "logs-agents", aggregatorNamespace: "logs-hub" });
        const exprs = (title: string) =>
            custom.panels
                .find((p) => p.title === title)!
                .targets.map((t) => t.expr)
                .join("\n");
        assert.match(exprs("Agent memory (working set)"), /namespace="logs-agents", container="vector"/);
        assert.match(exprs("Agent CPU (cores)"), /cluster=~"\$cluster", namespace="logs-agents"/);
        assert.match(exprs("Aggregator memory (working set)"), /\{namespace="logs-hub", container="vector"\}/);
        assert.doesNotMatch(exprs("Aggregator CPU (cores)"), /\$cluster/);
        assert.doesNotMatch(JSON.stringify(custom), /vector-system|"vector-aggregator/);
        assert.throws(() => vectorDashboard({ agentNamespace: "Bad Namespace" }), /agentNamespace/);
    });

    it("is deterministic", () => {
        assert.equal(JSON.stringify(vectorDashboard()), JSON.stringify(d));
    });

    it("docs/dashboard.md describes every panel", () => {
        for (const p of d.panels) assert.ok(DASHBOARD_DOC.includes(`### ${p.title}`), `docs/dashboard.md lacks "### ${p.title}"`);
    });
});

describe("monitoring: dashboard ConfigMap", () => {
    it("whole object: sidecar label, the JSON under vector-fleet.json", () => {
        const cm = dashboardConfigMap({ name: "vector-fleet-dashboard", namespace: "monitoring" });
        assert.deepStrictEqual(Object.keys(cm), ["apiVersion", "kind", "metadata", "data"]);
        assert.equal(cm.apiVersion, "v1");
        assert.equal(cm.kind, "ConfigMap");
        assert.deepStrictEqual(cm.metadata, {
            name: "vector-fleet-dashboard",
            namespace: "monitoring",
            labels: {
                "app.kubernetes.io/name": "vector",
                "app.kubernetes.io/component": "monitoring",
                "app.kubernetes.io/part-of": "vector-fleet",
                "app.kubernetes.io/managed-by": "pulumi",
                grafana_dashboard: "1",
            },
        });
        assert.equal(DASHBOARD_FILE, "vector-fleet.json");
        const data = cm.data as Record<string, string>;
        assert.deepStrictEqual(Object.keys(data), ["vector-fleet.json"]);
        assert.equal(data["vector-fleet.json"], `${JSON.stringify(vectorDashboard(), null, 2)}\n`);
    });

    it("the JSON parses back to the same dashboard, with no `dashboard` wrapper", () => {
        const cm = dashboardConfigMap({ name: "d", namespace: "monitoring" });
        const parsed = JSON.parse((cm.data as Record<string, string>)["vector-fleet.json"]) as Record<string, unknown>;
        assert.ok(!("dashboard" in parsed));
        assert.deepStrictEqual(parsed, vectorDashboard());
    });

    it("extra labels are added, but cannot unset grafana_dashboard; namespaces reach the dashboard", () => {
        const cm = dashboardConfigMap({
            name: "d",
            namespace: "grafana",
            labels: { grafana_dashboard: "0", team: "platform" },
            agentNamespace: "logs-agents",
            aggregatorNamespace: "logs-hub",
        });
        assert.equal(cm.metadata.namespace, "grafana");
        const labels = cm.metadata.labels as Record<string, string>;
        assert.equal(labels.grafana_dashboard, "1");
        assert.equal(labels.team, "platform");
        const parsed = JSON.parse((cm.data as Record<string, string>)["vector-fleet.json"]) as Dashboard;
        assert.deepStrictEqual(parsed, vectorDashboard({ agentNamespace: "logs-agents", aggregatorNamespace: "logs-hub" }));
    });

    it("is deterministic, byte for byte", () => {
        const a = dashboardConfigMap({ name: "d", namespace: "monitoring" });
        const b = dashboardConfigMap({ name: "d", namespace: "monitoring" });
        assert.equal(JSON.stringify(a), JSON.stringify(b));
    });
});
