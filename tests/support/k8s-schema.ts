/**
 * Validates Kubernetes objects against the JSON schemas of kubernetes-models (Kubernetes' OpenAPI)
 * and @kubernetes-models/prometheus-operator (the operator's CRDs). Both packages are ESM-only,
 * hence the dynamic imports; each API group/version module is loaded once.
 */
type Model = new (data: object) => { validate(): void };
type Module = Record<string, unknown>;

const modules = new Map<string, Promise<Module>>();

function load(apiVersion: string): Promise<Module> {
    let m = modules.get(apiVersion);
    if (!m) {
        const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
        // Template literals keep TypeScript from resolving these (the packages ship no CJS entry).
        m =
            group === "monitoring.coreos.com"
                ? (import(`@kubernetes-models/prometheus-operator/${group}/${version}`) as Promise<Module>)
                : (import(`kubernetes-models/${group ? `${group}/` : ""}${version}`) as Promise<Module>);
        modules.set(apiVersion, m);
    }
    return m;
}

export interface SchemaObject {
    apiVersion: string;
    kind: string;
    metadata?: { name?: string; namespace?: string };
    [k: string]: unknown;
}

/** Problems with one object, each as `<path> <message>`; empty when it is valid. */
export async function schemaProblems(o: SchemaObject): Promise<string[]> {
    let mod: Module;
    try {
        mod = await load(o.apiVersion);
    } catch {
        return [`apiVersion ${o.apiVersion} is not a known API group/version`];
    }
    const C = mod[o.kind] as Model | undefined;
    if (typeof C !== "function") return [`kind ${o.kind} is not in ${o.apiVersion}`];
    try {
        new C(o).validate();
        return [];
    } catch (e) {
        const errors = (e as { errors?: Array<{ instancePath?: string; message?: string }> }).errors;
        if (Array.isArray(errors) && errors.length > 0) return errors.map((x) => `${x.instancePath || "/"} ${x.message ?? "is invalid"}`);
        return [e instanceof Error ? e.message : String(e)];
    }
}

/**
 * A server-side apply patch is a partial object: it is checked merged over the smallest valid
 * object of its kind, so its own fields are still checked for names and types.
 */
export function overMinimalBase(patch: SchemaObject): SchemaObject {
    const base = MINIMAL_BASES[patch.kind];
    if (!base) throw new Error(`no minimal base for a ${patch.kind} patch`);
    return merge(base, patch) as SchemaObject;
}

const MINIMAL_BASES: Record<string, object> = {
    DaemonSet: {
        spec: {
            selector: { matchLabels: { app: "x" } },
            template: { metadata: { labels: { app: "x" } }, spec: { containers: [{ name: "x", image: "x:1" }] } },
        },
    },
    PersistentVolumeClaim: { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } },
};

function merge(a: unknown, b: unknown): unknown {
    if (typeof a !== "object" || a === null || Array.isArray(a) || typeof b !== "object" || b === null || Array.isArray(b)) return b;
    const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
    for (const [k, v] of Object.entries(b as Record<string, unknown>)) out[k] = k in out ? merge(out[k], v) : v;
    return out;
}
