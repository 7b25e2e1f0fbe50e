/** Hand-made out/<stack>/ folders, written by the real renderFiles so they match `npm run render`'s format. */
import { renderFiles } from "../../tools/render/render";
import { RegisteredResource } from "../../tools/render/simulator";

export interface FixtureObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; [k: string]: unknown };
    /** The Pulumi resource name (default `<Kind>-<name>`): not part of the object. */
    pulumiName?: string;
    /** The type of the component it is registered under (default: the stack itself, or VectorAgent for a ConfigMap). */
    parentType?: string;
    /** The resource's ignoreChanges option. */
    ignoreChanges?: string[];
    [k: string]: unknown;
}

/** Marks an object as a server-side apply patch (`<Kind>Patch` resource), as LegacyAgentCutover registers them. */
export function patch(o: FixtureObject): FixtureObject & { patch: true } {
    return { ...o, patch: true };
}

function resourceType(o: FixtureObject, isPatch: boolean): string {
    const [group, version] = o.apiVersion.includes("/") ? o.apiVersion.split("/") : ["core", o.apiVersion];
    return `kubernetes:${group}/${version}:${o.kind}${isPatch ? "Patch" : ""}`;
}

/**
 * The files of one rendered stack. A ConfigMap with a `vector.toml` key becomes `<component>.vector.toml`,
 * the component being the ConfigMap's name without `-config`.
 */
export function renderedStack(stack: string, objects: (FixtureObject & { patch?: true })[], outputs: Record<string, unknown> = {}): Record<string, string> {
    const stackUrn = `urn:pulumi:${stack}::vector-fleet::pulumi:pulumi:Stack::vector-fleet-${stack}`;
    const resources: RegisteredResource[] = [
        { type: "pulumi:pulumi:Stack", name: `vector-fleet-${stack}`, urn: stackUrn, custom: false, inputs: {}, secretPaths: [] },
    ];
    for (const { patch: isPatch, pulumiName, parentType, ignoreChanges, ...o } of objects) {
        const component = o.kind === "ConfigMap" ? o.metadata.name.replace(/-config$/, "") : undefined;
        const parent = parentType ?? (component ? "vector-fleet:index:VectorAgent" : undefined);
        const parentUrn = parent ? `urn:pulumi:${stack}::vector-fleet::${parent}::${component ?? "component"}` : stackUrn;
        // Registered too, so resources.txt shows the resource under it (as the program's components are).
        if (parentType && !resources.some((r) => r.urn === parentUrn))
            resources.push({ type: parentType, name: "component", urn: parentUrn, parentUrn: stackUrn, custom: false, inputs: {}, secretPaths: [] });
        const type = resourceType(o, isPatch === true);
        const name = pulumiName ?? `${o.kind}-${o.metadata.name}`;
        resources.push({
            type,
            name,
            urn: `urn:pulumi:${stack}::vector-fleet::${type}::${name}`,
            parentUrn,
            custom: true,
            inputs: o,
            secretPaths: [],
            ...(ignoreChanges ? { ignoreChanges } : {}),
        });
    }
    return renderFiles({ resources, outputs: { values: outputs, secretNames: [] } });
}

/** A small agent config: two sources, one transform, two sinks. */
export const AGENT_TOML = `[sources.kubernetes_logs]
type = "kubernetes_logs"

[sources.kubelet_cadvisor]
type = "prometheus_scrape"
endpoints = [ "https://127.0.0.1:10250/metrics/cadvisor" ]

[transforms.logs_enrich]
type = "remap"
inputs = [ "kubernetes_logs" ]
source = '''
.cluster = "dev"
'''

[sinks.aggregator]
type = "vector"
inputs = [ "logs_enrich" ]

[sinks.prometheus]
type = "prometheus_remote_write"
inputs = [ "kubelet_cadvisor" ]
`;

export interface AgentStackOptions {
    stack?: string;
    cpu?: string;
    toml?: string;
    podMonitor?: boolean;
    extra?: (FixtureObject & { patch?: true })[];
    outputs?: Record<string, unknown>;
}

/** The files of an agent stack like dev: namespace, ConfigMap, DaemonSet and PodMonitor. */
export function agentStack(opts: AgentStackOptions = {}): Record<string, string> {
    const ns = "vector-system";
    const objects: (FixtureObject & { patch?: true })[] = [
        { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "vector-agent-config", namespace: ns }, data: { "vector.toml": opts.toml ?? AGENT_TOML } },
        {
            apiVersion: "apps/v1",
            kind: "DaemonSet",
            metadata: { name: "vector-agent", namespace: ns },
            spec: { template: { spec: { containers: [{ name: "vector", resources: { requests: { cpu: opts.cpu ?? "50m", memory: "96Mi" } } }] } } },
        },
        ...(opts.podMonitor === false
            ? []
            : [{ apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor", metadata: { name: "vector-agent", namespace: ns }, spec: {} }]),
        ...(opts.extra ?? []),
    ];
    return renderedStack(opts.stack ?? "dev", objects, { role: "source", agentNamespace: ns, migrationPhase: "none", ...opts.outputs });
}
