/**
 * Turns simulated stack runs into the files of `out/<stack>/`: what would be applied, the
 * resource tree, the outputs and each Vector config. Secrets are redacted here, and a final
 * check refuses to write anything that still contains a mocked secret value.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, formatProblem } from "../../config/schema-kit";
import { readStackFile, StackFile, stackNames } from "../../config/stack-file";
import { checkFleetFiles, FleetMember, FleetProblem, fleetErrorLines, FleetReport } from "../../config/fleet";
import { VECTOR_VERSION } from "../../config/versions";
import { checkProjectConfig } from "../pulumi-project";
import { errorsOf, formatProblem as formatVectorProblem, Problem as VectorProblem, validateRenderedStacks } from "../validate";
import { markReported } from "./failures";
import { manifestYaml } from "./manifest-yaml";
import { RegisteredResource, runStack, RunResult, SECRET_MARKER, StackOutputs } from "./simulator";
import { IGNORE_NOTE, ManifestObject, PATCH_NOTE } from "./summary";

export type { StackFile };
export { readStackFile };

/** Every `Pulumi.<stack>.yaml` in the repo, hubs first (agent stacks read their outputs). */
export function listStacks(root: string): StackFile[] {
    return hubsFirst(stackNames(root).map((s) => readStackFile(root, s)));
}

function hubsFirst(files: StackFile[]): StackFile[] {
    return [...files].sort((a, b) => Number(b.role === "hub") - Number(a.role === "hub") || a.stack.localeCompare(b.stack));
}

/** Kinds in apply order: namespaces and cluster-wide RBAC first, CRD-backed kinds last. */
const KIND_ORDER = [
    "Namespace",
    "PriorityClass",
    "ClusterRole",
    "ClusterRoleBinding",
    "ServiceAccount",
    "Role",
    "RoleBinding",
    "ConfigMap",
    "Secret",
    "Service",
    "NetworkPolicy",
    "PodDisruptionBudget",
    "DaemonSet",
    "StatefulSet",
    "Deployment",
    "DaemonSetPatch",
    "PodMonitor",
    "ServiceMonitor",
    "PrometheusRule",
];

/** Marks server-side apply patches, which look like whole objects but change only the fields they name. */
const PATCH = Symbol("patch");
/** The resource's ignoreChanges, written above the object so that the diff can honour them as the engine does. */
const IGNORE = Symbol("ignoreChanges");

interface K8sObject {
    [PATCH]?: string;
    [IGNORE]?: string[];
    apiVersion: string;
    kind: string;
    metadata: { name?: string; namespace?: string; [k: string]: unknown };
    [k: string]: unknown;
}

export function kubernetesObjects(resources: RegisteredResource[]): K8sObject[] {
    return resources
        .filter((r) => r.type.startsWith("kubernetes:") && r.custom)
        .map((r) => ({
            ...(r.inputs as unknown as K8sObject),
            ...(r.type.endsWith("Patch") ? { [PATCH]: r.type } : {}),
            ...(r.ignoreChanges ? { [IGNORE]: r.ignoreChanges } : {}),
        }))
        .filter((o) => typeof o.kind === "string")
        .sort((a, b) => {
            const rank = (k: string) => (KIND_ORDER.indexOf(k) < 0 ? KIND_ORDER.length : KIND_ORDER.indexOf(k));
            return (
                rank(a.kind) - rank(b.kind) ||
                a.kind.localeCompare(b.kind) ||
                (a.metadata.namespace ?? "").localeCompare(b.metadata.namespace ?? "") ||
                (a.metadata.name ?? "").localeCompare(b.metadata.name ?? "")
            );
        });
}

/** Secret objects keep their keys, never their values. */
export function redact(o: K8sObject): K8sObject {
    if (o.kind !== "Secret") return o;
    const hide = (m: unknown) =>
        m && typeof m === "object"
            ? Object.fromEntries(Object.entries(m as Record<string, unknown>).map(([k, v]) => [k, `<redacted: ${String(v).length} bytes, known after deploy>`]))
            : m;
    return { ...o, ...(o.data ? { data: hide(o.data) } : {}), ...(o.stringData ? { stringData: hide(o.stringData) } : {}) };
}

function nameOfUrn(urn: string | undefined): string | undefined {
    return urn?.split("::").pop();
}

/** The resource tree as `pulumi preview` lists it: type, name, indented under the parent. */
export function resourceTree(resources: RegisteredResource[]): string {
    const children = new Map<string, RegisteredResource[]>();
    const byUrnName = new Map<string, RegisteredResource>();
    for (const r of resources) byUrnName.set(`${r.type}::${r.name}`, r);
    const root = resources.find((r) => r.type === "pulumi:pulumi:Stack");
    for (const r of resources) {
        if (r === root) continue;
        const parent = r.parentUrn ? `${r.parentUrn.split("::")[2].split("$").pop()}::${nameOfUrn(r.parentUrn)}` : "";
        children.set(parent, [...(children.get(parent) ?? []), r]);
    }
    const rows: [string, string][] = [["TYPE", "NAME"]];
    const walk = (key: string, prefix: string) => {
        const kids = (children.get(key) ?? []).sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
        kids.forEach((r, i) => {
            const last = i === kids.length - 1;
            rows.push([`${prefix}${last ? "└─ " : "├─ "}${r.type}`, r.name]);
            walk(`${r.type}::${r.name}`, `${prefix}${last ? "   " : "│  "}`);
        });
    };
    if (root) {
        rows.push([root.type, root.name]);
        walk(`${root.type}::${root.name}`, "");
    }
    const width = Math.max(...rows.map(([left]) => left.length)) + 4;
    const lines = rows.map(([left, name]) => left.padEnd(width) + name);
    return `${lines.join("\n")}\n`;
}

export function outputsJson(outputs: StackOutputs): string {
    const shown: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(outputs.values)) shown[k] = outputs.secretNames.includes(k) ? "[secret]" : v;
    return `${JSON.stringify(shown, null, 2)}\n`;
}

/** Each Vector config as its own file, named after the component that owns it. */
export function vectorConfigs(resources: RegisteredResource[]): Record<string, string> {
    const files: Record<string, string> = {};
    for (const r of resources) {
        if (r.type !== "kubernetes:core/v1:ConfigMap") continue;
        const toml = (r.inputs.data as Record<string, string> | undefined)?.["vector.toml"];
        if (toml === undefined) continue;
        files[`${nameOfUrn(r.parentUrn) ?? r.name}.vector.toml`] = toml;
    }
    return files;
}

export interface RenderedStack {
    stack: string;
    files: Record<string, string>;
    result: RunResult;
    /** What the Vector validator (lib/validate) says of the stack's configs: warnings only, errors fail the render. */
    vectorWarnings: VectorProblem[];
    /**
     * manifests.yaml's objects as parseManifests would read them back, for the summary: parsing
     * the YAML just written was a sixth of a four-stack render. Absent on stacks built elsewhere.
     */
    objects?: () => ManifestObject[];
}

export function renderFiles(result: RunResult): Record<string, string> {
    return renderStackFiles(result).files;
}

/** The files of out/<stack>/, and (on demand) manifests.yaml's objects as parseManifests reads them back. */
export function renderStackFiles(result: RunResult): { files: Record<string, string>; objects: () => ManifestObject[] } {
    const objects = kubernetesObjects(result.resources).map(redact);
    const files: Record<string, string> = {
        "manifests.yaml": objects
            .map((o) => (o[PATCH] ? `# ${o[PATCH]}: ${PATCH_NOTE}\n` : "") + (o[IGNORE] ? `# ${IGNORE_NOTE} ${o[IGNORE].join(", ")}\n` : "") + manifestYaml(o))
            .join("---\n"),
        "resources.txt": resourceTree(result.resources),
        "outputs.json": outputsJson(result.outputs),
        ...vectorConfigs(result.resources),
    };
    for (const [name, content] of Object.entries(files)) {
        if (content.includes(SECRET_MARKER)) throw new Error(`refusing to render: a secret value would be written to ${name}`);
    }
    // Built when asked for: only the render's summary reads them, a fleet render does not.
    let parsed: ManifestObject[] | undefined;
    return { files, objects: () => (parsed ??= objects.map(manifestObject)) };
}

/**
 * One object as parseManifests reads it from manifests.yaml. The body goes through JSON, which
 * keeps what YAML keeps of these plain objects (strings, numbers, booleans, null, lists, maps;
 * undefined keys dropped), so the summary sees the same values as it would reading the file.
 */
function manifestObject(o: K8sObject): ManifestObject {
    const body = JSON.parse(JSON.stringify(o)) as Record<string, unknown>;
    const metadata = (body.metadata ?? {}) as { name?: unknown; namespace?: unknown };
    return {
        apiVersion: String(body.apiVersion ?? ""),
        kind: String(body.kind ?? ""),
        ...(typeof metadata.namespace === "string" ? { namespace: metadata.namespace } : {}),
        name: typeof metadata.name === "string" ? metadata.name : "",
        ...(o[PATCH] ? { patch: o[PATCH] } : {}),
        ...(o[IGNORE] ? { ignoreChanges: o[IGNORE] } : {}),
        body,
    };
}

export type Program = () => Promise<Record<string, unknown>>;

export interface RenderOptions {
    /** Where the fleet checks' warnings go (default: stderr). */
    warn?: (line: string) => void;
}

/**
 * The fleet checks (config/fleet.ts), before any stack runs: a file that is not YAML or a mistake
 * across stacks fails the render with every problem listed, each stack's own ones included. A
 * stack that is only wrong on its own is left to its run, which reports it as before. With
 * `only`, problems that involve none of the requested stacks (nor their hubs) do not stop it.
 */
function checkFleetBeforeRendering(root: string, only: string[] | undefined, warn: (line: string) => void): FleetReport {
    const report = checkFleetFiles(root);
    const files = only ? new Set(only.flatMap((s) => [`Pulumi.${s}.yaml`, ...hubFilesOf(report.members, s)])) : undefined;
    const relevant = <P extends FleetProblem>(ps: P[]) =>
        files ? ps.filter((p) => files.has(p.file) || (p.also !== undefined && files.has(p.also.file))) : ps;
    for (const w of relevant(report.warnings)) warn(formatProblem(w));
    const unreadable = files ? report.unreadable.filter((e) => files.has(e.file)) : report.unreadable;
    const fleet = relevant(report.problems);
    if (unreadable.length === 0 && fleet.length === 0) return report;
    const lines = fleetErrorLines({ ...report, unreadable, problems: fleet, fileProblems: relevant(report.fileProblems) });
    throw new RenderError([{ stack: "fleet", hub: false, message: `the stack files do not fit together:\n  - ${lines.join("\n  - ")}`, problems: lines }], []);
}

function hubFilesOf(members: FleetMember[], stack: string): string[] {
    const m = members.find((x) => x.stack === stack);
    return m?.config.role === "source" && !m.config.monitoringStack.includes("/") ? [`Pulumi.${m.config.monitoringStack}.yaml`] : [];
}

/** A stack that exists but was never deployed: what a StackReference reads before its first `pulumi up`. */
export const NO_OUTPUTS: StackOutputs = { values: {}, secretNames: [] };

/** The hub a source stack reads, as its StackReference names it. */
export function hubOf(s: StackFile): string | undefined {
    return s.role === "hub" ? undefined : s.config["vector-fleet:monitoringStack"];
}

/**
 * The stacks a hub reads, as its StackReferences name them: each listed cluster's own stack
 * (`aggregator.identities.<cluster>.stack`, by default the cluster's name).
 */
export function sourceStacksOf(hub: StackFile): string[] {
    let aggregator: { clusters?: unknown; identities?: Record<string, { stack?: unknown }> } = {};
    try {
        aggregator = JSON.parse(hub.config["vector-fleet:aggregator"] ?? "{}") as typeof aggregator;
    } catch {
        return []; // the hub's own run reports it
    }
    const clusters = Array.isArray(aggregator.clusters) ? aggregator.clusters.filter((c): c is string => typeof c === "string") : [];
    return clusters.map((c) => {
        const stack = aggregator.identities?.[c]?.stack;
        return typeof stack === "string" ? stack : c;
    });
}

/** Whether a StackReference's name names this stack of the fleet (bare, or qualified in this project). */
const names = (ref: string, stack: string) => ref === stack || ref.endsWith(`/vector-fleet/${stack}`);

/**
 * The fleet's runs in the order a first deployment needs them, since a hub and its sources read
 * each other (docs/identity.md#deployment-order): each source as deployed before its hub serves it
 * (`first`: only its own credentials, cheap), then each hub reading those, then each source
 * reading its hub: the steady state. `run` is given the other stacks' outputs by the names the
 * stack's StackReferences use.
 */
export async function runInDeploymentOrder<R extends { outputs: StackOutputs }>(
    stacks: StackFile[],
    want: { hubs: StackFile[]; sources: StackFile[] },
    run: (s: StackFile, stackOutputs: Record<string, StackOutputs>, pass: "first" | "steady") => Promise<R | undefined>,
): Promise<void> {
    const first: Record<string, StackOutputs> = {};
    const sourcesOf = new Map(want.hubs.map((h) => [h.stack, sourceStacksOf(h)]));
    const read = stacks.filter((s) => s.role !== "hub" && [...sourcesOf.values()].some((refs) => refs.some((r) => names(r, s.stack))));
    for (const s of read) {
        const hub = hubOf(s);
        const r = await run(s, hub === undefined ? {} : { [hub]: NO_OUTPUTS }, "first");
        if (r) first[s.stack] = r.outputs;
    }
    const hubs: Record<string, StackOutputs> = {};
    for (const h of want.hubs) {
        // A listed cluster without a stack here reads as one never deployed: pending, as in a real fleet.
        const refs = sourcesOf.get(h.stack) ?? [];
        const outputs = Object.fromEntries(refs.map((ref) => [ref, first[stacks.find((s) => names(ref, s.stack))?.stack ?? ""] ?? NO_OUTPUTS]));
        const r = await run(h, outputs, "steady");
        if (r) hubs[h.stack] = r.outputs;
    }
    for (const s of want.sources) {
        const hub = hubOf(s);
        const found = hub === undefined ? undefined : (hubs[hub] ?? hubs[hub.split("/").pop() ?? ""]);
        await run(s, hub === undefined || found === undefined ? {} : { [hub]: found }, "steady");
    }
}

/**
 * Renders the requested stacks (all by default). Hubs and sources read each other, so they run in
 * deployment order (runInDeploymentOrder): the sources' first deployment, the hubs, then the
 * sources' steady state, which is what is rendered.
 */
export async function renderFleet(program: Program, root: string, only?: string[], opts: RenderOptions = {}): Promise<RenderedStack[]> {
    const stackNamesFound = stackNames(root);
    for (const s of only ?? []) {
        if (!stackNamesFound.includes(s)) throw new Error(`no stack "${s}": there is no Pulumi.${s}.yaml (stacks: ${stackNamesFound.join(", ")})`);
    }
    // The files as the fleet check read them: each is parsed once per render.
    const warn = opts.warn ?? ((line) => console.warn(`warning: ${line}`));
    const stacks = hubsFirst(checkFleetBeforeRendering(root, only, warn).files);
    const rendered: RenderedStack[] = [];
    const failures: StackFailure[] = [];
    const skipped: string[] = [];
    // What the Pulumi CLI refuses before the program starts (tools/pulumi-project); a directory of
    // stack files without a Pulumi.yaml (some tests) has no project to check them against.
    const cli = fs.existsSync(path.join(root, "Pulumi.yaml")) ? checkProjectConfig(root) : undefined;
    const refusedBy = (s: StackFile) => (cli ? [...cli.project, ...(cli.stacks[s.stack] ?? [])] : []);
    const wanted = (s: StackFile) => !only || only.includes(s.stack);
    const wantedSources = stacks.filter((s) => s.role !== "hub" && wanted(s));
    const failed = new Set<string>();
    // Said once the render succeeds: beside a failure (a source that did not run reads as pending to its hub) they mislead.
    const programWarnings: string[] = [];
    for (const s of stacks) {
        const refused = refusedBy(s);
        if (refused.length === 0 || !(wanted(s) || s.role === "hub")) continue;
        failed.add(s.stack);
        failures.push({
            stack: s.stack,
            hub: s.role === "hub",
            message: `the Pulumi CLI would refuse this stack:\n  - ${refused.join("\n  - ")}`,
            problems: refused,
        });
    }
    const hubs = stacks.filter(
        (s) => s.role === "hub" && !failed.has(s.stack) && (wanted(s) || wantedSources.some((x) => hubOf(x) !== undefined && names(hubOf(x)!, s.stack))),
    );
    await runInDeploymentOrder(stacks, { hubs, sources: wantedSources }, async (s, stackOutputs, pass) => {
        if (failed.has(s.stack)) return undefined;
        // Agent stacks read a hub's outputs: with a hub failed, their own errors would only mislead.
        if (pass === "steady" && s.role !== "hub" && failures.some((f) => f.hub)) {
            skipped.push(s.stack);
            return undefined;
        }
        try {
            const result = await runStack(program, { project: "vector-fleet", stack: s.stack, config: s.config, secretKeys: s.secretKeys, stackOutputs });
            // A source's first run is pending by design; what the steady state still warns of is news.
            if (pass === "first" || !wanted(s)) return result;
            for (const w of result.warnings ?? []) programWarnings.push(`${s.stack}: ${w}`);
            const stack = checkedStack(s.stack, result);
            // Its outputs are sound, so agent stacks still render after a hub whose Vector config fails.
            if ("refused" in stack) failures.push({ stack: s.stack, hub: false, message: stack.refused.message, problems: stack.refused.problems });
            else rendered.push(stack);
            return result;
        } catch (e) {
            markReported(e);
            failed.add(s.stack);
            // A source's own error shows in its first run already; it is reported once, as its own.
            failures.push({ stack: s.stack, hub: s.role === "hub", message: e instanceof Error ? e.message : String(e), problems: problemLines(e) });
            return undefined;
        }
    });
    if (failures.length > 0) throw new RenderError(failures, skipped);
    for (const w of programWarnings) warn(w);
    return rendered;
}

/**
 * A run's files, checked by the Vector validator: a config the pinned Vector would refuse (or a
 * pitfall lint) fails the stack, in render, diff and the tests alike (docs/validation.md).
 */
export function checkedStack(stack: string, result: RunResult): RenderedStack | { refused: { message: string; problems: string[] } } {
    const { files, objects } = renderStackFiles(result);
    const vector = validateRenderedStacks([{ stack, files }]);
    const problems = errorsOf(vector).map(formatVectorProblem);
    if (problems.length === 0) return { stack, files, result, vectorWarnings: vector, objects };
    return {
        refused: { message: `Vector ${VECTOR_VERSION} would refuse or mishandle its configs (npm run validate):\n  - ${problems.join("\n  - ")}`, problems },
    };
}

/** One stack that did not render: its error as thrown, and one line per problem in it. */
export interface StackFailure {
    stack: string;
    hub: boolean;
    message: string;
    problems: string[];
}

/** Every stack that failed in one render; agent stacks are skipped (not failed) when a hub failed. */
export class RenderError extends Error {
    constructor(
        readonly failures: StackFailure[],
        readonly skipped: string[],
    ) {
        super(failures.map((f) => `stack ${f.stack}: ${f.message}`).join("\n"));
        this.name = "RenderError";
    }
}

/**
 * One line per problem: a ConfigError's own list, or the items of a `header:\n  - item` message
 * (how the program reports hub outputs an agent stack cannot use), each after its header.
 */
export function problemLines(e: unknown): string[] {
    if (e instanceof ConfigError) return e.problems.map(formatProblem);
    const message = e instanceof Error ? e.message : String(e);
    const [head, ...rest] = message.split("\n");
    if (rest.length > 0 && rest.every((l) => /^\s+- /.test(l))) return rest.map((l) => `${head.replace(/:\s*$/, "")}: ${l.replace(/^\s+- /, "")}`);
    return [message.replace(/\s*\n\s*/g, " ")];
}

/**
 * What a failed render prints: one line per problem, prefixed with its stack, and the agent
 * stacks a failed hub kept from rendering. `npm run render` and `npm run diff` both say it so.
 */
export function formatRenderFailure(e: unknown): string {
    if (e instanceof RenderError) {
        const lines = e.failures.flatMap((f) => f.problems.map((p) => `${f.stack}: ${p}`));
        const skipped = e.skipped.length > 0 ? `\nnot rendered, they need the hub: ${e.skipped.join(", ")}` : "";
        return `render failed, nothing written (${lines.length} problem${lines.length === 1 ? "" : "s"}):\n${lines.join("\n")}${skipped}`;
    }
    return `render failed, nothing written:\n${e instanceof Error ? e.message : String(e)}`;
}

/** Writes every stack's files at once, replacing out/<stack>/ only after everything rendered. */
export function writeRendered(outDir: string, rendered: RenderedStack[]): void {
    for (const r of rendered) {
        const dir = path.join(outDir, r.stack);
        const tmp = `${dir}.tmp-${process.pid}`;
        fs.rmSync(tmp, { recursive: true, force: true });
        fs.mkdirSync(tmp, { recursive: true });
        for (const [name, content] of Object.entries(r.files)) fs.writeFileSync(path.join(tmp, name), content);
        fs.rmSync(dir, { recursive: true, force: true });
        fs.renameSync(tmp, dir);
    }
}
