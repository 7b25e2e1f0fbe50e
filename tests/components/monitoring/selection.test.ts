/**
 * Whether the Prometheus of a default kube-prometheus-stack sees our PodMonitors and rules, and
 * whether a preview fails when the prometheus-operator CRDs or Prometheus' namespace are missing.
 */
import { strict as assert } from "node:assert";
import { ConfigError } from "../../../config";
import { DEFAULT_SELECTOR_LABELS } from "../../../config/stack";
import { configWarnings } from "../../../tools/render/config-warnings";
import { RunResult, runStack, SimulatedCluster } from "../../../tools/render/simulator";
import { program, fixtureSourceOutputs, fleetStackFile, runHub, sharedHub, sharedSource, stackConfig } from "../../support/fleet";

const CR = "kubernetes:monitoring.coreos.com/v1";
type Meta = { name: string; namespace: string; labels: Record<string, string> };
const objects = (r: RunResult, kind: "PodMonitor" | "PrometheusRule") =>
    r.resources.filter((x) => x.type === `${CR}:${kind}`).map((x) => x.inputs.metadata as Meta);

/**
 * A label selector's matchLabels: every pair must be on the object. kube-prometheus-stack sets the
 * Prometheus' podMonitorSelector and ruleSelector to `matchLabels: { release: <Helm release> }`
 * when `prometheus.prometheusSpec.{podMonitor,rule}SelectorNilUsesHelmValues` is true, its default
 * (prometheus-community/helm-charts charts/kube-prometheus-stack values.yaml and
 * templates/prometheus/prometheus.yaml).
 */
const selects = (matchLabels: Record<string, string>, labels: Record<string, string>) => Object.entries(matchLabels).every(([k, v]) => labels[k] === v);
const chartDefaultSelector = (release: string) => ({ release });

/** Whether the hub renders the signal alerts (issue 19): its aggregators take the new signals. */

describe("self-monitoring objects a Prometheus selects (monitoring.selectorLabels)", () => {
    it("defaults to release=kube-prometheus-stack, which the chart's default selector of that release name picks up", async () => {
        assert.deepEqual(DEFAULT_SELECTOR_LABELS, { release: "kube-prometheus-stack" });
        const hub = await sharedHub();
        const [monitors, rules] = [objects(hub, "PodMonitor"), objects(hub, "PrometheusRule")];
        assert.ok(monitors.length > 0 && rules.length > 0, "the walk sees both kinds");
        const all = [...monitors, ...rules];
        for (const m of all)
            assert.ok(selects(chartDefaultSelector("kube-prometheus-stack"), m.labels), `${m.namespace}/${m.name}: ${JSON.stringify(m.labels)}`);
        // ...and a release of another name does not: hence the setting and the render warning.
        for (const m of all) assert.equal(selects(chartDefaultSelector("prometheus"), m.labels), false);
    });

    it("labels every PodMonitor and the PrometheusRule with the configured labels", async () => {
        const r = await runHub({ monitoring: { selectorLabels: { release: "prometheus", "example.com/team": "platform" } } });
        const [monitors, rules] = [objects(r, "PodMonitor"), objects(r, "PrometheusRule")];
        assert.ok(monitors.length > 0 && rules.length > 0, "the walk sees both kinds");
        const all = [...monitors, ...rules];
        for (const m of all) {
            assert.ok(selects(chartDefaultSelector("prometheus"), m.labels));
            assert.equal(m.labels["example.com/team"], "platform");
        }
    });

    it("accepts {} for a Prometheus that selects every PodMonitor", async () => {
        const r = await runHub({ monitoring: { selectorLabels: {} } });
        for (const m of objects(r, "PodMonitor")) assert.equal(m.labels.release, undefined);
    });

    const problems = async (selectorLabels: unknown) =>
        runStack(program, {
            project: "vector-fleet",
            stack: "staging",
            ...stackConfig("staging", { monitoring: { selectorLabels } }),
            stackOutputs: { monitoring: (await sharedHub()).outputs },
        }).then(
            () => assert.fail("accepted"),
            (e: unknown) => {
                assert.ok(e instanceof ConfigError, String(e));
                return e.problems.map((p) => `${p.path}: got ${p.value}; expected ${p.expected}`);
            },
        );

    it("refuses label keys and values Kubernetes refuses, and a non-map", async () => {
        assert.deepEqual(await problems({ "bad key!": "x" }), [
            'vector-fleet:monitoring.selectorLabels.bad key!: got "bad key!"; expected a Kubernetes label key: [prefix/]name, name at most 63 of A-Z a-z 0-9 - _ . starting and ending alphanumeric',
        ]);
        assert.deepEqual(await problems({ release: "-x-" }), [
            'vector-fleet:monitoring.selectorLabels.release: got "-x-"; expected a Kubernetes label value (at most 63 of A-Z a-z 0-9 - _ . starting and ending alphanumeric)',
        ]);
        assert.deepEqual(await problems({ release: "x".repeat(64) }), [
            `vector-fleet:monitoring.selectorLabels.release: got "${"x".repeat(64)}"; expected a Kubernetes label value (at most 63 of A-Z a-z 0-9 - _ . starting and ending alphanumeric) of at most 63 characters`,
        ]);
        const [notMap] = await problems("release=prometheus");
        assert.match(notMap, /^vector-fleet:monitoring\.selectorLabels: got "release=prometheus"; expected a map from a Kubernetes label key/);
    });

    describe("render warning", () => {
        const file = (monitoring?: unknown) => {
            const f = fleetStackFile("staging");
            if (monitoring === undefined) delete f.config["vector-fleet:monitoring"];
            else f.config["vector-fleet:monitoring"] = JSON.stringify(monitoring);
            return f;
        };
        it("warns when the labels are left unset", () => {
            assert.deepEqual(
                configWarnings(file()).map((w) => w.code),
                ["selector-labels-unset"],
            );
            assert.match(
                configWarnings(file({ namespace: "monitoring" }))[0].message,
                /^monitoring\.selectorLabels is unset: the PodMonitors carry the default release=kube-prometheus-stack/,
            );
        });
        it("says nothing once they are set, or where self-monitoring is off", () => {
            assert.deepEqual(configWarnings(file({ selectorLabels: { release: "kube-prometheus-stack" } })), []);
            assert.deepEqual(configWarnings(file({ enabled: false })), []);
        });
    });
});

describe("self-monitoring under a real preview", () => {
    const names = (deps: string[] | undefined) => (deps ?? []).map((u) => u.split("::").pop());

    it("creates each PodMonitor after the namespace it lives in (the component creating it), and the rules after Prometheus' namespace is read", async () => {
        const hub = await sharedHub();
        const byName = (n: string) => hub.resources.find((r) => r.name === n)!;
        assert.ok(names(byName("vector-monitoring-agent-podmonitor").dependencies).includes("vector-agent-namespace"));
        assert.ok(names(byName("vector-monitoring-aggregator-podmonitor").dependencies).includes("vector-aggregator-namespace"));
        assert.ok(names(byName("vector-monitoring-rules").dependencies).some((n) => n?.startsWith("vector-monitoring-namespace monitoring")));
        const staging = await sharedSource("staging");
        assert.ok(names(staging.resources.find((r) => r.name === "vector-monitoring-agent-podmonitor")!.dependencies).includes("vector-agent-namespace"));
    });

    it("reads the prometheus-operator CRDs it needs (pulumi-kubernetes previews a CR of an unknown kind without complaint)", async () => {
        const hub = await sharedHub();
        const crds = (hub.reads ?? [])
            .filter((r) => r.type.endsWith(":CustomResourceDefinition"))
            .map((r) => r.id)
            .sort();
        assert.deepEqual(crds, ["podmonitors.monitoring.coreos.com", "prometheusrules.monitoring.coreos.com"]);
        const staging = await sharedSource("staging");
        assert.deepEqual(
            (staging.reads ?? []).filter((r) => r.type.endsWith(":CustomResourceDefinition")).map((r) => r.id),
            ["podmonitors.monitoring.coreos.com"],
        );
        const management = await sharedSource("management");
        assert.deepEqual(management.reads ?? [], [], "monitoring.enabled: false reads nothing");
    });

    const hubIn = async (cluster: SimulatedCluster) =>
        runStack(program, { project: "vector-fleet", stack: "monitoring", ...stackConfig("monitoring"), cluster, stackOutputs: await fixtureSourceOutputs() });

    it("fails the preview with the missing CRD and the fix when the prometheus-operator CRDs are absent", async () => {
        await assert.rejects(hubIn({ crds: ["podmonitors.monitoring.coreos.com"] }), (e: Error) => {
            assert.equal(
                e.message,
                "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition (vector-monitoring-crd prometheusrules.monitoring.coreos.com (prometheus-operator CRD; install the kube-prometheus-stack CRDs, or set vector-fleet monitoring.enabled to false)): " +
                    "error: resource 'prometheusrules.monitoring.coreos.com' does not exist",
            );
            return true;
        });
    });

    it("fails the preview when Prometheus' namespace does not exist", async () => {
        await assert.rejects(
            hubIn({ namespaces: ["kube-system"] }),
            /Namespace \(vector-monitoring-namespace monitoring \(where the alert rules and the dashboard go; create it, or set vector-fleet monitoring\.namespace\)\): error: resource 'monitoring' does not exist$/,
        );
    });

    it("renders when they exist", async () => {
        const r = await hubIn({ crds: ["podmonitors.monitoring.coreos.com", "prometheusrules.monitoring.coreos.com"], namespaces: ["monitoring"] });
        assert.equal(objects(r, "PodMonitor").length, 2);
    });
});
