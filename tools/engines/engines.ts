/**
 * What the `engines` job of .github/workflows/ci.yml feeds the real engines, which cannot run on a
 * developer's machine: the pinned Vector image's own `vector validate`, and a Kubernetes API
 * server (kind) for a server-side dry run of every rendered object. Pure: tools/engines/main.ts
 * prints and writes what these functions return.
 */
import { stringify as toYaml } from "yaml";
import { VECTOR_IMAGE, VECTOR_VERSION } from "../../config/versions";
import { ManifestObject, parseManifests } from "../render/summary";

/**
 * The prometheus-operator release whose CRDs the dry run installs (its `stripped-down-crds.yaml`
 * release asset); docs/ci.md names it. PodMonitor and PrometheusRule are checked against them.
 * The same release as the offline schema check's CRDs (`@kubernetes-models/prometheus-operator`
 * 6.0.0 carries v0.90.1, its changelog says), so the two checks judge one API.
 */
export const PROMETHEUS_OPERATOR_VERSION = "0.90.1";

/**
 * Kubernetes 1.32, the oldest release Vector 0.59 supports: kind v0.27.0's node image for it, by
 * digest (kind's release notes list it), so the API server only changes on purpose.
 */
export const KIND_VERSION = "v0.27.0";
export const KIND_NODE_IMAGE = "kindest/node:v1.32.2@sha256:f226345927d7e348497136874b6d207e0b32cc52154ad8323129352923a3142f";

/**
 * `vector validate --no-environment` checks config loading and building (unknown options, types,
 * topology, VRL) without health checks or reading certificate files; template confinement on
 * sinks is part of that build only from Vector 0.58 on.
 */
export function engineVersions(): Record<string, string> {
    return {
        "vector-version": VECTOR_VERSION,
        "vector-image": VECTOR_IMAGE,
        "prometheus-operator-version": PROMETHEUS_OPERATOR_VERSION,
        "kind-version": KIND_VERSION,
        "kind-node-image": KIND_NODE_IMAGE,
    };
}

export interface DryRunInput {
    /** Applied for real first: every namespace the objects live in, and stand-ins for the objects patched. */
    setup: string;
    /** The stack's manifests as the dry run takes them. */
    manifests: string;
    /** What was changed on the way, one line each, for the job's log. */
    notes: string[];
}

const yaml = (objects: unknown[]) => objects.map((o) => toYaml(o, { sortMapEntries: true, lineWidth: 0, aliasDuplicateObjects: false })).join("---\n");

/**
 * Readies one stack's manifests.yaml for `kubectl apply --server-side --dry-run=server`:
 * - a dry run creates nothing, so the namespaces must exist before the objects in them: the
 *   setup creates each (the manifests' own Namespace objects are then dry-run over them);
 * - a server-side apply patch of an object the cluster lacks would be a create of a partial
 *   object: the setup creates a minimal object of that name for it to patch, as it would be on a
 *   real cluster (Promtail's or node-exporter's DaemonSet; an aggregator replica's claim, which
 *   the StatefulSet controller makes and a dry run does not);
 * - Secret values are redacted in out/ (render.ts writes `<redacted: N bytes ...>`): stringData
 *   takes any string, but `data` must be base64, so redacted data values are moved to stringData.
 */
export function dryRunInput(manifestsYaml: string): DryRunInput {
    const objects = parseManifests(manifestsYaml);
    const notes: string[] = [];
    const namespaces = [...new Set(objects.flatMap((o) => (o.kind === "Namespace" && !o.patch ? [o.name] : o.namespace ? [o.namespace] : [])))].sort();
    const stubs = objects
        .filter((o) => o.patch)
        .flatMap((o) => {
            const stub = standIn(o);
            if (stub) notes.push(`${o.kind} ${o.namespace}/${o.name}: patched, not owned; a stand-in ${o.kind} is created for the patch to apply to`);
            return stub ? [stub] : [];
        });
    const setup = yaml([...namespaces.map((name) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } })), ...stubs]);
    const prepared = objects.map((o: ManifestObject) => {
        const data = o.body.data as Record<string, unknown> | undefined;
        if (o.kind !== "Secret" || !data) return o.body;
        const redacted = Object.entries(data).filter(([, v]) => typeof v === "string" && v.startsWith("<redacted:"));
        if (redacted.length === 0) return o.body;
        notes.push(`Secret ${o.namespace}/${o.name}: redacted data values (${redacted.map(([k]) => k).join(", ")}) moved to stringData`);
        const rest = Object.fromEntries(Object.entries(data).filter(([k]) => !redacted.some(([r]) => r === k)));
        const { data: _, ...body } = o.body;
        return {
            ...body,
            ...(Object.keys(rest).length > 0 ? { data: rest } : {}),
            stringData: { ...(o.body.stringData ?? {}), ...Object.fromEntries(redacted) },
        };
    });
    return { setup, manifests: yaml(prepared), notes };
}

/** A minimal object of the patched kind and name, or undefined for a kind the fleet never patches. */
function standIn(o: ManifestObject): Record<string, unknown> | undefined {
    const labels = { "app.kubernetes.io/name": o.name, "vector-fleet.dev/ci-stand-in": "true" };
    const metadata = { name: o.name, namespace: o.namespace, labels };
    if (o.kind === "DaemonSet")
        return {
            apiVersion: "apps/v1",
            kind: "DaemonSet",
            metadata,
            spec: {
                selector: { matchLabels: labels },
                template: { metadata: { labels }, spec: { containers: [{ name: o.name, image: "registry.k8s.io/pause:3.10" }] } },
            },
        };
    if (o.kind === "PersistentVolumeClaim") {
        // The patch's own size: kind's default StorageClass cannot expand a claim, and a resize is not what the dry run tests.
        const resources = (o.body.spec as { resources?: unknown } | undefined)?.resources ?? { requests: { storage: "1Gi" } };
        return { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata, spec: { accessModes: ["ReadWriteOnce"], resources } };
    }
    return undefined;
}
