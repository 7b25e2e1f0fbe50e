/**
 * prometheus-operator's monitoring.coreos.com/v1 PrometheusRule and Prometheus' rule file, typed
 * for the fields we use. A model like components/vector/: every component that writes rules
 * (monitoring's alerts, pki's expiry rule) builds these, so they sit below the components.
 */
import type { Duration } from "./promql";

export type Severity = "critical" | "warning" | "info";

export interface PrometheusAlertingRule {
    alert: string;
    expr: string;
    for: Duration;
    labels: { severity: Severity };
    annotations: { summary: string; description: string; runbook_url: string };
}

export interface PrometheusRecordingRule {
    record: string;
    expr: string;
    labels?: Record<string, string>;
}

export interface PrometheusRuleGroup {
    name: string;
    rules: (PrometheusAlertingRule | PrometheusRecordingRule)[];
}

export interface PrometheusRule {
    apiVersion: "monitoring.coreos.com/v1";
    kind: "PrometheusRule";
    metadata: { name: string; namespace: string; labels: Record<string, string> };
    spec: { groups: PrometheusRuleGroup[] };
}

/** The plain Prometheus rule-file form, as promtool and Prometheus read it. */
export interface PrometheusRuleFile {
    groups: PrometheusRuleGroup[];
}
