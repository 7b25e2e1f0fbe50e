/**
 * What importing index.ts costs, measured in a child process that has loaded nothing of Pulumi
 * yet: this module imports only Node built-ins, and the simulator is required after the timings.
 */
import * as path from "node:path";
import { REPO_ROOT } from "../shared/paths";

const ROOT = REPO_ROOT;

export interface ImportStep {
    module: string;
    /** ms this step added on top of the ones before it. */
    ms: number;
    /** Modules in require.cache after the step. */
    modules: number;
}

export interface ImportJobResult {
    steps: ImportStep[];
    /** Modules loaded once the hub stack has been evaluated: the lazily loaded ones show here. */
    modulesAfterRun: number;
    /** Files of each @pulumi package after the import and after one hub evaluation. */
    pulumiPackageFiles: Record<string, { afterImport: number; afterRun: number }>;
}

/** The packages index.ts reaches, in the order its import graph first reaches them. */
export const IMPORT_ORDER = ["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/tls", "@pulumi/random", "@pulumi/hcloud", "yaml", "smol-toml"];
const OWN = "./index.ts (this repo's modules)";

/** Files loaded per @pulumi package, from module file names. */
export function pulumiPackageCounts(files: readonly string[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const f of files) {
        const m = /node_modules[\\/](@pulumi[\\/][^\\/]+)[\\/]/.exec(f);
        if (m) {
            const p = m[1].replace("\\", "/");
            counts[p] = (counts[p] ?? 0) + 1;
        }
    }
    return counts;
}

export async function importJob(): Promise<ImportJobResult> {
    const steps: ImportStep[] = [];
    for (const m of [...IMPORT_ORDER, OWN]) {
        const start = performance.now();
        require(m === OWN ? path.join(ROOT, "index") : require.resolve(m, { paths: [ROOT] }));
        steps.push({ module: m, ms: performance.now() - start, modules: Object.keys(require.cache).length });
    }
    const afterImport = pulumiPackageCounts(Object.keys(require.cache));
    // Loaded only now, so the simulator's own imports were not counted above.
    const { listStacks, NO_OUTPUTS, sourceStacksOf }: typeof import("../render/render") = require("../render/render");
    const { fleetTemplates }: typeof import("./fleet") = require("./fleet");
    const { runStack }: typeof import("../render/simulator") = require("../render/simulator");
    const program = require(path.join(ROOT, "index")) as Parameters<typeof runStack>[0];
    const { hub } = fleetTemplates(listStacks(ROOT));
    // Its listed clusters' stacks read as never deployed (pending): the hub's own run is what is measured.
    const stackOutputs = Object.fromEntries(sourceStacksOf(hub).map((ref) => [ref, NO_OUTPUTS]));
    await runStack(program, { project: "vector-fleet", stack: hub.stack, config: hub.config, secretKeys: hub.secretKeys, stackOutputs });
    const afterRun = pulumiPackageCounts(Object.keys(require.cache));
    const pulumiPackageFiles: ImportJobResult["pulumiPackageFiles"] = {};
    for (const p of Object.keys(afterRun).sort()) pulumiPackageFiles[p] = { afterImport: afterImport[p] ?? 0, afterRun: afterRun[p] };
    return { steps, modulesAfterRun: Object.keys(require.cache).length, pulumiPackageFiles };
}
