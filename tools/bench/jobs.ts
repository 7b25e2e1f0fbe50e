/**
 * The measurements that run inside one child process each (`tools/bench/main.ts --child ...`), so
 * every figure starts from a fresh process: cold module cache, clean peak-memory counter.
 * The program is required lazily: the bench's parent process never loads Pulumi itself.
 */
import * as path from "node:path";
import { listStacks, Program, readStackFile, renderFiles } from "../render/render";
import { validateRenderedStacks } from "../validate";
import { runStack, StackOutputs } from "../render/simulator";
import { generateFleet } from "./fleet";
import { REPO_ROOT } from "../shared/paths";

const ROOT = REPO_ROOT;

function loadProgram(): Program {
    return require(path.join(ROOT, "index")) as Program;
}

function maxRssBytes(): number {
    return process.resourceUsage().maxRSS * 1024;
}

export interface RenderJobResult {
    importMs: number;
    /** Evaluation under mocks plus rendering to files in memory, per stack, hub first. */
    stacks: { stack: string; ms: number; resources: number }[];
    /** Of that, the Vector validator over every stack's configs, its reference data's first load included. */
    validateMs: number;
    maxRssBytes: number;
}

/** Every repo stack, as `npm run render` evaluates them, timed one by one. */
export async function renderJob(): Promise<RenderJobResult> {
    const t0 = performance.now();
    const program = loadProgram();
    const importMs = performance.now() - t0;
    const outputs: Record<string, StackOutputs> = {};
    const stacks: RenderJobResult["stacks"] = [];
    let validateMs = 0;
    for (const s of listStacks(ROOT)) {
        const start = performance.now();
        const result = await runStack(program, { project: "vector-fleet", stack: s.stack, config: s.config, secretKeys: s.secretKeys, stackOutputs: outputs });
        const files = renderFiles(result);
        // As renderFleet does (checkedStack), timed on its own: the validator's share of the render.
        const v0 = performance.now();
        validateRenderedStacks([{ stack: s.stack, files }]);
        validateMs += performance.now() - v0;
        stacks.push({ stack: s.stack, ms: performance.now() - start, resources: result.resources.length });
        outputs[s.stack] = result.outputs;
    }
    return { importMs, stacks, validateMs, maxRssBytes: maxRssBytes() };
}

export interface ScaleJobResult {
    n: number;
    importMs: number;
    hubMs: number;
    sourcesMs: number;
    /** Hub plus every agent stack: evaluation and rendering, without the import. */
    totalMs: number;
    resources: number;
    /** Size of the hub's outputs, which every agent stack reads through its StackReference. */
    hubOutputBytes: number;
    maxRssBytes: number;
}

/** A hub serving n agent clusters and the n agent stacks, templates from the repo's own stacks. */
export async function scaleJob(n: number, hubStack = "monitoring", sourceStack = "staging"): Promise<ScaleJobResult> {
    const t0 = performance.now();
    const program = loadProgram();
    const importMs = performance.now() - t0;
    const fleet = generateFleet(n, readStackFile(ROOT, hubStack), readStackFile(ROOT, sourceStack));

    const start = performance.now();
    const hub = await runStack(program, { project: "vector-fleet", stack: fleet.hub.stack, config: fleet.hub.config, secretKeys: fleet.hub.secretKeys });
    renderFiles(hub);
    const hubDone = performance.now();
    const stackOutputs = { [fleet.hub.stack]: hub.outputs };
    let resources = hub.resources.length;
    for (const s of fleet.sources) {
        const r = await runStack(program, { project: "vector-fleet", stack: s.stack, config: s.config, secretKeys: s.secretKeys, stackOutputs });
        renderFiles(r);
        resources += r.resources.length;
    }
    const end = performance.now();
    return {
        n,
        importMs,
        hubMs: hubDone - start,
        sourcesMs: end - hubDone,
        totalMs: end - start,
        resources,
        hubOutputBytes: Buffer.byteLength(JSON.stringify(hub.outputs.values)),
        maxRssBytes: maxRssBytes(),
    };
}
