import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AgentIdentity, AggregatorConfig, ClusterIdentity } from "../../config/stack";
import { cidrContains } from "../../config/validators";
import { appLabels, credentialsChecksum, sha256 } from "../k8s/common";
import { aggregatorNetworkPolicy, defaultDenyPolicy } from "../k8s/network-policies";
import { withAggregatorSignals } from "./signals";
import { assertTopology } from "../vector/topology";
import { toToml } from "../vector/toml";
import {
    aggregatorConfigMap,
    aggregatorHeadlessService,
    aggregatorLoadBalancerService,
    aggregatorNames,
    aggregatorNamespace,
    aggregatorPodDisruptionBudget,
    aggregatorService,
    aggregatorServiceAccount,
    aggregatorStatefulSet,
    aggregatorTlsSecret,
    aggregatorTokensSecret,
    aggregatorVolumeClaimPatches,
    AggregatorObjectSettings,
    AGGREGATOR_STATEFULSET_IGNORE_CHANGES,
} from "./manifests";
import { AGGREGATOR_PATHS, AGGREGATOR_PORTS, agentPorts, buildAggregatorPipeline } from "./pipeline";

export * from "./manifests";
export * from "./pipeline";

export interface VectorAggregatorArgs {
    /** The stack's explicit Kubernetes provider. Required. */
    provider: k8s.Provider;
    /** The hub's identity, on the aggregators' own metrics. Required. */
    cluster: ClusterIdentity;
    /** The parsed `aggregator` config section (defaults applied by config/stack.ts). Required. */
    settings: AggregatorConfig;
    /** Clusters whose agents may send, each on its own ports, with the identity written on its data. Required; may be empty. */
    agents: AgentIdentity[];
    /**
     * CA and server certificate/key (key secret), and per agent cluster the CA its client
     * certificate must chain to, from FleetPki. Required; clientCaPems keys must equal the agents.
     */
    tls: { caCertPem: pulumi.Input<string>; serverCertPem: pulumi.Input<string>; serverKeyPem: pulumi.Input<string>; clientCaPems: Record<string, pulumi.Input<string>> };
    /** Remote-write token per agent cluster (secret). Required; keys must equal the agents. */
    tokens: Record<string, pulumi.Input<string>>;
    /**
     * IPv4 range of the private hcloud Network named in `settings.loadBalancer.network`. Required:
     * the caller looks it up before registering anything, so a wrong network fails early; the
     * pinned LB address must lie inside it, and agents arrive from it.
     */
    privateNetworkRange: string;
    /**
     * NetworkPolicies for the aggregators' namespace: a default deny, the log and remote-write
     * ports open to the private Network's range and `clusterCidrs`, metrics to `scrapeFrom`, and
     * egress to DNS, Loki and Prometheus only. Default none.
     */
    networkPolicy?: {
        /** This cluster's pod network(s), from which its own host-network agent may arrive. */
        clusterCidrs: string[];
        /** Namespace of the Prometheus that scrapes the aggregators; undefined when none does. */
        scrapeFrom?: string;
    };
}

/**
 * The aggregator tier: a StatefulSet of Vector aggregators with a volume each, reachable
 * in-cluster through a Service and from other clusters through a private Hetzner load balancer.
 */
export class VectorAggregator extends pulumi.ComponentResource {
    /** Per agent cluster, `ip:port` of its vector source on the private load balancer. */
    readonly address: pulumi.Output<Record<string, string>>;
    /** Per agent cluster, its remote-write URL on the private load balancer. */
    readonly remoteWriteUrl: pulumi.Output<Record<string, string>>;
    /** In-cluster `host:port` of the vector source of slot 0, for the hub's own agent. */
    readonly inClusterAddress: string;
    readonly inClusterRemoteWriteUrl: string;
    readonly vectorToml: pulumi.Output<string>;

    constructor(name: string, args: VectorAggregatorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vector-fleet:index:VectorAggregator", name, {}, opts);
        const s = args.settings;
        const objects: AggregatorObjectSettings = {
            name,
            namespace: s.namespace,
            image: s.image,
            replicas: s.replicas,
            resources: s.resources,
            storage: s.storage,
            agentSlots: args.agents.map((a) => a.slot),
        };
        const missing = args.agents.filter((a) => !(a.name in args.tokens) || !(a.name in args.tls.clientCaPems)).map((a) => a.name);
        if (missing.length > 0) throw new Error(`aggregator ${name}: no token or client CA for cluster(s) ${missing.join(", ")}`);

        const child = { parent: this, provider: args.provider };
        const base = buildAggregatorPipeline({
            cluster: args.cluster,
            loki: s.loki,
            prometheusRemoteWriteUrl: s.prometheus.remoteWriteUrl,
            prometheusMaxSampleAgeSecs: s.prometheus.maxSampleAgeSecs,
            sampling: s.sampling,
            dedupeCacheEvents: s.dedupeCacheEvents,
            buffers: s.buffers,
            agents: args.agents,
        });
        const config = withAggregatorSignals(base, { signalLogs: s.signalLogs, tempo: s.tempo, agents: args.agents });
        assertTopology(config, `aggregator ${name}`);
        const toml = toToml(config);

        // The cloud controller cannot place the load balancer at an address outside the Network.
        const lb = s.loadBalancer;
        if (!cidrContains(args.privateNetworkRange, lb.privateIp))
            throw new Error(`aggregator ${name}: load balancer IP ${lb.privateIp} is outside the private Network's range ${args.privateNetworkRange}`);

        const tokens = pulumi.secret(pulumi.all(args.tokens));
        // Vector reads certificates and secrets at load: a new client CA or token must roll the pods.
        const credentials = credentialsChecksum(
            args.tls.caCertPem,
            args.tls.serverCertPem,
            args.tls.serverKeyPem,
            tokens.apply((t) => JSON.stringify(t)),
            pulumi.all(args.tls.clientCaPems).apply((c) => JSON.stringify(Object.entries(c).sort(([a], [b]) => a.localeCompare(b)))),
        );

        const ns = new k8s.core.v1.Namespace(`${name}-namespace`, aggregatorNamespace(objects), child);
        const inNs = { ...child, dependsOn: [ns] };
        new k8s.core.v1.ServiceAccount(`${name}-serviceaccount`, aggregatorServiceAccount(objects), inNs);
        const cm = new k8s.core.v1.ConfigMap(`${name}-config`, aggregatorConfigMap(objects, toml), inNs);
        const tlsSecret = new k8s.core.v1.Secret(
            `${name}-tls`,
            aggregatorTlsSecret(objects, {
                caCertPem: args.tls.caCertPem,
                certPem: args.tls.serverCertPem,
                keyPem: pulumi.secret(args.tls.serverKeyPem),
                clientCaPems: args.tls.clientCaPems,
            }),
            inNs,
        );
        const tokenSecret = new k8s.core.v1.Secret(`${name}-tokens`, aggregatorTokensSecret(objects, tokens), inNs);
        new k8s.core.v1.Service(`${name}-headless`, aggregatorHeadlessService(objects), inNs);
        new k8s.core.v1.Service(`${name}-service`, aggregatorService(objects), inNs);
        new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, aggregatorPodDisruptionBudget(objects), inNs);
        const sts = new k8s.apps.v1.StatefulSet(
            `${name}-statefulset`,
            aggregatorStatefulSet(objects, { config: sha256(toml), credentials }),
            { ...inNs, dependsOn: [ns, cm, tlsSecret, tokenSecret], ignoreChanges: AGGREGATOR_STATEFULSET_IGNORE_CHANGES },
        );
        // After the StatefulSet, whose readiness means every replica's claim exists.
        aggregatorVolumeClaimPatches(objects).forEach(
            (claim, ordinal) => new k8s.core.v1.PersistentVolumeClaimPatch(`${name}-data-${ordinal}`, claim, { ...child, dependsOn: [sts] }),
        );
        new k8s.core.v1.Service(
            `${name}-loadbalancer`,
            aggregatorLoadBalancerService(objects, { name: lb.name, type: lb.type, location: lb.location ?? args.cluster.region, privateIp: lb.privateIp }),
            inNs,
        );

        if (args.networkPolicy) {
            new k8s.networking.v1.NetworkPolicy(`${name}-default-deny`, defaultDenyPolicy(name, s.namespace, appLabels("aggregator", name)), inNs);
            new k8s.networking.v1.NetworkPolicy(
                `${name}-networkpolicy`,
                aggregatorNetworkPolicy({
                    name,
                    namespace: s.namespace,
                    agentCidrs: [args.privateNetworkRange, ...args.networkPolicy.clusterCidrs],
                    agentSlots: objects.agentSlots,
                    destinations: [s.loki.endpoint, s.prometheus.remoteWriteUrl, ...(s.tempo ? [s.tempo.endpoint] : [])],
                    scrapeFrom: args.networkPolicy.scrapeFrom,
                }),
                inNs,
            );
        }

        const n = aggregatorNames(name);
        const viaLb = args.agents.filter((a) => a.slot > 0);
        this.address = pulumi.output(Object.fromEntries(viaLb.map((a) => [a.name, `${lb.privateIp}:${agentPorts(a.slot).vector}`])));
        this.remoteWriteUrl = pulumi.output(
            Object.fromEntries(viaLb.map((a) => [a.name, `https://${lb.privateIp}:${agentPorts(a.slot).remoteWrite}${AGGREGATOR_PATHS.remoteWritePath}`])),
        );
        const host = `${n.service}.${s.namespace}.svc.cluster.local`;
        this.inClusterAddress = `${host}:${AGGREGATOR_PORTS.vector}`;
        this.inClusterRemoteWriteUrl = `https://${host}:${AGGREGATOR_PORTS.remoteWrite}${AGGREGATOR_PATHS.remoteWritePath}`;
        this.vectorToml = pulumi.output(toml);
        this.registerOutputs({ address: this.address, remoteWriteUrl: this.remoteWriteUrl });
    }
}
