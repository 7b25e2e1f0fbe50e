import { VectorConfig } from "./model";

/**
 * Checks the wiring of a config as `vector validate` would, since no Vector binary runs here:
 * every input names an existing source or transform (or a route's output), sinks are never
 * inputs, nothing is unused, and there is no cycle. Returns the problems found.
 */
export function topologyProblems(config: VectorConfig): string[] {
    const problems: string[] = [];
    const ids = new Map<string, "source" | "transform" | "sink">();
    for (const [kind, group] of [
        ["source", config.sources],
        ["transform", config.transforms],
        ["sink", config.sinks],
    ] as const) {
        for (const id of Object.keys(group)) {
            if (ids.has(id)) problems.push(`component id "${id}" is used twice`);
            ids.set(id, kind);
        }
    }
    // A route has only named outputs (`<id>.<route>`, `<id>._unmatched`), never a bare one.
    // The opentelemetry source has named outputs only (src/sources/opentelemetry/config.rs outputs()).
    const OTLP_OUTPUTS = ["logs", "metrics", "traces"];
    const outputs = new Set<string>([
        ...Object.entries(config.sources).flatMap(([id, s]) => (s.type === "opentelemetry" ? OTLP_OUTPUTS.map((o) => `${id}.${o}`) : [id])),
        ...Object.entries(config.transforms)
            .filter(([, t]) => t.type !== "route")
            .map(([id]) => id),
    ]);
    for (const [id, t] of Object.entries(config.transforms)) {
        if (t.type === "route") {
            for (const name of Object.keys(t.route)) outputs.add(`${id}.${name}`);
            if (t.reroute_unmatched !== false) outputs.add(`${id}._unmatched`);
        }
        if (t.type === "remap" && t.reroute_dropped) outputs.add(`${id}.dropped`);
    }
    const consumed = new Set<string>();
    const edges = new Map<string, string[]>();
    const check = (id: string, inputs: string[]) => {
        if (inputs.length === 0) problems.push(`"${id}" has no inputs`);
        for (const input of inputs) {
            if (!outputs.has(input)) problems.push(`"${id}" reads from "${input}", which is not a source or transform output`);
            consumed.add(input);
            const from = input.split(".")[0];
            edges.set(from, [...(edges.get(from) ?? []), id]);
        }
    };
    for (const [id, t] of Object.entries(config.transforms)) check(id, t.inputs);
    for (const [id, s] of Object.entries(config.sinks)) check(id, s.inputs);
    for (const id of Object.keys(config.sources))
        if (![...consumed].some((c) => c === id || c.startsWith(`${id}.`))) problems.push(`source "${id}" feeds nothing`);
    for (const id of Object.keys(config.transforms)) {
        if (![...consumed].some((c) => c === id || c.startsWith(`${id}.`))) problems.push(`transform "${id}" feeds nothing`);
    }
    // Cycle check over transform edges (sources cannot have inputs, sinks cannot be inputs).
    const state = new Map<string, "visiting" | "done">();
    const visit = (id: string, path: string[]): void => {
        if (state.get(id) === "done") return;
        if (state.get(id) === "visiting") {
            problems.push(`cycle: ${[...path, id].join(" -> ")}`);
            return;
        }
        state.set(id, "visiting");
        for (const next of edges.get(id) ?? []) visit(next, [...path, id]);
        state.set(id, "done");
    };
    for (const id of ids.keys()) visit(id, []);
    return problems;
}

/** Throws when the wiring is broken: a config Vector would refuse must never reach a cluster. */
export function assertTopology(config: VectorConfig, what: string): void {
    const problems = topologyProblems(config);
    if (problems.length > 0) throw new Error(`${what}: invalid Vector topology:\n  - ${problems.join("\n  - ")}`);
}
