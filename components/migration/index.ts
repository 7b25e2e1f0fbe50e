import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MigrationConfig } from "../../config/stack";

/** A node selector no node carries: the DaemonSet keeps its spec, history and config, but runs nowhere. */
export const PARKED_SELECTOR = { "vector-fleet.dev/legacy-agent": "parked" } as const;

export interface LegacyDaemonSet {
    /** Which agent this is, for names and docs. */
    role: "promtail" | "node-exporter";
    namespace: string;
    name: string;
}

/** The legacy DaemonSets this stack's migration phase stops (none in `none` and `parallel`). */
export function legacyToPark(m: MigrationConfig): LegacyDaemonSet[] {
    if (m.phase !== "cutover" && m.phase !== "done") return [];
    return [
        ...(m.promtail ? [{ role: "promtail" as const, ...m.promtail }] : []),
        ...(m.nodeExporter ? [{ role: "node-exporter" as const, ...m.nodeExporter }] : []),
    ];
}

/**
 * A server-side apply patch owning only one node-selector key. Deleting the patch (going back to
 * `parallel`) gives the field up, and the DaemonSet schedules on every node again.
 */
export function parkPatch(d: LegacyDaemonSet): k8s.apps.v1.DaemonSetPatchArgs & { metadata: { name: string } } {
    return {
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: {
            name: d.name,
            namespace: d.namespace,
            annotations: {
                // The old agent's owner (Helm, kubectl) owns the rest of the spec; take just this key.
                "pulumi.com/patchForce": "true",
                "vector-fleet.dev/parked-by": "vector-fleet migration (cutover)",
            },
        },
        spec: { template: { spec: { nodeSelector: { ...PARKED_SELECTOR } } } },
    };
}

export interface LegacyAgentCutoverArgs {
    /** The stack's explicit Kubernetes provider. Required. */
    provider: k8s.Provider;
    /** The parsed `migration` section; phases `cutover` and `done` park the listed DaemonSets. Required. */
    migration: MigrationConfig;
}

/** Stops (without deleting) Promtail and node-exporter once Vector has taken over. */
export class LegacyAgentCutover extends pulumi.ComponentResource {
    readonly parked: string[];

    constructor(name: string, args: LegacyAgentCutoverArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vector-fleet:index:LegacyAgentCutover", name, {}, opts);
        const parked = legacyToPark(args.migration);
        for (const d of parked) {
            new k8s.apps.v1.DaemonSetPatch(`${name}-${d.role}`, parkPatch(d), { parent: this, provider: args.provider });
        }
        this.parked = parked.map((d) => `${d.namespace}/${d.name}`);
        this.registerOutputs({ parked: this.parked });
    }
}
