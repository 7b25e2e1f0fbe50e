/**
 * What `pulumi up` would do with a changed object, decided by the engines' own rules and kept
 * here as data: which fields force pulumi-kubernetes to replace an object, whether the
 * replacement deletes first, and which resources change their URN (and so are created anew).
 * Pure and free of Pulumi: the render's summary (a stateful object the change since the last
 * render would replace) and `npm run diff`, which builds on the render, both use it.
 */
import type { ManifestObject } from "./summary";

type Kinds = Record<string, readonly string[]>;

/** pulumi/pulumi-kubernetes provider/pkg/provider/diff.go: labelSelectorForceNewProperties. */
const labelSelector = (p: string) => [
    `${p}.matchExpressions`,
    `${p}.matchExpressions.key`,
    `${p}.matchExpressions.operator`,
    `${p}.matchExpressions.values`,
    `${p}.matchLabels`,
];

/** pulumi/pulumi-kubernetes provider/pkg/provider/diff.go: containerForceNewProperties. */
const containers = (...prefixes: string[]) =>
    prefixes.flatMap((p) =>
        [
            "args",
            "command",
            "env",
            "env.value",
            "image",
            "imagePullPolicy",
            "lifecycle",
            "livenessProbe",
            "ports",
            "readinessProbe",
            "resources",
            "securityContext",
            "stdin",
            "stdinOnce",
            "terminationMessagePath",
            "terminationMessagePolicy",
            "tty",
            "volumeDevices",
            "volumeMounts",
            "workingDir",
        ].map((f) => `${p}.${f}`),
    );

const statefulSet = [
    ".spec.podManagementPolicy",
    ".spec.revisionHistoryLimit",
    ".spec.selector",
    ".spec.serviceName",
    ".spec.volumeClaimTemplates",
    ...labelSelector(".spec.selector"),
];
const selectorOnly = [".spec.selector", ...labelSelector(".spec.selector")];
const job = [".spec.completions", ".spec.parallelism", ".spec.selector", ".spec.template", ...labelSelector(".spec.selector")];
const roleBinding = [".roleRef"];

const core: Record<string, Kinds> = {
    v1: {
        PersistentVolume: [
            "awsElasticBlockStore",
            "azureDisk",
            "azureFile",
            "cephfs",
            "cinder",
            "csi",
            "fc",
            "flexVolume",
            "flocker",
            "gcePersistentDisk",
            "glusterfs",
            "hostPath",
            "iscsi",
            "local",
            "nfs",
            "photonPersistentDisk",
            "portworxVolume",
            "quobyte",
            "rbd",
            "scaleIO",
            "storageos",
            "vsphereVolume",
        ].map((f) => `.spec.${f}`),
        PersistentVolumeClaim: [".spec.accessModes", ".spec.selector", ".spec.storageClassName", ".spec.volumeName", ...labelSelector(".spec.selector")],
        Pod: [
            ...[
                "affinity",
                "automountServiceAccountToken",
                "dnsConfig",
                "dnsPolicy",
                "enableServiceLinks",
                "hostAliases",
                "hostIPC",
                "hostNetwork",
                "hostPID",
                "hostname",
                "imagePullSecrets",
                "nodeName",
                "nodeSelector",
                "overhead",
                "preemptionPolicy",
                "priority",
                "priorityClassName",
                "readinessGates",
                "restartPolicy",
                "runtimeClassName",
                "schedulerName",
                "securityContext",
                "serviceAccount",
                "serviceAccountName",
                "shareProcessNamespace",
                "subdomain",
                "terminationGracePeriodSeconds",
                "volumes",
            ].map((f) => `.spec.${f}`),
            ...containers(".spec.containers[*]", ".spec.initContainers[*]"),
        ],
        ResourceQuota: [".spec.scopes"],
        Secret: [".type"],
        Service: [".spec.clusterIP"],
    },
};

/**
 * The fields whose change makes pulumi-kubernetes replace an object, per API group, version and
 * kind: pulumi/pulumi-kubernetes provider/pkg/provider/diff.go `forceNew` (read at 94977969,
 * July 2026; @pulumi/kubernetes 4.34 here). The core group is listed under "core" and "" there too.
 */
export const FORCE_NEW: Record<string, Record<string, Kinds>> = {
    apps: {
        v1beta1: { StatefulSet: statefulSet },
        v1beta2: { DaemonSet: selectorOnly, Deployment: selectorOnly, StatefulSet: statefulSet },
        v1: { DaemonSet: selectorOnly, Deployment: selectorOnly, StatefulSet: statefulSet },
    },
    core,
    "": core,
    policy: { v1beta1: { PodDisruptionBudget: [".spec"] } },
    "rbac.authorization.k8s.io": {
        v1alpha1: { ClusterRoleBinding: roleBinding, RoleBinding: roleBinding },
        v1beta1: { ClusterRoleBinding: roleBinding, RoleBinding: roleBinding },
        v1: { ClusterRoleBinding: roleBinding, RoleBinding: roleBinding },
    },
    "storage.k8s.io": { v1: { StorageClass: [".parameters", ".provisioner"] } },
    batch: { v1beta1: { Job: job }, v1: { Job: job }, v2alpha1: { Job: job } },
};

/** diff.go metadataForceNewProperties: an object's identity, which patch resources share (provider.go Diff). */
const IDENTITY = [".metadata.name", ".metadata.namespace"];

/**
 * diff.go forceNewProperties. Secrets and ConfigMaps are immutable unless the provider enables
 * `enableSecretMutable` / `enableConfigMapMutable` (provider.go: both default to false, and the
 * program's k8s.Provider sets neither), so a change to their data replaces them.
 */
export function forceNewPaths(o: Pick<ManifestObject, "apiVersion" | "kind" | "patch">): string[] {
    if (o.patch) return IDENTITY;
    const [group, version] = o.apiVersion.includes("/") ? o.apiVersion.split("/") : ["", o.apiVersion];
    const kinds = FORCE_NEW[group]?.[version];
    if (!kinds) return IDENTITY;
    if (o.kind === "Secret" && group === "") return [...IDENTITY, ".type", ".stringData", ".data"];
    if (kinds[o.kind]) return [...IDENTITY, ...kinds[o.kind]];
    if (o.kind === "ConfigMap" && group === "") return [...IDENTITY, ".binaryData", ".data"];
    return IDENTITY;
}

type Segment = string | number;
type Json = unknown;

const isMap = (v: Json): v is Record<string, Json> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * The changed properties of two object bodies, as pulumi-kubernetes walks its merge patch
 * (provider.go addPatchValueToDiff): maps key by key, arrays element by element, anything else as
 * a whole; each with its new value (null when deleted).
 */
export function changedProperties(before: Json, after: Json, at: Segment[] = []): { path: Segment[]; value: Json }[] {
    if (JSON.stringify(before) === JSON.stringify(after)) return [];
    if (isMap(before) && isMap(after))
        return [...new Set([...Object.keys(before), ...Object.keys(after)])].flatMap((k) =>
            !(k in after)
                ? [{ path: [...at, k], value: null }]
                : !(k in before)
                  ? [{ path: [...at, k], value: after[k] }]
                  : changedProperties(before[k], after[k], [...at, k]),
        );
    if (Array.isArray(before) && Array.isArray(after))
        return Array.from({ length: Math.max(before.length, after.length) }, (_, i) =>
            i >= after.length
                ? [{ path: [...at, i], value: null }]
                : i >= before.length
                  ? [{ path: [...at, i], value: after[i] }]
                  : changedProperties(before[i], after[i], [...at, i]),
        ).flat();
    return [{ path: at, value: after }];
}

/** `.spec.containers[*].image` -> ["spec", "containers", "*", "image"]. */
function segments(jsonPath: string): string[] {
    return jsonPath
        .replace(/\[\*\]/g, ".*")
        .split(".")
        .filter(Boolean);
}

/** Whether `rest` of a force-new path exists inside a changed value (jsonpath over the patch slice, openapi/match.go). */
function resolves(value: Json, rest: string[]): boolean {
    if (rest.length === 0) return true;
    const [head, ...tail] = rest;
    if (head === "*") return Array.isArray(value) && value.some((v) => resolves(v, tail));
    return isMap(value) && head in value && resolves(value[head], tail);
}

/** Whether changing `path` to `value` touches the force-new path (provider.go makePatchSlice + PatchPropertiesChanged). */
export function touches(path: Segment[], value: Json, forceNew: string): boolean {
    const segs = segments(forceNew);
    for (let i = 0; i < segs.length; i++) {
        if (i >= path.length) return resolves(value, segs.slice(i));
        const p = path[i];
        if (segs[i] === "*" ? typeof p !== "number" : p !== segs[i]) return false;
    }
    return true;
}

export interface Replacement {
    /** The force-new fields the change touches, without the leading dot (`spec.volumeClaimTemplates`). */
    fields: string[];
    /**
     * provider.go Diff: DeleteBeforeReplace when the object is named (not auto-named by Pulumi) and
     * keeps its name and namespace. Every object this program renders is named, so the old one is
     * deleted before the new one exists: a gap, and for a StatefulSet every replica at once.
     */
    deleteFirst: boolean;
}

/** A Pulumi property path (`spec.containers[0].image`, `metadata.annotations["a.b/c"]`, `[*]`) as segments. */
export function propertyPath(p: string): Segment[] {
    return [...p.matchAll(/\["((?:[^"\\]|\\.)*)"\]|\[(\d+|\*)\]|([^.[\]]+)/g)].map(([, quoted, index, key]) =>
        quoted !== undefined ? quoted.replace(/\\(.)/g, "$1") : index !== undefined ? (index === "*" ? "*" : Number(index)) : key,
    );
}

/**
 * Whether the resource's ignoreChanges covers a changed property: the engine keeps the old
 * value there before the provider diffs (pulumi/pulumi pkg/resource/deploy/step_generator.go,
 * processIgnoreChanges; a path covers everything below it, `[*]` any element).
 */
export function ignored(path: Segment[], ignoreChanges: string[] = []): boolean {
    return ignoreChanges.some((p) => {
        const segs = propertyPath(p);
        return segs.length <= path.length && segs.every((s, i) => s === "*" || s === path[i]);
    });
}

/** How pulumi-kubernetes would apply the change of one object from `before` to `after` (same identity): undefined = in place. */
export function replacement(before: ManifestObject, after: ManifestObject): Replacement | undefined {
    const forceNew = forceNewPaths(after);
    const fields = new Set<string>();
    const changes = changedProperties(before.body, after.body).filter((c) => !ignored(c.path, after.ignoreChanges));
    for (const c of changes) for (const f of forceNew) if (touches(c.path, c.value, f)) fields.add(f.slice(1));
    if (fields.size === 0) return undefined;
    // Only the broadest field of each prefix family: `spec.selector`, not also `spec.selector.matchLabels`.
    const broadest = [...fields].filter((f) => ![...fields].some((g) => g !== f && f.startsWith(`${g}.`)));
    return { fields: broadest.sort(), deleteFirst: after.name !== "" && before.name === after.name && before.namespace === after.namespace };
}

/**
 * Objects whose loss loses data or an address: a StatefulSet (its pods and, through its
 * volumeClaimTemplates, the disk buffers), PVCs and PVs, and a load balancer Service (deleting
 * it deletes the Hetzner load balancer, and its address, which the agents dial). The reason, or undefined.
 */
export function statefulReason(o: ManifestObject): string | undefined {
    if (o.patch) return undefined;
    if (o.kind === "StatefulSet") return "every replica goes down at once, and the PVCs it keeps (whenDeleted: Retain) keep their old size and spec";
    if (o.kind === "PersistentVolumeClaim" || o.kind === "PersistentVolume") return "the volume and the data on it";
    if (o.kind === "Service" && ((o.body.spec ?? {}) as { type?: unknown }).type === "LoadBalancer")
        return "the cloud load balancer behind it is deleted and recreated, so the address agents dial can change";
    return undefined;
}

/** `StatefulSet ns/name is REPLACED, delete-first (spec.volumeClaimTemplates changed): why that hurts`, for a stateful object; else undefined. */
export function lossMessage(label: string, o: ManifestObject, replace: Replacement | undefined, deleted: boolean, after?: ManifestObject): string | undefined {
    const reason = statefulReason(o);
    // Updated in place, yet the cloud controller deletes the load balancer of a Service that stops being one.
    if (reason && o.kind === "Service" && !deleted && !replace && after && !statefulReason(after))
        return `${label} is no longer of type LoadBalancer: the cloud controller deletes its load balancer, and the agents lose the address they dial`;
    if (!reason || (!deleted && !replace)) return undefined;
    const what = deleted ? "DELETED" : `REPLACED${replace!.deleteFirst ? ", delete-first" : ""} (${replace!.fields.join(", ")} changed)`;
    return `${label} is ${what}: ${reason}`;
}

/**
 * The stateful objects `pulumi up` would replace or delete going from one render of a stack to
 * the next (objects matched by apiVersion, kind, namespace and name).
 */
export function statefulLosses(before: ManifestObject[], after: ManifestObject[]): string[] {
    const key = (o: ManifestObject) => `${o.apiVersion}|${o.kind}|${o.namespace ?? ""}|${o.name}|${o.patch ?? ""}`;
    const next = new Map(after.map((o) => [key(o), o]));
    const label = (o: ManifestObject) => `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name || "(unnamed)"}`;
    return before.flatMap((o) => {
        const n = next.get(key(o));
        return lossMessage(label(o), o, n ? replacement(o, n) : undefined, !n, n) ?? [];
    });
}

/** The Pulumi type that registers a manifest object (`kubernetes:apps/v1:StatefulSet`, a patch's own type). */
export function pulumiType(o: Pick<ManifestObject, "apiVersion" | "kind" | "patch">): string {
    if (o.patch) return o.patch;
    const [group, version] = o.apiVersion.includes("/") ? o.apiVersion.split("/") : ["core", o.apiVersion];
    return `kubernetes:${group}/${version}:${o.kind}`;
}

/** One resource of resources.txt: its type, name and the URN's type part (ancestors' types joined by `$`, the stack left out). */
export interface TreeResource {
    type: string;
    name: string;
    /** `parentType$...$type::name`: what the URN holds after the project, so equal means the same resource. */
    urn: string;
}

const TREE_ROW = /^((?:[│ ] {2})*)(?:[├└]─ )?(\S+)\s+(\S+)\s*$/u;

/** Parses the tree render.ts writes to resources.txt (`pulumi preview`'s layout). */
export function parseResourceTree(text: string): TreeResource[] {
    const out: TreeResource[] = [];
    const chain: string[] = [];
    for (const line of text.split("\n").slice(1)) {
        const m = TREE_ROW.exec(line);
        if (!m) continue;
        const [, indent, type, name] = m;
        const root = !line.startsWith("├") && !line.startsWith("└") && indent === "";
        if (root) {
            chain.length = 0;
            continue;
        }
        const depth = [...indent].length / 3;
        chain.length = depth;
        // pulumi/pulumi pkg/resource/deploy: the root Stack's type is not part of its children's URNs.
        const qualified = [...chain, type].join("$");
        out.push({ type, name, urn: `${qualified}::${name}` });
        chain[depth] = qualified.split("$").pop()!;
        chain.length = depth + 1;
    }
    return out;
}

export interface UrnChange {
    type: string;
    /** URNs (type part and name) that go away and that appear, for one type. */
    removed: string[];
    added: string[];
    /** How many of them are the same object under a new URN, as far as the objects tell. */
    count: number;
}

/**
 * Resources of one type whose URN changes while the objects they stand for stay: a rename or a
 * new parent without an alias. The engine then creates the new resource before deleting the old:
 * for a Kubernetes object the create fails, the name being taken (pulumi-kubernetes
 * provider/pkg/await/await.go: "The resource already exists in the cluster", since
 * upsertExistingObjects defaults to false); anything else (a key, a certificate, a token, a load
 * balancer) is created anew and the old one deleted. The render cannot see aliases.
 */
export function urnChanges(before: TreeResource[], after: TreeResource[], objectsBefore: ManifestObject[], objectsAfter: ManifestObject[]): UrnChange[] {
    const out: UrnChange[] = [];
    const types = [...new Set([...before, ...after].map((r) => r.type))].sort();
    const key = (o: ManifestObject) => `${o.apiVersion}|${o.kind}|${o.namespace ?? ""}|${o.name}|${o.patch ?? ""}`;
    for (const type of types) {
        const a = before.filter((r) => r.type === type).map((r) => r.urn);
        const b = after.filter((r) => r.type === type).map((r) => r.urn);
        const removed = a.filter((u) => !b.includes(u));
        const added = b.filter((u) => !a.includes(u));
        if (removed.length === 0 || added.length === 0) continue;
        let count = Math.min(removed.length, added.length);
        if (type.startsWith("kubernetes:")) {
            // Objects created or deleted account for URNs that come or go; the rest moved.
            const ofType = (os: ManifestObject[]) => new Set(os.filter((o) => pulumiType(o) === type).map(key));
            const [x, y] = [ofType(objectsBefore), ofType(objectsAfter)];
            const created = [...y].filter((k) => !x.has(k)).length;
            const deleted = [...x].filter((k) => !y.has(k)).length;
            count = Math.min(added.length - created, removed.length - deleted);
        }
        if (count > 0) out.push({ type, removed, added, count });
    }
    return out;
}
