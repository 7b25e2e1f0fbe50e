/**
 * What verify reads from the repo's stack files: the cluster name (`vector-fleet:cluster`) and
 * the namespaces the aggregator samples on purpose (`vector-fleet:aggregator` → `sampling`, set
 * on the hub stack that a source stack names in `vector-fleet:monitoringStack`). Reading the
 * files directly (not `pulumi config`) keeps verify usable without a Pulumi login.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { Sampling } from "./parity";

const PREFIX = "vector-fleet:";

/** A stack file that is missing, unreadable or lacks what verify needs: a usage/config error. */
export class StackFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackFileError";
    }
}

export interface StackInfo {
    stack: string;
    /** Path of Pulumi.<stack>.yaml. */
    file: string;
    config: Record<string, unknown>;
}

/** `org/project/dev` and `dev` both name Pulumi.dev.yaml. */
export function stackFileName(stack: string): string {
    const short = stack.split("/").pop() ?? stack;
    if (!/^[A-Za-z0-9._-]+$/.test(short) || short.startsWith(".")) {
        throw new StackFileError(`--stack ${JSON.stringify(stack)} is not a stack name (letters, digits, ".", "_", "-")`);
    }
    return `Pulumi.${short}.yaml`;
}

export function readStack(rootDir: string, stack: string): StackInfo {
    const file = path.join(rootDir, stackFileName(stack));
    if (!existsSync(file)) {
        throw new StackFileError(`no stack file ${path.basename(file)} in ${rootDir} (is --stack right? or pass --cluster NAME)`);
    }
    let doc: unknown;
    try {
        doc = parse(readFileSync(file, "utf8"));
    } catch (e) {
        throw new StackFileError(`${path.basename(file)} is not valid YAML: ${(e as Error).message}`);
    }
    const config = (doc as { config?: unknown } | null)?.config;
    if (typeof config !== "object" || config === null || Array.isArray(config)) {
        throw new StackFileError(`${path.basename(file)} has no config: map`);
    }
    return { stack, file, config: config as Record<string, unknown> };
}

/** The stack's cluster name, or a StackFileError saying how to fix it. */
export function clusterOf(info: StackInfo): string {
    const v = info.config[`${PREFIX}cluster`];
    if (typeof v !== "string" || v.trim() === "") {
        throw new StackFileError(`${path.basename(info.file)} sets no ${PREFIX}cluster (pass --cluster NAME)`);
    }
    return v.trim();
}

/** A structured config value as Pulumi may store it: an object, or the same JSON-encoded. */
function structured(v: unknown): Record<string, unknown> | undefined {
    if (typeof v === "string") {
        try {
            v = JSON.parse(v);
        } catch {
            return undefined;
        }
    }
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Checks a namespace -> N map; N must be a whole number ≥ 1 (keep 1 line in N). */
export function checkSampling(raw: Record<string, unknown>, where: string): Sampling {
    const out: Sampling = {};
    for (const [ns, n] of Object.entries(raw)) {
        const every = typeof n === "string" ? Number(n) : n;
        if (typeof every !== "number" || !Number.isInteger(every) || every < 1) {
            throw new StackFileError(`${where}: sampling for namespace ${ns} must be a whole number ≥ 1 (keep 1 line in N), got ${JSON.stringify(n)}`);
        }
        out[ns] = every;
    }
    return out;
}

/**
 * The hub stack whose aggregators handle this stack's logs: the stack itself when it is the
 * hub, else the one named by `monitoringStack`; undefined when that file is not in the repo.
 */
export function hubOf(rootDir: string, info: StackInfo): StackInfo | undefined {
    const monitoringStack = info.config[`${PREFIX}monitoringStack`];
    if (info.config[`${PREFIX}role`] === "hub" || typeof monitoringStack !== "string" || monitoringStack === "") return info;
    const file = path.join(rootDir, stackFileName(monitoringStack));
    return existsSync(file) ? readStack(rootDir, monitoringStack) : undefined;
}

/** The aggregator's sampling that applies to this stack's logs (the hub's). No hub file or no sampling means none. */
export function samplingOf(rootDir: string, info: StackInfo): { sampling: Sampling; source: string } {
    const hub = hubOf(rootDir, info);
    if (!hub) return { sampling: {}, source: `hub stack file ${stackFileName(String(info.config[`${PREFIX}monitoringStack`]))} not found` };
    const sampling = structured(structured(hub.config[`${PREFIX}aggregator`])?.sampling);
    const name = path.basename(hub.file);
    if (!sampling) return { sampling: {}, source: `none set in ${name}` };
    return { sampling: checkSampling(sampling, name), source: name };
}

/** The Loki tenant (X-Scope-OrgID) the hub's aggregators write to, if it sets one. */
export function lokiTenantOf(rootDir: string, info: StackInfo): string | undefined {
    const hub = hubOf(rootDir, info);
    const tenant = structured(structured(hub?.config[`${PREFIX}aggregator`])?.loki)?.tenantId;
    return typeof tenant === "string" && tenant !== "" ? tenant : undefined;
}

/**
 * The agent's default namespace (config/stack.ts: agent.namespace). The agent never collects
 * its own namespace's logs, so Vector has none of them by design while Promtail does.
 */
export const DEFAULT_AGENT_NAMESPACE = "vector-system";

/** Namespaces whose pod logs the Vector agent does not collect on purpose: its own and agent.excludedNamespaces. */
export function uncollectedNamespacesOf(info: StackInfo): string[] {
    const agent = structured(info.config[`${PREFIX}agent`]);
    const own = typeof agent?.namespace === "string" && agent.namespace !== "" ? agent.namespace : DEFAULT_AGENT_NAMESPACE;
    const excluded = Array.isArray(agent?.excludedNamespaces) ? agent.excludedNamespaces.filter((n): n is string => typeof n === "string") : [];
    return [...new Set([own, ...excluded])];
}

/** `vector-fleet:migration.phase` (none, parallel, cutover, done), if the stack sets one. */
export function migrationPhaseOf(info: StackInfo): string | undefined {
    const phase = structured(info.config[`${PREFIX}migration`])?.phase;
    return typeof phase === "string" ? phase : undefined;
}
