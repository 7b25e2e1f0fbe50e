/**
 * Fleet-level validation: what no single stack file can get wrong on its own, checked across every
 * `Pulumi.<stack>.yaml` of a directory before any resource exists. Each problem names the file and
 * key of both sides. Pure apart from reading the files through the one loader
 * (config/stack-file.ts); linear in the number of stacks (one pass, maps keyed by name), so a
 * fleet of hundreds costs milliseconds. What runs where: docs/configuration.md#fleet-checks.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, formatProblem, Problem } from "./schema-kit";
import { HubConfig, PROJECT, RawConfig, StackConfig } from "./stack";
import { readStackFile, StackFile, stackConfigOf, StackFileError, stackNames } from "./stack-file";
import { signalsTheHubLacks } from "./signals";
import { missingVerifyLabels, VERIFY_LOKI_LABELS } from "./verify-labels";

/** A stack whose file parsed into a valid config. */
export interface FleetMember {
    stack: string;
    /** `Pulumi.<stack>.yaml` */
    file: string;
    config: StackConfig;
}

/** A problem that involves a second stack file: where the other side is. */
export interface FleetProblem extends Problem {
    readonly file: string;
    /**
     * The other side. `shared`: deploying either stack does the harm (one cluster, one name, one
     * object for two stacks), so both refuse; otherwise only `file`'s stack is wrong to deploy.
     */
    readonly also?: { readonly file: string; readonly path: string; readonly shared?: true };
}

export interface FleetReport {
    /** Every readable stack file, as the CLI would hand it over (the renderer runs these). */
    files: StackFile[];
    /** Stacks whose file is valid on its own (the fleet checks look at these). */
    members: FleetMember[];
    /** Files that are not YAML (file:line:column) or not a stack file at all. */
    unreadable: StackFileError[];
    /** Files that are invalid on their own: each problem of each file. */
    fileProblems: FleetProblem[];
    /** Mistakes across stacks. */
    problems: FleetProblem[];
    /** Doubtful, not wrong: a cluster the hub lists that has no stack file here. */
    warnings: FleetProblem[];
}

const key = (name: string, project = PROJECT) => `${project}:${name}`;
const q = JSON.stringify;

/** Reads and parses every stack file of `root`; problems of single files are collected, not thrown. */
export function loadFleet(
    root: string,
    project = PROJECT,
): { names: string[]; clusters: string[]; files: StackFile[]; members: FleetMember[]; unreadable: StackFileError[]; fileProblems: FleetProblem[] } {
    const names = stackNames(root);
    const files: StackFile[] = [];
    const clusters: string[] = [];
    const members: FleetMember[] = [];
    const unreadable: StackFileError[] = [];
    const fileProblems: FleetProblem[] = [];
    for (const stack of names) {
        try {
            const f = readStackFile(root, stack, project);
            files.push(f);
            // As written, also when the file is invalid: a hub's list may still name it.
            const cluster = f.config[key("cluster", project)];
            if (cluster !== undefined) clusters.push(cluster);
            members.push({ stack, file: f.file, config: stackConfigOf(f, project) });
        } catch (e) {
            if (e instanceof ConfigError) fileProblems.push(...e.problems.map((p) => ({ ...p, file: p.file ?? `Pulumi.${stack}.yaml` })));
            else if (e instanceof StackFileError) unreadable.push(e);
            else throw e;
        }
    }
    return { names, clusters, files, members, unreadable, fileProblems };
}

/**
 * The cross-stack checks over valid members. `names` are all the stacks with a file, `clusters`
 * the cluster names those files set (a file that is invalid on its own still exists as a hub to
 * point at, or as a cluster a hub lists). Linear: every lookup is a map.
 */
export function checkFleet(
    members: readonly FleetMember[],
    names: readonly string[],
    clusters: readonly string[] = members.map((m) => m.config.cluster.name),
    project = PROJECT,
): { problems: FleetProblem[]; warnings: FleetProblem[] } {
    const problems: FleetProblem[] = [];
    const warnings: FleetProblem[] = [];
    const k = (name: string) => key(name, project);
    const sorted = [...members].sort((a, b) => a.stack.localeCompare(b.stack));
    const byStack = new Map(sorted.map((m) => [m.stack, m]));
    const existing = new Set(names);

    // One name, one context: the first file (by stack name) keeps it, every later one is reported.
    const firstCluster = new Map<string, FleetMember>();
    const firstContext = new Map<string, FleetMember>();
    for (const m of sorted) {
        const other = firstCluster.get(m.config.cluster.name);
        if (other)
            problems.push({
                file: m.file,
                path: k("cluster"),
                value: `${q(m.config.cluster.name)}, which ${other.file} also sets (${k("cluster")})`,
                expected: "a cluster name no other stack uses: two stacks with one name ship two clusters' data under one name, with one credential",
                also: { file: other.file, path: k("cluster"), shared: true },
            });
        else firstCluster.set(m.config.cluster.name, m);
        if ("context" in m.config.kubernetes) {
            const ctx = m.config.kubernetes.context;
            const same = firstContext.get(ctx);
            if (same)
                problems.push({
                    file: m.file,
                    path: k("kubeContext"),
                    value: `${q(ctx)}, which ${same.file} also uses (${k("kubeContext")})`,
                    expected: "the context of this stack's own cluster: two stacks on one context deploy into one cluster and overwrite each other's objects",
                    also: { file: same.file, path: k("kubeContext"), shared: true },
                });
            else firstContext.set(ctx, m);
        }
    }

    // Sources and their hubs.
    const listedBy = new Map<string, Set<string>>(); // hub stack -> its aggregator.clusters, built once
    for (const m of sorted) {
        if (m.config.role !== "source") continue;
        const ms = m.config.monitoringStack;
        // Only a bare name is a stack of this directory; `org/project/stack` may live anywhere.
        if (ms.includes("/")) continue;
        if (!existing.has(ms)) {
            problems.push({
                file: m.file,
                path: k("monitoringStack"),
                value: `${q(ms)}, but there is no Pulumi.${ms}.yaml (stacks here: ${names.join(", ")})`,
                expected: "the name of the hub stack (role: hub) whose file is beside this one",
            });
            continue;
        }
        const hub = byStack.get(ms);
        if (!hub) continue; // its own file problems are reported
        if (hub.config.role !== "hub") {
            problems.push({
                file: m.file,
                path: k("monitoringStack"),
                value: `${q(ms)}, a source stack (${hub.file} ${k("role")} is "source")`,
                expected: "the name of a hub stack (role: hub)",
                also: { file: hub.file, path: k("role") },
            });
            continue;
        }
        const h: HubConfig = hub.config;
        const cluster = m.config.cluster.name;
        if (!listedBy.has(hub.stack)) listedBy.set(hub.stack, new Set(h.aggregator.clusters));
        if (!listedBy.get(hub.stack)!.has(cluster))
            problems.push({
                file: m.file,
                path: k("cluster"),
                value: `${q(cluster)}, which ${hub.file} does not list (${k("aggregator")}.clusters)`,
                expected: `a cluster its hub lists: append ${q(cluster)} to ${k("aggregator")}.clusters in ${hub.file} (and its identity), or its agents get no credentials (docs/adding-a-cluster.md)`,
                also: { file: hub.file, path: `${k("aggregator")}.clusters` },
            });
        else {
            const id = h.aggregator.identities[cluster];
            for (const field of ["environment", "region"] as const)
                if (id && id[field] !== m.config.cluster[field])
                    problems.push({
                        file: m.file,
                        path: k(field),
                        value: `${q(m.config.cluster[field])}, but ${hub.file} writes ${q(id[field])} on its data (${k("aggregator")}.identities.${cluster}.${field})`,
                        expected: `the same ${field} on both sides: the aggregators overwrite what the cluster claims`,
                        also: { file: hub.file, path: `${k("aggregator")}.identities.${cluster}.${field}` },
                    });
        }
        if (m.config.agent.enabled)
            for (const lack of signalsTheHubLacks(m.config.agent, h.aggregator, `${m.file}'s agent`, hub.file))
                problems.push({
                    file: m.file,
                    path: `${k("agent")}`,
                    value: `signals on, but ${hub.file} has ${k("aggregator")}.${lack.key}: ${lack.value}`,
                    expected: lack.expected,
                    also: { file: hub.file, path: `${k("aggregator")}.${lack.key}` },
                });
        const lacking = missingVerifyLabels(h.aggregator.loki.labels);
        if (m.config.migration.phase === "parallel" && lacking.length > 0)
            problems.push({
                file: m.file,
                path: `${k("migration")}.phase`,
                value: `"parallel", but ${hub.file} has no Loki label ${lacking.map((l) => `${l}: ${VERIFY_LOKI_LABELS[l]}`).join(", ")} (${k("aggregator")}.loki.labels)`,
                expected: `Loki labels that npm run verify selects Vector's logs by while Promtail ships beside it: add ${lacking.map((l) => `${l}: ${VERIFY_LOKI_LABELS[l]}`).join(", ")} to ${k("aggregator")}.loki.labels in ${hub.file}`,
                also: { file: hub.file, path: `${k("aggregator")}.loki.labels` },
            });
    }

    // A cluster a hub lists that no stack here names: credentials and ports kept for nothing (yet).
    const allClusters = new Set(clusters);
    for (const hub of sorted) {
        if (hub.config.role !== "hub") continue;
        hub.config.aggregator.clusters.forEach((c, i) => {
            if (!allClusters.has(c))
                warnings.push({
                    file: hub.file,
                    path: `${k("aggregator")}.clusters[${i}]`,
                    value: `${q(c)}, which no stack file here has as its ${k("cluster")}`,
                    expected: `a Pulumi.<stack>.yaml for it (docs/adding-a-cluster.md); fine when that stack lives elsewhere, else remove it`,
                });
        });
    }

    // The stack each listed cluster's credentials are read from (docs/identity.md#deployment-order):
    // the hub signs whatever request that stack exports, so it must be that cluster's own.
    for (const hub of sorted) {
        if (hub.config.role !== "hub") continue;
        const readFrom = new Map<string, string>();
        for (const c of hub.config.aggregator.clusters) {
            const explicit = hub.config.aggregator.identities[c]?.stack;
            const stack = explicit ?? c;
            const path = `${k("aggregator")}.identities.${c}.stack`;
            const twice = readFrom.get(stack);
            if (twice !== undefined)
                problems.push({
                    file: hub.file,
                    path,
                    value: `${q(stack)}, which cluster ${q(twice)} is read from too`,
                    expected: "each cluster's own stack: one stack holds one cluster's credentials",
                });
            readFrom.set(stack, c);
            if (stack.includes("/")) continue; // another project's or organization's stack may live anywhere
            const other = byStack.get(stack);
            if (!existing.has(stack)) {
                if (explicit !== undefined)
                    problems.push({
                        file: hub.file,
                        path,
                        value: `${q(stack)}, but there is no Pulumi.${stack}.yaml (stacks here: ${names.join(", ")})`,
                        expected: `the name of cluster ${q(c)}'s own stack, whose file is beside this one (or org/project/stack for one that lives elsewhere)`,
                    });
            } else if (other && other.config.cluster.name !== c)
                problems.push({
                    file: hub.file,
                    path,
                    value: `${q(stack)}${explicit === undefined ? " (the default: the cluster's name)" : ""}, but ${other.file} is cluster ${q(other.config.cluster.name)}`,
                    expected: `the stack whose ${k("cluster")} is ${q(c)}: the hub signs the certificate request that stack exports`,
                    also: { file: other.file, path: k("cluster") },
                });
        }
    }

    // Old agents parked in one cluster (one kube context) by two stacks, or Vector's own agent parked by another stack.
    const parked = new Map<string, { m: FleetMember; path: string }>();
    const agentNamespace = new Map<string, FleetMember>();
    for (const m of sorted)
        if ("context" in m.config.kubernetes && m.config.agent.enabled) {
            const id = `${m.config.kubernetes.context}\0${m.config.agent.namespace}`;
            if (!agentNamespace.has(id)) agentNamespace.set(id, m);
        }
    for (const m of sorted) {
        if (!("context" in m.config.kubernetes) || m.config.migration.phase === "none") continue;
        const ctx = m.config.kubernetes.context;
        for (const role of ["promtail", "nodeExporter"] as const) {
            const t = m.config.migration[role];
            if (!t) continue;
            const p = `${k("migration")}.${role}`;
            const own = agentNamespace.get(`${ctx}\0${t.namespace}`);
            if (own && own !== m)
                problems.push({
                    file: m.file,
                    path: `${p}.namespace`,
                    value: `${q(t.namespace)}, the namespace of the Vector agent ${own.file} deploys into the same cluster (${k("kubeContext")} ${q(ctx)}, ${k("agent")}.namespace)`,
                    expected: "the namespace of the old DaemonSet: parking Vector's own DaemonSet stops its agent on every node",
                    also: { file: own.file, path: `${k("agent")}.namespace`, shared: true },
                });
            const id = `${ctx}\0${t.namespace}\0${t.name}`;
            const first = parked.get(id);
            if (first && first.m !== m)
                problems.push({
                    file: m.file,
                    path: p,
                    value: `${q(`${t.namespace}/${t.name}`)}, which ${first.m.file} also parks in the same cluster (${first.path}, ${k("kubeContext")} ${q(ctx)})`,
                    expected: "each old DaemonSet parked by one stack: two patches of one object fight over it",
                    also: { file: first.m.file, path: first.path, shared: true },
                });
            else if (!first) parked.set(id, { m, path: p });
        }
    }
    return { problems, warnings };
}

/**
 * Every stack file of `root`, each on its own and all of them together. Always read afresh; the
 * report is kept for the program's runs in the same process (the offline render checks the fleet,
 * then runs every stack), so the directory is parsed once per render, not once per stack.
 */
export function checkFleetFiles(root: string, project = PROJECT): FleetReport {
    const { names, clusters, files, members, unreadable, fileProblems } = loadFleet(root, project);
    const report = { files, members, unreadable, fileProblems, ...checkFleet(members, names, clusters, project) };
    fleets.set(fleetId(root, project, names), report);
    return report;
}

const fleets = new Map<string, FleetReport>();
const fileIndex = new WeakMap<FleetReport, Map<string, StackFile>>();
function fileOf(report: FleetReport, stack: string): StackFile | undefined {
    if (!fileIndex.has(report)) fileIndex.set(report, new Map(report.files.map((f) => [f.stack, f])));
    return fileIndex.get(report)!.get(stack);
}
const fleetId = (dir: string, project: string, names: string[]) => `${project}\0${path.resolve(dir)}\0${names.join("\0")}`;

/** One line per error of the report (warnings apart): unreadable files, then each file's own problems, then the fleet's. */
export function fleetErrorLines(r: FleetReport): string[] {
    return [...r.unreadable.map((e) => e.message), ...r.fileProblems.map(formatProblem), ...r.problems.map(formatProblem)];
}

/** Problems that name `file` on either side. */
export function involving<P extends FleetProblem>(problems: readonly P[], file: string): P[] {
    return problems.filter((p) => p.file === file || p.also?.file === file);
}

/** Problems that make deploying `file`'s stack wrong: its own, and the shared ones it is the other side of. */
export function blocking<P extends FleetProblem>(problems: readonly P[], file: string): P[] {
    return problems.filter((p) => p.file === file || (p.also?.shared && p.also.file === file));
}

/**
 * The fleet problems the program can soundly raise for the stack it runs: those that make
 * deploying its own stack wrong (blocking), and only when `dir` (the Pulumi CLI runs the program in the project directory) holds
 * the project's Pulumi.yaml and this stack's own file with exactly the values the program was
 * given. Otherwise the files do not describe this run (a test's variation, a generated fleet, an
 * ESC environment or a stackConfigDir elsewhere) and nothing is checked. The directory is read
 * once per process: the offline render runs every stack in one.
 */
export function fleetProblemsForRun(dir: string, raw: RawConfig): { problems: FleetProblem[]; warnings: FleetProblem[] } {
    const none = { problems: [], warnings: [] };
    if (!fs.existsSync(path.join(dir, "Pulumi.yaml"))) return none;
    // Read once per process and directory: each stack of an offline render finds its file here.
    const report = fleets.get(fleetId(dir, raw.project, stackNames(dir))) ?? checkFleetFiles(dir, raw.project);
    const own = fileOf(report, raw.stack);
    // No readable file of its own here, or one with other values: the files do not describe this run.
    if (!own || !sameValues(own, raw)) return none;
    return { problems: blocking(report.problems, own.file), warnings: involving(report.warnings, own.file) };
}

/**
 * The project's values of the run equal the file's, compared as JSON values: the CLI encodes
 * objects with Go's json.Marshal (keys sorted), the file keeps its own order. Secrets compare by
 * key only: the run has them decrypted.
 */
function sameValues(file: StackFile, raw: RawConfig): boolean {
    const prefix = `${raw.project}:`;
    const mine = Object.keys(raw.values).filter((k) => k.startsWith(prefix));
    const theirs = Object.keys(file.config).filter((k) => k.startsWith(prefix));
    if (mine.length !== theirs.length) return false;
    const secret = new Set(file.secretKeys);
    return mine.every((k) => k in file.config && (secret.has(k) || raw.isSecret(k) || canonical(file.config[k]) === canonical(raw.values[k])));
}

function canonical(text: string): string {
    let v: unknown;
    try {
        v = JSON.parse(text);
    } catch {
        return text;
    }
    const sort = (x: unknown): unknown =>
        Array.isArray(x)
            ? x.map(sort)
            : x !== null && typeof x === "object"
              ? Object.fromEntries(
                    Object.keys(x)
                        .sort()
                        .map((key) => [key, sort((x as Record<string, unknown>)[key])]),
                )
              : x;
    return JSON.stringify(sort(v));
}
