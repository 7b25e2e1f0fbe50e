/** The repository's GitHub workflows and local actions, parsed, for the workflow tests. */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { arr, Json, obj } from "./json";

export const ROOT = path.resolve(__dirname, "../..");
export const WORKFLOWS = path.join(ROOT, ".github", "workflows");
export const ACTIONS = path.join(ROOT, ".github", "actions");

export type Doc = { [k: string]: Json };

const parsed = new Map<string, Doc>();

/** A workflow or action file, parsed once per test process (a copy: change it freely). */
export function load(file: string): Doc {
    if (!parsed.has(file)) parsed.set(file, obj(parseYaml(fs.readFileSync(file, "utf8")) as Json, file));
    return structuredClone(parsed.get(file)!);
}
export const workflowFiles = fs
    .readdirSync(WORKFLOWS)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
export const actionFiles = fs.existsSync(ACTIONS)
    ? fs
          .readdirSync(ACTIONS)
          .map((d) => path.join(ACTIONS, d, "action.yml"))
          .filter((f) => fs.existsSync(f))
    : [];
export const workflow = (name: string): Doc => load(path.join(WORKFLOWS, name));
export const jobsOf = (w: Doc): Record<string, Doc> => obj(w.jobs, "jobs") as Record<string, Doc>;
export const stepsOf = (job: Doc): Doc[] => (job.steps === undefined ? [] : arr(job.steps, "steps").map((s) => obj(s, "step")));
export const step = (job: Doc, id: string): Doc => {
    const s = stepsOf(job).find((x) => x.id === id);
    assert.ok(s, `no step with id ${id}`);
    return s;
};

/** Every step of every workflow job and of every local composite action, with where it is. */
export function allSteps(): { where: string; step: Doc }[] {
    const out: { where: string; step: Doc }[] = [];
    for (const f of workflowFiles)
        for (const [name, job] of Object.entries(jobsOf(workflow(f)))) for (const s of stepsOf(job)) out.push({ where: `${f} job ${name}`, step: s });
    for (const f of actionFiles)
        for (const s of arr(obj(load(f).runs, "runs").steps, "steps")) out.push({ where: path.relative(ROOT, f), step: obj(s, "step") });
    return out;
}

/** The secret name a stack's preview job reads its kubeconfig from: GitHub secret names are [A-Z0-9_]. */
export function kubeconfigSecretName(stack: string): string {
    return `KUBECONFIG_${stack.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}
