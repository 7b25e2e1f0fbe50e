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
import { listStacks, Program, renderFiles, renderFleet, runInDeploymentOrder } from "../render/render";
import { validateRenderedStacks } from "../validate";
import { runStack } from "../render/simulator";
import { fleetTemplates, generateFleet, writeFleet } from "./fleet";
import { checkFleet, loadFleet } from "../../config/fleet";
import { forgetParsedStackYaml } from "../../config/stack-file";
import { REPO_ROOT } from "../shared/paths";

const ROOT = REPO_ROOT;

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
    const stacks: RenderJobResult["stacks"] = [];
    let validateMs = 0;
    let validateCpuMs = 0;
    const all = listStacks(ROOT);
    // In the render's deployment order; a source's first run (its credentials only) counts towards its time.
    const firstMs = new Map<string, number>();
    await runInDeploymentOrder(
        all,
        { hubs: all.filter((s) => s.role === "hub"), sources: all.filter((s) => s.role !== "hub") },
        async (s, stackOutputs, pass) => {
            const start = performance.now();
            const result = await runStack(program, { project: "vector-fleet", stack: s.stack, config: s.config, secretKeys: s.secretKeys, stackOutputs });
            if (pass === "first") {
                firstMs.set(s.stack, performance.now() - start);
                return result;
            }
            const files = renderFiles(result);
            // As renderFleet does (checkedStack), timed on its own: the validator's share of the render.
            const c0 = process.cpuUsage();
            const v0 = performance.now();
            validateRenderedStacks([{ stack: s.stack, files }]);
            validateMs += performance.now() - v0;
            validateCpuMs += cpuMsSince(c0);
            stacks.push({ stack: s.stack, ms: performance.now() - start + (firstMs.get(s.stack) ?? 0), resources: result.resources.length });
            return result;
        },
    );
    return { importMs, stacks, validateMs, validateCpuMs, maxRssBytes: maxRssBytes() };
}

/**
 * The fleet-level checks (config/fleet.ts) over a generated fleet. The render reads and parses
 * every stack file once anyway (checkFleetFiles = loadFleet, then checkFleet) and renders from
 * what it read, so what the checks add is checkFleet's call alone; the load is timed for the record.
 */
export interface FleetCheckResult {
    /** What was timed, e.g. `checkFleet(215 stacks)`. */
    fn: string;
    /** loadFleet: reading and parsing every stack file (the render's own reading), not counted. */
    loadMs: number;
    loadCpuMs: number;
    /** checkFleet over every loaded stack, cold as a render calls it once: wall and CPU time. */
    ms: number;
    cpuMs: number;
    /** Problems it found; the generated fleet is meant to have none (the render would refuse it). */
    problems: number;
}

/** Times config/fleet.ts's checks over the stack files in `dir`, as checkFleetFiles runs them. */
export function timeFleetCheck(dir: string): FleetCheckResult {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const { names, clusters, members } = loadFleet(dir);
    const loadMs = performance.now() - t0;
    const loadCpuMs = cpuMsSince(c0);
    const c1 = process.cpuUsage();
    const t1 = performance.now();
    const { problems } = checkFleet(members, names, clusters);
    return { fn: `checkFleet(${members.length} stacks)`, loadMs, loadCpuMs, ms: performance.now() - t1, cpuMs: cpuMsSince(c1), problems: problems.length };
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
 * render would run them. Templates are the repo's own first hub and first source (fleetTemplates).
 */
export async function scaleJob(n: number): Promise<ScaleJobResult> {
    const t0 = performance.now();
    const program = loadProgram();
    const importMs = performance.now() - t0;
    const templates = fleetTemplates(listStacks(ROOT));
    const fleet = generateFleet(n, templates.hub, templates.source);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vector-fleet-bench-fleet-"));
    try {
        writeFleet(dir, ROOT, fleet);
        const r0 = performance.now();
        listStacks(dir);
        const readMs = performance.now() - r0;
        const fleetCheck = timeFleetCheck(dir);
        if (fleetCheck.problems > 0)
            throw new Error(`the generated fleet of ${n} fails the fleet checks (${fleetCheck.problems} problems): fix tools/bench/fleet.ts`);
        // The reads above parsed every file: the render pays its own first parse, as `npm run render` does.
        forgetParsedStackYaml();
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
