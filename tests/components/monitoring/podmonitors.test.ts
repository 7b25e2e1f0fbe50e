import { strict as assert } from "node:assert";
import { AGENT_JOB, AGGREGATOR_JOB, agentPodMonitor, aggregatorPodMonitor, PodMonitor, PodMonitorSpec, RelabelConfig } from "../../../components/monitoring";

const dropEverything: RelabelConfig[] = [{ sourceLabels: ["__name__"], regex: ".+", action: "drop" }];

const relabelings = (cluster: string, job: string): RelabelConfig[] => [
    { targetLabel: "cluster", replacement: cluster, action: "replace" },
    { sourceLabels: ["__meta_kubernetes_pod_node_name"], targetLabel: "node", action: "replace" },
    { sourceLabels: ["__meta_kubernetes_pod_name"], targetLabel: "pod", action: "replace" },
    { targetLabel: "job", replacement: job, action: "replace" },
];

describe("monitoring: PodMonitors", () => {
    it("agent PodMonitor, defaults: in the agents' namespace, up only, labelled with cluster/node/pod/job", () => {
        const expected: PodMonitor = {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PodMonitor",
            metadata: {
                name: "vector-agent",
                namespace: "vector-system",
                labels: {
                    "app.kubernetes.io/name": "vector",
                    "app.kubernetes.io/component": "agent",
                    "app.kubernetes.io/instance": "vector-agent",
                    "app.kubernetes.io/part-of": "vector-fleet",
                    "app.kubernetes.io/managed-by": "pulumi",
                },
            },
            spec: {
                selector: {
                    matchLabels: {
                        "app.kubernetes.io/name": "vector",
                        "app.kubernetes.io/component": "agent",
                        "app.kubernetes.io/instance": "vector-agent",
                    },
                },
                namespaceSelector: { matchNames: ["vector-system"] },
                podMetricsEndpoints: [
                    {
                        port: "metrics",
                        path: "/metrics",
                        interval: "30s",
                        relabelings: relabelings("dev", "vector-agent"),
                        metricRelabelings: dropEverything,
                    },
                ],
            },
        };
        assert.deepStrictEqual(agentPodMonitor({ name: "vector-agent", namespace: "vector-system", instance: "vector-agent", cluster: "dev" }), expected);
        assert.equal(AGENT_JOB, "vector-agent");
    });

    it("aggregator PodMonitor, defaults", () => {
        const expected: PodMonitor = {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PodMonitor",
            metadata: {
                name: "vector-aggregator",
                namespace: "vector-aggregator",
                labels: {
                    "app.kubernetes.io/name": "vector",
                    "app.kubernetes.io/component": "aggregator",
                    "app.kubernetes.io/instance": "vector-aggregator",
                    "app.kubernetes.io/part-of": "vector-fleet",
                    "app.kubernetes.io/managed-by": "pulumi",
                },
            },
            spec: {
                selector: {
                    matchLabels: {
                        "app.kubernetes.io/name": "vector",
                        "app.kubernetes.io/component": "aggregator",
                        "app.kubernetes.io/instance": "vector-aggregator",
                    },
                },
                namespaceSelector: { matchNames: ["vector-aggregator"] },
                podMetricsEndpoints: [
                    {
                        port: "metrics",
                        path: "/metrics",
                        interval: "30s",
                        relabelings: relabelings("monitoring", "vector-aggregator"),
                        metricRelabelings: dropEverything,
                    },
                ],
            },
        };
        assert.deepStrictEqual(
            aggregatorPodMonitor({ name: "vector-aggregator", namespace: "vector-aggregator", instance: "vector-aggregator", cluster: "monitoring" }),
            expected,
        );
        assert.equal(AGGREGATOR_JOB, "vector-aggregator");
    });

    it("overrides: object in the monitoring namespace, extra labels, interval; pods still found in their own namespace", () => {
        const pm = aggregatorPodMonitor({
            name: "fleet-aggregators",
            namespace: "logs",
            instance: "agg",
            cluster: "hub",
            monitoringNamespace: "monitoring",
            labels: { release: "kube-prometheus-stack" },
            interval: "15s",
        });
        const expected: PodMonitor = {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PodMonitor",
            metadata: {
                name: "fleet-aggregators",
                namespace: "monitoring",
                labels: {
                    "app.kubernetes.io/name": "vector",
                    "app.kubernetes.io/component": "aggregator",
                    "app.kubernetes.io/instance": "agg",
                    "app.kubernetes.io/part-of": "vector-fleet",
                    "app.kubernetes.io/managed-by": "pulumi",
                    release: "kube-prometheus-stack",
                },
            },
            spec: {
                selector: {
                    matchLabels: {
                        "app.kubernetes.io/name": "vector",
                        "app.kubernetes.io/component": "aggregator",
                        "app.kubernetes.io/instance": "agg",
                    },
                },
                namespaceSelector: { matchNames: ["logs"] },
                podMetricsEndpoints: [
                    {
                        port: "metrics",
                        path: "/metrics",
                        interval: "15s",
                        relabelings: relabelings("hub", "vector-aggregator"),
                        metricRelabelings: dropEverything,
                    },
                ],
            },
        };
        assert.deepStrictEqual(pm, expected);

        const agent = agentPodMonitor({ name: "a", namespace: "agents", instance: "a", cluster: "staging", monitoringNamespace: "monitoring" });
        assert.equal(agent.metadata.namespace, "monitoring");
        assert.deepStrictEqual(agent.spec.namespaceSelector, { matchNames: ["agents"] });
        assert.deepStrictEqual(agent.spec.podMetricsEndpoints[0].relabelings, relabelings("staging", "vector-agent"));
    });

    it("is deterministic", () => {
        const s = { name: "x", namespace: "vector-system", instance: "x", cluster: "dev" };
        assert.equal(JSON.stringify(agentPodMonitor(s)), JSON.stringify(agentPodMonitor(s)));
    });

    it("rejects settings that would produce a broken object", () => {
        const ok = { name: "x", namespace: "vector-system", instance: "x", cluster: "dev" };
        assert.throws(() => agentPodMonitor({ ...ok, cluster: "" }), /cluster/);
        assert.throws(() => agentPodMonitor({ ...ok, name: "" }), /name/);
        assert.throws(() => agentPodMonitor({ ...ok, namespace: "Vector_System" }), /namespace.*DNS-1123/);
        assert.throws(() => aggregatorPodMonitor({ ...ok, monitoringNamespace: "" }), /monitoringNamespace/);
    });

    it("the PodMonitor type rejects misspelt CRD fields at compile time", () => {
        // Checked by `tsc --noEmit`: an unused @ts-expect-error is itself an error.
        const spec: PodMonitorSpec = {
            selector: { matchLabels: {} },
            namespaceSelector: { matchNames: [] },
            podMetricsEndpoints: [
                {
                    port: "metrics",
                    // @ts-expect-error metricsRelabelings is not a PodMetricsEndpoint field (metricRelabelings is)
                    metricsRelabelings: [],
                },
            ],
        };
        assert.ok(spec);
    });
});
