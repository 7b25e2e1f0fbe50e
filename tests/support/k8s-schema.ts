/**
 * Validates Kubernetes objects against the API of the clusters the fleet targets and the
 * prometheus-operator CRDs:
 * - the kinds, field names and field types of Kubernetes 1.32 (Vector 0.59's oldest supported
 *   release), from k8s-api-schema.json: data generated from Kubernetes' v1.32.0 OpenAPI document
 *   by way of @kubernetes/client-node 1.1.2 (`npm run k8s:schema`, docs/testing.md). An object
 *   using a field a 1.32 API server does not know fails here;
 * - required fields, enums and formats from the JSON schemas of kubernetes-models (Kubernetes
 *   1.27.1: the newest it publishes; these constraints of the stable kinds did not loosen since);
 * - @kubernetes-models/prometheus-operator for the operator's CRDs.
 * The kubernetes-models packages are ESM-only, hence the dynamic imports; each module loads once.
 */
import api from "./k8s-api-schema.json";
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

/** The Kubernetes release the field data describes, e.g. "1.32". */
export const KUBERNETES_API_VERSION = api.source.openapi.replace(/^v(\d+\.\d+).*$/, "$1");

const kinds = api.kinds as Record<string, string>;
const models = api.models as Record<string, Record<string, string>>;
const apiVersions = new Set(Object.keys(kinds).map((k) => k.split(" ")[0]));

/** Field names and types against the 1.32 API: `<path> <message>` per problem. */
export function apiFieldProblems(o: SchemaObject): string[] {
    if (!apiVersions.has(o.apiVersion)) return [`apiVersion ${o.apiVersion} is not a known API group/version in Kubernetes ${KUBERNETES_API_VERSION}`];
    const model = kinds[`${o.apiVersion} ${o.kind}`];
    if (!model) return [`kind ${o.kind} is not in ${o.apiVersion} in Kubernetes ${KUBERNETES_API_VERSION}`];
    const problems: string[] = [];
    walk(o, model, "", problems);
    return problems;
}

function walk(value: unknown, type: string, at: string, problems: string[]): void {
    const where = at || "/";
    const wrong = (what: string): void => {
        problems.push(`${where} must be ${what} (Kubernetes ${KUBERNETES_API_VERSION})`);
    };
    const array = /^Array<(.+)>$/.exec(type);
    const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
    if (array) {
        if (!Array.isArray(value)) return wrong("an array");
        value.forEach((v, i) => walk(v, array[1], `${at}/${i}`, problems));
    } else if (map) {
        if (typeof value !== "object" || value === null || Array.isArray(value)) return wrong("an object");
        for (const [k, v] of Object.entries(value)) walk(v, map[1], `${at}/${k}`, problems);
    } else if (type === "string" || type === "Date") {
        if (typeof value !== "string") wrong("string");
    } else if (type === "number") {
        if (typeof value !== "number") wrong("a number");
    } else if (type === "boolean") {
        if (typeof value !== "boolean") wrong("boolean");
    } else if (type === "IntOrString") {
        if (typeof value !== "string" && !Number.isInteger(value)) wrong("an integer or a string");
    } else if (models[type]) {
        if (typeof value !== "object" || value === null || Array.isArray(value)) return wrong(`an object (${type})`);
        for (const [k, v] of Object.entries(value)) {
            const fieldType = models[type][k];
            if (fieldType === undefined) problems.push(`${at}/${k} is not a field of ${type} in Kubernetes ${KUBERNETES_API_VERSION}`);
            else walk(v, fieldType, `${at}/${k}`, problems);
        }
    }
    // "any" and "object" (RawExtension, JSON) take whatever is there.
}

/** Problems with one object, each as `<path> <message>`; empty when it is valid. */
export async function schemaProblems(o: SchemaObject): Promise<string[]> {
    const isCrd = o.apiVersion.startsWith("monitoring.coreos.com/");
    const fields = isCrd ? [] : apiFieldProblems(o);
    if (!isCrd && fields.some((p) => p.startsWith("apiVersion ") || p.startsWith("kind "))) return fields;
    // Both layers check types: keep one line per path.
    const seen = new Set(fields.map((p) => p.split(" ")[0]));
    return [...fields, ...(await constraintProblems(o)).filter((p) => !seen.has(p.split(" ")[0]))];
}

async function constraintProblems(o: SchemaObject): Promise<string[]> {
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
