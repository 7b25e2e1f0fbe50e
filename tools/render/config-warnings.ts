/**
 * Render warnings only the stack file can tell, not the rendered objects: a key left unset whose
 * default may not fit the cluster. Pure: reads the parsed Pulumi.<stack>.yaml values.
 */
import { DEFAULT_SELECTOR_LABELS } from "../../config/stack";
import type { RenderWarning } from "./summary";
import type { StackFile } from "./render";

export function configWarnings(file: StackFile, project = "vector-fleet"): RenderWarning[] {
    const warnings: RenderWarning[] = [];
    const raw = file.config[`${project}:monitoring`];
    let monitoring: Record<string, unknown>;
    try {
        monitoring = raw === undefined ? {} : (JSON.parse(raw) as Record<string, unknown>);
    } catch {
        return warnings; // the program's config check reports it
    }
    if (monitoring.enabled !== false && monitoring.selectorLabels === undefined) {
        const labels = Object.entries(DEFAULT_SELECTOR_LABELS)
            .map(([k, v]) => `${k}=${v}`)
            .join(", ");
        warnings.push({
            code: "selector-labels-unset",
            message:
                `monitoring.selectorLabels is unset: the PodMonitors${file.role === "hub" ? " and the PrometheusRule" : ""} carry the default ${labels}, ` +
                `which a default kube-prometheus-stack selects only when its Helm release has that name (its podMonitorSelector/ruleSelector is release=<release>); ` +
                `set vector-fleet:monitoring.selectorLabels to what the Prometheus selects (docs/monitoring.md)`,
        });
    }
    return warnings;
}
