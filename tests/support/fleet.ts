/** Helpers to run the real program under mocks: for the repository's stacks, whichever they are, and for the tests' own fleet (or variations of it). */
import * as path from "node:path";
import program = require("../../index");
import { checkedStack, hubOf, listStacks, NO_OUTPUTS, readStackFile, RenderedStack, sourceStacksOf, StackFile } from "../../tools/render/render";
import { RegisteredResource, runStack, RunResult, StackOutputs, SimulatedCloud } from "../../tools/render/simulator";

export const ROOT = path.resolve(__dirname, "../..");
/**
 * The tests' own fleet (tests/fixtures/fleet): the stacks a test may name (dev, staging, ...) and
 * whose exact values it may assert. The repository's own stack files are whatever fleet its users
 * run; tests over them (sharedRender) hold for any set of stacks.
 */
export const FIXTURE_FLEET = path.join(__dirname, "..", "fixtures", "fleet");
export { program };

const stackFiles = new Map<string, StackFile>();
function cachedStackFile(root: string, stack: string): StackFile {
    const key = `${root}\0${stack}`;
    if (!stackFiles.has(key)) stackFiles.set(key, readStackFile(root, stack));
    return stackFiles.get(key)!;
}

/** A Pulumi.<stack>.yaml of the tests' fleet, parsed once per test process (a copy: change it freely). */
export function fleetStackFile(stack: string): StackFile {
    return structuredClone(cachedStackFile(FIXTURE_FLEET, stack));
}

/** The repository's own stacks, the hubs first: whatever fleet the repository holds. */
export function repoStacks(): StackFile[] {
    return listStacks(ROOT);
}

/** A stack's config from the tests' fleet, with structured keys overridable as objects. */
export function stackConfig(stack: string, overrides: Record<string, unknown> = {}, remove: string[] = []) {
    const f = fleetStackFile(stack);
    const config = { ...f.config };
    for (const k of remove) delete config[`vector-fleet:${k}`];
    for (const [k, v] of Object.entries(overrides)) config[`vector-fleet:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    return { config, secretKeys: f.secretKeys };
}

/**
 * The tests' hub, monitoring, with overrides. It reads each listed cluster's own stack: by default
 * the tests' sources as first deployed (sharedFirstRun), which is what a steady-state hub reads.
 */
export async function runHub(overrides: Record<string, unknown> = {}, cloud?: SimulatedCloud, sources?: Record<string, StackOutputs>): Promise<RunResult> {
    const stackOutputs = sources ?? (await sourceOutputsFor(FIXTURE_FLEET, cachedStackFile(FIXTURE_FLEET, "monitoring")));
    return runStack(program, { project: "vector-fleet", stack: "monitoring", ...stackConfig("monitoring", overrides), cloud, stackOutputs });
}

/** A source stack of the tests' fleet, with overrides, reading the given hub outputs. */
export async function runSource(stack: string, hubOutputs: StackOutputs, overrides: Record<string, unknown> = {}): Promise<RunResult> {
    return runStack(program, { project: "vector-fleet", stack, ...stackConfig(stack, overrides), stackOutputs: { monitoring: hubOutputs } });
}

/*
 * Stacks exactly as their Pulumi.<stack>.yaml say, run once per test process and shared by every
 * test that only reads the result: a run under mocks costs tens of milliseconds and many files need
 * the same ones. A run is keyed by what it depends on (the stack's name and parsed config, and for
 * a source its hub's), so a stack that reads the same in the repository and in the tests' fleet is
 * run once for both. Treat what these return as read-only (structuredClone it to make a
 * variation); a rejected run stays rejected, so each test that needs it fails the same way.
 */
const shared = new Map<string, Promise<unknown>>();
function once<T>(key: string, make: () => Promise<T>): Promise<T> {
    if (!shared.has(key)) shared.set(key, make());
    return shared.get(key) as Promise<T>;
}

const runKey = (f: StackFile) => JSON.stringify([f.stack, f.config, f.secretKeys]);

/**
 * A source stack of `root` as first deployed: its hub has no outputs yet, so it registers only its
 * own credentials and exports what the hub signs (docs/identity.md#deployment-order).
 */
export function sharedFirstRun(root: string, stack: string): Promise<RunResult> {
    const f = cachedStackFile(root, stack);
    const hubName = hubOf(f);
    const stackOutputs = hubName === undefined ? {} : { [hubName]: NO_OUTPUTS };
    return once(`first run ${runKey(f)}`, () =>
        runStack(program, { project: "vector-fleet", stack, config: f.config, secretKeys: f.secretKeys, stackOutputs }),
    );
}

/** What a hub's StackReferences read: each listed cluster's stack of `root` as first deployed; one not here reads as never deployed. */
async function sourceOutputsFor(root: string, hub: StackFile): Promise<Record<string, StackOutputs>> {
    const here = new Set(listStacks(root).map((s) => s.stack));
    const refs = sourceStacksOf(hub);
    const outputs = await Promise.all(refs.map(async (ref) => (here.has(ref) ? (await sharedFirstRun(root, ref)).outputs : NO_OUTPUTS)));
    return Object.fromEntries(refs.map((ref, i) => [ref, outputs[i]]));
}

/** What the tests' hub reads from its sources' stacks in the steady state: each as first deployed. */
export function fixtureSourceOutputs(): Promise<Record<string, StackOutputs>> {
    return sourceOutputsFor(FIXTURE_FLEET, cachedStackFile(FIXTURE_FLEET, "monitoring"));
}

/**
 * The stack of `root` run under mocks in its steady state: a hub with its sources' first-run
 * outputs, a source with the outputs of the hub its monitoringStack names.
 */
function sharedRun(root: string, stack: string): Promise<RunResult> {
    const f = cachedStackFile(root, stack);
    const base = { project: "vector-fleet", stack, config: f.config, secretKeys: f.secretKeys };
    const hubName = hubOf(f);
    if (f.role === "hub" || hubName === undefined)
        return once(`run ${runKey(f)} in ${root}`, async () => runStack(program, { ...base, stackOutputs: await sourceOutputsFor(root, f) }));
    const hub = sharedRun(root, hubName); // queued first: a source run waits for the hub it reads
    return once(`run ${runKey(f)} of ${runKey(cachedStackFile(root, hubName))} in ${root}`, async () =>
        runStack(program, { ...base, stackOutputs: { [hubName]: (await hub).outputs } }),
    );
}

/** runHub() with no overrides, run once. */
export function sharedHub(): Promise<RunResult> {
    return sharedRun(FIXTURE_FLEET, "monitoring");
}

/** runSource(stack, sharedHub().outputs) with no overrides, run once per stack of the tests' fleet. */
export function sharedSource(stack: string): Promise<RunResult> {
    return sharedRun(FIXTURE_FLEET, stack);
}

/**
 * What renderFleet(program, root) renders (by default the repository's own stacks, whichever they
 * are), made once from the shared runs above rather than by running every stack again
 * (tests/tools/render/render.test.ts compares it with a real renderFleet).
 */
export function sharedRender(root: string = ROOT): Promise<RenderedStack[]> {
    return once(`render ${root}`, () =>
        Promise.all(
            listStacks(root).map(async (s) => {
                const stack = checkedStack(s.stack, await sharedRun(root, s.stack));
                if ("refused" in stack) throw new Error(`${s.stack}: ${stack.refused.message}`);
                return stack;
            }),
        ),
    );
}

export function find(result: RunResult, type: string, name: string): RegisteredResource {
    const r = result.resources.find((x) => x.type === type && x.name === name);
    if (!r) throw new Error(`no ${type} named ${name}; registered: ${result.resources.map((x) => `${x.type} ${x.name}`).join(", ")}`);
    return r;
}

/** Digs into plain JSON-like data by a dotted path; tests narrow the result themselves. */
export function dig(value: unknown, dotted: string): unknown {
    return dotted.split(".").reduce<unknown>((v, k) => (v === null || v === undefined ? undefined : (v as Record<string, unknown>)[k]), value);
}

export function parentName(r: RegisteredResource): string | undefined {
    return r.parentUrn?.split("::").pop();
}
