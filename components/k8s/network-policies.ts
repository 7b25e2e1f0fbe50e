/**
 * Pure builders for the NetworkPolicies of both tiers: each namespace denies everything by
 * default, and one policy per tier lets in and out exactly what that tier needs.
 *
 * Two facts shape every rule here:
 * - Policies see addresses and ports after kube-proxy's DNAT, so a destination reached through a
 *   Service is matched by its pods' namespace (the Service port may differ from the pod's), and
 *   the API server by its endpoints' addresses and ports.
 * - Pods on the host network are outside NetworkPolicy in the common CNIs (Cilium, Calico,
 *   Flannel): the agent's policy documents and, where a CNI enforces it, guards what the agent
 *   may do; its ports are protected by other means (SECURITY.md).
 */
import * as net from "node:net";
import * as k8s from "@pulumi/kubernetes";
import type { Input } from "@pulumi/pulumi";
import { AGENT_PORTS, AgentPorts, AGGREGATOR_PORTS, agentPorts, KUBELET_PORT } from "../contract/fleet";
import { appLabels, Obj, selectorLabels } from "./common";
import T = k8s.types.input;

export type NetworkPolicy = Obj<T.networking.v1.NetworkPolicy>;
type Peer = T.networking.v1.NetworkPolicyPeer;
type EgressRule = T.networking.v1.NetworkPolicyEgressRule;
type Port = T.networking.v1.NetworkPolicyPort;

/** Set by Kubernetes itself on every namespace (1.22+); the seed's `name:` label is not. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

export const namespacePeer = (namespace: string): Peer => ({ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } } });

const tcp = (...ports: number[]): Port[] => ports.map((port) => ({ protocol: "TCP", port }));

/** CoreDNS keeps the `k8s-app: kube-dns` label in kubeadm, k3s and the managed distributions. */
export function dnsEgress(): EgressRule {
    return {
        to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
        ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
        ],
    };
}

/**
 * Egress to the service behind a URL (Loki, Prometheus):
 * - `<service>.<namespace>.svc[.cluster.local]`: that namespace, any port (the URL names the
 *   Service port, the policy sees the pod's);
 * - an IPv4 literal: that address and port;
 * - any other host name: the port only, to any address, because a policy cannot name a host.
 */
export function urlEgress(url: string): EgressRule {
    const u = new URL(url);
    const inCluster = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.cluster\.local)?$/.exec(u.hostname);
    if (inCluster) return { to: [namespacePeer(inCluster[2])] };
    const port = Number(u.port || (u.protocol === "https:" ? 443 : 80));
    if (net.isIPv4(u.hostname)) return { to: [{ ipBlock: { cidr: `${u.hostname}/32` } }], ports: tcp(port) };
    return { ports: tcp(port) };
}

/** True when urlEgress cannot narrow the destination beyond a port. */
export function egressIsOpen(rule: EgressRule): boolean {
    return rule.to === undefined;
}

/** Denies all ingress and egress to every pod of the namespace that no other policy allows. */
export function defaultDenyPolicy(name: string, namespace: string, labels: Record<string, string>): NetworkPolicy {
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: `${name}-default-deny`, namespace, labels },
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    };
}

/** Where the agent sends logs and metrics. */
export type AggregatorPeer =
    /** The private load balancer, from another cluster. */
    | { kind: "loadBalancer"; cidr: Input<string> }
    /** The aggregator pods in the same cluster (the hub's own agent). */
    | { kind: "pods"; namespace: string; podLabels: Record<string, string> };

export interface AgentNetworkSettings {
    /** Component name: policies are named from it and select its pods. */
    name: string;
    namespace: string;
    ports?: AgentPorts;
    apiServer: { cidrs: string[]; ports: number[] };
    aggregators: AggregatorPeer;
    /** The aggregator ports this cluster's agent dials (its slot's); default slot 0's. */
    aggregatorPorts?: { vector: Input<number>; remoteWrite: Input<number> };
    /** Namespace of the Prometheus that scrapes the agent; undefined when none does. */
    scrapeFrom?: string;
}

export function agentNetworkPolicy(s: AgentNetworkSettings): NetworkPolicy {
    const ports = s.ports ?? AGENT_PORTS;
    const dial = s.aggregatorPorts ?? agentPorts(0);
    const aggregatorPorts: Port[] = [dial.vector, dial.remoteWrite].map((port) => ({ protocol: "TCP", port }));
    const toAggregators: EgressRule =
        s.aggregators.kind === "loadBalancer"
            ? { to: [{ ipBlock: { cidr: s.aggregators.cidr } }], ports: aggregatorPorts }
            : { to: [{ ...namespacePeer(s.aggregators.namespace), podSelector: { matchLabels: s.aggregators.podLabels } }], ports: aggregatorPorts };
    return tierPolicy("agent", s.name, s.namespace, {
        // The API port is bound to loopback and never needs a rule.
        ingress: s.scrapeFrom === undefined ? [] : [{ from: [namespacePeer(s.scrapeFrom)], ports: tcp(ports.metrics) }],
        egress: [
            dnsEgress(),
            { to: s.apiServer.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcp(...s.apiServer.ports) },
            // The kubelet is scraped on the node's own loopback; the port is all a policy can name.
            { ports: tcp(KUBELET_PORT) },
            toAggregators,
        ],
    });
}

export interface AggregatorNetworkSettings {
    name: string;
    namespace: string;
    /**
     * Sources allowed on the log and remote-write ports: the private Network's range and this
     * cluster's pod network. The load balancer's connections arrive from its own private address
     * because its Service keeps the client's address (externalTrafficPolicy Local). The hub's own
     * agent runs on the host network: Cilium gives its traffic the `host` or `remote-node`
     * identity, which an ipBlock matches only with Cilium's `policy-cidr-match-mode: nodes`
     * (docs/network-policies.md#cilium-and-the-hubs-own-agent); the node addresses it then
     * matches are in the private Network's range, its tunnel address in the pod network.
     */
    agentCidrs: Input<string>[];
    /** Slots of the clusters that may send: each has its own pair of ports. */
    agentSlots: number[];
    /** Loki and Prometheus URLs the aggregators write to. */
    destinations: string[];
    /** Namespace of the Prometheus that scrapes the aggregators; undefined when none does. */
    scrapeFrom?: string;
}

export function aggregatorNetworkPolicy(s: AggregatorNetworkSettings): NetworkPolicy {
    const egress: EgressRule[] = [dnsEgress()];
    const seen = new Set<string>();
    for (const url of s.destinations) {
        const rule = urlEgress(url);
        const key = JSON.stringify(rule);
        if (!seen.has(key)) egress.push(rule);
        seen.add(key);
    }
    return tierPolicy("aggregator", s.name, s.namespace, {
        ingress: [
            {
                from: s.agentCidrs.map((cidr) => ({ ipBlock: { cidr } })),
                ports: tcp(...[...new Set(s.agentSlots)].sort((a, b) => a - b).flatMap((slot) => Object.values(agentPorts(slot)))),
            },
            ...(s.scrapeFrom === undefined ? [] : [{ from: [namespacePeer(s.scrapeFrom)], ports: tcp(AGGREGATOR_PORTS.metrics) }]),
        ],
        egress,
    });
}

/** A tier's policy: selects the component instance's pods and governs both directions. */
function tierPolicy(
    component: "agent" | "aggregator",
    name: string,
    namespace: string,
    rules: { ingress: T.networking.v1.NetworkPolicyIngressRule[]; egress: EgressRule[] },
): NetworkPolicy {
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name, namespace, labels: appLabels(component, name) },
        spec: { podSelector: { matchLabels: selectorLabels(component, name) }, policyTypes: ["Ingress", "Egress"], ...rules },
    };
}
