/**
 * Reading Kubernetes objects as the policy engine hands them over: `args.props` holds a resource's
 * inputs as plain JSON (secrets already unwrapped), wrapped in a proxy that throws
 * `UnknownValueError` on a value a preview cannot know yet. Nothing here imports
 * `@pulumi/kubernetes`: the pack stays small and starts fast under the CLI.
 */
import { UnknownValueError } from "@pulumi/policy";

export type Json = Record<string, unknown>;

export function asObject(v: unknown): Json | undefined {
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : undefined;
}

export function asArray(v: unknown): unknown[] {
    return Array.isArray(v) ? v : [];
}

export function asString(v: unknown): string | undefined {
    return typeof v === "string" ? v : undefined;
}

/**
 * Reads `o[key]`, or undefined when the value is unknown during a preview. Used where one unknown
 * entry (a CA certificate created in the same run) must not stop the others from being checked;
 * `pulumi up` runs the policies again with every input known.
 */
export function knownEntry(o: Json, key: string): unknown {
    try {
        return o[key];
    } catch (e) {
        if (e instanceof UnknownValueError) return undefined;
        throw e;
    }
}

/** `kubernetes:apps/v1:DaemonSetPatch` -> group "apps", kind "DaemonSet", patch true. */
export interface KubernetesType {
    group: string;
    version: string;
    kind: string;
    /** A server-side apply patch: a partial object that sets only the fields it names. */
    patch: boolean;
}

export function kubernetesType(type: string): KubernetesType | undefined {
    const m = /^kubernetes:([^:/]+)\/([^:/]+):([A-Za-z0-9]+)$/.exec(type);
    if (!m) return undefined;
    const patch = m[3].endsWith("Patch") && m[3] !== "Patch";
    return { group: m[1], version: m[2], kind: patch ? m[3].slice(0, -"Patch".length) : m[3], patch };
}

/** How violations name an object: `DaemonSet vector-system/vector-agent`. */
export function describeObject(kind: string, props: Json, fallbackName: string): string {
    const meta = asObject(props.metadata) ?? {};
    const name = asString(meta.name) ?? fallbackName;
    const ns = asString(meta.namespace);
    return `${kind} ${ns ? `${ns}/` : ""}${name}`;
}

/** Where each workload kind keeps its pod spec. */
const POD_SPEC_PATHS: Record<string, { groups: string[]; path: string[] }> = {
    Pod: { groups: ["core"], path: ["spec"] },
    Deployment: { groups: ["apps", "extensions"], path: ["spec", "template", "spec"] },
    DaemonSet: { groups: ["apps", "extensions"], path: ["spec", "template", "spec"] },
    StatefulSet: { groups: ["apps"], path: ["spec", "template", "spec"] },
    ReplicaSet: { groups: ["apps", "extensions"], path: ["spec", "template", "spec"] },
    ReplicationController: { groups: ["core"], path: ["spec", "template", "spec"] },
    Job: { groups: ["batch"], path: ["spec", "template", "spec"] },
    CronJob: { groups: ["batch"], path: ["spec", "jobTemplate", "spec", "template", "spec"] },
};

export function isWorkload(t: KubernetesType): boolean {
    const where = POD_SPEC_PATHS[t.kind];
    return !!where && where.groups.includes(t.group);
}

export function podSpec(t: KubernetesType, props: Json): Json | undefined {
    if (!isWorkload(t)) return undefined;
    let at: unknown = props;
    for (const key of POD_SPEC_PATHS[t.kind].path) at = asObject(at)?.[key];
    return asObject(at);
}

export interface ContainerRef {
    /** "container" or "initContainer", as messages say it. */
    role: "container" | "initContainer";
    name: string;
    container: Json;
}

/** Containers and init containers; ephemeral containers cannot be declared in a template. */
export function containersOf(spec: Json): ContainerRef[] {
    const out: ContainerRef[] = [];
    for (const [field, role] of [
        ["initContainers", "initContainer"],
        ["containers", "container"],
    ] as const) {
        asArray(spec[field]).forEach((c, i) => {
            const container = asObject(c);
            if (container) out.push({ role, name: asString(container.name) ?? `#${i}`, container });
        });
    }
    return out;
}

/** Kubernetes label selector semantics (matchLabels and matchExpressions, ANDed). */
export function selectorMatches(selector: Json, labels: Record<string, string>): boolean {
    const matchLabels = asObject(selector.matchLabels) ?? {};
    for (const [k, v] of Object.entries(matchLabels)) if (labels[k] !== v) return false;
    for (const e of asArray(selector.matchExpressions)) {
        const expr = asObject(e) ?? {};
        const key = asString(expr.key) ?? "";
        const values = asArray(expr.values).filter((x): x is string => typeof x === "string");
        const has = Object.prototype.hasOwnProperty.call(labels, key);
        switch (expr.operator) {
            case "In":
                if (!has || !values.includes(labels[key])) return false;
                break;
            case "NotIn":
                if (has && values.includes(labels[key])) return false;
                break;
            case "Exists":
                if (!has) return false;
                break;
            case "DoesNotExist":
                if (has) return false;
                break;
            default:
                return false;
        }
    }
    return true;
}

export function stringMap(v: unknown): Record<string, string> {
    const o = asObject(v) ?? {};
    return Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => typeof e[1] === "string"));
}
