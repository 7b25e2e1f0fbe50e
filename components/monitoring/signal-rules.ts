/**
 * Alerts for the signals of issue 19, where a missing signal would otherwise go unnoticed: pod logs
 * have heartbeats, but a node whose journal stopped, a cluster whose events stopped, or a cluster
 * whose traces stopped leave no other trace. Built on the agents' own counters, which reach the
 * hub by remote write with their cluster and node labels (docs/runbooks.md, "Where the data comes
 * from"): `vector_component_received_events_total` of the component that takes the signal in.
 */
import { fleetLabels } from "../k8s/common";
import { dnsLabel, Duration } from "../prometheus/promql";
import type { PrometheusAlertingRule, PrometheusRule } from "./rules";

export const SIGNAL_ALERTS = {
    journal: "VectorNodeJournalSilent",
    events: "VectorKubernetesEventsSilent",
    traces: "VectorClusterTracesStopped",
} as const;

/** The agents' components each signal enters by (components/agent/signals.ts). */
const RECEIVED = (component: string) => `vector_component_received_events_total{vector_role="agent", component_id="${component}"}`;

export function signalAlertRules(runbookBaseUrl = "docs/runbooks.md"): PrometheusAlertingRule[] {
    const rule = (alert: string, expr: string, forDuration: Duration, summary: string, description: string): PrometheusAlertingRule => ({
        alert,
        expr,
        for: forDuration,
        labels: { severity: "warning" },
        annotations: { summary, description, runbook_url: `${runbookBaseUrl}#${alert.toLowerCase()}` },
    });
    return [
        // kubelet alone writes to the journal every few minutes: half an hour of nothing is a broken reader.
        rule(
            SIGNAL_ALERTS.journal,
            `sum by (cluster, node) (rate(${RECEIVED("node_journal")}[30m])) == 0`,
            "15m",
            "No journal entries from node {{ $labels.node }} ({{ $labels.cluster }}) for 45 minutes",
            "The agent on {{ $labels.node }} in {{ $labels.cluster }} has read nothing from the node's journal for 45 minutes, though kubelet logs every few minutes: journalctl cannot start, or reads the wrong directory.",
        ),
        // Events are bursty; three quiet hours in a cluster with pods coming and going means the collector is down.
        rule(
            SIGNAL_ALERTS.events,
            `sum by (cluster) (rate(${RECEIVED("kubernetes_events")}[3h])) == 0`,
            "30m",
            "No Kubernetes events from {{ $labels.cluster }} for 3.5 hours",
            "The agents of {{ $labels.cluster }} have received no Kubernetes event for three and a half hours: the events collector is down, cannot watch the API, or cannot reach its node's agent.",
        ),
        // Only a cluster that sent traces in the day before: a cluster without instrumented applications is not silent.
        rule(
            SIGNAL_ALERTS.traces,
            `sum by (cluster) (rate(${RECEIVED("otlp_traces_enrich")}[30m])) == 0 and sum by (cluster) (increase(${RECEIVED("otlp_traces_enrich")}[1d] offset 30m)) > 0`,
            "15m",
            "Traces from {{ $labels.cluster }} stopped",
            "The agents of {{ $labels.cluster }} received traces in the past day but none for 45 minutes: the applications stopped sending, or cannot reach their node's OTLP endpoint.",
        ),
    ];
}

export function signalPrometheusRule(s: { name: string; namespace: string; labels?: Record<string, string>; runbookBaseUrl?: string }): PrometheusRule {
    dnsLabel(s.namespace, "PrometheusRule namespace");
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: s.name, namespace: s.namespace, labels: { ...fleetLabels("monitoring"), ...s.labels } },
        spec: { groups: [{ name: "vector-fleet-signals", rules: signalAlertRules(s.runbookBaseUrl) }] },
    };
}
