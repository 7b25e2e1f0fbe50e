import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { main, USAGE } from "../../../tools/diff/cli";
import { startEarly } from "../../support/early";
import { FIXTURE_FLEET, program, ROOT } from "../../support/fleet";

const exec = promisify(execFile);

interface Run {
    code: number;
    stdout: string;
    stderr: string;
}

/**
 * What the base's stand-in tools/render/main.ts writes: one object no real render has, named for
 * whether the child was started with the tree's SDK preload (tools/shared/fast-pulumi.cjs).
 */
const STUB_RENDER = `import * as fs from "node:fs";
const out = process.argv[process.argv.indexOf("--out") + 1];
const preloaded = Object.keys(require.cache).some((f) => f.endsWith("fast-pulumi.cjs"));
const name = preloaded ? "from-the-base-code" : "from-the-base-code-without-sdk-preload";
fs.mkdirSync(out + "/dev", { recursive: true });
fs.writeFileSync(out + "/dev/manifests.yaml", "apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: " + name + "\\n  namespace: vector-system\\n");
`;

/**
 * A throwaway clone (the repository's own working tree is never touched) whose main is this
 * working tree's code, so that the program this process loaded is the clone's. Branches:
 * - raise-dev-cpu: raises dev's CPU request and only adds a comment to staging's stack file;
 * - hub-storage-class: moves the aggregators' buffers to another StorageClass;
 * - hub-namespace: moves the aggregators to another namespace;
 * - broken-dev: gives dev a region Hetzner does not have;
 * - stub-base: main with tools/render/main.ts replaced by STUB_RENDER, and on top of it
 *   code-change: the real renderer back. Compared with stub-base, its base's code differs;
 * - old-layout: stub-base with its renderer where the layout before tools/ kept it (scripts/render.ts),
 *   and without the SDK preload, which that layout did not have either.
 * Git only, so it is made while the first tests run.
 */
const clone = startEarly(
    async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vector-fleet-diff-e2e-"));
        const git = (...args: string[]) => exec("git", ["-c", "user.name=diff test", "-c", "user.email=diff-test@example.invalid", ...args], { cwd: dir });
        const edit = (file: string, from: string, to: string) => {
            const text = fs.readFileSync(path.join(dir, file), "utf8");
            if (!text.includes(from)) throw new Error(`${file} no longer contains ${JSON.stringify(from)}: update this test`);
            fs.writeFileSync(path.join(dir, file), text.replace(from, to));
        };
        // Tracked files as they are in the working tree, uncommitted changes included (HEAD if none).
        const working = (await exec("git", ["stash", "create"], { cwd: ROOT })).stdout.trim() || "HEAD";
        await exec("git", ["clone", "--quiet", "--shared", "--no-checkout", ROOT, dir]);
        await git("checkout", "--quiet", "-B", "main", working);
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
        // The tests' own fleet in place of whichever stacks the repository has: the branches below edit its files.
        const stackFile = /^Pulumi\..+\.yaml$/;
        for (const f of fs.readdirSync(dir).filter((f) => stackFile.test(f))) fs.rmSync(path.join(dir, f));
        for (const f of fs.readdirSync(FIXTURE_FLEET).filter((f) => stackFile.test(f))) fs.copyFileSync(path.join(FIXTURE_FLEET, f), path.join(dir, f));
        await git("add", "--all", "--", "Pulumi.*.yaml");
        await git("commit", "--quiet", "--allow-empty", "-m", "the tests' fleet");

        await git("checkout", "--quiet", "-b", "raise-dev-cpu", "main");
        edit("Pulumi.dev.yaml", "cpu: 50m", "cpu: 60m");
        edit("Pulumi.staging.yaml", "config:\n", "# a comment changes no rendered byte\nconfig:\n");
        await git("commit", "--quiet", "-am", "dev: more CPU; staging: a comment");

        await git("checkout", "--quiet", "-b", "hub-storage-class", "main");
        edit("Pulumi.monitoring.yaml", "      size: 20Gi\n", "      size: 20Gi\n      storageClassName: hcloud-volumes-fast\n");
        await git("commit", "--quiet", "-am", "monitoring: another StorageClass for the buffers");

        await git("checkout", "--quiet", "-b", "hub-namespace", "main");
        edit("Pulumi.monitoring.yaml", "    replicas: 3\n", "    replicas: 3\n    namespace: vector-aggregators\n");
        await git("commit", "--quiet", "-am", "monitoring: the aggregators in another namespace");

        await git("checkout", "--quiet", "-b", "broken-dev", "main");
        edit("Pulumi.dev.yaml", "vector-fleet:region: hel1", "vector-fleet:region: mars");
        await git("commit", "--quiet", "-am", "dev: a region Hetzner does not have");

        await git("checkout", "--quiet", "-b", "stub-base", "main");
        fs.writeFileSync(path.join(dir, "tools", "render", "main.ts"), STUB_RENDER);
        await git("commit", "--quiet", "-am", "a renderer of its own");
        await git("checkout", "--quiet", "-b", "code-change");
        await git("checkout", "--quiet", "main", "--", "tools/render/main.ts");
        await git("commit", "--quiet", "-am", "the real renderer");
        await git("checkout", "--quiet", "-b", "old-layout", "stub-base");
        fs.mkdirSync(path.join(dir, "scripts"));
        await git("mv", "tools/render/main.ts", "scripts/render.ts");
        await git("rm", "--quiet", "tools/shared/fast-pulumi.cjs");
        await git("commit", "--quiet", "-m", "the renderer where it was before tools/, and no SDK preload");
        await git("checkout", "--quiet", "code-change");
        return dir;
    },
    (dir) => fs.rmSync(dir, { recursive: true, force: true }),
);

/** `npm run diff -- ARGS` in-process, in the clone at `branch`, with this process's program as the clone's own. */
async function diff(branch: string, args: string[] = []): Promise<Run> {
    const dir = await clone();
    await exec("git", ["checkout", "--quiet", branch], { cwd: dir });
    let stdout = "";
    let stderr = "";
    const code = await main(args, {
        stdout: (t) => (stdout += t),
        stderr: (t) => (stderr += t),
        cwd: dir,
        color: false,
        local: { root: dir, program: async () => program },
    });
    return { code, stdout, stderr };
}

describe("npm run diff (end to end, in a throwaway clone)", function () {
    this.timeout(60000);

    it("exits 1 showing the object a committed config change touches, against the merge base with main, in one process", async () => {
        const r = await diff("raise-dev-cpu");
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stdout, /^base: the merge base of HEAD and main \([0-9a-f]{7}\); compared with the working tree$/m);
        assert.match(r.stdout, /^--- a\/dev\/DaemonSet vector-system\/vector-agent\n\+\+\+ b\/dev\/DaemonSet vector-system\/vector-agent\n@@ /m);
        assert.match(r.stdout, /^-\s+cpu: 50m\n\+\s+cpu: 60m$/m);
        assert.match(r.stdout, /^updated in place:\n {2}~ DaemonSet vector-system\/vector-agent$/m);
        assert.match(r.stdout, /^dev: 1 updated in place \(DaemonSet vector-system\/vector-agent\)$/m);
        assert.doesNotMatch(r.stdout, /WARNING/);
        // Its stack file changed, but not a rendered byte.
        assert.match(r.stdout, /^staging: no changes$/m);
        assert.match(r.stdout, /^monitoring: no changes$/m);
        assert.equal(r.stderr, "diff: only stack files differ from the base: both trees rendered in this process\n");
    });

    it("warns first of all, in the PR comment, when a hub change deletes a stateful object", async () => {
        const r = await diff("hub-namespace", ["--markdown"]);
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stdout, /^### Rendered fleet against the merge base of HEAD and `main`/m);
        assert.match(
            r.stdout,
            /^> \[!CAUTION\]\n(> - .*\n)*> - monitoring: StatefulSet vector-aggregator\/vector-aggregator is DELETED: every replica goes down at once/m,
        );
        assert.ok(r.stdout.indexOf("[!CAUTION]") < r.stdout.indexOf("<details>"));
        assert.match(r.stdout, /An \*\*offline render, not a `pulumi preview`\*\*/);
        assert.match(r.stdout, /Simulated: the hcloud Network lookup/);
        assert.match(r.stdout, /^> Certificates \(`monitoring` \d+\): each is re-issued by the first `pulumi up` inside its early-renewal window/m);
    });

    it("warns that a StorageClass change reaches no existing claim: the StatefulSet ignores volumeClaimTemplates", async () => {
        // The aggregators' StatefulSet ignores changes to spec.volumeClaimTemplates (a change there
        // forces a delete-first replacement: pulumi/pulumi-kubernetes provider/pkg/provider/diff.go),
        // and sizes are applied to each claim by its own patch: a new class would reach nothing.
        const r = await diff("hub-storage-class", ["--markdown"]);
        assert.equal(r.code, 1, r.stderr);
        assert.match(
            r.stdout,
            /^> \[!CAUTION\]\n> - monitoring: StatefulSet vector-aggregator\/vector-aggregator: pulumi up keeps the old spec\.volumeClaimTemplates \(the resource's ignoreChanges\)/m,
        );
        assert.doesNotMatch(r.stdout, /REPLACED/);
    });

    it("renders a base whose code differs with the base's own tools/render/main.ts, in a child process", async () => {
        const r = await diff("code-change", ["--base", "stub-base", "--name-only"]);
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /^diff: the base's code differs: rendering it with its own tools\/render\/main\.ts$/m);
        const lines = r.stdout.trim().split("\n");
        // Only the stand-in renderer at the base wrote this object, started as npm run render starts
        // it: with the base's own SDK preload.
        assert.ok(lines.includes("dev - ConfigMap vector-system/from-the-base-code"), r.stdout);
        assert.ok(lines.includes("dev + DaemonSet vector-system/vector-agent"), r.stdout);
        // The base rendered no other stack, so each is new.
        for (const stack of ["monitoring", "management", "staging"])
            assert.ok(
                lines.some((l) => l.startsWith(`${stack} + `)),
                `${stack} added:\n${r.stdout}`,
            );
    });

    it("renders a base from before the tools/ layout with its scripts/render.ts, and without the SDK preload it lacks", async () => {
        const r = await diff("code-change", ["--base", "old-layout", "--name-only", "--stack", "dev"]);
        assert.equal(r.code, 1, r.stderr);
        assert.ok(r.stdout.trim().split("\n").includes("dev - ConfigMap vector-system/from-the-base-code-without-sdk-preload"), r.stdout);
    });

    it("exits 0 and says so when the base renders the same fleet", async () => {
        const r = await diff("raise-dev-cpu", ["--base", "raise-dev-cpu", "--stack", "dev", "--stat"]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^dev: no changes$/m);
    });

    it("exits 2 with the render's own problem lines when the working tree does not render", async () => {
        const r = await diff("broken-dev");
        assert.equal(r.code, 2);
        assert.equal(r.stdout, "");
        assert.match(
            r.stderr,
            /^diff: cannot render the working tree:\nrender failed, nothing written \(1 problem\):\ndev: vector-fleet:region: got "mars"; expected one of "fsn1", "nbg1", "hel1"/m,
        );
    });

    it("exits 2 naming a stack neither tree has, before rendering anything", async () => {
        const r = await diff("raise-dev-cpu", ["--stack", "prod"]);
        assert.equal(r.code, 2);
        assert.equal(r.stdout, "");
        assert.equal(
            r.stderr,
            'diff: no stack "prod": no Pulumi.prod.yaml at the base or in the working tree (stacks: dev, management, monitoring, staging)\n',
        );
    });

    it("exits 2 with the usage for an unknown option, and 0 with it for --help", async () => {
        const bad = await main(["--frobnicate"], {
            stdout: () => assert.fail("no stdout"),
            stderr: (t) => assert.match(t, /^diff: .*--frobnicate/),
            cwd: ROOT,
            color: false,
        });
        assert.equal(bad, 2);
        let help = "";
        assert.equal(await main(["--help"], { stdout: (t) => (help += t), stderr: (t) => assert.fail(t), cwd: ROOT, color: false }), 0);
        assert.equal(help, `${USAGE}\n`);
    });
});

/** tools/diff/main.ts as child processes (tsx start-up, no Pulumi): started with the mocha run. */
const children = startEarly(() => {
    const child = (arg: string) =>
        exec(process.execPath, ["--import", "tsx", path.join(ROOT, "tools", "diff", "main.ts"), arg], { cwd: ROOT }).then(
            (r) => ({ code: 0, ...r }),
            (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
        );
    return Promise.all([child("--help"), child("--frobnicate")]);
});

describe("tools/diff/main.ts", () => {
    it("passes argv to main, and its streams and exit code back", async () => {
        const [help, bad] = await children();
        assert.deepEqual(help, { code: 0, stdout: `${USAGE}\n`, stderr: "" });
        assert.equal(bad.code, 2);
        assert.equal(bad.stdout, "");
        assert.match(bad.stderr, /^diff: .*--frobnicate/);
    });
});
