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
    /**
     * Labels on the PodMonitors and the PrometheusRule, for the Prometheus' podMonitorSelector and
     * ruleSelector (a default kube-prometheus-stack selects `release: <release name>`).
     * @default {} : for a Prometheus that selects every PodMonitor and rule.
     */
    selectorLabels?: Record<string, string>;
    /**
     * The agent to watch (its component name and namespace).
     * @default undefined : the stack runs no agent.
     * `dependsOn`: what creates its namespace (the agent component), so the PodMonitor is not
     * created into a namespace that does not exist yet.
     */
    agent?: { instance: string; namespace: string; dependsOn?: pulumi.Resource[] };
    /**
     * The aggregators to watch; present on the hub only. Rules and the dashboard are created only
     * with it: the central Prometheus is the one that sees every cluster's remote-written metrics.
     * @default undefined : a source stack, which has no aggregators.
     */
    aggregator?: { instance: string; namespace: string; replicas: number; dependsOn?: pulumi.Resource[] };
    /**
     * Namespace of the agents in every cluster, for cAdvisor-based alerts.
     * @default the watched agent's namespace, else "vector-system" (the config's default).
     */
    agentNamespace?: string;
}

/** The prometheus-operator CRDs the objects need, by kind. */
export const REQUIRED_CRDS = { PodMonitor: "podmonitors.monitoring.coreos.com", PrometheusRule: "prometheusrules.monitoring.coreos.com" } as const;

/**
 * Names of the preview-time reads. pulumi-kubernetes lets a custom resource of an unknown kind
 * through preview (provider/pkg/provider/provider.go: Check finds no schema and, with
 * `rejectUnknownResources` off, accepts it; Create skips the preview when the GVK does not exist),
 * so only `up` would fail. A read fails the preview when the object is missing, and the
 * engine prints "resource '<id>' does not exist" under the read's name: the name says the fix.
 */
export const crdReadName = (name: string, crd: string) =>
    `${name}-crd ${crd} (prometheus-operator CRD; install the kube-prometheus-stack CRDs, or set vector-fleet monitoring.enabled to false)`;
export const namespaceReadName = (name: string, ns: string) =>
    `${name}-namespace ${ns} (where the alert rules and the dashboard go; create it, or set vector-fleet monitoring.namespace)`;

/** PodMonitors everywhere, alert rules and the Grafana dashboard on the hub (prometheus-operator CRDs required). */
export class VectorSelfMonitoring extends pulumi.ComponentResource {
    constructor(name: string, args: VectorSelfMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vector-fleet:index:VectorSelfMonitoring", name, {}, opts);
        const child = { parent: this, provider: args.provider };
        const labels = args.selectorLabels ?? {};
        const crd = (kind: keyof typeof REQUIRED_CRDS) =>
            k8s.apiextensions.v1.CustomResourceDefinition.get(crdReadName(name, REQUIRED_CRDS[kind]), REQUIRED_CRDS[kind], child);
        const podMonitorCrd = args.agent || args.aggregator ? crd("PodMonitor") : undefined;
        const cr = (id: string, o: PodMonitor | ReturnType<typeof vectorPrometheusRule>, dependsOn: pulumi.Resource[]) =>
            new k8s.apiextensions.CustomResource(
                `${name}-${id}`,
                { apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata, spec: o.spec },
                { ...child, dependsOn },
            );
        if (args.agent) {
            const a = args.agent;
            cr("agent-podmonitor", agentPodMonitor({ name: a.instance, namespace: a.namespace, instance: a.instance, cluster: args.cluster, labels }), [
                podMonitorCrd!,
                ...(a.dependsOn ?? []),
            ]);
        }
        if (args.aggregator) {
            const a = args.aggregator;
            cr(
                "aggregator-podmonitor",
                aggregatorPodMonitor({ name: a.instance, namespace: a.namespace, instance: a.instance, cluster: args.cluster, labels }),
                [podMonitorCrd!, ...(a.dependsOn ?? [])],
            );
            // Prometheus' own namespace is not this program's: read it, so a wrong name fails the preview.
            const monitoringNs = k8s.core.v1.Namespace.get(namespaceReadName(name, args.monitoringNamespace), args.monitoringNamespace, child);
            cr(
                "rules",
                vectorPrometheusRule({
                    name: "vector-fleet",
                    namespace: args.monitoringNamespace,
                    labels,
                    aggregatorReplicas: a.replicas,
                    aggregatorNamespace: a.namespace,
                    agentNamespace: args.agentNamespace ?? args.agent?.namespace ?? "vector-system",
                }),
                [crd("PrometheusRule"), monitoringNs],
            );
            new k8s.core.v1.ConfigMap(
                `${name}-dashboard`,
                dashboardConfigMap({
                    name: "vector-fleet-dashboard",
                    namespace: args.monitoringNamespace,
                    aggregatorNamespace: a.namespace,
                    agentNamespace: args.agentNamespace ?? args.agent?.namespace ?? "vector-system",
                }),
                { ...child, dependsOn: [monitoringNs] },
            );
        }
        this.registerOutputs({});
    }
}
