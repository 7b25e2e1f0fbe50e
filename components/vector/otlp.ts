/** VRL over events kept in their OTLP form (shared by the agent and the aggregators). */
import { vrl, vrlString } from "./vrl";

/**
 * OTLP resource attributes written on every resourceSpans entry, replacing any of the same key.
 * Values are VRL expressions of type string (a literal through vrlString, or a variable).
 * The trace keeps its OTLP form (`resourceSpans[].resource.attributes[]` of `{key, value}`), which
 * the opentelemetry sink's otlp codec needs (lib/codecs/src/encoding/format/otlp.rs).
 */
export function resourceAttributesVrl(attrs: [string, string | undefined][]): string {
    const keys = `[${attrs.map(([k]) => vrlString(k)).join(", ")}]`;
    // An attribute without a value is only removed: a claim the receiver cannot vouch for.
    const added = attrs.filter(([, v]) => v !== undefined).map(([k, v]) => `{"key": ${vrlString(k)}, "value": {"stringValue": ${v}}}`);
    return vrl(
        "spans = array(.resourceSpans) ?? []",
        "out = []",
        "for_each(spans) -> |_i, rs| {",
        "  r = object(rs) ?? {}",
        "  resource = object(r.resource) ?? {}",
        "  kept = []",
        "  for_each(array(resource.attributes) ?? []) -> |_j, a| {",
        `    if !includes(${keys}, a.key) { kept = push(kept, a) }`,
        "  }",
        added.length > 0 ? `  resource.attributes = append(kept, [${added.join(", ")}])` : "  resource.attributes = kept",
        "  r.resource = resource",
        "  out = push(out, r)",
        "}",
        ".resourceSpans = out",
    );
}
