import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/**
 * A required node-affinity term no node matches: every kubelet labels its Node with
 * `kubernetes.io/hostname`, so `DoesNotExist` holds nowhere. The DaemonSet keeps its spec,
 * history and config, but the controller runs its pods on no node.
 *
 * Why affinity and not nodeSelector: for server-side apply, PodSpec.nodeSelector is
 * `+mapType=atomic` (kubernetes/api core/v1/types.go), so a patch owning one key takes (and on
 * rollback deletes) the owner's whole map. `affinity` and `nodeAffinity` carry no atomic marker:
 * their fields are owned one by one. `requiredDuringSchedulingIgnoredDuringExecution` (a
 * NodeSelector, `+structType=atomic`) is owned whole, which is why parking requires that the
 * owner sets none: then the patch owns a field nobody else has, the owner's nodeSelector,
 * tolerations and other affinities stay theirs, and deleting the patch removes exactly that field.
 */
export const PARKED_TERM = { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "DoesNotExist" }] } as const;

/** The server-side apply field manager of the parking patches (Argo CD's ignoreDifferences can name it). */
export const PARK_FIELD_MANAGER = "vector-fleet-migration";

export interface LegacyDaemonSet {
    /** Which agent this is, for names and docs. */
    role: "promtail" | "node-exporter";
    namespace: string;
    name: string;
}

/** Where a migration stands (docs/migration.md): only `cutover` and `done` park anything. */
export type MigrationPhase = "none" | "parallel" | "cutover" | "done";

/** The migration as the component reads it: the phase and the DaemonSets Vector replaces. */
export interface Migration {
    phase: MigrationPhase;
    /** The Promtail DaemonSet; undefined when the cluster runs none. */
    promtail?: { namespace: string; name: string };
    /** The node-exporter DaemonSet; undefined when the cluster runs none. */
    nodeExporter?: { namespace: string; name: string };
}

/** The legacy DaemonSets this stack's migration phase stops (none in `none` and `parallel`). */
export function legacyToPark(m: Migration): LegacyDaemonSet[] {
    if (m.phase !== "cutover" && m.phase !== "done") return [];
    return [
        ...(m.promtail ? [{ role: "promtail" as const, ...m.promtail }] : []),
        ...(m.nodeExporter ? [{ role: "node-exporter" as const, ...m.nodeExporter }] : []),
    ];
}

/** The DaemonSet spec fields the patch owns, as plain data. */
export function parkedSpec() {
    const term = { matchExpressions: PARKED_TERM.matchExpressions.map((e) => ({ ...e })) };
    return { template: { spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term] } } } } } };
}

/**
 * A server-side apply patch owning only the required node affinity. Not forced: the owner has
 * none (parkingProblem checks), so a conflict means someone else took it since, and `up` should
 * stop there rather than steal it. Deleting the patch (going back to `parallel`) gives the field
 * up, and the DaemonSet schedules exactly as its owner left it.
 */
export function parkPatch(d: LegacyDaemonSet): k8s.apps.v1.DaemonSetPatchArgs & { metadata: { name: string } } {
    return {
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: {
            name: d.name,
            namespace: d.namespace,
            annotations: {
                "pulumi.com/patchFieldManager": PARK_FIELD_MANAGER,
                "vector-fleet.dev/parked-by": "vector-fleet migration (cutover)",
            },
        },
        spec: parkedSpec(),
    };
}

/** The live DaemonSet's pod spec, as far as parking cares. */
export interface LivePodSpec {
    affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: unknown[] } } };
}

/**
 * Why the live DaemonSet cannot be parked without losing its owner's settings, or undefined.
 * Its required node affinity is one atomic value: owning it would replace the owner's and
 * deleting the patch would remove it. Our own term (a previous `up`) is fine.
 */
export function parkingProblem(d: LegacyDaemonSet, live: LivePodSpec | undefined): string | undefined {
    const required = live?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (required === undefined || required === null) return undefined;
    const ours = JSON.stringify(required.nodeSelectorTerms) === JSON.stringify([PARKED_TERM]);
    if (ours) return undefined;
    return (
        `cannot park DaemonSet ${d.namespace}/${d.name}: it has its own required node affinity ` +
        `(spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution), which server-side apply owns as one atomic value, ` +
        `so parking would replace it and rolling back would delete it; stop it through its owner instead (e.g. Helm values) and remove it from vector-fleet:migration (docs/migration.md)`
    );
}

export interface LegacyAgentCutoverArgs {
    /** The stack's explicit Kubernetes provider. Required: never the ambient default, which could be any cluster. */
    provider: k8s.Provider;
    /**
     * The phase and the legacy DaemonSets. Required: `cutover` and `done` park the listed ones; in
     * `done` they are patched without a read, since they may already be deleted by hand.
     */
    migration: Migration;
}

/** Name of the read of a DaemonSet to park; the engine prints it beside "resource ... does not exist". */
export const targetReadName = (name: string, d: LegacyDaemonSet) =>
    `${name}-${d.role}-target (the ${d.role} DaemonSet ${d.namespace}/${d.name} to park; fix vector-fleet migration.${d.role === "promtail" ? "promtail" : "nodeExporter"} if it is elsewhere)`;

/** Stops (without deleting) Promtail and node-exporter once Vector has taken over. */
export class LegacyAgentCutover extends pulumi.ComponentResource {
    readonly parked: string[];

    constructor(name: string, args: LegacyAgentCutoverArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vector-fleet:index:LegacyAgentCutover", name, {}, opts);
        const parked = legacyToPark(args.migration);
        for (const d of parked) {
            const child = { parent: this, provider: args.provider };
            // In `done` the old objects may already be deleted by hand (docs/migration.md): the
            // patch stays, nothing is read.
            if (args.migration.phase === "done") {
                new k8s.apps.v1.DaemonSetPatch(`${name}-${d.role}`, parkPatch(d), child);
                continue;
            }
            // pulumi-kubernetes does not preview the Create of a Patch resource (provider/pkg/provider/
            // provider.go Create: skipPreview for kinds.IsPatchResource), so a patch of a missing
            // object fails only at `up`. A read runs in preview too, and a missing target fails it
            // ("resource '<ns>/<name>' does not exist", pulumi/pulumi pkg/resource/deploy/step.go).
            const live = k8s.apps.v1.DaemonSet.get(targetReadName(name, d), `${d.namespace}/${d.name}`, child);
            const spec = live.spec.apply((s) => {
                const problem = parkingProblem(d, s?.template?.spec);
                // hideStack: the language host prints the message alone (sdk/nodejs/cmd/run/run.ts).
                if (problem) throw new pulumi.ResourceError(problem, live, true);
                return parkedSpec();
            });
            new k8s.apps.v1.DaemonSetPatch(`${name}-${d.role}`, { ...parkPatch(d), spec }, { ...child, dependsOn: [live] });
        }
        this.parked = parked.map((d) => `${d.namespace}/${d.name}`);
        this.registerOutputs({ parked: this.parked });
    }
}
