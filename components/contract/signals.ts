/**
 * Facts the agent and the Kubernetes events collector share (issue 19): the collector sends to the
 * agents' events Service, and the agents' NetworkPolicy lets the collector's pods in.
 */

/** The agents' Service for events, in the agent's namespace (components/agent/signals.ts). */
export const agentEventsServiceName = (agent: string) => `${agent}-events`;

/** Object names of the events collector that feeds the agent instance `agent`. */
export const eventsCollectorNames = (agent: string) => ({
    name: `${agent}-events-collector`,
    config: `${agent}-events-collector-config`,
});

/** Every label of the collector's objects. */
export function eventsCollectorLabels(agent: string): Record<string, string> {
    return {
        "app.kubernetes.io/name": "opentelemetry-collector",
        "app.kubernetes.io/component": "kubernetes-events",
        "app.kubernetes.io/part-of": "vector-fleet",
        "app.kubernetes.io/managed-by": "pulumi",
        "app.kubernetes.io/instance": eventsCollectorNames(agent).name,
    };
}

/** The collector pods' stable labels: its Deployment's selector, and the agent policy's peer. */
export function eventsCollectorSelector(agent: string): Record<string, string> {
    const l = eventsCollectorLabels(agent);
    return { "app.kubernetes.io/name": l["app.kubernetes.io/name"], "app.kubernetes.io/instance": l["app.kubernetes.io/instance"] };
}
