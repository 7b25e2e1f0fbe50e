/**
 * Fleets of any size, generated in memory for the scaling benchmark: one hub that serves N agent
 * clusters and the N agent stacks themselves, each a copy of a real Pulumi.<stack>.yaml with only
 * the cluster's identity changed, so the sweep measures the program the repo really deploys.
 */
import type { StackFile } from "../render/render";

const KEY = (k: string) => `vector-fleet:${k}`;

/** Cluster names that sort in order and are valid DNS labels: c001, c002, ... (c1000 past 999). */
export function clusterName(i: number): string {
    return `c${String(i).padStart(3, "0")}`;
}

export interface GeneratedFleet {
    hub: StackFile;
    sources: StackFile[];
}

/**
 * The hub gets `aggregator.clusters` = the N names (its own cluster is added by the program, as in
 * production); each agent stack gets its own cluster name, stack name and `monitoringStack` pointing
 * at the hub. Everything else (agent tuning, migration phase, monitoring) is the template's.
 */
export function generateFleet(n: number, hubTemplate: StackFile, sourceTemplate: StackFile): GeneratedFleet {
    if (!Number.isInteger(n) || n < 1) throw new Error(`fleet size must be a positive integer, got ${n}`);
    if (hubTemplate.role !== "hub") throw new Error(`hub template ${hubTemplate.stack} has role ${hubTemplate.role}; expected "hub"`);
    if (sourceTemplate.role !== "source") throw new Error(`source template ${sourceTemplate.stack} has role ${sourceTemplate.role}; expected "source"`);
    const names = Array.from({ length: n }, (_, i) => clusterName(i + 1));
    const aggregatorJson = hubTemplate.config[KEY("aggregator")];
    if (aggregatorJson === undefined) throw new Error(`hub template ${hubTemplate.stack} has no ${KEY("aggregator")}`);
    // The template's identities name its own clusters, which the generated fleet does not have; the
    // largest load balancer type carries the most clusters (two ports each: docs/identity.md).
    const { identities: _identities, ...template } = JSON.parse(aggregatorJson) as Record<string, unknown>;
    void _identities;
    const loadBalancer = { ...(template.loadBalancer as Record<string, unknown>), type: "lb31" };
    // Every listed cluster needs its identity (config/stack.ts): the template source's environment and region.
    const identity = { environment: sourceTemplate.config[KEY("environment")], region: sourceTemplate.config[KEY("region")] };
    const aggregator = { ...template, loadBalancer, clusters: names, identities: Object.fromEntries(names.map((name) => [name, identity])) };
    const hub: StackFile = {
        ...hubTemplate,
        config: { ...hubTemplate.config, [KEY("aggregator")]: JSON.stringify(aggregator) },
        secretKeys: [...hubTemplate.secretKeys],
    };
    const sources = names.map(
        (name): StackFile => ({
            ...sourceTemplate,
            stack: name,
            file: `Pulumi.${name}.yaml`,
            config: {
                ...sourceTemplate.config,
                [KEY("cluster")]: name,
                [KEY("monitoringStack")]: hub.stack,
                ...(sourceTemplate.config[KEY("kubeContext")] !== undefined ? { [KEY("kubeContext")]: `${name}-admin@${name}` } : {}),
            },
            secretKeys: [...sourceTemplate.secretKeys],
        }),
    );
    return { hub, sources };
}

/**
 * The config as the Pulumi language host hands it to the program (`PULUMI_CONFIG`): a JSON object
 * whose keys use the older `namespace:config:name` form the host still writes.
 */
export function pulumiConfigEnv(config: Record<string, string>): string {
    const old: Record<string, string> = {};
    for (const [k, v] of Object.entries(config)) {
        const i = k.indexOf(":");
        if (i < 0) throw new Error(`config key ${k} has no namespace`);
        old[`${k.slice(0, i)}:config:${k.slice(i + 1)}`] = v;
    }
    return JSON.stringify(old);
}
