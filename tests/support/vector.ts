/** Typed access to a Vector config's components in tests, and VRL-blind whole-object comparison. */
import { strict as assert } from "node:assert";
import { Sink, Source, Transform, VectorConfig } from "../../components/vector/model";

export function source<K extends Source["type"]>(c: VectorConfig, id: string, type: K): Extract<Source, { type: K }> {
    const s = c.sources[id];
    assert.ok(s, `no source ${id}`);
    assert.equal(s.type, type);
    return s as Extract<Source, { type: K }>;
}
export function transform<K extends Transform["type"]>(c: VectorConfig, id: string, type: K): Extract<Transform, { type: K }> {
    const t = c.transforms[id];
    assert.ok(t, `no transform ${id}`);
    assert.equal(t.type, type);
    return t as Extract<Transform, { type: K }>;
}
export function sink<K extends Sink["type"]>(c: VectorConfig, id: string, type: K): Extract<Sink, { type: K }> {
    const s = c.sinks[id];
    assert.ok(s, `no sink ${id}`);
    assert.equal(s.type, type);
    return s as Extract<Sink, { type: K }>;
}

export const VRL = "<vrl checked separately>";
/** The config with every VRL program (remaps, custom auth) replaced by a placeholder. */
export function withoutVrl(c: VectorConfig): VectorConfig {
    const transforms: Record<string, Transform> = {};
    for (const [id, t] of Object.entries(c.transforms)) transforms[id] = t.type === "remap" ? { ...t, source: VRL } : t;
    const sources: Record<string, Source> = {};
    for (const [id, s] of Object.entries(c.sources)) {
        sources[id] = s.type === "prometheus_remote_write" && s.auth?.strategy === "custom" ? { ...s, auth: { ...s.auth, source: VRL } } : s;
    }
    return { ...c, sources, transforms };
}

/** Every component that feeds `id`, transitively (a route's `name.output` counts as `name`). */
export function upstreamOf(c: VectorConfig, id: string): Set<string> {
    const seen = new Set<string>();
    const inputsOf = (x: string) => c.transforms[x]?.inputs ?? c.sinks[x]?.inputs ?? [];
    const walk = (x: string) => {
        for (const i of inputsOf(x).map((ref) => (ref in c.sources || ref in c.transforms ? ref : ref.split(".")[0]))) {
            if (seen.has(i)) continue;
            seen.add(i);
            walk(i);
        }
    };
    walk(id);
    return seen;
}
