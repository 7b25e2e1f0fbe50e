/**
 * Certificate expiry as Prometheus sees it. Vector exports no certificate metric, but Pulumi knows
 * every fleet certificate's not-after date (the tls provider's validityEndTime): the hub writes
 * them into a PrometheusRule as constant recording rules, and an alert fires weeks before any of
 * them runs out. `pulumi up` re-issues a certificate inside its early-renewal window (components/pki
 * PKI_VALIDITY), which updates its date here too, so the alert means "renewal has not happened".
 */
import { fleetLabels } from "../k8s/common";
import { dnsLabel } from "../prometheus/promql";
import type { PrometheusAlertingRule, PrometheusRecordingRule, PrometheusRule } from "../prometheus/rule";

export const CERTIFICATE_EXPIRY_METRIC = "vector_fleet_certificate_expiry_timestamp_seconds";
export const CERTIFICATE_EXPIRY_ALERT = "VectorFleetCertificateExpiringSoon";
/** Leaves renew 30 days early; 21 days left means renewal is 9 days overdue, with 3 weeks to act. */
export const EXPIRY_WARNING_DAYS = 21;

export interface CertificateExpiry {
    /** What the certificate is, e.g. "client-dev", "client-ca-dev", "server", "ca". */
    certificate: string;
    /** The cluster it belongs to (the hub's for the CA and the server certificate). */
    cluster: string;
    /**
     * Not-after as Unix seconds. NaN when unknown (an offline render): `vector(NaN)` never
     * compares below a threshold, so the alert stays silent rather than inventing a date.
     */
    notAfterUnix: number;
}

export function certificateExpiryRule(s: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    certificates: CertificateExpiry[];
    runbookBaseUrl?: string;
}): PrometheusRule {
    dnsLabel(s.namespace, "PrometheusRule namespace");
    const records: PrometheusRecordingRule[] = [...s.certificates]
        .sort((a, b) => a.certificate.localeCompare(b.certificate))
        .map((c) => ({
            record: CERTIFICATE_EXPIRY_METRIC,
            expr: `vector(${Number.isNaN(c.notAfterUnix) ? "NaN" : Math.floor(c.notAfterUnix)})`,
            labels: { certificate: c.certificate, cluster: c.cluster },
        }));
    const alert: PrometheusAlertingRule = {
        alert: CERTIFICATE_EXPIRY_ALERT,
        expr: `min by (certificate, cluster) (${CERTIFICATE_EXPIRY_METRIC}) - time() < ${EXPIRY_WARNING_DAYS} * 86400`,
        for: "1h",
        labels: { severity: "warning" },
        annotations: {
            summary: "Fleet certificate {{ $labels.certificate }} ({{ $labels.cluster }}) expires in {{ $value | humanizeDuration }}",
            description:
                "The certificate {{ $labels.certificate }} of cluster {{ $labels.cluster }} expires in {{ $value | humanizeDuration }}. " +
                "`pulumi up` on the monitoring stack renews it (its renewal window opened 30 days before expiry), then `pulumi up` on the cluster's stack.",
            runbook_url: `${s.runbookBaseUrl ?? "docs/runbooks.md"}#${CERTIFICATE_EXPIRY_ALERT.toLowerCase()}`,
        },
    };
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: s.name, namespace: s.namespace, labels: { ...fleetLabels("monitoring"), ...s.labels } },
        spec: { groups: [{ name: "vector-fleet-certificates", rules: [...records, alert] }] },
    };
}
