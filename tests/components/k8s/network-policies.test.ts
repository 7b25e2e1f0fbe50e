import { strict as assert } from "node:assert";
import { selectorLabels } from "../../../components/k8s/common";
import {
    agentNetworkPolicy,
    AgentNetworkSettings,
    aggregatorNetworkPolicy,
    defaultDenyPolicy,
    dnsEgress,
    egressIsOpen,
    urlEgress,
} from "../../../components/k8s/network-policies";
import { ConfigError } from "../../../config";
import { cidrContains } from "../../../config/validators";
import { RunResult, runStack } from "../../../tools/render/simulator";
import { dig, find, parentName, program, runHub, runSource, sharedHub, sharedSource, stackConfig } from "../../support/fleet";
import { arr, at, json } from "../../support/json";
import { snapshots } from "../../support/snapshot";

const matchSnapshot = snapshots(__filename);

const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const KUBE_DNS = {
    to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
    ports: [
        { protocol: "UDP", port: 53 },
        { protocol: "TCP", port: 53 },
    ],
};
const MONITORING_NS = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } };

const AGENT: AgentNetworkSettings = {
    name: "vector-agent",
    namespace: "vector-system",
    apiServer: { cidrs: ["10.0.0.0/24"], ports: [6443] },
    aggregators: { kind: "loadBalancer", cidr: "10.0.64.250/32" },
    scrapeFrom: "monitoring",
};

describe("NetworkPolicy builders", () => {
    it("denies all ingress and egress to every pod of a namespace by default", () => {
        assert.deepEqual(defaultDenyPolicy("vector-agent", "vector-system", { a: "b" }), {
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: { name: "vector-agent-default-deny", namespace: "vector-system", labels: { a: "b" } },
            spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
        });
    });

    it("allows DNS only to CoreDNS in kube-system, over UDP and TCP", () => {
        assert.deepEqual(dnsEgress(), KUBE_DNS);
    });

    describe("egress to a URL", () => {
        it("an in-cluster Service: its namespace on any port, since policies see the pod's port", () => {
            assert.deepEqual(urlEgress("http://loki-gateway.logging.svc.cluster.local"), {
                to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "logging" } } }],
            });
            assert.deepEqual(urlEgress("http://prometheus-operated.monitoring.svc:9090/api/v1/write"), { to: [MONITORING_NS] });
        });

        it("an IPv4 literal: that address and the URL's port", () => {
            assert.deepEqual(urlEgress("https://10.1.2.3:3100"), { to: [{ ipBlock: { cidr: "10.1.2.3/32" } }], ports: [{ protocol: "TCP", port: 3100 }] });
            assert.deepEqual(urlEgress("http://10.1.2.3"), { to: [{ ipBlock: { cidr: "10.1.2.3/32" } }], ports: [{ protocol: "TCP", port: 80 }] });
        });

        it("an outside host name: only the port (443 by default for https), and says the destination is open", () => {
            const rule = urlEgress("https://logs.example.com/loki");
            assert.deepEqual(rule, { ports: [{ protocol: "TCP", port: 443 }] });
            assert.equal(egressIsOpen(rule), true);
            assert.equal(egressIsOpen(urlEgress("http://loki.monitoring.svc")), false);
        });

        it("does not mistake a two-label outside name for a namespace", () => {
            assert.deepEqual(urlEgress("http://loki.example:3100"), { ports: [{ protocol: "TCP", port: 3100 }] });
        });
    });

    it("agent: metrics from the Prometheus namespace in; DNS, API server, kubelet and the load balancer out", () => {
        const p = json(agentNetworkPolicy(AGENT));
        matchSnapshot("agent.yaml", p);
        assert.deepEqual(at(p, "spec", "ingress"), [{ from: [MONITORING_NS], ports: [{ protocol: "TCP", port: 9598 }] }]);
        assert.deepEqual(at(p, "spec", "egress", 3), {
            to: [{ ipBlock: { cidr: "10.0.64.250/32" } }],
            ports: [
                { protocol: "TCP", port: 6000 },
                { protocol: "TCP", port: 9201 },
            ],
        });
    });

    it("agent: the hub's own agent is let out to the aggregator pods only, and without a scraper nothing is let in", () => {
        const p = agentNetworkPolicy({
            ...AGENT,
            aggregators: { kind: "pods", namespace: "vector-aggregator", podLabels: { app: "agg" } },
            scrapeFrom: undefined,
            ports: { api: 18686, metrics: 19598 },
        });
        assert.deepEqual(at(json(p), "spec", "ingress"), []);
        assert.deepEqual(at(json(p), "spec", "egress", 3), {
            to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "vector-aggregator" } }, podSelector: { matchLabels: { app: "agg" } } }],
            ports: [
                { protocol: "TCP", port: 6000 },
                { protocol: "TCP", port: 9201 },
            ],
        });
        const withScrape = agentNetworkPolicy({ ...AGENT, ports: { api: 18686, metrics: 19598 } });
        assert.deepEqual(at(json(withScrape), "spec", "ingress"), [{ from: [MONITORING_NS], ports: [{ protocol: "TCP", port: 19598 }] }]);
    });

    it("aggregator: agents' ports from the given ranges, metrics from Prometheus; DNS, Loki and Prometheus out, each once", () => {
        const p = aggregatorNetworkPolicy({
            name: "vector-aggregator",
            namespace: "vector-aggregator",
            agentCidrs: ["10.0.0.0/16", "10.244.0.0/16"],
            agentSlots: [0],
            destinations: ["http://loki-gateway.monitoring.svc.cluster.local", "http://prometheus-operated.monitoring.svc.cluster.local:9090/api/v1/write"],
            scrapeFrom: "monitoring",
        });
        matchSnapshot("aggregator.yaml", p);
        assert.deepEqual(
            at(json(p), "spec", "egress"),
            [KUBE_DNS, { to: [MONITORING_NS] }],
            "Loki and Prometheus share one rule: both in the monitoring namespace",
        );
    });

    it("aggregator: distinct destinations get a rule each; no scraper, no metrics rule", () => {
        const p = aggregatorNetworkPolicy({
            name: "agg",
            namespace: "agg",
            agentCidrs: ["10.0.0.0/16"],
            agentSlots: [0],
            destinations: ["https://10.9.0.5:3100", "http://prometheus.metrics.svc:9090/api/v1/write"],
        });
        assert.deepEqual(at(json(p), "spec", "egress"), [
            KUBE_DNS,
            { to: [{ ipBlock: { cidr: "10.9.0.5/32" } }], ports: [{ protocol: "TCP", port: 3100 }] },
            { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "metrics" } } }] },
        ]);
        assert.equal(arr(at(json(p), "spec", "ingress")).length, 1);
    });
});

describe("NetworkPolicies in the program", () => {
    let hub: RunResult;
    before(async () => {
        hub = await sharedHub();
    });
    const policies = (r: RunResult) => r.resources.filter((x) => x.type === NP);

    it("hub: a default deny and a tier policy in each namespace, parented to their component", () => {
        const found = policies(hub).map((p) => `${parentName(p)}: ${dig(p.inputs, "metadata.namespace")}/${dig(p.inputs, "metadata.name")}`);
        assert.deepEqual(found.sort(), [
            "vector-agent: vector-system/vector-agent",
            "vector-agent: vector-system/vector-agent-default-deny",
            "vector-aggregator: vector-aggregator/vector-aggregator",
            "vector-aggregator: vector-aggregator/vector-aggregator-default-deny",
        ]);
    });

    it("hub: lets agents in from the private Network's range (looked up in Hetzner) and the cluster's pod network", () => {
        const p = find(hub, NP, "vector-aggregator-networkpolicy");
        assert.deepEqual(dig(p.inputs, "spec.ingress.0.from"), [{ ipBlock: { cidr: "10.0.0.0/16" } }, { ipBlock: { cidr: "10.244.0.0/16" } }]);
    });

    describe("the load balancer's connections through a NodePort, as Kubernetes and Cilium see them", () => {
        type Arrival = { ip: string; identity: "world" | "remote-node" };
        /**
         * What the aggregator pod sees of a connection that reached a node's NodePort from `client`.
         * kubernetes/api core/v1 types.go, ServiceExternalTrafficPolicy: Local "preserves the source IP
         * of the traffic by routing only to endpoints on the same node as the traffic was received on
         * (dropping the traffic if there are no local endpoints)"; Cluster routes to all endpoints, and
         * kube-proxy masquerades external traffic to the node's address (pkg/proxy/iptables/proxier.go,
         * KUBE-MARK-MASQ on the external chain). Cilium gives an address of a cluster node the
         * `remote-node` identity (or `host` on the same node), never a CIDR identity.
         */
        function arrival(policy: unknown, client: string, node: string, replicaOnNode: boolean): Arrival | undefined {
            if (policy === "Local") return replicaOnNode ? { ip: client, identity: "world" } : undefined;
            return { ip: node, identity: "remote-node" };
        }
        /**
         * Cilium: an ipBlock selects CIDR identities only, unless policy-cidr-match-mode includes
         * `nodes` (Cilium 1.15+, cilium/cilium#28421), when it selects cluster nodes by address too.
         */
        function admitted(policy: unknown, a: Arrival, port: number, cidrMatchNodes = false): boolean {
            const ingress = (dig(policy, "spec.ingress") as Array<{ from?: Array<{ ipBlock?: { cidr: string } }>; ports?: Array<{ port: number }> }>) ?? [];
            return ingress.some(
                (r) =>
                    (r.ports ?? []).some((p) => p.port === port) &&
                    (r.from ?? []).some((f) => f.ipBlock !== undefined && (a.identity === "world" || cidrMatchNodes) && cidrContains(f.ipBlock.cidr, a.ip)),
            );
        }
        const LB_IP = "10.0.64.250";
        const NODE_IP = "10.0.1.7";
        const lbService = () => find(hub, "kubernetes:core/v1:Service", "vector-aggregator-loadbalancer").inputs;
        const policy = () => find(hub, NP, "vector-aggregator-networkpolicy").inputs;

        it("reach the aggregators on both ports: Local keeps the load balancer's address, which the policy admits", () => {
            const trafficPolicy = dig(lbService(), "spec.externalTrafficPolicy");
            for (const port of [6000, 9201]) {
                const a = arrival(trafficPolicy, LB_IP, NODE_IP, true);
                assert.ok(a && admitted(policy(), a, port), `port ${port}: ${JSON.stringify(a)}`);
            }
        });

        it("never arrive through a node without a replica (its NodePort drops them, so the TCP health check takes it out)", () => {
            assert.equal(arrival(dig(lbService(), "spec.externalTrafficPolicy"), LB_IP, NODE_IP, false), undefined);
        });

        it("the rule bites: with Cluster the masqueraded connection is a node's and the policy drops it", () => {
            const a = arrival("Cluster", LB_IP, NODE_IP, true)!;
            assert.equal(admitted(policy(), a, 6000), false);
        });

        it("the hub's host-network agent on another node is admitted once Cilium matches nodes by CIDR, by node or tunnel address", () => {
            for (const ip of [NODE_IP, "10.244.3.1"]) {
                const fromNode: Arrival = { ip, identity: "remote-node" };
                assert.equal(admitted(policy(), fromNode, 6000), false, `${ip}: default Cilium`);
                assert.equal(admitted(policy(), fromNode, 6000, true), true, `${ip}: policy-cidr-match-mode nodes`);
            }
        });

        it("a client on a node's public address reaching the NodePort keeps its own address, and the policy drops it", () => {
            const a = arrival(dig(lbService(), "spec.externalTrafficPolicy"), "203.0.113.9", "198.51.100.4", true)!;
            assert.equal(admitted(policy(), a, 6000), false);
        });
    });

    it("hub: its own agent may reach the aggregator pods, not the load balancer", () => {
        const p = find(hub, NP, "vector-agent-networkpolicy");
        assert.deepEqual(dig(p.inputs, "spec.egress.3.to"), [
            {
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "vector-aggregator" } },
                podSelector: { matchLabels: selectorLabels("aggregator", "vector-aggregator") },
            },
        ]);
    });

    it("source: the agent may reach exactly the load balancer address the hub exports", async () => {
        const dev = await sharedSource("dev");
        // The agent's two; the events collector's own policy (when events are on) is tested with it.
        assert.equal(policies(dev).filter((x) => !String(dig(x.inputs, "metadata.name")).endsWith("-events-collector")).length, 2);
        const p = find(dev, NP, "vector-agent-networkpolicy");
        assert.deepEqual(dig(p.inputs, "spec.egress.3.to"), [{ ipBlock: { cidr: "10.0.64.250/32" } }]);
    });

    it("source without self-monitoring: nothing may scrape the agent", async () => {
        const management = await sharedSource("management");
        assert.deepEqual(dig(find(management, NP, "vector-agent-networkpolicy").inputs, "spec.ingress"), []);
    });

    it("takes the API server's addresses and ports from the config", async () => {
        const dev = await runSource("dev", hub.outputs, { networkPolicy: { apiServer: { cidrs: ["10.0.1.0/24"], ports: [6443] } } });
        assert.deepEqual(dig(find(dev, NP, "vector-agent-networkpolicy").inputs, "spec.egress.1"), {
            to: [{ ipBlock: { cidr: "10.0.1.0/24" } }],
            ports: [{ protocol: "TCP", port: 6443 }],
        });
    });

    it("creates none when networkPolicy.enabled is false", async () => {
        const off = await runHub({ networkPolicy: { enabled: false } });
        assert.deepEqual(policies(off), []);
    });

    it("refuses a bad CIDR or port before registering anything, naming key, value and fix", async () => {
        const bad = { networkPolicy: { apiServer: { cidrs: ["10.0.1.0/33"], ports: [0] }, clusterCidrs: ["10.244.0.1/16"] } };
        await assert.rejects(runStack(program, { project: "vector-fleet", stack: "dev", ...stackConfig("dev", bad) }), (e: unknown) => {
            assert.ok(e instanceof ConfigError);
            assert.match(e.message, /vector-fleet:networkPolicy\.apiServer\.cidrs\[0\]: got "10\.0\.1\.0\/33"; expected an IPv4 CIDR/);
            assert.match(e.message, /vector-fleet:networkPolicy\.apiServer\.ports\[0\]: got 0; expected/);
            assert.match(
                e.message,
                /vector-fleet:networkPolicy\.clusterCidrs\[0\]: got "10\.244\.0\.1\/16"; expected an IPv4 CIDR .*address bits beyond the prefix unset/,
            );
            return true;
        });
    });
});
