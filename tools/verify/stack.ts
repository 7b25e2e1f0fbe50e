/**
 * What verify takes from the repo's stack files, read through the program's own loader
 * (config/stack-file.ts) so every value is the one the program deploys, defaults included: the
 * cluster name, the sampling and Loki tenant of the hub whose aggregators handle this stack's
 * logs, the namespaces the agent does not collect, and the migration phase. Reading the files
 * directly (not `pulumi config`) keeps verify usable without a Pulumi login.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { ConfigError, Problem } from "../../config/schema-kit";
import { AgentConfig, CONFIG_MODEL, DEFAULT_SAMPLING, StackConfig } from "../../config/stack";
import { loadStackFile, stackFileName, StackFileError } from "../../config/stack-file";
import { Sampling } from "./parity";

export { StackFileError };

/** What verify needs of one stack, each value with where it came from. */
export interface VerifyStackInfo {
    /** Pulumi.<stack>.yaml */
    file: string;
    cluster: string;
    /** The hub's aggregator sampling; undefined when the hub's stack file is not here. */
    sampling?: Sampling;
    samplingSource: string;
    lokiTenant?: string;
    /** The agent's own namespace and agent.excludedNamespaces. */
    uncollectedNamespaces: string[];
    migrationPhase: StackConfig["migration"]["phase"];
}

/** A stack file verify cannot use: exit 2 with the loader's message (file, line, key). */
function load(rootDir: string, stack: string): StackConfig {
    try {
        return loadStackFile(rootDir, stack);
    } catch (e) {
        if (e instanceof ConfigError)
            throw new StackFileError(`the program would refuse ${stackFileName(stack)}, so verify cannot read it: ${e.message}`, stackFileName(stack));
        throw e;
    }
}

/** Namespaces whose pod logs the Vector agent does not collect on purpose: its own and agent.excludedNamespaces. */
export function uncollectedNamespaces(agent: AgentConfig): string[] {
    return [...new Set([agent.namespace, ...agent.excludedNamespaces])];
}

/** The agent section with nothing set: the program's defaults, for a check run without --stack. */
export function defaultAgent(): AgentConfig {
    const problems: Problem[] = [];
    return CONFIG_MODEL.agent.schema.parse({}, "agent", { problems, secret: false }) as AgentConfig;
}

/** The aggregators' sampling when the hub sets none: the program's default. */
export function defaultSampling(): Sampling {
    return { ...DEFAULT_SAMPLING };
}

/**
 * Reads `--stack`'s file and, for the sampling and the Loki tenant, the hub's: the stack itself
 * when it is the hub, else the one its monitoringStack names (when that file is here).
 */
export function verifyStackInfo(rootDir: string, stack: string): VerifyStackInfo {
    const config = load(rootDir, stack);
    const file = stackFileName(stack);
    const base = { file, cluster: config.cluster.name, uncollectedNamespaces: uncollectedNamespaces(config.agent), migrationPhase: config.migration.phase };
    if (config.role === "hub") return { ...base, sampling: config.aggregator.sampling, samplingSource: file, lokiTenant: config.aggregator.loki.tenantId };
    const hubFile = stackFileName(config.monitoringStack);
    if (!existsSync(path.join(rootDir, hubFile))) return { ...base, samplingSource: `hub stack file ${hubFile} not found` };
    const hub = load(rootDir, config.monitoringStack);
    if (hub.role !== "hub")
        throw new StackFileError(`${file} names ${config.monitoringStack} as its monitoringStack, but ${hubFile} is not a hub (role: ${hub.role})`, file);
    return { ...base, sampling: hub.aggregator.sampling, samplingSource: hubFile, lokiTenant: hub.aggregator.loki.tenantId };
}
