/** The GitHub workflows through action-validator, and their step scripts run as the runner runs them. */
import { validateAction, validateWorkflow } from "@action-validator/core";
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { arr, obj, str } from "../support/json";
import { VECTOR_IMAGE } from "../../config/versions";
import { PROMETHEUS_OPERATOR_VERSION } from "../../tools/engines/engines";
import { agentStack, patch } from "../support/rendered";
import { actionFiles, jobsOf, load, ROOT, step, stepsOf, workflow, workflowFiles, WORKFLOWS } from "../support/workflows";

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
        fs
            .readFileSync(path.join(dir, "output"), "utf8")
            .split("\n")
            .filter(Boolean)
            .map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]),
    );
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, outputs, githubEnv: fs.readFileSync(path.join(dir, "env"), "utf8"), dir };
}

describe("GitHub workflows (action-validator, step scripts)", () => {
    after(() => {
        for (const d of tempDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
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
            const yes = runStep(gateScript("preview.yml"), {
                PULUMI_ACCESS_TOKEN: "pul-x",
                PULUMI_COMMAND: "preview",
                REQUIRED_REF: "",
                GITHUB_REF: "refs/pull/7/merge",
            });
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
                for (const [code, changed] of [
                    [0, "false"],
                    [1, "true"],
                ] as const) {
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
                const failStep = stepsOf(jobsOf(workflow("preview.yml")).diff).find(
                    (s) => typeof s.if === "string" && s.if.includes("steps.diff.outcome == 'failure'"),
                );
                assert.equal(obj(failStep?.with, "with").header, "fleet-diff");
            });
        });

        describe("the engines job's steps", () => {
            const engines = () => jobsOf(workflow("ci.yml")).engines;
            /** The step's working directory as a checkout: the repository's code, and a rendered dev stack in out/. */
            const checkout = (dir: string) => {
                for (const f of ["tools", "components", "config", "node_modules", "package.json", "tsconfig.json"])
                    fs.symlinkSync(path.join(ROOT, f), path.join(dir, f));
                fs.mkdirSync(path.join(dir, "out", "dev"), { recursive: true });
                const files = agentStack({
                    extra: [
                        patch({
                            apiVersion: "apps/v1",
                            kind: "DaemonSet",
                            metadata: { name: "promtail", namespace: "monitoring" },
                            spec: { template: { spec: { nodeSelector: { parked: "yes" } } } },
                        }),
                    ],
                });
                for (const [f, c] of Object.entries({ ...files, "vector-aggregator.vector.toml": "x" })) fs.writeFileSync(path.join(dir, "out", "dev", f), c);
                fs.mkdirSync(path.join(dir, "bin"));
            };
            /** A stand-in for a command: logs its arguments, one call a line, and exits with `code`. */
            const fake = (dir: string, cmd: string, code = 0) =>
                fs.writeFileSync(path.join(dir, "bin", cmd), `#!/bin/sh\necho "$*" >> "${dir}/${cmd}.log"\nexit ${code}\n`, { mode: 0o755 });
            const calls = (r: StepRun, cmd: string) =>
                fs
                    .readFileSync(path.join(r.dir, `${cmd}.log`), "utf8")
                    .trim()
                    .split("\n");

            it("prints the program's versions for the later steps", function () {
                this.timeout(20000);
                const r = runStep(str(step(engines(), "versions").run), {}, checkout);
                assert.equal(r.status, 0, r.stderr);
                assert.equal(r.outputs["vector-image"], VECTOR_IMAGE);
                assert.equal(r.outputs["prometheus-operator-version"], PROMETHEUS_OPERATOR_VERSION);
            });

            it("runs the image's vector validate once per config of the stack, and fails with it", () => {
                const script = str(step(engines(), "vector-validate").run);
                const ok = runStep(script, { STACK: "dev", VECTOR_IMAGE: "timberio/vector:test" }, (dir) => (checkout(dir), fake(dir, "docker")));
                assert.equal(ok.status, 0, ok.stderr);
                assert.deepEqual(
                    calls(ok, "docker"),
                    ["vector-agent", "vector-aggregator"].map(
                        (c) => `run --rm -v ${ok.dir}/out:/out:ro timberio/vector:test validate --no-environment /out/dev/${c}.vector.toml`,
                    ),
                );
                // vector validate exits 78 (EX_CONFIG) for a config it refuses.
                const refused = runStep(script, { STACK: "dev", VECTOR_IMAGE: "timberio/vector:test" }, (dir) => (checkout(dir), fake(dir, "docker", 78)));
                assert.equal(refused.status, 78);
                assert.equal(calls(refused, "docker").length, 1);
            });

            it("installs the CRDs, then creates the namespaces and stand-ins, then dry-runs the manifests", function () {
                this.timeout(20000);
                const setup = runStep(
                    str(step(engines(), "dry-run-setup").run),
                    { STACK: "dev", PROMETHEUS_OPERATOR_VERSION: "0.90.1" },
                    (dir) => (checkout(dir), fake(dir, "kubectl")),
                );
                assert.equal(setup.status, 0, setup.stderr);
                const temp = path.join(setup.dir, "temp", "dry-run");
                assert.deepEqual(calls(setup, "kubectl"), [
                    "apply --server-side -f https://github.com/prometheus-operator/prometheus-operator/releases/download/v0.90.1/stripped-down-crds.yaml",
                    "wait --for condition=Established --timeout=60s crd/podmonitors.monitoring.coreos.com crd/prometheusrules.monitoring.coreos.com",
                    `apply --server-side --field-manager=ci-setup -f ${temp}/setup.yaml`,
                ]);
                assert.match(setup.stdout, /^DaemonSet monitoring\/promtail: patched, not owned; a stand-in DaemonSet is created/m);
                assert.match(fs.readFileSync(path.join(temp, "setup.yaml"), "utf8"), /name: promtail/);
                const run = runStep(
                    str(step(engines(), "dry-run").run),
                    { RUNNER_TEMP: path.join(setup.dir, "temp") },
                    (dir) => (fs.mkdirSync(path.join(dir, "bin")), fake(dir, "kubectl")),
                );
                assert.equal(run.status, 0, run.stderr);
                assert.deepEqual(calls(run, "kubectl"), [`apply --server-side --dry-run=server --field-manager=pulumi-kubernetes -f ${temp}/manifests.yaml`]);
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
                const r = runStep(
                    script,
                    { ...env, KUBECONFIG_DATA: "apiVersion: v1\nkind: Config\n" },
                    stackFile("config:\n  vector-fleet:kubeContext: dev-admin@dev\n"),
                );
                assert.equal(r.status, 0, r.stderr);
                const file = path.join(r.dir, "temp", "kubeconfig");
                assert.equal(r.githubEnv, `KUBECONFIG=${file}\n`);
                assert.equal(fs.readFileSync(file, "utf8"), "apiVersion: v1\nkind: Config\n\n");
                assert.equal(fs.statSync(file).mode & 0o777, 0o600);
            });

            it("fails, naming the secret to set, when the stack selects a kubeContext and no kubeconfig came", () => {
                const r = runStep(
                    script,
                    { ...env, KUBECONFIG_DATA: "" },
                    stackFile("config:\n  vector-fleet:role: source\n  vector-fleet:kubeContext: dev-admin@dev\n"),
                );
                assert.equal(r.status, 1);
                assert.match(
                    r.stdout,
                    /^::error title=no kubeconfig for dev::Pulumi\.dev\.yaml selects a kubeContext.*set the repository secret KUBECONFIG_DEV/m,
                );
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
                const deployJobs = Object.keys(jobsOf(workflow("deploy.yml"))).filter((j) => j === "hub" || j.startsWith("wave-"));
                assert.ok(deployJobs.length >= 2, deployJobs.join(", "));
                for (const j of deployJobs) {
                    const s = stepsOf(jobsOf(workflow("deploy.yml"))[j]).find((x) => x.uses === "./.github/actions/pulumi-setup");
                    assert.equal(obj(s?.with, "with").kubeconfig, "${{ secrets.KUBECONFIG }}", `deploy.yml ${j}: the environment's KUBECONFIG`);
                }
            });
        });
    });
});
