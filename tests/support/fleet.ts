/** Helpers to run the real program for the repo's stacks (or variations of them) under mocks. */
import * as path from "node:path";
import program = require("../../index");
import { readStackFile } from "../../lib/offline/render";
import { RegisteredResource, runStack, RunResult, StackOutputs, SimulatedCloud } from "../../lib/offline/simulator";

export const ROOT = path.resolve(__dirname, "../..");
export { program };

/** The stack's config from its Pulumi.<stack>.yaml, with structured keys overridable as objects. */
export function stackConfig(stack: string, overrides: Record<string, unknown> = {}, remove: string[] = []) {
    const f = readStackFile(ROOT, stack);
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
