/**
 * PodMonitors for Vector's own /metrics endpoint. Their only product is the synthetic `up` series:
 * every scraped sample is dropped, because Vector's internal metrics already reach the central
 * Prometheus by remote write (scraping them too would count hub agents and aggregators twice).
 *
 * `up` is what Prometheus can tell without the pipeline: it keeps working when the pipeline is the
 * thing that broke, which is why the aggregator quorum alert is built on it.
 */
import { appLabels, selectorLabels } from "../k8s/common";
import { AGENT_NAME, AGGREGATOR_NAME } from "../contract/fleet";
import { dnsLabel } from "../prometheus/promql";

/** The fixed `job` label of each PodMonitor's `up` series (the components' names); the alert rules select on these. */
export const AGENT_JOB = AGENT_NAME;
export const AGGREGATOR_JOB = AGGREGATOR_NAME;

/** Both workloads name their internal-metrics container port this (containerPort 9598). */
export const METRICS_PORT_NAME = "metrics";
export const METRICS_PATH = "/metrics";

// The Pulumi Kubernetes SDK has no types for CRDs: these mirror the prometheus-operator
// monitoring.coreos.com/v1 PodMonitor fields we use, so a misspelt field is a compile error.

export type RelabelAction = "replace" | "keep" | "drop" | "hashmod" | "labelmap" | "labeldrop" | "labelkeep";

export interface RelabelConfig {
    sourceLabels?: string[];
    separator?: string;
    targetLabel?: string;
    regex?: string;
    modulus?: number;
    replacement?: string;
    action?: RelabelAction;
}

export interface PodMetricsEndpoint {
    /** Name of the container port. */
    port: string;
    path?: string;
    scheme?: "http" | "https";
    interval?: string;
    scrapeTimeout?: string;
    honorLabels?: boolean;
    relabelings?: RelabelConfig[];
    metricRelabelings?: RelabelConfig[];
}

export interface PodMonitorSpec {
    jobLabel?: string;
    podTargetLabels?: string[];
    selector: { matchLabels: Record<string, string> };
    namespaceSelector: { any?: boolean; matchNames?: string[] };
    podMetricsEndpoints: PodMetricsEndpoint[];
}

export interface PodMonitor {
    apiVersion: "monitoring.coreos.com/v1";
    kind: "PodMonitor";
    metadata: { name: string; namespace: string; labels: Record<string, string> };
    spec: PodMonitorSpec;
}

export interface PodMonitorSettings {
    /** Name of the PodMonitor object. */
    name: string;
    /** Namespace of the Vector pods. */
    namespace: string;
    /** Vector component name (`app.kubernetes.io/instance`) whose pods are scraped. */
    instance: string;
    /** Value of the static `cluster` label on `up`, as on every remote-written series. */
    cluster: string;
    /**
     * Where the PodMonitor object lives, when the Prometheus only watches its own namespace for
     * PodMonitors; defaults to the pods' namespace. The pods are found through namespaceSelector either way.
     */
    monitoringNamespace?: string;
    /** Extra labels on the object, e.g. what the Prometheus' podMonitorSelector asks for. */
    labels?: Record<string, string>;
    /** Scrape interval; `up` only feeds alerts with `for` of minutes, so 30s is plenty. */
    interval?: string;
}

export const DEFAULT_SCRAPE_INTERVAL = "30s";

function podMonitor(component: "agent" | "aggregator", job: string, s: PodMonitorSettings): PodMonitor {
    if (s.name === "") throw new Error("PodMonitor name: must not be empty");
    if (s.instance === "") throw new Error("PodMonitor instance: must not be empty");
    if (s.cluster === "") throw new Error("PodMonitor cluster: must not be empty");
    dnsLabel(s.namespace, "PodMonitor namespace");
    if (s.monitoringNamespace !== undefined) dnsLabel(s.monitoringNamespace, "PodMonitor monitoringNamespace");
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PodMonitor",
        metadata: {
            name: s.name,
            namespace: s.monitoringNamespace ?? s.namespace,
            labels: { ...appLabels(component, s.instance), ...s.labels },
        },
        spec: {
            selector: { matchLabels: selectorLabels(component, s.instance) },
            namespaceSelector: { matchNames: [s.namespace] },
            podMetricsEndpoints: [
                {
                    port: METRICS_PORT_NAME,
                    path: METRICS_PATH,
                    interval: s.interval ?? DEFAULT_SCRAPE_INTERVAL,
                    // The operator already sets namespace/pod/container; ours run after its own, so
                    // the fixed job replaces its "<namespace>/<podmonitor>" default.
                    relabelings: [
                        { targetLabel: "cluster", replacement: s.cluster, action: "replace" },
                        { sourceLabels: ["__meta_kubernetes_pod_node_name"], targetLabel: "node", action: "replace" },
                        { sourceLabels: ["__meta_kubernetes_pod_name"], targetLabel: "pod", action: "replace" },
                        { targetLabel: "job", replacement: job, action: "replace" },
                    ],
                    // Metric relabelling never touches the synthetic up/scrape_* series, so this keeps
                    // exactly those.
                    metricRelabelings: [{ sourceLabels: ["__name__"], regex: ".+", action: "drop" }],
                },
            ],
        },
    };
}

/** `up{job="vector-agent"}` for the agents of one cluster (only meaningful in that cluster's Prometheus). */
export function agentPodMonitor(s: PodMonitorSettings): PodMonitor {
    return podMonitor("agent", AGENT_JOB, s);
}

/** `up{job="vector-aggregator"}` for the hub's aggregators: the input of the quorum alerts. */
export function aggregatorPodMonitor(s: PodMonitorSettings): PodMonitor {
    return podMonitor("aggregator", AGGREGATOR_JOB, s);
}
