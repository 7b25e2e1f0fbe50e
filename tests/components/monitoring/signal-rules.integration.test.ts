/**
 * The signal alerts (components/monitoring/signal-rules.ts), run by promtool: each fires on the
 * silence it is about, and stays silent while the signal flows.
 */
import { promtoolRuleFile } from "../../../components/monitoring";
import { SIGNAL_ALERTS, signalPrometheusRule } from "../../../components/monitoring/signal-rules";
import { assertPromtoolRuleTests, promtoolOrSkip } from "../../support/promtool/support";

const rule = signalPrometheusRule({ name: "vector-fleet-signals", namespace: "monitoring" });
const series = (component: string, labels: string, values: string) => ({
    series: `vector_component_received_events_total{vector_role="agent", component_id="${component}", ${labels}}`,
    values,
});
/** The alert's annotations with its labels filled in, as Prometheus renders them. */
const annotated = (alertname: string, exp: { exp_labels: Record<string, string> }[]) => {
    const r = rule.spec.groups[0].rules.find((x) => "alert" in x && x.alert === alertname)!;
    const annotations = (r as { annotations: Record<string, string> }).annotations;
    return exp.map((e) => ({
        ...e,
        exp_annotations: Object.fromEntries(
            Object.entries(annotations).map(([k, v]) => [k, v.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, l: string) => e.exp_labels[l])]),
        ),
    }));
};

describe("signal alerts (promtool)", function () {
    this.timeout(60_000);
    const promtool = promtoolOrSkip();

    it("fire for the silent node, cluster or trace stream only, after their windows and `for`", () => {
        const alert = (alertname: string, eval_time: string, exp: { exp_labels: Record<string, string> }[]) => ({
            alertname,
            eval_time,
            exp_alerts: annotated(alertname, exp),
        });
        assertPromtoolRuleTests(promtool, "vector-fleet-signal-rules-", promtoolRuleFile(rule), {
            rule_files: ["rules.yaml"],
            evaluation_interval: "1m",
            tests: [
                {
                    interval: "5m",
                    input_series: [
                        // n1 keeps reading its journal; n2 stops after 1 h.
                        series("node_journal", 'cluster="dev", node="n1"', "0+10x60"),
                        series("node_journal", 'cluster="dev", node="n2"', "0+10x12 120x48"),
                        // Events: dev keeps getting them; staging's stop after 1 h.
                        series("kubernetes_events", 'cluster="dev", node="n1"', "0+1x72"),
                        series("kubernetes_events", 'cluster="staging", node="s1"', "0+1x12 12x60"),
                        // Traces: dev sends for 2 h then stops; staging never sent any.
                        series("otlp_traces_enrich", 'cluster="dev", node="n1"', "0+100x24 2400x36"),
                        series("otlp_traces_enrich", 'cluster="staging", node="s1"', "0x60"),
                    ],
                    alert_rule_test: [
                        alert(SIGNAL_ALERTS.journal, "1h", []),
                        // Stopped at 1 h: the 30 m rate reaches 0 at 1 h 30 m, then 15 m of `for`.
                        alert(SIGNAL_ALERTS.journal, "1h40m", []),
                        alert(SIGNAL_ALERTS.journal, "1h50m", [{ exp_labels: { severity: "warning", cluster: "dev", node: "n2" } }]),
                        alert(SIGNAL_ALERTS.events, "4h", []),
                        alert(SIGNAL_ALERTS.events, "4h40m", [{ exp_labels: { severity: "warning", cluster: "staging" } }]),
                        alert(SIGNAL_ALERTS.traces, "2h", []),
                        alert(SIGNAL_ALERTS.traces, "2h50m", [{ exp_labels: { severity: "warning", cluster: "dev" } }]),
                    ],
                },
            ],
        });
    });
});
