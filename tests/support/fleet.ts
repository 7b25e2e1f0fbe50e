/** Helpers to run the real program for the repo's stacks (or variations of them) under mocks. */
import * as path from "node:path";
import program = require("../../index");
import { checkedStack, listStacks, readStackFile, RenderedStack, StackFile } from "../../tools/render/render";
import { RegisteredResource, runStack, RunResult, StackOutputs, SimulatedCloud } from "../../tools/render/simulator";

export const ROOT = path.resolve(__dirname, "../..");
export { program };

const stackFiles = new Map<string, StackFile>();

/** The repository's Pulumi.<stack>.yaml, parsed once per test process (a copy: change it freely). */
export function repoStackFile(stack: string): StackFile {
    if (!stackFiles.has(stack)) stackFiles.set(stack, readStackFile(ROOT, stack));
    return structuredClone(stackFiles.get(stack)!);
}

/** The stack's config from its Pulumi.<stack>.yaml, with structured keys overridable as objects. */
export function stackConfig(stack: string, overrides: Record<string, unknown> = {}, remove: string[] = []) {
    const f = repoStackFile(stack);
    const config = { ...f.config };
    for (const k of remove) delete config[`vector-fleet:${k}`];
    for (const [k, v] of Object.entries(overrides)) config[`vector-fleet:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    return { config, secretKeys: f.secretKeys };
}

export async function runHub(overrides: Record<string, unknown> = {}, cloud?: SimulatedCloud): Promise<RunResult> {
    return runStack(program, { project: "vector-fleet", stack: "monitoring", ...stackConfig("monitoring", overrides), cloud });
}

export async function runSource(stack: string, hubOutputs: StackOutputs, overrides: Record<string, unknown> = {}): Promise<RunResult> {
    return runStack(program, { project: "vector-fleet", stack, ...stackConfig(stack, overrides), stackOutputs: { monitoring: hubOutputs } });
}

/*
 * The repo's stacks exactly as their Pulumi.<stack>.yaml say, run once per test process and
 * shared by every test that only reads the result: a run under mocks costs tens of milliseconds
 * and many files need the same ones. Treat what these return as read-only (structuredClone it to
 * make a variation); a rejected run stays rejected, so each test that needs it fails the same way.
 */
const shared = new Map<string, Promise<unknown>>();
function once<T>(key: string, make: () => Promise<T>): Promise<T> {
    if (!shared.has(key)) shared.set(key, make());
    return shared.get(key) as Promise<T>;
}

/** runHub() with no overrides, run once. */
export function sharedHub(): Promise<RunResult> {
    return once("hub", () => runHub());
}

/** runSource(stack, sharedHub().outputs) with no overrides, run once per stack. */
export function sharedSource(stack: string): Promise<RunResult> {
    const hub = sharedHub(); // queued first: a source run waits for the hub it reads
    return once(`source:${stack}`, async () => runSource(stack, (await hub).outputs));
}

/**
 * What renderFleet(program, ROOT) renders, made once from the shared runs above rather than by
 * running every stack again (tests/tools/render/render.test.ts compares it with a real renderFleet).
 */
export function sharedRender(): Promise<RenderedStack[]> {
    return once("render", () =>
        Promise.all(
            listStacks(ROOT).map(async (s) => {
                if (s.role === "hub" && s.stack !== "monitoring") throw new Error(`sharedRender knows one hub, monitoring; add ${s.stack}`);
                const result = s.role === "hub" ? await sharedHub() : await sharedSource(s.stack);
                const stack = checkedStack(s.stack, result);
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
