/**
 * A small Grafana dashboard for the signals of issue 19: per cluster (and per node for the
 * journal), what the agents take in of each new signal, and what the aggregators hand to Tempo.
 * A flat line at zero is the missing signal the alerts of signal-rules.ts page on. Its own
 * ConfigMap, beside the fleet dashboard, so that one stays as it is while the signals are off.
 */
import * as k8s from "@pulumi/kubernetes";
import { fleetLabels, Obj } from "../k8s/common";
import { dnsLabel } from "../prometheus/promql";
import { datasourceVariable, queryVariable } from "./dashboard";

import T = k8s.types.input;

export const SIGNALS_DASHBOARD_UID = "vector-fleet-signals";
export const SIGNALS_DASHBOARD_FILE = "vector-fleet-signals.json";

const DS = { type: "prometheus", uid: "${datasource}" };
const received = (component: string, by: string) =>
    `sum by (${by}) (rate(vector_component_received_events_total{vector_role="agent", component_id="${component}", cluster=~"$cluster"}[$__rate_interval]))`;

/** The panels, in reading order: [title, description, query, legend]. */
export const SIGNAL_PANELS: [string, string, string, string][] = [
    [
        "Node journal entries per second",
        'Per node: entries the agent reads from the journal (job="node-journal"). Zero on a node means its reader is broken.',
        received("node_journal", "cluster, node"),
        "{{cluster}} {{node}}",
    ],
    [
        "Kubernetes events per second",
        'Per cluster: events the agents receive from the events collector (job="kubernetes-events").',
        received("kubernetes_events", "cluster"),
        "{{cluster}}",
    ],
    [
        "OTLP spans per second (resource batches)",
        "Per cluster: trace batches the agents receive over OTLP.",
        received("otlp_traces_enrich", "cluster"),
        "{{cluster}}",
    ],
    [
        "Sent to Tempo",
        "Trace batches the aggregators' tempo sink delivered.",
        'sum by (pod) (rate(vector_component_sent_events_total{vector_role="aggregator", component_id="tempo"}[$__rate_interval]))',
        "{{pod}}",
    ],
];

export function signalsDashboard(): Record<string, unknown> {
    const width = 24 / 2;
    return {
        uid: SIGNALS_DASHBOARD_UID,
        title: "Vector fleet: signals",
        description: "Node journal, Kubernetes events and OTLP traces per cluster (docs/signals-node-logs.md, docs/signals-events.md, docs/signals-otlp.md).",
        tags: ["vector", "vector-fleet"],
        timezone: "browser",
        editable: true,
        schemaVersion: 39,
        version: 1,
        refresh: "1m",
        time: { from: "now-6h", to: "now" },
        templating: {
            list: [datasourceVariable(), queryVariable("cluster", "Cluster", "label_values(vector_uptime_seconds, cluster)")],
        },
        annotations: { list: [] },
        links: [],
        panels: SIGNAL_PANELS.map(([title, description, expr, legendFormat], i) => ({
            id: i + 1,
            type: "timeseries",
            title,
            description,
            gridPos: { x: (i % 2) * width, y: Math.floor(i / 2) * 8, w: width, h: 8 },
            datasource: DS,
            targets: [{ refId: "A", expr, legendFormat, datasource: DS, range: true, instant: false }],
            fieldConfig: { defaults: { unit: "cps", min: 0, color: { mode: "palette-classic" } }, overrides: [] },
            options: { legend: { displayMode: "list", placement: "bottom", showLegend: true, calcs: [] }, tooltip: { mode: "multi", sort: "desc" } },
        })),
    };
}

/** The ConfigMap Grafana's dashboard sidecar picks up (label grafana_dashboard=1). */
export function signalsDashboardConfigMap(s: { name: string; namespace: string; labels?: Record<string, string> }): Obj<T.core.v1.ConfigMap> {
    dnsLabel(s.namespace, "dashboard ConfigMap namespace");
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: s.name, namespace: s.namespace, labels: { ...fleetLabels("monitoring"), ...s.labels, grafana_dashboard: "1" } },
        data: { [SIGNALS_DASHBOARD_FILE]: `${JSON.stringify(signalsDashboard(), null, 2)}\n` },
    };
}
