/**
 * vector-fleet: the program. Pulumi calls the exported function; nothing runs at import time,
 * so tests and the offline renderer can run every stack in one process.
 */
import * as hcloud from "@pulumi/hcloud";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AGENT_NAME, VectorAgent, VectorAgentArgs } from "./components/agent";
import { AGGREGATOR_NAME, aggregatorNames, VectorAggregator, VectorAggregatorArgs, aggregatorDnsNames } from "./components/aggregator";
import { aggregatorBufferCapacity } from "./components/aggregator/capacity";
import { selectorLabels } from "./components/k8s/common";
import { LegacyAgentCutover } from "./components/migration";
import { VectorSelfMonitoring } from "./components/monitoring";
import { FleetPki } from "./components/pki";
import { AgentCredentials } from "./components/identity";
import { certificateExpiryRule } from "./components/pki/expiry-rules";
import { signalPrometheusRule } from "./components/monitoring/signal-rules";
import { KubernetesEvents } from "./components/events";
import { signalsDashboardConfigMap } from "./components/monitoring/signal-dashboard";
import { AgentConfig, AggregatorConfig, ConfigError, HubConfig, loadStackConfig, qualifiedStackName, SourceConfig, StackConfig } from "./config";
import {
    addressIp,
    HUB_OUTPUTS,
    loadBalancerIpProblem,
    OutputDetails,
    readHubOutputs,
    readSourceOutputs,
    SOURCE_OUTPUTS,
} from "./components/contract/hub-outputs";
import { cidrContains } from "./config/validators";

type Outputs = Record<string, pulumi.Input<unknown>>;

/** A role's outputs and the workloads self-monitoring watches (their components create the namespaces). */
interface Deployed {
    outputs: Outputs;
    /** The hub's fleet certificates, for the expiry alert. */
    pki?: FleetPki;
    agent?: VectorAgent;
    aggregator?: VectorAggregator;
    /** A source its hub does not serve yet: only its own credentials exist (docs/identity.md#deployment-order). */
    pending?: boolean;
}

/**
 * The `agent` config section as the agent component's own Args: the component knows nothing of
 * the config schema, and a config field it does not use (`enabled`) stays here.
 */
function agentSettings(a: AgentConfig) {
    return {
        namespace: a.namespace,
        image: a.image,
        resources: a.resources,
        excludedNamespaces: a.excludedNamespaces,
        hostMetrics: a.hostMetrics,
        maxMergedLineBytes: a.maxMergedLineBytes,
        kubelet: a.kubelet,
        extraLabels: a.extraLabels,
        buffers: a.buffers,
        signals: { nodeLogs: a.nodeLogs, events: a.events, otlp: a.otlp },
    } satisfies Partial<VectorAgentArgs>;
}

/** The `aggregator` config section as the aggregator component's own Args. */
function aggregatorSettings(a: AggregatorConfig) {
    const lb = a.loadBalancer;
    return {
        namespace: a.namespace,
        image: a.image,
        replicas: a.replicas,
        resources: a.resources,
        storage: a.storage,
        loki: a.loki,
        prometheus: a.prometheus,
        sampling: a.sampling,
        dedupeCacheEvents: a.dedupeCacheEvents,
        buffers: a.buffers,
        signals: { signalLogs: a.signalLogs, tempo: a.tempo },
        // The Network is the caller's lookup (privateNetworkRange), not the component's.
        loadBalancer: { name: lb.name, type: lb.type, location: lb.location, privateIp: lb.privateIp },
    } satisfies Partial<VectorAggregatorArgs>;
}

/** Namespace of the Prometheus that scrapes Vector, when self-monitoring is on. */
const scrapeFrom = (cfg: StackConfig) => (cfg.monitoring.enabled ? cfg.monitoring.namespace : undefined);

function kubernetesProvider(cfg: StackConfig): k8s.Provider {
    const kubeconfig = "context" in cfg.kubernetes ? undefined : new pulumi.Config().requireSecret("kubeconfig");
    return new k8s.Provider(`k8s-${cfg.cluster.name}`, {
        context: "context" in cfg.kubernetes ? cfg.kubernetes.context : undefined,
        kubeconfig,
    });
}

/**
 * The private Network the load balancer joins, looked up before anything is registered: a wrong
 * network name or a pinned address outside it fails the preview with a config error.
 */
async function privateNetwork(cfg: HubConfig): Promise<{ id: number; ipRange: string }> {
    const lb = cfg.aggregator.loadBalancer;
    const key = `${cfg.project}:aggregator.loadBalancer`;
    let ipRange: string;
    let id: number;
    try {
        ({ ipRange, id } = await hcloud.getNetwork({ name: lb.network }));
    } catch (e) {
        // Pulumi's mocks drop the provider's message; a real lookup says why it failed.
        const why = e instanceof Error && e.message ? `: ${e.message}` : "";
        throw new ConfigError([
            {
                path: `${key}.network`,
                value: JSON.stringify(lb.network),
                expected: `the name of an existing hcloud Network in the project of hcloud:token (the lookup failed${why})`,
            },
        ]);
    }
    if (!cidrContains(ipRange, lb.privateIp))
        throw new ConfigError([
            {
                path: `${key}.privateIp`,
                value: `"${lb.privateIp}", which is outside the hcloud Network "${lb.network}" (${ipRange})`,
                expected: `an address inside ${ipRange}`,
            },
        ]);
    return { id, ipRange };
}

/**
 * The load balancer's private address as Hetzner reports it, once the aggregators (their LB
 * Service included: pulumi-kubernetes waits for its ingress) exist. Unknown during the preview of a
 * first deployment; checked in every later preview and up. A mismatch fails the run with one line
 * (a RunError: the language host prints its message alone, pulumi/pulumi sdk/nodejs/cmd/run/run.ts).
 * Creates nothing: an invoke with dependsOn waits for the component's children.
 */
function verifiedLoadBalancerIp(cfg: HubConfig, networkId: number, aggregator: VectorAggregator): pulumi.Output<string> {
    const lb = cfg.aggregator.loadBalancer;
    return hcloud.getLoadBalancerOutput({ name: lb.name }, { dependsOn: [aggregator] }).apply((found) => {
        const problem = loadBalancerIpProblem(lb, networkId, found);
        if (problem) throw new pulumi.RunError(problem);
        return found.networkIp;
    });
}

/**
 * An Output's value once the engine knows it; undefined while it is unknown (a preview before the
 * resource exists). The SDK keeps this on the Output without declaring it (@pulumi/pulumi
 * output.js OutputImpl: isKnown, promise()): the program needs a plain value to decide what to
 * register, which an apply cannot give.
 */
async function knownValue<T>(o: pulumi.Output<T>): Promise<T | undefined> {
    const impl = o as unknown as { isKnown: Promise<boolean>; promise(): Promise<T> };
    return (await impl.isKnown) ? impl.promise() : undefined;
}

/** A configured stack name as a StackReference reads it: a bare name is this organization's and project's. */
function qualified(cfg: StackConfig, stack: string, key: string): string {
    return stack.includes("/") ? stack : qualifiedStackName(stack, organization(cfg, key, stack), pulumi.getProject());
}

/**
 * Reads every output a StackReference has, the way a check needs them: plain values and which are
 * secret. What `getOutputDetails` answers name by name (pulumi/pulumi sdk/nodejs/stackReference.ts:
 * the output's value, as `secretValue` when `secretOutputNames` lists it, or when that list is not
 * known and the outputs are secret at all), from one read of the outputs: each `getOutputDetails`
 * wraps and walks all of them again.
 */
async function outputDetails(ref: pulumi.StackReference, names: readonly string[]) {
    const [outputs, secretNames, anySecret] = await Promise.all([knownValue(ref.outputs), knownValue(ref.secretOutputNames), pulumi.isSecret(ref.outputs)]);
    const isSecret = (k: string) => (secretNames ? secretNames.includes(k) : anySecret);
    const details = names.map((k): OutputDetails => {
        const value = outputs?.[k] as unknown;
        return isSecret(k) ? { secretValue: value } : { value };
    });
    return { details: Object.fromEntries(names.map((k, i) => [k, details[i]])), secretNames: secretNames ?? [] };
}

/** The agent credentials a cluster's own stack makes (components/identity): the hub's own cluster too. */
function ownCredentials(cfg: StackConfig): AgentCredentials {
    const id = cfg.agent.identity;
    return new AgentCredentials(`${AGENT_NAME}-identity-${cfg.cluster.name}`, {
        cluster: cfg.cluster.name,
        tokenGeneration: id.tokenGeneration,
        acceptPreviousToken: id.acceptPreviousToken,
    });
}

/**
 * What each listed source cluster's own stack exports for the hub (its certificate request and
 * token digests), checked before anything else is registered; every problem is collected. A
 * cluster whose stack has no outputs yet is pending: a warning, nothing signed or accepted.
 */
async function sourceIdentities(cfg: HubConfig): Promise<Record<string, { csrPem: string; tokenSha256: string[] }>> {
    const names = Object.values(SOURCE_OUTPUTS);
    const read = await Promise.all(
        cfg.aggregator.clusters.map(async (cluster) => {
            const stack = cfg.aggregator.identities[cluster]?.stack ?? cluster;
            // The resource keeps the configured name (its URN stays put); it reads the qualified stack.
            const ref = new pulumi.StackReference(stack, { name: qualified(cfg, stack, `aggregator.identities.${cluster}.stack`) });
            const { details, secretNames } = await outputDetails(ref, names);
            return { cluster, stack, ...readSourceOutputs(stack, cluster, details, secretNames) };
        }),
    );
    const problems = read.flatMap((r) => r.problems);
    // A RunError is printed without a stack trace (pulumi/pulumi sdk/nodejs/cmd/run/run.ts).
    if (problems.length > 0) throw new pulumi.RunError(`cannot sign for the clusters ${cfg.stack} lists:\n  - ${problems.join("\n  - ")}`);
    for (const r of read.filter((x) => !x.identity))
        void pulumi.log.warn(
            `cluster "${r.cluster}" is pending: stack "${r.stack}" has no outputs yet, so nothing is signed for it and its listeners accept no token; ` +
                `run \`pulumi up\` on ${r.stack}, then here again (docs/identity.md#deployment-order)`,
        );
    return Object.fromEntries(read.flatMap((r) => (r.identity ? [[r.cluster, r.identity]] : [])));
}

async function hub(cfg: HubConfig, makeProvider: () => k8s.Provider): Promise<Deployed> {
    const agg = cfg.aggregator;
    const network = await privateNetwork(cfg);
    const sources = await sourceIdentities(cfg);
    const provider = makeProvider();
    const name = AGGREGATOR_NAME;
    const own = cfg.agent.enabled ? ownCredentials(cfg) : undefined;
    // The aggregators' config holds the digests: the hub's own are read once known (a first
    // preview, before its tokens exist, shows its own listener accepting none).
    const ownSha256 = own ? ((await knownValue(own.tokenSha256)) ?? []) : [];
    const ready = [...Object.entries(sources), ...(own ? [[cfg.cluster.name, { csrPem: own.csrPem, tokenSha256: ownSha256 }] as const] : [])].sort(([a], [b]) =>
        a.localeCompare(b),
    );
    const certRequests: Record<string, pulumi.Input<string>> = Object.fromEntries(ready.map(([c, id]) => [c, id.csrPem]));
    const tokenSha256: Record<string, string[]> = Object.fromEntries(ready.map(([c, id]) => [c, id.tokenSha256]));
    const pki = new FleetPki("vector-fleet-pki", {
        agentClusters: cfg.agentClusters,
        certRequests,
        clientCaGenerations: Object.fromEntries(
            cfg.agentIdentities.map((a) => [a.name, { generation: a.clientCaGeneration ?? 0, keepPrevious: a.acceptPreviousClientCa === true }]),
        ),
        serverDnsNames: aggregatorDnsNames(name, agg.namespace),
        serverIpAddresses: [agg.loadBalancer.privateIp],
    });
    const clients = Object.entries(pki.clients);
    const signed = clients.flatMap(([c, cred]) => (cred.certPem ? [[c, cred.certPem] as const] : []));
    const aggregator = new VectorAggregator(name, {
        provider,
        cluster: cfg.cluster,
        ...aggregatorSettings(agg),
        agents: cfg.agentIdentities,
        tls: {
            caCertPem: pki.caCertPem,
            serverCertPem: pki.serverCertPem,
            serverKeyPem: pki.serverKeyPem,
            clientCaPems: Object.fromEntries(clients.map(([c, cred]) => [c, cred.clientCaPem])),
        },
        tokenSha256,
        privateNetworkRange: network.ipRange,
        networkPolicy: cfg.networkPolicy.enabled ? { clusterCidrs: cfg.networkPolicy.clusterCidrs, scrapeFrom: scrapeFrom(cfg) } : undefined,
    });
    const ownCert = pki.clients[cfg.cluster.name]?.certPem;
    let agent: VectorAgent | undefined;
    if (cfg.agent.enabled && own && ownCert) {
        agent = new VectorAgent(AGENT_NAME, {
            provider,
            cluster: cfg.cluster,
            ...agentSettings(cfg.agent),
            // The hub's own agent stays inside the cluster: no hairpin through the load balancer.
            aggregatorAddress: aggregator.inClusterAddress,
            remoteWriteUrl: aggregator.inClusterRemoteWriteUrl,
            caCertPem: pki.caCertPem,
            clientCertPem: ownCert,
            clientKeyPem: own.keyPem,
            // Signed and accepted in this same update.
            remoteWriteToken: own.tokens[0],
            networkPolicy: cfg.networkPolicy.enabled
                ? {
                      apiServer: cfg.networkPolicy.apiServer,
                      aggregators: { kind: "pods", namespace: agg.namespace, podLabels: selectorLabels("aggregator", name) },
                      scrapeFrom: scrapeFrom(cfg),
                  }
                : undefined,
        });
    }
    // Every output is public: a StackReference stores all of them in each source's state.
    const outputs: Outputs = {
        [HUB_OUTPUTS.aggregatorAddress]: aggregator.address,
        [HUB_OUTPUTS.remoteWriteUrl]: aggregator.remoteWriteUrl,
        [HUB_OUTPUTS.caCertPem]: pki.caCertPem,
        [HUB_OUTPUTS.agentClusters]: cfg.agentClusters,
        [HUB_OUTPUTS.agentCertificates]: pulumi.all(Object.fromEntries(signed)),
        // Every request in certRequests is signed (FleetPki signs each listed cluster's).
        [HUB_OUTPUTS.agentSignedRequests]: pulumi.all(certRequests),
        [HUB_OUTPUTS.agentTokenSha256]: tokenSha256,
        aggregatorInClusterAddress: aggregator.inClusterAddress,
        aggregatorStatefulSet: `${agg.namespace}/${aggregatorNames(name).statefulSet}`,
        aggregatorBufferMinutes: aggregatorBufferCapacity(agg),
        loadBalancerPrivateIp: verifiedLoadBalancerIp(cfg, network.id, aggregator),
    };
    return { outputs, agent, aggregator, pki };
}

/** The running stack's organization; older engines do not pass it to the language host. */
function organization(cfg: StackConfig, key: string, stack: string): string {
    try {
        return pulumi.getOrganization();
    } catch {
        throw new ConfigError([
            {
                path: `${cfg.project}:${key}`,
                value: JSON.stringify(stack),
                expected:
                    "the fully qualified name org/project/stack: this Pulumi CLI does not tell the program its organization, so a bare name cannot be resolved",
            },
        ]);
    }
}

async function source(cfg: SourceConfig, makeProvider: () => k8s.Provider): Promise<Deployed> {
    const hubStack = qualified(cfg, cfg.monitoringStack, "monitoringStack");
    // The resource keeps the configured name (its URN stays put); it reads the qualified stack.
    const ref = new pulumi.StackReference(cfg.monitoringStack, { name: hubStack });
    // Fail before any other resource is registered when the hub's outputs do not serve this cluster.
    const { details, secretNames } = await outputDetails(ref, Object.values(HUB_OUTPUTS));
    const { problems, answer } = readHubOutputs(cfg.monitoringStack, cfg.cluster.name, details, secretNames);
    // A RunError is printed without a stack trace (pulumi/pulumi sdk/nodejs/cmd/run/run.ts).
    if (problems.length > 0) throw new pulumi.RunError(`cannot wire ${cfg.stack} to ${cfg.monitoringStack}:\n  - ${problems.join("\n  - ")}`);

    // This cluster's own key and tokens: made here, never read from (nor given to) any other stack.
    const own = ownCredentials(cfg);
    const outputs: Outputs = { [SOURCE_OUTPUTS.agentCsrPem]: own.csrPem, [SOURCE_OUTPUTS.agentTokenSha256]: own.tokenSha256 };
    // Deploy only what the hub serves now: its certificate for this very request, and the newest
    // token it accepts (during a rotation the previous one until the hub accepts the new one).
    const [csr, hashes] = await Promise.all([knownValue(own.csrPem), Promise.all(own.tokenSha256Each.map(knownValue))]);
    const signed = answer.state === "signed" && csr !== undefined && answer.signedRequest === csr ? answer : undefined;
    const token = signed ? hashes.findIndex((h) => h !== undefined && signed.acceptedSha256.includes(h)) : -1;
    if (!signed || token < 0) {
        const why =
            answer.state === "pending"
                ? answer.why
                : `${cfg.monitoringStack} has ${signed ? "not accepted any of this cluster's tokens" : "signed another certificate request of this cluster"} yet: run \`pulumi up\` on ${cfg.monitoringStack}, then here again (docs/identity.md#deployment-order)`;
        void pulumi.log.warn(`cluster "${cfg.cluster.name}" is not signed yet, so its agents are not deployed: ${why}`);
        return { outputs, pending: true };
    }
    const provider = makeProvider();

    // Each cluster has its own address: the port is its identity on the aggregators (docs/identity.md).
    // readHubOutputs has checked these values (the hub exports no secret, so none is lost): each
    // requireOutput would wrap and walk all of the hub's outputs again.
    const { aggregatorAddress: address, remoteWriteUrl } = signed;
    const agent = new VectorAgent(AGENT_NAME, {
        provider,
        cluster: cfg.cluster,
        ...agentSettings(cfg.agent),
        aggregatorAddress: address,
        remoteWriteUrl,
        caCertPem: signed.caCertPem,
        clientCertPem: signed.certificate,
        clientKeyPem: own.keyPem,
        remoteWriteToken: own.tokens[token],
        networkPolicy: cfg.networkPolicy.enabled
            ? {
                  apiServer: cfg.networkPolicy.apiServer,
                  // readHubOutputs has checked it is an ip:port.
                  aggregators: { kind: "loadBalancer", cidr: `${addressIp(address)}/32` },
                  aggregatorPorts: {
                      vector: Number(address.slice(address.lastIndexOf(":") + 1)),
                      remoteWrite: Number(new URL(remoteWriteUrl).port),
                  },
                  scrapeFrom: scrapeFrom(cfg),
              }
            : undefined,
    });
    return { outputs: { ...outputs, aggregatorAddress: address }, agent };
}

async function program(): Promise<Outputs> {
    const cfg = loadStackConfig();
    // Created once, and only after the hub's Network or the source's StackReference has been checked.
    let provider: k8s.Provider | undefined;
    const makeProvider = () => (provider ??= kubernetesProvider(cfg));
    const deployed = cfg.role === "hub" ? await hub(cfg, makeProvider) : await source(cfg, makeProvider);
    const identity = { role: cfg.role, cluster: cfg.cluster.name, environment: cfg.cluster.environment, region: cfg.cluster.region };
    // Nothing else before the hub serves this cluster: no monitoring of an agent that is not there,
    // and above all no parking of the old agents it would replace.
    if (deployed.pending) return { ...identity, agentNamespace: null, migrationPhase: cfg.migration.phase, parkedLegacyAgents: [], ...deployed.outputs };
    // Issue 19: Kubernetes events, once per cluster, into this cluster's agents (docs/signals-events.md).
    if (deployed.agent && cfg.agent.events.enabled)
        new KubernetesEvents(
            `${AGENT_NAME}-events`,
            {
                provider: makeProvider(),
                settings: { agent: AGENT_NAME, namespace: cfg.agent.namespace, image: cfg.agent.events.image, grpcPort: cfg.agent.events.grpcPort },
                networkPolicy: cfg.networkPolicy.enabled ? { apiServer: cfg.networkPolicy.apiServer } : undefined,
            },
            { dependsOn: [deployed.agent] },
        );
    const { outputs } = deployed;
    let selfMonitoring: VectorSelfMonitoring | undefined;
    if (cfg.monitoring.enabled) {
        selfMonitoring = new VectorSelfMonitoring("vector-monitoring", {
            provider: makeProvider(),
            cluster: cfg.cluster.name,
            monitoringNamespace: cfg.monitoring.namespace,
            selectorLabels: cfg.monitoring.selectorLabels,
            // Each PodMonitor waits for the component that creates its namespace.
            agent: deployed.agent ? { instance: AGENT_NAME, namespace: cfg.agent.namespace, dependsOn: [deployed.agent] } : undefined,
            aggregator:
                cfg.role === "hub" && deployed.aggregator
                    ? { instance: AGGREGATOR_NAME, namespace: cfg.aggregator.namespace, replicas: cfg.aggregator.replicas, dependsOn: [deployed.aggregator] }
                    : undefined,
        });
    }
    if (cfg.monitoring.enabled && cfg.role === "hub" && deployed.pki) {
        const pki = deployed.pki;
        const hubCluster = cfg.cluster.name;
        const rule = pulumi.all(pki.expiries.map((e) => e.notAfter)).apply((dates) =>
            certificateExpiryRule({
                name: "vector-fleet-certificates",
                namespace: cfg.monitoring.namespace,
                labels: cfg.monitoring.selectorLabels,
                // Date.parse is NaN for the offline render's placeholder: the rule then never fires.
                certificates: pki.expiries.map((e, i) => ({
                    certificate: e.certificate,
                    cluster: e.cluster ?? hubCluster,
                    notAfterUnix: Date.parse(dates[i]) / 1000,
                })),
            }),
        );
        new k8s.apiextensions.CustomResource(
            "vector-monitoring-certificate-rules",
            { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: rule.metadata, spec: rule.spec },
            // Under self-monitoring, after it has checked that the PrometheusRule CRD and the namespace exist.
            { provider: makeProvider(), parent: selfMonitoring, dependsOn: selfMonitoring ? [selfMonitoring] : [] },
        );
    }
    // Issue 19: alerts for a signal gone silent, on a hub that accepts the new signals.
    if (cfg.monitoring.enabled && cfg.role === "hub" && (cfg.aggregator.signalLogs || cfg.aggregator.tempo)) {
        const rule = signalPrometheusRule({ name: "vector-fleet-signals", namespace: cfg.monitoring.namespace, labels: cfg.monitoring.selectorLabels });
        new k8s.apiextensions.CustomResource(
            "vector-monitoring-signal-rules",
            { apiVersion: rule.apiVersion, kind: rule.kind, metadata: rule.metadata, spec: rule.spec },
            // Under self-monitoring. Not also dependsOn it, as the certificate rule is: that one's
            // inputs wait on the PKI, this one's are known at once, and under Pulumi's mocks a child
            // depending on its parent then never registers (the render hangs).
            { provider: makeProvider(), parent: selfMonitoring },
        );
        new k8s.core.v1.ConfigMap(
            "vector-monitoring-signals-dashboard",
            signalsDashboardConfigMap({ name: "vector-fleet-signals-dashboard", namespace: cfg.monitoring.namespace }),
            {
                provider: makeProvider(),
                parent: selfMonitoring,
            },
        );
    }
    const legacy = cfg.migration.phase === "none" ? undefined : new LegacyAgentCutover("legacy-agents", { provider: makeProvider(), migration: cfg.migration });
    return {
        role: cfg.role,
        cluster: cfg.cluster.name,
        environment: cfg.cluster.environment,
        region: cfg.cluster.region,
        agentNamespace: cfg.agent.enabled ? cfg.agent.namespace : null,
        migrationPhase: cfg.migration.phase,
        parkedLegacyAgents: legacy?.parked ?? [],
        ...outputs,
    };
}

export = program;
