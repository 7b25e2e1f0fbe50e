import { validateAction, validateWorkflow } from "@action-validator/core";
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { listStacks } from "../lib/offline/render";
import { arr, isObj, Json, obj, str } from "./support/json";

const ROOT = path.resolve(__dirname, "..");
const WORKFLOWS = path.join(ROOT, ".github", "workflows");
const ACTIONS = path.join(ROOT, ".github", "actions");

type Doc = { [k: string]: Json };

function load(file: string): Doc {
    return obj(parseYaml(fs.readFileSync(file, "utf8")) as Json, file);
}
const workflowFiles = fs.readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).sort();
const actionFiles = fs.existsSync(ACTIONS) ? fs.readdirSync(ACTIONS).map((d) => path.join(ACTIONS, d, "action.yml")).filter((f) => fs.existsSync(f)) : [];
const workflow = (name: string): Doc => load(path.join(WORKFLOWS, name));
const jobsOf = (w: Doc): Record<string, Doc> => obj(w.jobs, "jobs") as Record<string, Doc>;
const stepsOf = (job: Doc): Doc[] => (job.steps === undefined ? [] : arr(job.steps, "steps").map((s) => obj(s, "step")));
const step = (job: Doc, id: string): Doc => {
    const s = stepsOf(job).find((x) => x.id === id);
    assert.ok(s, `no step with id ${id}`);
    return s;
};

/** Every step of every workflow job and of every local composite action, with where it is. */
function allSteps(): { where: string; step: Doc }[] {
    const out: { where: string; step: Doc }[] = [];
    for (const f of workflowFiles)
        for (const [name, job] of Object.entries(jobsOf(workflow(f)))) for (const s of stepsOf(job)) out.push({ where: `${f} job ${name}`, step: s });
    for (const f of actionFiles)
        for (const s of arr(obj(load(f).runs, "runs").steps, "steps")) out.push({ where: path.relative(ROOT, f), step: obj(s, "step") });
    return out;
}

/** The secret name a stack's preview job reads its kubeconfig from: GitHub secret names are [A-Z0-9_]. */
function kubeconfigSecretName(stack: string): string {
    return `KUBECONFIG_${stack.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

interface StepRun {
    status: number | null;
    stdout: string;
    stderr: string;
    outputs: Record<string, string>;
    githubEnv: string;
    dir: string;
}

/**
 * Runs a step's shell script as GitHub runs `shell: bash` (bash --noprofile --norc -eo pipefail)
 * with the runner's files (GITHUB_OUTPUT, GITHUB_ENV, GITHUB_STEP_SUMMARY, RUNNER_TEMP) in a temp dir.
 */
const tempDirs: string[] = [];
function runStep(script: string, env: Record<string, string>, setup: (dir: string) => void = () => {}): StepRun {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vector-fleet-workflow-"));
    tempDirs.push(dir);
    const files = { GITHUB_OUTPUT: "output", GITHUB_ENV: "env", GITHUB_STEP_SUMMARY: "summary" };
    for (const f of Object.values(files)) fs.writeFileSync(path.join(dir, f), "");
    fs.mkdirSync(path.join(dir, "temp"));
    setup(dir);
    fs.writeFileSync(path.join(dir, "step.sh"), script);
    const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", path.join(dir, "step.sh")], {
        cwd: dir,
        encoding: "utf8",
        env: {
            PATH: `${path.join(dir, "bin")}:${process.env.PATH}`,
            RUNNER_TEMP: path.join(dir, "temp"),
            ...Object.fromEntries(Object.entries(files).map(([k, f]) => [k, path.join(dir, f)])),
            ...env,
        },
    });
    const outputs = Object.fromEntries(
        fs.readFileSync(path.join(dir, "output"), "utf8").split("\n").filter(Boolean).map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]),
    );
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, outputs, githubEnv: fs.readFileSync(path.join(dir, "env"), "utf8"), dir };
}

describe("GitHub workflows", () => {
    const stacks = listStacks(ROOT);
    const hubs = stacks.filter((s) => s.role === "hub").map((s) => s.stack);
    const sources = stacks.filter((s) => s.role !== "hub").map((s) => s.stack);
    after(() => {
        for (const d of tempDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
    });

    it("finds the three workflows and the shared setup action", () => {
        assert.deepEqual(workflowFiles, ["ci.yml", "deploy.yml", "preview.yml"]);
        assert.deepEqual(actionFiles.map((f) => path.relative(ROOT, f)), [".github/actions/pulumi-setup/action.yml"]);
    });

    it("validates every workflow and local action with action-validator", () => {
        for (const f of workflowFiles) {
            const r = validateWorkflow(fs.readFileSync(path.join(WORKFLOWS, f), "utf8"));
            assert.deepEqual(r.errors, [], `${f}: ${JSON.stringify(r.errors, null, 2)}`);
        }
        for (const f of actionFiles) {
            const r = validateAction(fs.readFileSync(f, "utf8"));
            assert.deepEqual(r.errors, [], `${f}: ${JSON.stringify(r.errors, null, 2)}`);
        }
    });

    it("action-validator does reject a job without runs-on and a needs on a missing job", () => {
        const broken = "on: push\njobs:\n  a:\n    steps: [{run: echo}]\n  b:\n    needs: nope\n    runs-on: ubuntu-24.04\n    steps: [{run: echo}]\n";
        const codes = validateWorkflow(broken).errors.map((e) => e.code);
        assert.ok(codes.includes("unresolved_job"), JSON.stringify(codes));
        assert.ok(codes.length >= 2, JSON.stringify(codes));
    });

    it("grants nothing at workflow level beyond reading, and pull-requests: write only to the jobs that comment", () => {
        const writes: string[] = [];
        for (const f of workflowFiles) {
            const w = workflow(f);
            assert.ok(w.permissions !== undefined, `${f} has no top-level permissions`);
            for (const [scope, level] of Object.entries(obj(w.permissions, `${f} permissions`)))
                assert.notEqual(level, "write", `${f} grants ${scope}: write to every job`);
            for (const [name, job] of Object.entries(jobsOf(w))) {
                if (!isObj(job.permissions)) continue;
                for (const [scope, level] of Object.entries(job.permissions)) if (level === "write") writes.push(`${f} ${name} ${scope}`);
            }
        }
        assert.deepEqual(writes.sort(), ["preview.yml diff pull-requests", "preview.yml pulumi-preview pull-requests"]);
    });

    it("pins every action to a release tag or a commit", () => {
        const uses = allSteps().filter((s) => typeof s.step.uses === "string");
        assert.ok(uses.length > 10);
        for (const { where, step: s } of uses) {
            const u = str(s.uses);
            if (u.startsWith("./")) continue;
            assert.match(u, /^[\w.-]+\/[\w./-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})$/, `${where}: ${u} is not pinned to vX.Y.Z or a commit`);
        }
    });

    it("reads no secret in an if: and expands no expression inside a shell script", () => {
        const ifs: { where: string; cond: string }[] = [];
        for (const f of workflowFiles)
            for (const [name, job] of Object.entries(jobsOf(workflow(f)))) if (typeof job.if === "string") ifs.push({ where: `${f} job ${name}`, cond: job.if });
        for (const { where, step: s } of allSteps()) {
            if (typeof s.if === "string") ifs.push({ where, cond: s.if });
            // Expressions pasted into a script are injected before bash parses it; env: passes them as data.
            if (typeof s.run === "string") assert.ok(!s.run.includes("${{"), `${where}: run: expands an expression; pass it through env:`);
        }
        assert.ok(ifs.length >= 4);
        for (const { where, cond } of ifs) assert.ok(!/\bsecrets\b/.test(cond), `${where}: secrets cannot be read in if: (${cond})`);
    });

    describe("the stacks", () => {
        it("has a hub and agent stacks to check against", () => {
            assert.ok(hubs.length >= 1 && sources.length >= 1, JSON.stringify(stacks.map((s) => [s.stack, s.role])));
        });

        it("previews every Pulumi.<stack>.yaml with its role and kubeconfig secret, and nothing else", () => {
            const job = jobsOf(workflow("preview.yml"))["pulumi-preview"];
            const include = arr(obj(obj(job.strategy, "strategy").matrix, "matrix").include, "matrix.include").map((e) => obj(e, "matrix entry"));
            const listed = include.map((e) => str(e.stack));
            for (const s of stacks) {
                const entry = include.find((e) => e.stack === s.stack);
                assert.ok(entry, `Pulumi.${s.stack}.yaml is not previewed: add { stack: ${s.stack}, role: ${s.role}, kubeconfigSecret: ${kubeconfigSecretName(s.stack)} } to jobs.pulumi-preview.strategy.matrix.include in .github/workflows/preview.yml`);
                assert.equal(entry.role, s.role, `preview.yml: role of ${s.stack} differs from Pulumi.${s.stack}.yaml`);
                assert.equal(entry.kubeconfigSecret, kubeconfigSecretName(s.stack), `preview.yml: kubeconfigSecret of ${s.stack}`);
            }
            for (const l of listed) assert.ok(stacks.some((s) => s.stack === l), `preview.yml previews ${l}, which has no Pulumi.${l}.yaml: remove it`);
            assert.equal(new Set(listed).size, listed.length, "preview.yml lists a stack twice");
        });

        it("deploys the hub stacks first, then every other stack in a matrix that needs them", () => {
            const jobs = jobsOf(workflow("deploy.yml"));
            const matrixStacks = (job: string) => arr(obj(obj(jobs[job].strategy, `${job}.strategy`).matrix, `${job}.matrix`).stack, `${job}.matrix.stack`).map((s) => str(s));
            assert.deepEqual([...matrixStacks("hub")].sort(), [...hubs].sort(), `deploy.yml jobs.hub.strategy.matrix.stack must list the stacks with role hub: ${hubs.join(", ")}`);
            assert.deepEqual([...matrixStacks("agents")].sort(), [...sources].sort(), `deploy.yml jobs.agents.strategy.matrix.stack must list every other stack: ${sources.join(", ")}`);
            assert.deepEqual([jobs.agents.needs].flat(), ["hub"]);
            assert.deepEqual([jobs.hub.needs].flat().sort(), ["checks", "pulumi-gate"]);
            assert.equal(obj(jobs.agents.strategy, "strategy")["fail-fast"], false, "one cluster's failed deploy must not cancel the others");
            for (const j of ["hub", "agents"]) assert.equal(jobs[j].environment, "${{ matrix.stack }}", `deploy.yml ${j}: environment named after the stack`);
        });

        it("never runs two deploys at once nor cancels one halfway, and checks the commit first", () => {
            const w = workflow("deploy.yml");
            const c = obj(w.concurrency, "concurrency");
            assert.equal(c.group, "deploy");
            assert.equal(c["cancel-in-progress"], false);
            assert.deepEqual(Object.keys(obj(w.on, "on")).sort(), ["push", "workflow_dispatch"]);
            assert.deepEqual(obj(obj(w.on, "on").push, "push").branches, ["main"]);
            assert.equal(jobsOf(w).checks.uses, "./.github/workflows/ci.yml");
        });

        it("gives the hcloud token to hub stacks only", () => {
            const preview = jobsOf(workflow("preview.yml"))["pulumi-preview"];
            const pulumiStep = (job: Doc) => {
                const s = stepsOf(job).find((x) => typeof x.uses === "string" && x.uses.startsWith("pulumi/actions@"));
                assert.ok(s, "no pulumi/actions step");
                return s;
            };
            assert.equal(obj(pulumiStep(preview).env, "env").HCLOUD_TOKEN, "${{ matrix.role == 'hub' && secrets.HCLOUD_TOKEN || '' }}");
            const deploy = jobsOf(workflow("deploy.yml"));
            assert.equal(obj(pulumiStep(deploy.hub).env, "env").HCLOUD_TOKEN, "${{ secrets.HCLOUD_TOKEN }}");
            assert.ok(!JSON.stringify(deploy.agents).includes("HCLOUD_TOKEN"));
            for (const job of [preview, deploy.hub, deploy.agents]) {
                const w = obj(pulumiStep(job).with, "with");
                assert.equal(w.policyPacks, "policy", "the policy pack in policy/ applies to every preview and update");
            }
            assert.equal(obj(pulumiStep(preview).with, "with")["comment-on-pr"], true);
        });
    });

    describe("ci.yml", () => {
        /** .ci/run's command lines, without comments and progress messages. */
        const commands = () =>
            fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#") && !l.startsWith("echo"));

        it("runs .ci/run, the one place that says how the project is checked, and repeats none of it", () => {
            const steps = stepsOf(jobsOf(workflow("ci.yml")).check);
            const runs = steps.filter((s) => typeof s.run === "string").map((s) => str(s.run).trim());
            assert.ok(runs.includes("bash .ci/run"), JSON.stringify(runs));
            for (const r of runs.filter((x) => x !== "bash .ci/run")) assert.doesNotMatch(r, /npm (ci|test|run)|tsc/, `ci.yml repeats .ci/run: ${r}`);
            const lines = commands();
            const order = ["npm ci", "npx tsc --noEmit", "npm test", "npm run render"].map((c) => lines.findIndex((l) => l.startsWith(c)));
            assert.ok(order.every((i) => i >= 0), `.ci/run lost a command: ${JSON.stringify(lines)}`);
            assert.deepEqual([...order].sort((a, b) => a - b), order, ".ci/run runs its commands out of order");
        });

        it("installs the apt package .ci/run would install, and keeps out/ as an artifact", () => {
            const pkg = /apt-get install .*?(\S+)\s*(>|$)/m.exec(commands().find((l) => l.startsWith("apt-get install")) ?? "")?.[1];
            assert.equal(pkg, "prometheus");
            const steps = stepsOf(jobsOf(workflow("ci.yml")).check);
            assert.ok(steps.some((s) => typeof s.run === "string" && new RegExp(`apt-get install .*--no-install-recommends ${pkg}\\b`).test(s.run)));
            const upload = steps.find((s) => typeof s.uses === "string" && s.uses.startsWith("actions/upload-artifact@"));
            assert.equal(obj(upload?.with, "upload.with").path, "out/");
            const node = steps.find((s) => typeof s.uses === "string" && s.uses.startsWith("actions/setup-node@"));
            assert.deepEqual(node?.with, { "node-version": 20, cache: "npm" });
        });

        it("runs on push, pull requests and as deploy's checks", () => {
            assert.deepEqual(Object.keys(obj(workflow("ci.yml").on, "on")).sort(), ["pull_request", "push", "workflow_call"]);
        });
    });

    describe("step scripts", () => {
        const gateScript = (file: string) => str(step(jobsOf(workflow(file))["pulumi-gate"], "gate").run);

        it("the gate says no, with a notice, when PULUMI_ACCESS_TOKEN is not configured", () => {
            for (const f of ["preview.yml", "deploy.yml"]) {
                const r = runStep(gateScript(f), { PULUMI_ACCESS_TOKEN: "", PULUMI_COMMAND: "preview", REQUIRED_REF: "", GITHUB_REF: "refs/pull/7/merge" });
                assert.equal(r.status, 0, r.stderr);
                assert.deepEqual(r.outputs, { enabled: "false" });
                assert.match(r.stdout, /^::notice title=pulumi preview skipped::PULUMI_ACCESS_TOKEN is not configured/m);
            }
        });

        it("the gate says yes with a token, and deploy's only on main", () => {
            const yes = runStep(gateScript("preview.yml"), { PULUMI_ACCESS_TOKEN: "pul-x", PULUMI_COMMAND: "preview", REQUIRED_REF: "", GITHUB_REF: "refs/pull/7/merge" });
            assert.deepEqual(yes.outputs, { enabled: "true" });
            assert.equal(yes.stdout, "");
            const deployEnv = obj(step(jobsOf(workflow("deploy.yml"))["pulumi-gate"], "gate").env, "env");
            assert.equal(deployEnv.REQUIRED_REF, "refs/heads/main");
            const env = { PULUMI_ACCESS_TOKEN: "pul-x", PULUMI_COMMAND: "up", REQUIRED_REF: "refs/heads/main" };
            const branch = runStep(gateScript("deploy.yml"), { ...env, GITHUB_REF: "refs/heads/feature" });
            assert.deepEqual(branch.outputs, { enabled: "false" });
            assert.match(branch.stdout, /::notice title=pulumi up skipped::runs from refs\/heads\/main only, not from refs\/heads\/feature/);
            assert.deepEqual(runStep(gateScript("deploy.yml"), { ...env, GITHUB_REF: "refs/heads/main" }).outputs, { enabled: "true" });
        });

        describe("the diff step", () => {
            function runDiff(code: number, markdown: string): StepRun & { args: string; comment: string | undefined; summary: string } {
                const diffStep = step(jobsOf(workflow("preview.yml")).diff, "diff");
                const r = runStep(str(diffStep.run), {}, (dir) => {
                    fs.mkdirSync(path.join(dir, "bin"));
                    fs.writeFileSync(path.join(dir, "diff.md"), markdown);
                    const fake = `#!/bin/sh\nprintf '%s' "$*" > "${dir}/args"\ncat "${dir}/diff.md"\nexit ${code}\n`;
                    fs.writeFileSync(path.join(dir, "bin", "npm"), fake, { mode: 0o755 });
                });
                const comment = path.join(r.dir, "temp", "fleet-diff.md");
                return {
                    ...r,
                    args: fs.readFileSync(path.join(r.dir, "args"), "utf8"),
                    comment: fs.existsSync(comment) ? fs.readFileSync(comment, "utf8") : undefined,
                    summary: fs.readFileSync(path.join(r.dir, "summary"), "utf8"),
                };
            }

            it("calls npm run diff -- --markdown without npm's banner", () => {
                assert.equal(runDiff(0, "x\n").args, "run --silent diff -- --markdown");
            });

            it("treats exit 0 (no change) and 1 (changed) as results and posts the markdown whole", () => {
                for (const [code, changed] of [[0, "false"], [1, "true"]] as const) {
                    const md = `## Fleet diff\n\n${changed === "true" ? "dev: 1 object changed" : "no change"}\n`;
                    const r = runDiff(code, md);
                    assert.equal(r.status, 0, r.stderr);
                    assert.deepEqual(r.outputs, { changed });
                    assert.equal(r.comment, md);
                    assert.equal(r.summary, md);
                }
                const post = stepsOf(jobsOf(workflow("preview.yml")).diff).find((s) => s.name === "Comment the diff on the pull request");
                assert.equal(post?.uses, "marocchino/sticky-pull-request-comment@v3.0.4");
                assert.deepEqual(post?.with, { header: "fleet-diff", path: "${{ runner.temp }}/fleet-diff.md" });
            });

            it("fails the job on exit 2, so the comment says the diff failed instead", () => {
                const r = runDiff(2, "");
                assert.equal(r.status, 2);
                assert.match(r.stdout, /^::error title=npm run diff failed::exit code 2/m);
                assert.deepEqual(r.outputs, {});
                const failStep = stepsOf(jobsOf(workflow("preview.yml")).diff).find((s) => typeof s.if === "string" && s.if.includes("steps.diff.outcome == 'failure'"));
                assert.equal(obj(failStep?.with, "with").header, "fleet-diff");
            });
        });

        describe("the kubeconfig step", () => {
            let script = "";
            before(() => {
                const steps = arr(obj(load(actionFiles[0]).runs, "runs").steps, "steps").map((s) => obj(s, "step"));
                script = str(steps.find((s) => typeof s.name === "string" && s.name.startsWith("Kubeconfig"))?.run, "the kubeconfig step's run");
            });
            const stackFile = (content: string) => (dir: string) => fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), content);
            const env = { STACK: "dev", KUBECONFIG_SOURCE: "repository secret KUBECONFIG_DEV" };

            it("writes the kubeconfig to a private file and points KUBECONFIG at it", () => {
                const r = runStep(script, { ...env, KUBECONFIG_DATA: "apiVersion: v1\nkind: Config\n" }, stackFile("config:\n  vector-fleet:kubeContext: dev-admin@dev\n"));
                assert.equal(r.status, 0, r.stderr);
                const file = path.join(r.dir, "temp", "kubeconfig");
                assert.equal(r.githubEnv, `KUBECONFIG=${file}\n`);
                assert.equal(fs.readFileSync(file, "utf8"), "apiVersion: v1\nkind: Config\n\n");
                assert.equal(fs.statSync(file).mode & 0o777, 0o600);
            });

            it("fails, naming the secret to set, when the stack selects a kubeContext and no kubeconfig came", () => {
                const r = runStep(script, { ...env, KUBECONFIG_DATA: "" }, stackFile("config:\n  vector-fleet:role: source\n  vector-fleet:kubeContext: dev-admin@dev\n"));
                assert.equal(r.status, 1);
                assert.match(r.stdout, /^::error title=no kubeconfig for dev::Pulumi\.dev\.yaml selects a kubeContext.*set the repository secret KUBECONFIG_DEV/m);
                assert.equal(r.githubEnv, "");
            });

            it("goes on without a file when the stack carries its own secret kubeconfig", () => {
                const r = runStep(script, { ...env, KUBECONFIG_DATA: "" }, stackFile("config:\n  vector-fleet:kubeconfig:\n    secure: AAAA\n"));
                assert.equal(r.status, 0, r.stderr);
                assert.match(r.stdout, /::notice title=no kubeconfig file for dev::/);
                assert.equal(r.githubEnv, "");
            });

            it("gets each stack's kubeconfig from the secret the docs name", () => {
                const previewSetup = stepsOf(jobsOf(workflow("preview.yml"))["pulumi-preview"]).find((s) => s.uses === "./.github/actions/pulumi-setup");
                assert.equal(obj(previewSetup?.with, "with").kubeconfig, "${{ secrets[matrix.kubeconfigSecret] }}");
                for (const j of ["hub", "agents"]) {
                    const s = stepsOf(jobsOf(workflow("deploy.yml"))[j]).find((x) => x.uses === "./.github/actions/pulumi-setup");
                    assert.equal(obj(s?.with, "with").kubeconfig, "${{ secrets.KUBECONFIG }}", `deploy.yml ${j}: the environment's KUBECONFIG`);
                }
            });
        });
    });
});
