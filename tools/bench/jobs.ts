/**
 * The measurements that run inside one child process each (`tools/bench/main.ts --child ...`), so
 * every figure starts from a fresh process: cold module cache, clean peak-memory counter. The
 * parent starts them the way `npm run render` starts the renderer (run.ts, renderLauncher), so a
 * preload the render script gets applies here too. The program is required lazily: the bench's
 * parent process never loads Pulumi itself.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { listStacks, Program, readStackFile, renderFiles, renderFleet } from "../render/render";
import { validateRenderedStacks } from "../validate";
import { runStack, StackOutputs } from "../render/simulator";
import { generateFleet, writeFleet } from "./fleet";
import { FLEET_CHECK_MODULE } from "./report";

const ROOT = path.resolve(__dirname, "../..");

function loadProgram(): Program {
    return require(path.join(ROOT, "index")) as Program;
}

/** CPU time (user + system, every thread of this process) since `start`: other work on the machine barely moves it. */
function cpuMsSince(start: NodeJS.CpuUsage): number {
    const d = process.cpuUsage(start);
    return (d.user + d.system) / 1000;
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
    /** The same on CPU time (every thread of the process). */
    validateCpuMs: number;
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
    let validateCpuMs = 0;
    for (const s of listStacks(ROOT)) {
        const start = performance.now();
        const result = await runStack(program, { project: "vector-fleet", stack: s.stack, config: s.config, secretKeys: s.secretKeys, stackOutputs: outputs });
        const files = renderFiles(result);
        // As renderFleet does (checkedStack), timed on its own: the validator's share of the render.
        const c0 = process.cpuUsage();
        const v0 = performance.now();
        validateRenderedStacks([{ stack: s.stack, files }]);
        validateMs += performance.now() - v0;
        validateCpuMs += cpuMsSince(c0);
        stacks.push({ stack: s.stack, ms: performance.now() - start, resources: result.resources.length });
        outputs[s.stack] = result.outputs;
    }
    return { importMs, stacks, validateMs, validateCpuMs, maxRssBytes: maxRssBytes() };
}

/** The fleet-level checks over a generated fleet: timed, or why they could not be. */
export type FleetCheckResult =
    | {
          /** The exported function that was called, and with what. */
          fn: string;
          /** Loading its module (the stack reader's modules were loaded already, as in a render). */
          loadMs: number;
          /** Its first call over every stack, cold as a render calls it once: wall and CPU time. */
          ms: number;
          cpuMs: number;
          loadCpuMs: number;
      }
    | { notMeasured: string };

/**
 * The fleet checker among a module's exports: `checkFleet`, else the one function whose name says
 * it checks or validates a fleet. Undefined when there is none or it is ambiguous.
 */
export function findFleetCheck(mod: Record<string, unknown>): { name: string; fn: (...args: unknown[]) => unknown } | undefined {
    if (typeof mod.checkFleet === "function") return { name: "checkFleet", fn: mod.checkFleet as (...args: unknown[]) => unknown };
    const found = Object.entries(mod).filter(([k, v]) => typeof v === "function" && /^(check|validate|lint)\w*fleet/i.test(k));
    return found.length === 1 ? { name: found[0][0], fn: found[0][1] as (...args: unknown[]) => unknown } : undefined;
}

/**
 * Times the fleet checker over the stacks in `dir`, if the program has one. Its signature is not
 * settled here: it is called with the directory of stack files (the real loader reads them,
 * so problems can name file and line) and, if that throws, with the stacks as the reader returns
 * them. Anything else is reported as not measured, with the reason, never as a failure of the bench.
 */
export function timeFleetCheck(dir: string, stacks: unknown, root = ROOT): FleetCheckResult {
    let mod: Record<string, unknown>;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    try {
        mod = require(path.join(root, FLEET_CHECK_MODULE)) as Record<string, unknown>;
    } catch (e) {
        const code = (e as { code?: string }).code;
        return { notMeasured: code === "MODULE_NOT_FOUND" && String((e as Error).message).includes(FLEET_CHECK_MODULE) ? `${FLEET_CHECK_MODULE}.ts does not exist yet` : `${FLEET_CHECK_MODULE} failed to load: ${(e as Error).message}` };
    }
    const loadMs = performance.now() - t0;
    const loadCpuMs = cpuMsSince(c0);
    const check = findFleetCheck(mod);
    if (!check) return { notMeasured: `${FLEET_CHECK_MODULE} exports no checkFleet (exports: ${Object.keys(mod).join(", ") || "none"})` };
    const errors: string[] = [];
    for (const [what, arg] of [
        ["the directory of stack files", dir],
        ["the stacks as read", stacks],
    ] as const) {
        const c1 = process.cpuUsage();
        const start = performance.now();
        try {
            check.fn(arg);
            return { fn: `${check.name}(${what})`, loadMs, loadCpuMs, ms: performance.now() - start, cpuMs: cpuMsSince(c1) };
        } catch (e) {
            errors.push(`${check.name}(${what}): ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}`);
        }
    }
    return { notMeasured: `every call threw: ${errors.join("; ")}` };
}

export interface ScaleJobResult {
    /** Source clusters. */
    n: number;
    hubs: number;
    importMs: number;
    /** Reading every generated stack file through the renderer's one stack reader. */
    readMs: number;
    /** `renderFleet` over the generated stack files: every stack evaluated, rendered and validated. */
    renderMs: number;
    renderCpuMs: number;
    resources: number;
    maxRssBytes: number;
    fleetCheck: FleetCheckResult;
}

/**
 * N source clusters and their hubs (fleet.ts), written as stack files to a scratch directory and
 * rendered from there by the function `npm run render` runs, after the fleet-level checks, as a
 * render would run them. Templates are the repo's own stacks.
 */
export async function scaleJob(n: number, hubStack = "monitoring", sourceStack = "staging"): Promise<ScaleJobResult> {
    const t0 = performance.now();
    const program = loadProgram();
    const importMs = performance.now() - t0;
    const fleet = generateFleet(n, readStackFile(ROOT, hubStack), readStackFile(ROOT, sourceStack));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vector-fleet-bench-fleet-"));
    try {
        writeFleet(dir, ROOT, fleet);
        const r0 = performance.now();
        const stacks = listStacks(dir);
        const readMs = performance.now() - r0;
        const fleetCheck = timeFleetCheck(dir, stacks);
        const c0 = process.cpuUsage();
        const start = performance.now();
        const rendered = await renderFleet(program, dir);
        const renderMs = performance.now() - start;
        const renderCpuMs = cpuMsSince(c0);
        const resources = rendered.reduce((sum, r) => sum + r.result.resources.length, 0);
        return { n, hubs: fleet.hubs.length, importMs, readMs, renderMs, renderCpuMs, resources, maxRssBytes: maxRssBytes(), fleetCheck };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
