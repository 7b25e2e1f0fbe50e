import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig, PROJECT, StackConfig } from "./stack";

export * from "./stack";
export { ConfigError, formatProblem } from "./schema-kit";

/** `isConfigSecret` exists at run time but is missing from the SDK's type declarations. */
const runtime = pulumi.runtime as unknown as { isConfigSecret(key: string): boolean };

/** Reads and validates the current stack's config; throws ConfigError before anything is registered. */
export function loadStackConfig(): StackConfig {
    return parseStackConfig({
        values: pulumi.runtime.allConfig(),
        isSecret: (k) => runtime.isConfigSecret(k),
        project: pulumi.getProject() || PROJECT,
        stack: pulumi.getStack(),
    });
}
