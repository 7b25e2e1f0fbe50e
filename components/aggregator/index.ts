import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { cidrContains } from "../../config/validators";
import { VECTOR_IMAGE } from "../../config/versions";
import { ClusterIdentity } from "../contract/fleet";
import { appLabels, ContainerResources, credentialsChecksum, sha256 } from "../k8s/common";
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
    aggregatorVolumeClaimPatches,
    AggregatorObjectSettings,
    AGGREGATOR_STATEFULSET_IGNORE_CHANGES,
} from "./manifests";
import { AgentIdentity, AGGREGATOR_PATHS, AGGREGATOR_PORTS, agentPorts, buildAggregatorPipeline } from "./pipeline";

export { AGGREGATOR_NAME } from "../contract/fleet";
export * from "./manifests";
export * from "./pipeline";

export interface VectorAggregatorArgs {
    /**
     * Node logs, events and OTLP logs with a `job` Loki label, and traces to Tempo (issue 19;
     * components/aggregator/signals.ts).
     * @default both off: the pipeline is exactly what it was without them.
     */
    signals?: { signalLogs: boolean; tempo?: { endpoint: string; bufferMaxBytes: number } };
    /** The stack's explicit Kubernetes provider. Required: never the ambient default, which could be any cluster. */
    provider: k8s.Provider;
    /** The hub's identity. Required: written on the aggregators' own metrics, so the fleet's alerts tell hubs apart. */
    cluster: ClusterIdentity;
    /** Namespace the component creates for the aggregators. Required: the alerts and the agents' NetworkPolicy name it. */
    namespace: string;
    /**
     * Vector image.
     * @default VECTOR_IMAGE (config/versions.ts): the release the pipelines are written and validated for.
     */
    image?: string;
    /** StatefulSet replicas. Required: the quorum, the disruption budget and the buffer minutes follow it. */
    replicas: number;
    /** Container requests and limits. Required: memory request equal to the limit is a sizing decision (docs/aggregator.md). */
    resources: ContainerResources;
    /** The PersistentVolumeClaim of each replica. Required: its size must hold every disk buffer. */
    storage: { size: string; storageClassName: string };
    /** Where logs go, the tenant and the stream labels. Required: the fleet's one Loki. */
    loki: { endpoint: string; tenantId?: string; labels: Record<string, string> };
    /**
     * Where metrics go, and the age beyond which a sample is dropped before its cluster's sink.
     * Required: the fleet's one Prometheus.
     * `maxSampleAgeSecs` @default DEFAULT_MAX_SAMPLE_AGE_SECS (config/stack.ts): what Prometheus' head still accepts.
     */
    prometheus: { remoteWriteUrl: string; maxSampleAgeSecs?: number };
    /**
     * Per namespace, keep 1 log event in N.
     * @default {} : every event is kept; sampling is a per-fleet decision.
     */
    sampling?: Record<string, number>;
    /** Recent log events each replica remembers to drop duplicates. Required: memory traded for duplicates. */
    dedupeCacheEvents: number;
    /** Disk buffers in front of Loki and Prometheus. Required: their size is the outage the fleet survives. */
    buffers: { lokiMaxBytes: number; prometheusMaxBytes: number };
    /**
     * The private Hetzner load balancer: name, type, pinned private address. Required: agents in
     * other clusters dial that address.
     * `location` @default the cluster's region: the LB sits beside the nodes it serves.
     */
    loadBalancer: { name: string; type: string; location?: string; privateIp: string };
    /** Clusters whose agents may send, each on its own ports, with the identity written on its data. Required; may be empty. */
    agents: AgentIdentity[];
    /**
     * CA and server certificate/key (key secret), and per agent cluster the CA(s) its client
     * certificate must chain to, from FleetPki: one PEM, or during a client CA rotation a bundle
     * of two (the Secret key holds them all; Vector trusts every certificate of a `ca_file`).
     * Required; clientCaPems keys must equal the agents.
     */
    tls: {
        caCertPem: pulumi.Input<string>;
        serverCertPem: pulumi.Input<string>;
        serverKeyPem: pulumi.Input<string>;
        clientCaPems: Record<string, pulumi.Input<string>>;
    };
    /**
     * Per agent cluster, SHA-256 (lowercase hex) of the remote-write tokens its source accepts,
     * from the cluster's own stack (docs/identity.md#deployment-order). A cluster without an entry
     * or with an empty list is pending: its listeners exist and accept no token. Required: may be empty.
     */
    tokenSha256: Record<string, string[]>;
    /**
     * IPv4 range of the private hcloud Network the load balancer joins. Required:
     * the caller looks it up before registering anything, so a wrong network fails early; the
     * pinned LB address must lie inside it, and agents arrive from it.
     */
    privateNetworkRange: string;
    /**
     * NetworkPolicies for the aggregators' namespace: a default deny, the log and remote-write
     * ports open to the private Network's range and `clusterCidrs`, metrics to `scrapeFrom`, and
     * egress to DNS, Loki and Prometheus only.
     * @default undefined : none, for clusters whose CNI enforces no policies.
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
        const s = { ...args, image: args.image ?? VECTOR_IMAGE, sampling: args.sampling ?? {} };
        const objects: AggregatorObjectSettings = {
            name,
            namespace: s.namespace,
            image: s.image,
            replicas: s.replicas,
            resources: s.resources,
            storage: s.storage,
            agentSlots: args.agents.map((a) => a.slot),
        };
        const missing = args.agents.filter((a) => !(a.name in args.tls.clientCaPems)).map((a) => a.name);
        if (missing.length > 0) throw new Error(`aggregator ${name}: no client CA for cluster(s) ${missing.join(", ")}`);
        // The digests are public and in the config itself: a change rolls the pods through its checksum.
        const agents = args.agents.map((a) => ({ ...a, tokenSha256: args.tokenSha256[a.name] ?? [] }));

        const child = { parent: this, provider: args.provider };
        const base = buildAggregatorPipeline({
            cluster: args.cluster,
            loki: s.loki,
            prometheusRemoteWriteUrl: s.prometheus.remoteWriteUrl,
            prometheusMaxSampleAgeSecs: s.prometheus.maxSampleAgeSecs,
            sampling: s.sampling,
            dedupeCacheEvents: s.dedupeCacheEvents,
            buffers: s.buffers,
            agents,
        });
        const config = withAggregatorSignals(base, { signalLogs: args.signals?.signalLogs ?? false, tempo: args.signals?.tempo, agents });
        assertTopology(config, `aggregator ${name}`);
        const toml = toToml(config);

        // The cloud controller cannot place the load balancer at an address outside the Network.
        const lb = s.loadBalancer;
        if (!cidrContains(args.privateNetworkRange, lb.privateIp))
            throw new Error(`aggregator ${name}: load balancer IP ${lb.privateIp} is outside the private Network's range ${args.privateNetworkRange}`);

        // Vector reads certificates at load: neither listener binds a TLS reloader
        // (vectordotdev/vector src/sources/vector/mod.rs, src/sources/util/http/prelude.rs), so a new
        // client CA bundle must roll the pods.
        const credentials = credentialsChecksum(
            args.tls.caCertPem,
            args.tls.serverCertPem,
            args.tls.serverKeyPem,
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
        new k8s.core.v1.Service(`${name}-headless`, aggregatorHeadlessService(objects), inNs);
        new k8s.core.v1.Service(`${name}-service`, aggregatorService(objects), inNs);
        new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, aggregatorPodDisruptionBudget(objects), inNs);
        const sts = new k8s.apps.v1.StatefulSet(`${name}-statefulset`, aggregatorStatefulSet(objects, { config: sha256(toml), credentials }), {
            ...inNs,
            dependsOn: [ns, cm, tlsSecret],
            ignoreChanges: AGGREGATOR_STATEFULSET_IGNORE_CHANGES,
        });
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
                    destinations: [s.loki.endpoint, s.prometheus.remoteWriteUrl, ...(args.signals?.tempo ? [args.signals.tempo.endpoint] : [])],
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
