/**
 * The GitHub workflows against the repository: permissions, pinned actions, secrets, the stack
 * matrices, and what ci.yml runs. Validation with action-validator and runs of the step scripts:
 * tests/ci/workflows.integration.test.ts.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { VECTOR_IMAGE, VECTOR_VERSION } from "../../config/versions";
import { dryRunInput, engineVersions, KIND_NODE_IMAGE, PROMETHEUS_OPERATOR_VERSION } from "../../tools/engines/engines";
import { listStacks } from "../../tools/render/render";
import { ROLLOUT_WAVES } from "../../config/stack";
import { stacksInWave } from "../../tools/gate/cli";
import { PKI_VALIDITY } from "../../components/pki";
import { EXPIRY_WARNING_DAYS } from "../../components/pki/expiry-rules";
import { parseManifests } from "../../tools/render/summary";
import { sharedRender } from "../support/fleet";
import { patch, renderedStack } from "../support/rendered";
import { arr, isObj, obj, str } from "../support/json";
import { actionFiles, allSteps, Doc, jobsOf, kubeconfigSecretName, ROOT, step, stepsOf, workflow, workflowFiles, WORKFLOWS } from "../support/workflows";

/**
 * Days between consecutive runs of a cron schedule, for the forms the workflows use: fixed minute
 * and hour, any day of the month, weekdays `*` or a list of 0-6 (GitHub's cron: POSIX fields, UTC).
 */
function maxCronGapDays(cron: string): number {
    const [min, hour, dom, month, dow] = cron.trim().split(/\s+/);
    assert.ok(/^\d+$/.test(min) && /^\d+$/.test(hour), `${cron}: fixed minute and hour expected`);
    assert.ok(dom === "*" && month === "*", `${cron}: day-of-month and month must be *`);
    if (dow === "*") return 1;
    const days = [...new Set(dow.split(",").map(Number))].sort((a, b) => a - b);
    assert.ok(
        days.every((d) => Number.isInteger(d) && d >= 0 && d <= 6),
        `${cron}: weekdays 0-6 expected`,
    );
    return Math.max(...days.map((d, i) => (i + 1 < days.length ? days[i + 1] - d : days[0] + 7 - d)));
}

describe("GitHub workflows", () => {
    const stacks = listStacks(ROOT);
    const hubs = stacks.filter((s) => s.role === "hub").map((s) => s.stack);
    const sources = stacks.filter((s) => s.role !== "hub").map((s) => s.stack);

    it("finds the three workflows and the shared setup action", () => {
        assert.deepEqual(workflowFiles, ["ci.yml", "deploy.yml", "preview.yml"]);
        assert.deepEqual(
            actionFiles.map((f) => path.relative(ROOT, f)),
            [".github/actions/pulumi-setup/action.yml"],
        );
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
            for (const [name, job] of Object.entries(jobsOf(workflow(f))))
                if (typeof job.if === "string") ifs.push({ where: `${f} job ${name}`, cond: job.if });
        for (const { where, step: s } of allSteps()) {
            if (typeof s.if === "string") ifs.push({ where, cond: s.if });
            // Expressions pasted into a script are injected before bash parses it; env: passes them as data.
            if (typeof s.run === "string") assert.ok(!s.run.includes("${{"), `${where}: run: expands an expression; pass it through env:`);
        }
        assert.ok(ifs.length >= 4);
        for (const { where, cond } of ifs) assert.ok(!/\bsecrets\b/.test(cond), `${where}: secrets cannot be read in if: (${cond})`);
    });

    describe("secrets and pull requests", () => {
        // GitHub hands repository secrets to any workflow a same-repository pull request adds or
        // edits; an environment's secrets reach a job only once the environment's protection rules
        // (required reviewers, deployment branches) pass. So a secret a pull request's code may
        // read must live in the protected environment `preview`, and the Pulumi token, which reads
        // the hub's outputs (every cluster's key and token) through the StackReference, in
        // environments only. docs/ci.md#what-to-configure.
        const PROTECTED_PR_ENVIRONMENT = "preview";
        const triggers = (w: Doc): string[] => (typeof w.on === "string" ? [w.on] : Array.isArray(w.on) ? w.on.map(String) : Object.keys(obj(w.on, "on")));
        const secretsRead = (job: Doc): string[] => {
            const text = JSON.stringify(job);
            const names = [...text.matchAll(/secrets(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[)/g)].map((m) => m[1] ?? "secrets[...]");
            if (job.secrets === "inherit") names.push("secrets: inherit");
            return [...new Set(names)].filter((n) => n !== "GITHUB_TOKEN");
        };
        const environmentOf = (job: Doc): string | undefined =>
            typeof job.environment === "string" ? job.environment : isObj(job.environment) ? str(job.environment.name) : undefined;
        /** Every way a workflow breaks the rule, as `file job: why`. */
        function exposures(file: string, w: Doc): string[] {
            const out: string[] = [];
            const onPullRequest = triggers(w).some((t) => t.startsWith("pull_request"));
            // pull_request_target runs with the base repository's secrets for a fork's code.
            if (triggers(w).includes("pull_request_target")) out.push(`${file}: pull_request_target hands secrets to forks' code`);
            for (const [name, job] of Object.entries(jobsOf(w))) {
                const read = secretsRead(job);
                const env = environmentOf(job);
                if (read.includes("PULUMI_ACCESS_TOKEN") && env === undefined) out.push(`${file} ${name}: reads PULUMI_ACCESS_TOKEN outside an environment`);
                if (onPullRequest && read.length > 0 && env !== PROTECTED_PR_ENVIRONMENT)
                    out.push(`${file} ${name}: runs for pull requests and reads ${read.join(", ")} outside the environment ${PROTECTED_PR_ENVIRONMENT}`);
            }
            return out;
        }

        it("gives no job a pull request triggers a secret unless it runs in the protected preview environment", () => {
            assert.deepEqual(
                workflowFiles.flatMap((f) => exposures(f, workflow(f))),
                [],
            );
            // The rule has something to hold: the previews do read the token, in that environment.
            const preview = jobsOf(workflow("preview.yml"));
            for (const j of ["pulumi-gate", "pulumi-preview"]) {
                assert.ok(secretsRead(preview[j]).includes("PULUMI_ACCESS_TOKEN"), j);
                assert.equal(preview[j].environment, PROTECTED_PR_ENVIRONMENT, j);
            }
            assert.deepEqual(secretsRead(preview.diff), [], "the rendered diff needs no secret");
        });

        it("catches a preview job without its environment, a repository-level token and pull_request_target", () => {
            const w = workflow("preview.yml");
            delete jobsOf(w)["pulumi-preview"].environment;
            assert.deepEqual(exposures("preview.yml", w), [
                "preview.yml pulumi-preview: reads PULUMI_ACCESS_TOKEN outside an environment",
                "preview.yml pulumi-preview: runs for pull requests and reads PULUMI_ACCESS_TOKEN, secrets[...], HCLOUD_TOKEN outside the environment preview",
            ]);
            const d = workflow("deploy.yml");
            delete jobsOf(d)["pulumi-gate"].environment;
            assert.deepEqual(exposures("deploy.yml", d), ["deploy.yml pulumi-gate: reads PULUMI_ACCESS_TOKEN outside an environment"]);
            const t = workflow("ci.yml");
            t.on = { pull_request_target: null };
            jobsOf(t)[Object.keys(jobsOf(t))[0]].env = { T: "${{ secrets.ANY }}" };
            assert.equal(exposures("ci.yml", t).length, 2);
        });
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
                assert.ok(
                    entry,
                    `Pulumi.${s.stack}.yaml is not previewed: add { stack: ${s.stack}, role: ${s.role}, kubeconfigSecret: ${kubeconfigSecretName(s.stack)} } to jobs.pulumi-preview.strategy.matrix.include in .github/workflows/preview.yml`,
                );
                assert.equal(entry.role, s.role, `preview.yml: role of ${s.stack} differs from Pulumi.${s.stack}.yaml`);
                assert.equal(entry.kubeconfigSecret, kubeconfigSecretName(s.stack), `preview.yml: kubeconfigSecret of ${s.stack}`);
            }
            for (const l of listed)
                assert.ok(
                    stacks.some((s) => s.stack === l),
                    `preview.yml previews ${l}, which has no Pulumi.${l}.yaml: remove it`,
                );
            assert.equal(new Set(listed).size, listed.length, "preview.yml lists a stack twice");
        });

        it("deploys the hub stacks first, then every other stack in the job of its wave, waves in order", () => {
            const jobs = jobsOf(workflow("deploy.yml"));
            const matrixStacks = (job: string) =>
                arr(obj(obj(jobs[job].strategy, `${job}.strategy`).matrix, `${job}.matrix`).stack, `${job}.matrix.stack`).map((s) => str(s));
            assert.deepEqual(
                [...matrixStacks("hub")].sort(),
                [...hubs].sort(),
                `deploy.yml jobs.hub.strategy.matrix.stack must list the stacks with role hub: ${hubs.join(", ")}`,
            );
            assert.deepEqual([jobs.hub.needs].flat().sort(), ["checks", "pulumi-gate"]);
            // A wave job per wave that has stacks (GitHub refuses an empty matrix), each after the one before.
            const waves = ROLLOUT_WAVES.map((w) => ({ wave: w, job: `wave-${w}`, stacks: stacksInWave(ROOT, w) })).filter((w) => w.stacks.length > 0);
            const waveJobs = Object.keys(jobs).filter((j) => j.startsWith("wave-"));
            assert.deepEqual(
                waveJobs,
                waves.map((w) => w.job),
                `deploy.yml: one job per wave with stacks, in the order ${ROLLOUT_WAVES.join(" → ")}`,
            );
            let previous = "hub";
            for (const w of waves) {
                const listed = matrixStacks(w.job);
                assert.deepEqual(
                    [...listed].sort(),
                    [...w.stacks].sort(),
                    `deploy.yml jobs.${w.job}.strategy.matrix.stack must list the source stacks with rollout.wave ${w.wave}: ${w.stacks.join(", ")}`,
                );
                assert.deepEqual([jobs[w.job].needs].flat(), [previous], `${w.job} must wait for ${previous}`);
                assert.equal(obj(jobs[w.job].strategy, "strategy")["fail-fast"], false, "one cluster's failed deploy must not cancel the others of its wave");
                assert.equal(jobs[w.job].environment, "${{ matrix.stack }}", `deploy.yml ${w.job}: environment named after the stack`);
                previous = w.job;
            }
            // Every stack file in exactly one deploy job.
            const deployed = ["hub", ...waves.map((w) => w.job)].flatMap(matrixStacks).sort();
            assert.deepEqual(deployed, stacks.map((s) => s.stack).sort());
            assert.equal(jobs.hub.environment, "${{ matrix.stack }}");
        });

        it("gates every wave's stack after its pulumi up: soak, then npm run gate, which fails the job", () => {
            const jobs = jobsOf(workflow("deploy.yml"));
            for (const [name, job] of Object.entries(jobs).filter(([j]) => j.startsWith("wave-"))) {
                const steps = stepsOf(job);
                const up = steps.findIndex((x) => typeof x.uses === "string" && x.uses.startsWith("pulumi/actions@"));
                const gate = steps.findIndex((x) => x.id === "gate");
                assert.ok(up >= 0 && gate > up, `${name}: the gate step comes after pulumi up`);
                const g = steps[gate];
                assert.equal(g.run, 'npm run gate -- --stack "$STACK" --wait');
                assert.equal(g["continue-on-error"], undefined, `${name}: a failed gate must fail the job`);
                const env = obj(g.env, "env");
                assert.equal(env.STACK, "${{ matrix.stack }}");
                assert.equal(env.PROMETHEUS_URL, "${{ secrets.PROMETHEUS_URL }}");
            }
        });

        it("never runs two deploys at once nor cancels one halfway, and checks the commit first", () => {
            const w = workflow("deploy.yml");
            const c = obj(w.concurrency, "concurrency");
            assert.equal(c.group, "deploy");
            assert.equal(c["cancel-in-progress"], false);
            assert.deepEqual(Object.keys(obj(w.on, "on")).sort(), ["push", "schedule", "workflow_dispatch"]);
            assert.deepEqual(obj(obj(w.on, "on").push, "push").branches, ["main"]);
            assert.equal(jobsOf(w).checks.uses, "./.github/workflows/ci.yml");
        });

        it("runs on a schedule often enough that every certificate renews before its expiry alert", () => {
            // @pulumi/tls (bridged hashicorp/terraform-provider-tls) marks a certificate
            // ready_for_renewal inside early_renewal_hours and replaces it on the next update;
            // nothing renews without an update. So the longest
            // gap between scheduled deploys must fit in the days between the window opening and
            // the alert, with a week's slack to fix a failed run.
            const crons = arr(obj(workflow("deploy.yml").on, "on").schedule, "schedule").map((e) => str(obj(e, "schedule entry").cron));
            assert.equal(crons.length, 1);
            const gapDays = maxCronGapDays(crons[0]);
            const windowDays = PKI_VALIDITY.leafEarlyRenewalHours / 24 - EXPIRY_WARNING_DAYS;
            assert.ok(gapDays <= windowDays - 2, `deploys ${gapDays} days apart, the window before the alert is ${windowDays} days`);
            assert.ok(windowDays > 0, "the alert must come after the renewal window opens");
        });

        it("reads the longest gap of the cron forms it uses, and refuses others", () => {
            assert.equal(maxCronGapDays("23 4 * * 1"), 7);
            assert.equal(maxCronGapDays("0 3 * * *"), 1);
            assert.equal(maxCronGapDays("0 3 * * 1,4"), 4);
            assert.throws(() => maxCronGapDays("0 3 1 * *"), /day-of-month/);
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
            const waveJobs = Object.entries(deploy)
                .filter(([j]) => j.startsWith("wave-"))
                .map(([, j]) => j);
            for (const j of waveJobs) assert.ok(!JSON.stringify(j).includes("HCLOUD_TOKEN"));
            for (const job of [preview, deploy.hub, ...waveJobs]) {
                const w = obj(pulumiStep(job).with, "with");
                assert.equal(w.policyPacks, "policy", "the policy pack in policy/ applies to every preview and update");
            }
            assert.equal(obj(pulumiStep(preview).with, "with")["comment-on-pr"], true);
        });
    });

    describe("ci.yml", () => {
        /** .ci/run's command lines, without comments and progress messages. */
        const commands = () =>
            fs
                .readFileSync(path.join(ROOT, ".ci", "run"), "utf8")
                .split("\n")
                .map((l) => l.trim())
                .filter((l) => l && !l.startsWith("#") && !l.startsWith("echo"));

        it("runs .ci/run, the one place that says how the project is checked, and repeats none of it", () => {
            const steps = stepsOf(jobsOf(workflow("ci.yml")).check);
            const runs = steps.filter((s) => typeof s.run === "string").map((s) => str(s.run).trim());
            assert.ok(runs.includes("bash .ci/run"), JSON.stringify(runs));
            for (const r of runs.filter((x) => x !== "bash .ci/run")) assert.doesNotMatch(r, /npm (ci|test|run)|tsc/, `ci.yml repeats .ci/run: ${r}`);
            const lines = commands();
            const order = ["npm ci", "npx tsc --noEmit", "npm run lint", "npm test", "npm run test:integration", "npm run render"].map((c) =>
                lines.findIndex((l) => l.startsWith(c)),
            );
            assert.ok(
                order.every((i) => i >= 0),
                `.ci/run lost a command: ${JSON.stringify(lines)}`,
            );
            assert.deepEqual(
                [...order].sort((a, b) => a - b),
                order,
                ".ci/run runs its commands out of order",
            );
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

        describe("the engines job", () => {
            const job = () => jobsOf(workflow("ci.yml")).engines;

            it("runs for every Pulumi.<stack>.yaml, and nothing else", () => {
                const matrix = arr(obj(obj(job().strategy, "strategy").matrix, "matrix").stack, "matrix.stack").map((s) => str(s));
                assert.deepEqual(
                    [...matrix].sort(),
                    stacks.map((s) => s.stack).sort(),
                    `ci.yml jobs.engines.strategy.matrix.stack must list every stack: ${stacks
                        .map((s) => s.stack)
                        .sort()
                        .join(", ")}`,
                );
                assert.equal(obj(job().strategy, "strategy")["fail-fast"], false);
                assert.equal(obj(job().env, "env").STACK, "${{ matrix.stack }}");
            });

            it("takes every version from the program through tools/engines/main.ts, and holds none itself", () => {
                const text = fs.readFileSync(path.join(WORKFLOWS, "ci.yml"), "utf8");
                assert.ok(!text.includes(VECTOR_VERSION) && !text.includes("timberio/vector"), "ci.yml names a Vector version: take it from steps.versions");
                assert.ok(
                    !text.includes(PROMETHEUS_OPERATOR_VERSION) && !text.includes("kindest/node"),
                    "ci.yml names an engine version: take it from steps.versions",
                );
                assert.equal(str(step(job(), "versions").run), 'npx tsx tools/engines/main.ts versions | tee -a "$GITHUB_OUTPUT"');
                assert.equal(obj(step(job(), "vector-validate").env, "env").VECTOR_IMAGE, "${{ steps.versions.outputs.vector-image }}");
                assert.deepEqual(step(job(), "kind").with, {
                    version: "${{ steps.versions.outputs.kind-version }}",
                    node_image: "${{ steps.versions.outputs.kind-node-image }}",
                    cluster_name: "fleet",
                });
                assert.equal(
                    obj(step(job(), "dry-run-setup").env, "env").PROMETHEUS_OPERATOR_VERSION,
                    "${{ steps.versions.outputs.prometheus-operator-version }}",
                );
                // What the versions step prints is the program's own pin.
                assert.equal(engineVersions()["vector-image"], VECTOR_IMAGE);
                assert.equal(VECTOR_IMAGE, `timberio/vector:${VECTOR_VERSION}-distroless-libc`);
                // Kubernetes 1.32, the oldest Vector 0.59 supports, pinned by digest.
                assert.match(KIND_NODE_IMAGE, /^kindest\/node:v1\.32\.\d+@sha256:[0-9a-f]{64}$/);
            });

            it("validates each Vector config alone with --no-environment, and dry-runs on the server", () => {
                const validate = str(step(job(), "vector-validate").run);
                assert.match(validate, /for f in out\/"\$STACK"\/\*\.vector\.toml; do/);
                assert.match(
                    validate,
                    /docker run --rm -v "\$PWD\/out:\/out:ro" "\$VECTOR_IMAGE" validate --no-environment "\/out\/\$STACK\/\$\(basename "\$f"\)"/,
                );
                assert.match(str(step(job(), "dry-run").run), /^kubectl apply --server-side --dry-run=server .*-f "\$RUNNER_TEMP\/dry-run\/manifests\.yaml"$/);
            });
        });

        it("runs on push, pull requests and as deploy's checks", () => {
            assert.deepEqual(Object.keys(obj(workflow("ci.yml").on, "on")).sort(), ["pull_request", "push", "workflow_call"]);
        });
    });
});

/**
 * What the engines job hands the API server (tools/engines/engines.ts). A server-side dry run
 * persists nothing, so what the objects need must exist first; the API server refuses Secret
 * `data` that is not base64 (k8s.io/api core/v1 Secret.data is []byte) and a DaemonSet without a
 * selector or template, which a patch of an absent DaemonSet would be.
 */
describe("dry-run input for the engines job", () => {
    it("creates every namespace and a stand-in for each patched DaemonSet first, and moves redacted Secret data to stringData", () => {
        const files = renderedStack("dev", [
            { apiVersion: "v1", kind: "Namespace", metadata: { name: "vector-system" } },
            { apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "vector-system" }, data: { token: "secret-value", plain: "aGk=" } },
            { apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor", metadata: { name: "p", namespace: "monitoring" }, spec: {} },
            patch({
                apiVersion: "apps/v1",
                kind: "DaemonSet",
                metadata: { name: "promtail", namespace: "logging" },
                spec: { template: { spec: { nodeSelector: { parked: "yes" } } } },
            }),
        ]);
        const input = dryRunInput(files["manifests.yaml"]);
        const setup = parseManifests(input.setup);
        assert.deepEqual(
            setup.map((o) => `${o.kind} ${o.namespace ?? ""}/${o.name}`),
            ["Namespace /logging", "Namespace /monitoring", "Namespace /vector-system", "DaemonSet logging/promtail"],
        );
        const stub = setup[3].body as { spec: { selector: { matchLabels: object }; template: { metadata: { labels: object } } } };
        assert.deepEqual(stub.spec.selector.matchLabels, stub.spec.template.metadata.labels);
        const secret = parseManifests(input.manifests).find((o) => o.kind === "Secret")!;
        // render.ts redacts every value of a Secret, base64 or not.
        assert.equal(secret.body.data, undefined);
        assert.deepEqual(Object.keys(secret.body.stringData as object), ["plain", "token"]);
        assert.match(String((secret.body.stringData as Record<string, string>).token), /^<redacted: \d+ bytes/);
        assert.equal(input.notes.length, 2);
        assert.ok(!input.setup.includes("*a1") && !input.manifests.includes("&a1"), "no YAML aliases");
    });

    it("keeps every object of every rendered stack, each namespace created first", async () => {
        for (const r of await sharedRender()) {
            const input = dryRunInput(r.files["manifests.yaml"]);
            const objects = parseManifests(r.files["manifests.yaml"]);
            assert.equal(parseManifests(input.manifests).length, objects.length, r.stack);
            const setup = parseManifests(input.setup);
            const created = setup.filter((o) => o.kind === "Namespace").map((o) => o.name);
            for (const o of objects) if (o.namespace) assert.ok(created.includes(o.namespace), `${r.stack}: ${o.kind} ${o.name} in ${o.namespace}`);
            for (const o of objects.filter((x) => x.patch))
                assert.ok(
                    setup.some((s) => s.kind === o.kind && s.name === o.name),
                    `${r.stack}: no stand-in for ${o.name}`,
                );
        }
    });
});
