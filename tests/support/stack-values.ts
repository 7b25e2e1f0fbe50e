/**
 * Stack config for tests that parse values in memory: the smallest valid source and hub, and the
 * values encoded as the Pulumi CLI hands them to the program (config/stack-file.ts configValue).
 */
import { configValue } from "../../config/stack-file";
import { PROJECT, RawConfig } from "../../config/stack";

export const MINIMAL_SOURCE = { role: "source", cluster: "dev", environment: "development", region: "hel1", monitoringStack: "monitoring", kubeContext: "dev" };

export const DEV_ID = { environment: "development", region: "hel1" };
export const STAGING_ID = { environment: "staging", region: "fsn1" };

export const MINIMAL_HUB = {
    role: "hub",
    cluster: "monitoring",
    environment: "production",
    region: "fsn1",
    kubeContext: "mon",
    aggregator: {
        clusters: ["dev", "staging"],
        identities: { dev: DEV_ID, staging: STAGING_ID },
        loadBalancer: { network: "fleet-private", privateIp: "10.0.64.250" },
    },
};

/** `values` (keys without the project prefix, or with one) as the program's RawConfig of stack "test". */
export function rawConfig(values: Record<string, unknown>, secret: readonly string[] = []): RawConfig {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) if (v !== undefined) out[k.includes(":") ? k : `${PROJECT}:${k}`] = configValue(v);
    return { values: out, isSecret: (k) => secret.includes(k), project: PROJECT, stack: "test" };
}
