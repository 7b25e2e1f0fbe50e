import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { FleetProblem } from "./fleet";
import { ConfigError, formatProblem } from "./schema-kit";
import { parseStackConfig, PROJECT, RawConfig, StackConfig } from "./stack";

export * from "./stack";
export { ConfigError, formatProblem } from "./schema-kit";

/** `isConfigSecret` exists at run time but is missing from the SDK's type declarations. */
const runtime = pulumi.runtime as unknown as { isConfigSecret(key: string): boolean };

/**
 * Reads and validates the current stack's config; throws ConfigError before anything is registered.
 * Then the fleet checks that involve this stack, against its sibling stack files in `dir` (the
 * Pulumi CLI runs the program in the project directory), when those files describe this very run
 * (config/fleet.ts fleetProblemsForRun; docs/configuration.md#fleet-checks).
 */
export function loadStackConfig(dir = process.cwd()): StackConfig {
    const raw: RawConfig = {
        values: pulumi.runtime.allConfig(),
        isSecret: (k) => runtime.isConfigSecret(k),
        project: pulumi.getProject() || PROJECT,
        stack: pulumi.getStack(),
    };
    const config = parseStackConfig(raw);
    const fleet = siblingChecks(dir, raw);
    for (const w of fleet.warnings) void pulumi.log.warn(formatProblem(w));
    if (fleet.problems.length > 0) throw new ConfigError(fleet.problems);
    return config;
}

/**
 * config/fleet.ts (and the YAML parser) is loaded only when there are sibling files to read: a run
 * without them (the bench's generated fleets, a stackConfigDir elsewhere) does not pay its startup.
 */
function siblingChecks(dir: string, raw: RawConfig): { problems: FleetProblem[]; warnings: FleetProblem[] } {
    if (!fs.existsSync(path.join(dir, "Pulumi.yaml")) || !fs.existsSync(path.join(dir, `Pulumi.${raw.stack}.yaml`))) return { problems: [], warnings: [] };
    const { fleetProblemsForRun } = require("./fleet") as typeof import("./fleet");
    return fleetProblemsForRun(dir, raw);
}
