/**
 * Reading a rendered stack (its out/<stack>/ files) back: the summary `npm run render` prints,
 * and the warnings a reviewer should notice. Kept apart from render.ts, and free of Pulumi, so
 * `npm run diff` can use it without loading the Pulumi SDK.
 */
import { MIN_BUFFER_MINUTES } from "../../components/aggregator/capacity";
import { AGENT_JOB } from "../../components/monitoring/podmonitors";
import { parse as parseToml } from "smol-toml";
import { statefulLosses } from "./replacement";
import { parse as parseYaml } from "yaml";
import { parseStackConfig } from "../../config/stack";
import { formatSizingReport } from "../../config/sizing";
import type { StackFile } from "./render";

/** Written above each patch in manifests.yaml (after `# <pulumi type>: `) by renderFiles, and recognised by parseManifests. */
export const PATCH_NOTE = "a server-side apply patch of an object this program does not own";

/** Written above an object whose resource has the ignoreChanges option, before the paths (comma-separated). */
export const IGNORE_NOTE = "ignoreChanges:";

/** A Kubernetes object as manifests.yaml holds it. */
export interface ManifestObject {
    apiVersion: string;
    kind: string;
    namespace?: string;
    name: string;
    /** For server-side apply patches: the Pulumi type that applies them. */
    patch?: string;
    /** The resource's ignoreChanges option (Pulumi property paths), when it has one. */
    ignoreChanges?: string[];
    body: Record<string, unknown>;
}

/** A line of its own that starts the next document: renderFiles joins the objects with it. */
const DOCUMENT_SEPARATOR = /^---[ \t]*(?:\r?\n|$)/m;
/** The comment lines before a document's first key, where renderFiles writes the patch note. */
const LEADING_COMMENTS = /^(?:[ \t]*(?:#.*)?\r?\n)*/;
const PATCH_COMMENT = new RegExp(`^[ \\t]*#[ \\t]*(\\S+): ${PATCH_NOTE}[ \\t]*$`, "m");
const IGNORE_COMMENT = new RegExp(`^[ \\t]*#[ \\t]*${IGNORE_NOTE}[ \\t]*(.+?)[ \\t]*$`, "m");

/**
 * Each distinct YAML document parsed once per process: a diff reads two trees that share most of
 * their objects, and the stacks of a fleet share many (the `yaml` parser costs about ten times
 * what copying its result does). Callers get their own copy, so they may change it.
 */
const parsedDocuments = new Map<string, unknown>();
const MAX_PARSED_DOCUMENTS = 20_000;

function parseDocument(doc: string): unknown {
    if (!parsedDocuments.has(doc)) {
        if (parsedDocuments.size >= MAX_PARSED_DOCUMENTS) parsedDocuments.clear();
        parsedDocuments.set(doc, parseYaml(doc));
    }
    return structuredClone(parsedDocuments.get(doc));
}

/**
 * Parses a rendered manifests.yaml, recognising the patch note renderFiles writes above each patch.
 * With `yaml`, the library that writes these files (the project's one YAML library), in its
 * default YAML 1.2 core schema.
 */
export function parseManifests(text: string): ManifestObject[] {
    const objects: ManifestObject[] = [];
    text.split(DOCUMENT_SEPARATOR).forEach((doc, i) => {
        let body: unknown;
        try {
            body = parseDocument(doc);
        } catch (e) {
            throw new Error(`manifests.yaml, document ${i + 1}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
        }
        if (body === null || typeof body !== "object" || Array.isArray(body)) return;
        const object = body as Record<string, unknown>;
        const metadata = (object.metadata ?? {}) as { name?: unknown; namespace?: unknown };
        const comments = LEADING_COMMENTS.exec(doc)![0];
        const patch = PATCH_COMMENT.exec(comments)?.[1];
        const ignoreChanges = IGNORE_COMMENT.exec(comments)?.[1].split(/\s*,\s*/);
        objects.push({
            apiVersion: String(object.apiVersion ?? ""),
            kind: String(object.kind ?? ""),
            ...(typeof metadata.namespace === "string" ? { namespace: metadata.namespace } : {}),
            name: typeof metadata.name === "string" ? metadata.name : "",
            ...(patch ? { patch } : {}),
            ...(ignoreChanges ? { ignoreChanges } : {}),
            body: object,
        });
    });
    return objects;
}

/** Component counts of one Vector config: per section, component type -> how many. */
export interface VectorComponents {
    sources: Record<string, number>;
    transforms: Record<string, number>;
    sinks: Record<string, number>;
}

export function vectorComponents(toml: string): VectorComponents {
    const config = parseToml(toml) as Record<string, unknown>;
    const count = (section: unknown) => {
        const byType: Record<string, number> = {};
        for (const c of Object.values((section ?? {}) as Record<string, { type?: unknown }>)) {
            const type = typeof c?.type === "string" ? c.type : "(no type)";
            byType[type] = (byType[type] ?? 0) + 1;
        }
        return byType;
    };
    return { sources: count(config.sources), transforms: count(config.transforms), sinks: count(config.sinks) };
}

/** Something in a rendered stack a reviewer should notice; `code` is stable, `message` says why it matters. */
export interface RenderWarning {
    code: string;
    message: string;
}

interface RenderedOutputs {
    role?: string;
    agentNamespace?: string | null;
    migrationPhase?: string;
    aggregatorBufferMinutes?: { lokiMinutes?: number; prometheusMinutes?: number };
}

/** `Kind namespace/name`, or `Kind name` for cluster-scoped objects. */
export function objectName(o: Pick<ManifestObject, "kind" | "namespace" | "name">): string {
    return `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name || "(unnamed)"}`;
}

/**
 * What a reviewer should notice in one rendered stack (its out/<stack>/ files). Only what the
 * files show, and only what costs something: signals lost, data doubled, drains blocked,
 * objects touched that another tool owns.
 */
/** `objects`: the stack's manifests.yaml already parsed, for a caller that has them. */
export function renderWarnings(files: Record<string, string>, objects: ManifestObject[] = parseManifests(files["manifests.yaml"] ?? "")): RenderWarning[] {
    const outputs = JSON.parse(files["outputs.json"] ?? "{}") as RenderedOutputs;
    const warnings: RenderWarning[] = [];
    const hasKind = (kind: string, namespace?: string) =>
        objects.some((o) => o.kind === kind && !o.patch && (namespace === undefined || o.namespace === namespace));

    if (outputs.role === "hub" && !hasKind("PrometheusRule"))
        warnings.push({
            code: "no-alert-rules",
            message:
                "self-monitoring is off on the hub: no alert rules, dashboard or aggregator PodMonitor, so nothing alerts when the fleet's pipeline breaks",
        });
    if (outputs.role === "hub" && !outputs.agentNamespace)
        warnings.push({
            code: "hub-without-agent",
            message: "the hub runs no agent: the monitoring cluster's own pod logs and node metrics are not collected",
        });
    if (outputs.agentNamespace && !hasKind("PodMonitor", outputs.agentNamespace))
        warnings.push({
            code: "agent-not-scraped",
            message: `no PodMonitor for the agent in ${outputs.agentNamespace}: this cluster's Prometheus has no up{job="${AGENT_JOB}"} (the agent's own metrics still reach the hub by remote write)`,
        });

    for (const [file, toml] of Object.entries(files).filter(([f]) => f.endsWith(".vector.toml"))) {
        const sources = (parseToml(toml) as { sources?: Record<string, { type?: string; endpoints?: string[] }> }).sources ?? {};
        const isAgent = Object.values(sources).some((s) => s.type === "kubernetes_logs");
        const cadvisor = Object.values(sources).some((s) => s.type === "prometheus_scrape" && (s.endpoints ?? []).some((e) => e.endsWith("/metrics/cadvisor")));
        if (isAgent && !cadvisor)
            warnings.push({
                code: "no-container-metrics",
                message: `${file} scrapes no kubelet cAdvisor: no container metrics from this cluster, so VectorHighMemoryUsage cannot see its Vector pods`,
            });
    }

    if (outputs.migrationPhase === "parallel")
        warnings.push({
            code: "shipped-twice",
            message:
                'migration phase "parallel": Promtail and node-exporter still run beside Vector, so Loki stores every log line twice and node metrics arrive twice (Vector\'s with shipper="vector")',
        });

    // A claim of one of the stack's own StatefulSets (`<template>-<statefulset>-<ordinal>`) is the
    // stack's, even though the StatefulSet controller creates it: resizing it is not foreign.
    const ownClaim = (o: ManifestObject) =>
        o.kind === "PersistentVolumeClaim" &&
        objects.some((s) => {
            if (s.kind !== "StatefulSet" || s.patch || s.namespace !== o.namespace) return false;
            const templates = ((s.body.spec ?? {}) as { volumeClaimTemplates?: Array<{ metadata?: { name?: string } }> }).volumeClaimTemplates ?? [];
            return templates.some((t) => new RegExp(`^${t.metadata?.name}-${s.name}-\\d+$`).test(o.name));
        });
    const patches = objects.filter((o) => o.patch && !ownClaim(o));
    if (patches.length > 0)
        warnings.push({
            code: "patches-foreign-objects",
            message: `patches objects it does not own (server-side apply of the fields in manifests.yaml only): ${patches.map(objectName).sort().join(", ")}`,
        });

    for (const pdb of objects.filter((o) => o.kind === "PodDisruptionBudget")) {
        const spec = (pdb.body.spec ?? {}) as { minAvailable?: unknown; selector?: { matchLabels?: Record<string, string> } };
        const match = spec.selector?.matchLabels ?? {};
        if (typeof spec.minAvailable !== "number" || Object.keys(match).length === 0) continue;
        for (const w of objects.filter((o) => (o.kind === "StatefulSet" || o.kind === "Deployment") && o.namespace === pdb.namespace && !o.patch)) {
            const ws = (w.body.spec ?? {}) as { replicas?: number; template?: { metadata?: { labels?: Record<string, string> } } };
            const labels = ws.template?.metadata?.labels ?? {};
            const replicas = ws.replicas ?? 1;
            if (Object.entries(match).every(([k, v]) => labels[k] === v) && spec.minAvailable >= replicas)
                warnings.push({
                    code: "no-disruption-allowed",
                    message: `${objectName(pdb)} keeps ${spec.minAvailable} of ${replicas} replica(s) of ${objectName(w)} available: no pod may be evicted, so node drains hang`,
                });
        }
    }
    const minutes = outputs.aggregatorBufferMinutes;
    for (const [sink, m] of [
        ["Loki", minutes?.lokiMinutes],
        ["Prometheus", minutes?.prometheusMinutes],
    ] as const) {
        if (typeof m === "number" && m < MIN_BUFFER_MINUTES)
            warnings.push({
                code: "short-buffer",
                message: `the aggregators' ${sink} buffer lasts ${m} min of ${sink} outage at aggregator.expectedLoad (under ${MIN_BUFFER_MINUTES}): raise aggregator.buffers and storage.size`,
            });
    }

    // A host name cannot be named in a NetworkPolicy: such a destination is open on its port to any address.
    for (const np of objects.filter((o) => o.kind === "NetworkPolicy" && o.body.metadata !== undefined)) {
        const component = ((np.body.metadata as { labels?: Record<string, string> }).labels ?? {})["app.kubernetes.io/component"];
        if (component !== "aggregator") continue;
        const egress = ((np.body.spec ?? {}) as { egress?: Array<{ to?: unknown[]; ports?: Array<{ port?: unknown }> }> }).egress ?? [];
        for (const rule of egress.filter((r) => r.to === undefined))
            warnings.push({
                code: "open-egress",
                message: `${objectName(np)} lets the aggregators reach any address on port ${(rule.ports ?? []).map((p) => String(p.port)).join(", ")}: a Loki or Prometheus URL with an outside host name cannot be narrowed further (use an in-cluster Service or an IP URL)`,
            });
    }
    return warnings;
}

/** What `npm run render` prints per stack, from its rendered files. */
export interface StackSummary {
    stack: string;
    /** Pulumi resources, as resources.txt lists them (the stack itself included). */
    resources: number;
    /** Kubernetes objects by kind; patches as `<Kind>Patch`, the Pulumi type's name. */
    kinds: Record<string, number>;
    vector: Record<string, VectorComponents>;
    warnings: RenderWarning[];
    /** What the stack's `sizing` section decided, a line per figure (docs/sizing.md); absent without one. */
    sizing?: string[];
}

/** The sizing section's figures and where each came from, from the stack file; none without a section. */
export function sizingLines(file: StackFile, project = "vector-fleet"): string[] {
    try {
        const cfg = parseStackConfig({ values: file.config, isSecret: (k) => file.secretKeys.includes(k), project, stack: file.stack });
        return cfg.sizing ? formatSizingReport(cfg.sizing) : [];
    } catch {
        return []; // the program's own config check has reported it
    }
}

/**
 * `previous`: the stack's files from the last render (what out/<stack>/ held before this one), if
 * any. The render has no base to compare with; against its last output it can at least say
 * which stateful objects the change since then would replace or delete (`replaces-stateful`).
 * `npm run diff` says it against main, for every object.
 */
export function summarizeStack(
    stack: string,
    files: Record<string, string>,
    previous?: Record<string, string>,
    /** manifests.yaml already parsed, for a caller that has its objects (the render: renderStackFiles). */
    objects: ManifestObject[] = parseManifests(files["manifests.yaml"] ?? ""),
): StackSummary {
    const kinds: Record<string, number> = {};
    for (const o of objects) {
        const kind = o.patch ? o.patch.split(":").pop()! : o.kind;
        kinds[kind] = (kinds[kind] ?? 0) + 1;
    }
    const vector: Record<string, VectorComponents> = {};
    for (const [name, toml] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b)))
        if (name.endsWith(".vector.toml")) vector[name] = vectorComponents(toml);
    const resources = Math.max(0, (files["resources.txt"] ?? "").split("\n").filter((l) => l.trim() !== "").length - 1);
    const warnings = renderWarnings(files, objects);
    const before = previous?.["manifests.yaml"];
    // Unchanged since the last render (the common case): the same text parses to these same objects.
    if (before !== undefined)
        for (const loss of statefulLosses(before === files["manifests.yaml"] ? objects : parseManifests(before), objects))
            warnings.push({ code: "replaces-stateful", message: `since the last render in this folder, ${loss}; run \`npm run diff\` before deploying` });
    return { stack, resources, kinds, vector, warnings };
}

const sortedEntries = (counts: Record<string, number>) => Object.entries(counts).sort(([a], [b]) => a.localeCompare(b));

function componentList(what: string, byType: Record<string, number>): string {
    const n = Object.values(byType).reduce((a, b) => a + b, 0);
    const types = sortedEntries(byType).map(([t, k]) => (k > 1 ? `${t} ×${k}` : t));
    return `${n} ${n === 1 ? what.replace(/s$/, "") : what}${n > 0 ? ` (${types.join(", ")})` : ""}`;
}

/** The summary as lines: a heading for the stack, then its objects, each Vector config and each warning. */
export function formatSummary(s: StackSummary, dir: string): string[] {
    const total = Object.values(s.kinds).reduce((a, b) => a + b, 0);
    const lines = [
        `${s.stack} -> ${dir}`,
        `  ${s.resources} resources, ${total} Kubernetes objects: ${sortedEntries(s.kinds)
            .map(([k, n]) => `${n} ${k}`)
            .join(", ")}`,
    ];
    for (const [file, c] of Object.entries(s.vector))
        lines.push(`  ${file}: ${componentList("sources", c.sources)}; ${componentList("transforms", c.transforms)}; ${componentList("sinks", c.sinks)}`);
    for (const l of s.sizing ?? []) lines.push(`  ${l}`);
    for (const w of s.warnings) lines.push(`  warning: ${w.message}`);
    return lines;
}
