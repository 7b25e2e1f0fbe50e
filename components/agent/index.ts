import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { VECTOR_IMAGE } from "../../config/versions";
import { ClusterIdentity } from "../contract/fleet";
import { appLabels, ContainerResources, credentialsChecksum, sha256 } from "../k8s/common";
import { AgentNetworkSettings, agentNetworkPolicy, defaultDenyPolicy } from "../k8s/network-policies";
import { assertTopology } from "../vector/topology";
import { toToml } from "../vector/toml";
import {
    agentClusterRole,
    agentClusterRoleBinding,
    agentConfigMap,
    agentDaemonSet,
    agentNamespace,
    agentSecret,
    agentServiceAccount,
    AgentObjectSettings,
} from "./manifests";
import { AgentPorts, buildAgentPipeline } from "./pipeline";
import { eventsCollectorSelector } from "../contract/signals";
import { agentSignalServices, AgentSignalSettings, SIGNALS_OFF, withAgentSignals, withAgentSignalsDaemonSet, withAgentSignalsNetworkPolicy } from "./signals";

export { AGENT_NAME } from "../contract/fleet";
export * from "./manifests";
export * from "./pipeline";

export interface VectorAgentArgs {
    /**
     * Node logs, Kubernetes events and the OTLP endpoint (issue 19; components/agent/signals.ts).
     * @default all off: the agent is exactly what it was without them.
     */
    signals?: AgentSignalSettings;
    /** The stack's explicit Kubernetes provider. Required: never the ambient default, which could be any cluster. */
    provider: k8s.Provider;
    /** Cluster, environment and region. Required: written into every event as literals, the identity the hub checks. */
    cluster: ClusterIdentity;
    /**
     * Namespace the component creates for the agent. Required: it is also excluded from log
     * collection (Vector would ship its own logs in a loop) and named by the alerts' cAdvisor queries.
     */
    namespace: string;
    /**
     * Vector image.
     * @default VECTOR_IMAGE (config/versions.ts): the release the pipelines are written and validated for.
     */
    image?: string;
    /** Container requests and limits. Required: the policy pack refuses a container without them. */
    resources: ContainerResources;
    /**
     * Namespaces whose pod logs are not collected, besides the agent's own.
     * @default [] : every namespace is collected; leaving one out is a decision per cluster.
     */
    excludedNamespaces?: string[];
    /** host_metrics collectors and interval. Required: the node-exporter replacement, sized by the stack. */
    hostMetrics: { collectors: string[]; scrapeIntervalSecs: number };
    /** Cap on a log line rebuilt from the runtime's partial lines. Required: it must fit the Loki it ends in. */
    maxMergedLineBytes: number;
    /** Kubelet cAdvisor scraping and its interval. Required: a cluster whose kubelet refuses the agent turns it off. */
    kubelet: { enabled: boolean; scrapeIntervalSecs: number };
    /**
     * Labels added to every log and metric.
     * @default {} : the identity labels (cluster, environment, region) are always there.
     */
    extraLabels?: Record<string, string>;
    /** Sink buffers: logs on disk, metrics in memory. Required: their size is what an outage of the hub costs. */
    buffers: { logsMaxBytes: number; metricsMaxEvents: number };
    /**
     * `host:port` of the aggregators' vector source: the private load balancer's address for
     * source stacks, the in-cluster Service for the hub's own agent. Required.
     */
    aggregatorAddress: pulumi.Input<string>;
    /** The aggregators' remote-write URL (https). Required. */
    remoteWriteUrl: pulumi.Input<string>;
    /** PEM of the CA that signed the aggregators' server certificate. Required; public. */
    caCertPem: pulumi.Input<string>;
    /** PEM of this cluster's client certificate. Required. */
    clientCertPem: pulumi.Input<string>;
    /** PEM of this cluster's client key. Required; kept secret, only ever in a Kubernetes Secret. */
    clientKeyPem: pulumi.Input<string>;
    /** This cluster's remote-write bearer token. Required; kept secret, read by Vector's secret backend. */
    remoteWriteToken: pulumi.Input<string>;
    /**
     * Host ports of Vector's API and metrics. The agent shares the node's network, so a second
     * agent instance in the same cluster must pick others.
     * @default AGENT_PORTS (components/contract/fleet.ts): 8686 and 9598, Vector's own defaults.
     */
    ports?: AgentPorts;
    /**
     * NetworkPolicies for the agent's namespace: a default deny plus what the agent needs. The
     * agent runs on the host network, where most CNIs do not enforce them: the policy states the
     * agent's traffic and guards it wherever a CNI does (SECURITY.md).
     * @default undefined : none, for clusters whose CNI enforces no policies.
     */
    networkPolicy?: Omit<AgentNetworkSettings, "name" | "namespace" | "ports">;
}

/**
 * The Vector agent: a DaemonSet on every node collecting pod logs, host metrics and kubelet
 * metrics, shipping logs to the aggregators over mTLS and metrics by remote write.
 */
export class VectorAgent extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    readonly daemonSetName: pulumi.Output<string>;
    /** The rendered Vector config (no secrets in it: they are SECRET[...] references). */
    readonly vectorToml: pulumi.Output<string>;

    constructor(name: string, args: VectorAgentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vector-fleet:index:VectorAgent", name, {}, opts);
        const s = { ...args, image: args.image ?? VECTOR_IMAGE, excludedNamespaces: args.excludedNamespaces ?? [], extraLabels: args.extraLabels ?? {} };
        const sig = args.signals ?? SIGNALS_OFF;
        const objects: AgentObjectSettings = {
            name,
            namespace: s.namespace,
            image: s.image,
            resources: s.resources,
            kubeletScrape: s.kubelet.enabled,
            ports: args.ports,
        };
        const child = { parent: this, provider: args.provider };

        // Outputs are resolved once, here; everything below is built by pure functions.
        const rendered = pulumi.all([args.aggregatorAddress, args.remoteWriteUrl, args.caCertPem]).apply(([address, remoteWriteUrl, ca]) => {
            const base = buildAgentPipeline({
                cluster: args.cluster,
                namespace: s.namespace,
                excludedNamespaces: s.excludedNamespaces,
                hostMetrics: s.hostMetrics,
                maxMergedLineBytes: s.maxMergedLineBytes,
                kubelet: s.kubelet,
                extraLabels: s.extraLabels,
                buffers: s.buffers,
                aggregatorEndpoint: `https://${address}`,
                remoteWriteUrl,
                ports: args.ports,
            });
            const config = withAgentSignals(base, { ...sig, cluster: args.cluster, extraLabels: s.extraLabels });
            assertTopology(config, `agent ${name}`);
            const toml = toToml(config);
            return { toml, ca, checksum: sha256(toml, ca) };
        });
        const credentials = credentialsChecksum(args.clientCertPem, args.clientKeyPem, args.remoteWriteToken);

        const ns = new k8s.core.v1.Namespace(`${name}-namespace`, agentNamespace(objects), child);
        const inNs = { ...child, dependsOn: [ns] };
        const sa = new k8s.core.v1.ServiceAccount(`${name}-serviceaccount`, agentServiceAccount(objects), inNs);
        const role = new k8s.rbac.v1.ClusterRole(`${name}-clusterrole`, agentClusterRole(objects), child);
        const binding = new k8s.rbac.v1.ClusterRoleBinding(`${name}-clusterrolebinding`, agentClusterRoleBinding(objects), {
            ...child,
            dependsOn: [role, sa],
        });
        const cm = new k8s.core.v1.ConfigMap(
            `${name}-config`,
            agentConfigMap(
                objects,
                rendered.apply((r) => r.toml),
                rendered.apply((r) => r.ca),
            ),
            inNs,
        );
        const secret = new k8s.core.v1.Secret(
            `${name}-credentials`,
            agentSecret(objects, {
                clientCertPem: args.clientCertPem,
                clientKeyPem: pulumi.secret(args.clientKeyPem),
                remoteWriteToken: pulumi.secret(args.remoteWriteToken),
            }),
            inNs,
        );
        const ds = new k8s.apps.v1.DaemonSet(
            `${name}-daemonset`,
            withAgentSignalsDaemonSet(agentDaemonSet(objects, { config: rendered.apply((r) => r.checksum), credentials }), sig),
            { ...inNs, dependsOn: [ns, cm, secret, binding] },
        );

        for (const svc of agentSignalServices(name, s.namespace, sig)) new k8s.core.v1.Service(`${svc.metadata.name}-service`, svc, inNs);

        if (args.networkPolicy) {
            new k8s.networking.v1.NetworkPolicy(`${name}-default-deny`, defaultDenyPolicy(name, s.namespace, appLabels("agent", name)), inNs);
            new k8s.networking.v1.NetworkPolicy(
                `${name}-networkpolicy`,
                withAgentSignalsNetworkPolicy(
                    agentNetworkPolicy({ ...args.networkPolicy, name, namespace: s.namespace, ports: args.ports }),
                    sig,
                    eventsCollectorSelector(name),
                ),
                inNs,
            );
        }

        this.namespace = ns.metadata.name;
        this.daemonSetName = ds.metadata.name;
        this.vectorToml = rendered.apply((r) => r.toml);
        this.registerOutputs({ namespace: this.namespace, daemonSetName: this.daemonSetName });
    }
}
