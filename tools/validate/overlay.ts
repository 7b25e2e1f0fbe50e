/**
 * The reviewed overlay: option changes between the source commit the reference data was generated
 * from and the release it claims, each with the changelog entry and pull request it comes from
 * (vectordotdev/vector website/cue/reference/releases/<release>.cue). Applied by
 * tools/validate/reference-main.ts; every applied change is listed in the data's `overlay` field.
 */
import { OptNode, ReferenceData, VrlFunction } from "./reference";

export interface OverlayChange {
    /** `sinks.vector.compression`, `sources.kubernetes_logs.max_merged_line_action`, `sinks.azure_monitor_logs`, `sinks.loki.labels.*`, `vrl.join`. */
    path: string;
    op: "set" | "remove" | "merge";
    /** The option (op set) or the fields to merge into it (op merge). */
    node?: OptNode | Partial<VrlFunction>;
    /** Release that made the change, and the changelog entry / PR it is taken from. */
    release: string;
    from: string;
}

export interface Overlay {
    release: string;
    changes: OverlayChange[];
}

export function applyOverlay(data: ReferenceData, overlay: Overlay): ReferenceData {
    if (overlay.release !== data.release) throw new Error(`overlay is for ${overlay.release}, the data for ${data.release}`);
    const out = JSON.parse(JSON.stringify(data)) as ReferenceData;
    for (const c of overlay.changes) {
        const [kind, comp, ...opts] = c.path.split(".");
        if (kind === "vrl") {
            // `vrl.<function>`: a VRL release shipped with this Vector changed the function.
            const fn = out.vrl.functions[comp];
            if (!fn || c.op !== "merge" || opts.length > 0) throw new Error(`overlay ${c.path}: only "merge" into an existing VRL function`);
            out.vrl.functions[comp] = { ...fn, ...(c.node as object) };
            out.overlay.push(`${c.release} ${c.op} ${c.path}: ${c.from}`);
            continue;
        }
        const table = (out as unknown as Record<string, Record<string, { o: Record<string, OptNode> }>>)[kind];
        if (!table || !["sources", "transforms", "sinks"].includes(kind)) throw new Error(`overlay ${c.path}: unknown kind ${kind}`);
        if (opts.length === 0) {
            if (c.op !== "remove") throw new Error(`overlay ${c.path}: only "remove" applies to a whole component`);
            if (!table[comp]) throw new Error(`overlay ${c.path}: no such component in the base data`);
            delete table[comp];
        } else {
            if (!table[comp]) throw new Error(`overlay ${c.path}: no such component in the base data`);
            // `*` names the free-key entry of a map (`labels.*`: every label value).
            const root: OptNode = { o: table[comp].o };
            let holder = root;
            for (const seg of opts.slice(0, -1)) {
                const next = seg === "*" ? holder.any : holder.o?.[seg];
                if (!next) throw new Error(`overlay ${c.path}: no option ${seg} in the base data`);
                holder = next;
            }
            const last = opts[opts.length - 1];
            if (last === "*") {
                if (c.op !== "merge" || !holder.any) throw new Error(`overlay ${c.path}: only "merge" into an existing free-key entry`);
                holder.any = { ...holder.any, ...(c.node as OptNode) };
                out.overlay.push(`${c.release} ${c.op} ${c.path}: ${c.from}`);
                continue;
            }
            const parent = (holder.o ??= {});
            if (c.op === "remove") {
                if (!parent[last]) throw new Error(`overlay ${c.path}: nothing to remove in the base data`);
                delete parent[last];
            } else if (c.op === "set") parent[last] = (c.node ?? {}) as OptNode;
            else {
                if (!parent[last]) throw new Error(`overlay ${c.path}: nothing to merge into in the base data`);
                parent[last] = { ...parent[last], ...(c.node as OptNode) };
            }
        }
        out.overlay.push(`${c.release} ${c.op} ${c.path}: ${c.from}`);
    }
    return out;
}
