import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { dashboardConfigMap } from "./dashboard";
import { agentPodMonitor, aggregatorPodMonitor, PodMonitor } from "./podmonitors";
import { vectorPrometheusRule } from "./rules";

export interface VectorSelfMonitoringArgs {
    /** The stack's explicit Kubernetes provider. Required. */
    provider: k8s.Provider;
    /** Cluster name, the static `cluster` label on `up`. Required. */
    cluster: string;
    /** Namespace of Prometheus and Grafana: holds the rules and the dashboard. Required. */
    monitoringNamespace: string;
    /** The agent to watch (its component name and namespace); omitted when the stack runs none. */
    agent?: { instance: string; namespace: string };
    /**
     * The aggregators to watch; present on the hub only. Rules and the dashboard are created only
     * with it: the central Prometheus is the one that sees every cluster's remote-written metrics.
     */
    aggregator?: { instance: string; namespace: string; replicas: number };
    /** Namespace of the agents in every cluster, for cAdvisor-based alerts. Default "vector-system". */
    agentNamespace?: string;
}

/** PodMonitors everywhere, alert rules and the Grafana dashboard on the hub (prometheus-operator CRDs required). */
export class VectorSelfMonitoring extends pulumi.ComponentResource {
    constructor(name: string, args: VectorSelfMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vector-fleet:index:VectorSelfMonitoring", name, {}, opts);
        const child = { parent: this, provider: args.provider };
        const cr = (id: string, o: PodMonitor | ReturnType<typeof vectorPrometheusRule>) =>
            new k8s.apiextensions.CustomResource(`${name}-${id}`, { apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata, spec: o.spec }, child);
        if (args.agent) {
            cr("agent-podmonitor", agentPodMonitor({ name: `${args.agent.instance}`, namespace: args.agent.namespace, instance: args.agent.instance, cluster: args.cluster }));
        }
        if (args.aggregator) {
            const a = args.aggregator;
            cr("aggregator-podmonitor", aggregatorPodMonitor({ name: a.instance, namespace: a.namespace, instance: a.instance, cluster: args.cluster }));
            cr(
                "rules",
                vectorPrometheusRule({
                    name: "vector-fleet",
                    namespace: args.monitoringNamespace,
                    aggregatorReplicas: a.replicas,
                    aggregatorNamespace: a.namespace,
                    agentNamespace: args.agentNamespace ?? args.agent?.namespace ?? "vector-system",
                }),
            );
            new k8s.core.v1.ConfigMap(
                `${name}-dashboard`,
                dashboardConfigMap({
                    name: "vector-fleet-dashboard",
                    namespace: args.monitoringNamespace,
                    aggregatorNamespace: a.namespace,
                    agentNamespace: args.agentNamespace ?? args.agent?.namespace ?? "vector-system",
                }),
                child,
            );
        }
        this.registerOutputs({});
    }
}
