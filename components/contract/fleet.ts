/**
 * Facts the tiers and monitoring share: the components' names, the ports each side dials or
 * opens, the heartbeat's field and the aggregators' quorum. They live here, below the feature
 * components, because a fact two components agree on belongs to neither (components/ may not
 * import a sibling feature: tests/architecture.test.ts).
 */

/**
 * The agent component's name: its Kubernetes objects, its `app.kubernetes.io/instance` and the
 * `job` of its `up` series. Written once: the DaemonSet, PodMonitor, alerts and client
 * certificate names all follow it.
 */
export const AGENT_NAME = "vector-agent";
/** The aggregator component's name: objects, Services, `up{job}` and the server certificate's name. */
export const AGGREGATOR_NAME = "vector-aggregator";

/**
 * Who a cluster is: its name, environment and region, written on everything its agents send and
 * on the aggregators' own metrics. Config parses it (config/stack.ts ClusterIdentity has this shape).
 */
export interface ClusterIdentity {
    name: string;
    environment: string;
    region: string;
}

/** The agent's host ports (it shares the node's network). */
export const AGENT_PORTS = {
    /** Vector's API (health); bound to loopback because the agent shares the node's network. */
    api: 8686,
    /** Vector's own metrics, for the PodMonitor. */
    metrics: 9598,
} as const;

export interface AgentPorts {
    api: number;
    metrics: number;
}

/** Kubelet's authenticated port; reachable on loopback because the agent uses the host network. */
export const KUBELET_PORT = 10250;

export const AGGREGATOR_PORTS = {
    /** Vector's native protocol, the agents' log stream (6000 is Vector's conventional port): slot 0's. */
    vector: 6000,
    /** Prometheus remote write from agents: slot 0's. */
    remoteWrite: 9201,
    api: 8686,
    metrics: 9598,
} as const;

/** Slots run 0..MAX_AGENT_SLOT: the port ranges stay clear of each other and of api/metrics. */
export const MAX_AGENT_SLOT = 98;

/** The ports of one agent cluster's sources: its slot above slot 0's. */
export function agentPorts(slot: number): { vector: number; remoteWrite: number } {
    if (!Number.isInteger(slot) || slot < 0 || slot > MAX_AGENT_SLOT) throw new Error(`agent slot ${slot} is outside 0..${MAX_AGENT_SLOT}`);
    return { vector: AGGREGATOR_PORTS.vector + slot, remoteWrite: AGGREGATOR_PORTS.remoteWrite + slot };
}

/**
 * The field a heartbeat carries its proof in ({ seq, sent_at, interval_secs }). The aggregators
 * count events that have it; the agent removes it from pod logs so an application cannot forge one.
 */
export const HEARTBEAT_FIELD = "vector_fleet_heartbeat";

/** Majority of the replicas: what the aggregators' disruption budget keeps up and the alerts count. */
export function quorum(replicas: number): number {
    return Math.floor(replicas / 2) + 1;
}
