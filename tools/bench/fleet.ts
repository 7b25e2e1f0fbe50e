/**
 * Fleets of any size, generated for the scaling benchmark: N source clusters and as many hubs as
 * their load balancers need, each stack a copy of a real Pulumi.<stack>.yaml with only the
 * cluster's identity changed, so the sweep measures the program the repo really deploys. The
 * fleet is written to a directory as stack files and rendered from there, as `npm run render` does.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify as toYaml } from "yaml";
import { LB_MAX_SERVICES, LB_SERVICES_PER_CLUSTER } from "../../config/stack";
import type { StackFile } from "../render/render";

const KEY = (k: string) => `vector-fleet:${k}`;

/**
 * Source clusters one hub serves: its aggregators' load balancer of the largest type carries two
 * ports per cluster (identity is bound to ports, docs/identity.md), and config refuses more.
 */
export const CLUSTERS_PER_HUB = Math.floor(LB_MAX_SERVICES.lb31 / LB_SERVICES_PER_CLUSTER);

/** Cluster names that sort in order and are valid DNS labels: c001, c002, ... (c1000 past 999). */
export function clusterName(i: number): string {
    return `c${String(i).padStart(3, "0")}`;
}

/** Hub names, in the same style: hub01, hub02, ... */
export function hubName(i: number): string {
    return `hub${String(i).padStart(2, "0")}`;
}

export interface GeneratedFleet {
    /** The hubs, each serving at most CLUSTERS_PER_HUB of the sources, in order. */
    hubs: StackFile[];
    sources: StackFile[];
}

function kubeContext(template: StackFile, name: string): Record<string, string> {
    return template.config[KEY("kubeContext")] !== undefined ? { [KEY("kubeContext")]: `${name}-admin@${name}` } : {};
}

/**
 * ceil(n / CLUSTERS_PER_HUB) hubs, the sources split over them in blocks of CLUSTERS_PER_HUB:
 * each hub lists its block in `aggregator.clusters` with an `aggregator.identities` entry per
 * cluster (the template's own clusters and identities are dropped) and has its own cluster name,
 * kube context and load balancer address; each source stack gets its own cluster name, stack name,
 * kube context and `monitoringStack` pointing at its hub. Everything else (agent tuning, migration
 * phase, monitoring, sampling, buffers) is the templates'.
 */
export function generateFleet(n: number, hubTemplate: StackFile, sourceTemplate: StackFile): GeneratedFleet {
    if (!Number.isInteger(n) || n < 1) throw new Error(`fleet size must be a positive integer, got ${n}`);
    if (hubTemplate.role !== "hub") throw new Error(`hub template ${hubTemplate.stack} has role ${hubTemplate.role}; expected "hub"`);
    if (sourceTemplate.role !== "source") throw new Error(`source template ${sourceTemplate.stack} has role ${sourceTemplate.role}; expected "source"`);
    const aggregatorJson = hubTemplate.config[KEY("aggregator")];
    if (aggregatorJson === undefined) throw new Error(`hub template ${hubTemplate.stack} has no ${KEY("aggregator")}`);
    // The template's own clusters and their identities are replaced by the generated ones.
    const template = JSON.parse(aggregatorJson) as Record<string, unknown>;
    delete template.identities;
    delete template.clusters;
    const identity = { environment: sourceTemplate.config[KEY("environment")], region: sourceTemplate.config[KEY("region")] };
    const names = Array.from({ length: n }, (_, i) => clusterName(i + 1));
    const hubCount = Math.ceil(n / CLUSTERS_PER_HUB);
    if (hubCount > 200) throw new Error(`fleet of ${n} needs ${hubCount} hubs; the generator numbers at most 200 load balancer addresses`);
    const hubs = Array.from({ length: hubCount }, (_, h): StackFile => {
        const name = hubName(h + 1);
        const clusters = names.slice(h * CLUSTERS_PER_HUB, (h + 1) * CLUSTERS_PER_HUB);
        const lb = template.loadBalancer as Record<string, unknown>;
        // Every hub's load balancer on the shared private network needs an address of its own.
        const privateIp = String(lb.privateIp ?? "10.0.64.250").replace(/\.\d+$/, `.${250 - h}`);
        const aggregator = {
            ...template,
            loadBalancer: { ...lb, type: "lb31", privateIp },
            clusters,
            identities: Object.fromEntries(clusters.map((c) => [c, identity])),
        };
        return {
            ...hubTemplate,
            stack: name,
            file: `Pulumi.${name}.yaml`,
            config: { ...hubTemplate.config, [KEY("cluster")]: name, ...kubeContext(hubTemplate, name), [KEY("aggregator")]: JSON.stringify(aggregator) },
            secretKeys: [...hubTemplate.secretKeys],
        };
    });
    const sources = names.map((name, i): StackFile => ({
        ...sourceTemplate,
        stack: name,
        file: `Pulumi.${name}.yaml`,
        config: {
            ...sourceTemplate.config,
            [KEY("cluster")]: name,
            [KEY("monitoringStack")]: hubs[Math.floor(i / CLUSTERS_PER_HUB)].stack,
            ...kubeContext(sourceTemplate, name),
        },
        secretKeys: [...sourceTemplate.secretKeys],
    }));
    return { hubs, sources };
}

/**
 * A stack file's text as `pulumi config set` would leave it: structured values (which the reader
 * JSON-encodes) as YAML, secrets as `secure:` ciphertext the offline reader turns into placeholders.
 */
export function stackFileYaml(file: StackFile): string {
    const config: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(file.config)) {
        if (file.secretKeys.includes(k)) {
            config[k] = { secure: "v1:bench-generated-ciphertext" };
            continue;
        }
        let value: unknown = v;
        try {
            const parsed: unknown = JSON.parse(v);
            if (parsed !== null && typeof parsed !== "string") value = parsed;
        } catch {
            // A plain string value.
        }
        config[k] = value;
    }
    return toYaml({ config });
}

/**
 * Writes the fleet as Pulumi.<stack>.yaml files into `dir`, beside copies of the repo's Pulumi.yaml
 * and package.json (what the Pulumi CLI's checks read), so the renderer reads it as it reads the repo.
 */
/**
 * The repository's own stacks the bench builds on: its first hub and its first source (by stack
 * name), whatever they are called, so the bench runs on any fleet a user has.
 */
export function fleetTemplates(stacks: readonly StackFile[]): { hub: StackFile; source: StackFile } {
    const sorted = [...stacks].sort((a, b) => a.stack.localeCompare(b.stack));
    const hub = sorted.find((s) => s.role === "hub");
    const source = sorted.find((s) => s.role === "source");
    if (!hub || !source) throw new Error("the bench needs one hub and one source stack file in the repository to build its fleets from");
    return { hub, source };
}

export function writeFleet(dir: string, root: string, fleet: GeneratedFleet): void {
    for (const f of ["Pulumi.yaml", "package.json"]) fs.copyFileSync(path.join(root, f), path.join(dir, f));
    for (const s of [...fleet.hubs, ...fleet.sources]) fs.writeFileSync(path.join(dir, `Pulumi.${s.stack}.yaml`), stackFileYaml(s));
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
