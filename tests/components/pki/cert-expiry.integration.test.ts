/**
 * The certificate-expiry alert, run by promtool on the rule the hub renders from the fleet's
 * certificate dates (components/pki/expiry-rules.ts).
 */
import { CERTIFICATE_EXPIRY_ALERT, certificateExpiryRule, EXPIRY_WARNING_DAYS } from "../../../components/pki/expiry-rules";
import { promtoolRuleFile } from "../../../components/monitoring";
import { assertPromtoolRuleTests, promtoolOrSkip } from "../../support/promtool/support";

const DAY = 86400;
/** promtool's clock starts at the Unix epoch: a certificate expiring on day 40 of 1970. */
const rule = certificateExpiryRule({
    name: "vector-fleet-certificates",
    namespace: "monitoring",
    certificates: [
        { certificate: "client-dev", cluster: "dev", notAfterUnix: 40 * DAY },
        { certificate: "ca", cluster: "monitoring", notAfterUnix: 1000 * DAY },
        // Unknown (offline render): never fires.
        { certificate: "client-staging", cluster: "staging", notAfterUnix: NaN },
    ],
});

describe("certificate expiry alert (promtool)", function () {
    this.timeout(60_000);
    const promtool = promtoolOrSkip();

    it(`fires ${EXPIRY_WARNING_DAYS} days (and the 1h of \`for\`) before a certificate's not-after, for that certificate only`, () => {
        const alert = (eval_time: string, exp_alerts: unknown[]) => ({ alertname: CERTIFICATE_EXPIRY_ALERT, eval_time, exp_alerts });
        assertPromtoolRuleTests(promtool, "vector-fleet-cert-expiry-", promtoolRuleFile(rule), {
            rule_files: ["rules.yaml"],
            evaluation_interval: "1h",
            tests: [
                {
                    interval: "1h",
                    input_series: [],
                    alert_rule_test: [
                        // Day 19 exactly: 21 days left, not fewer.
                        alert("456h", []),
                        // One hour later it is pending; after the hour of `for` it fires.
                        alert("457h", []),
                        alert("458h", [
                            {
                                exp_labels: { severity: "warning", certificate: "client-dev", cluster: "dev" },
                                exp_annotations: {
                                    summary: "Fleet certificate client-dev (dev) expires in 20d 22h 0m 0s",
                                    description:
                                        "The certificate client-dev of cluster dev expires in 20d 22h 0m 0s. " +
                                        "`pulumi up` on the monitoring stack renews it (its renewal window opened 30 days before expiry), then `pulumi up` on the cluster's stack.",
                                    runbook_url: "docs/runbooks.md#vectorfleetcertificateexpiringsoon",
                                },
                            },
                        ]),
                    ],
                },
            ],
        });
    });
});
