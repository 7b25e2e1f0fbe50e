import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { startEarly } from "./support/early";
import { ROOT } from "./support/fleet";

const exec = promisify(execFile);

interface Run {
    status: number;
    stdout: string;
    stderr: string;
}

/**
 * The one end-to-end run of scripts/diff.ts, in a throwaway clone of HEAD (the repository's own
 * working tree is never touched): first a comment-only edit, which renders the same fleet; then a
 * changed CPU request committed on a branch, compared with the default base (the merge base with
 * main). Each run renders the fleet twice in child processes, so both start with the mocha run.
 */
const runs = startEarly(
    async () => {
        const clone = fs.mkdtempSync(path.join(os.tmpdir(), "vector-fleet-diff-e2e-"));
        const git = (...args: string[]) => exec("git", ["-c", "user.name=diff test", "-c", "user.email=diff-test@example.invalid", ...args], { cwd: clone });
        const diff = (...args: string[]): Promise<Run> =>
            exec(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "diff.ts"), ...args], { cwd: clone }).then(
                (r) => ({ status: 0, ...r }),
                (e: { code?: number; stdout?: string; stderr?: string }) => ({ status: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? String(e) }),
            );
        const edit = (from: string, to: string) => {
            const file = path.join(clone, "Pulumi.dev.yaml");
            const text = fs.readFileSync(file, "utf8");
            if (!text.includes(from)) throw new Error(`Pulumi.dev.yaml no longer contains ${JSON.stringify(from)}: update this test`);
            fs.writeFileSync(file, text.replace(from, to));
        };
        await exec("git", ["clone", "--quiet", "--shared", ROOT, clone]);
        // CI may check out a detached HEAD: give the clone its own main, where HEAD is.
        await git("checkout", "--quiet", "-B", "main");
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(clone, "node_modules"), "dir");

        edit("config:\n", "# a comment changes no rendered byte\nconfig:\n");
        const same = await diff("--stack", "dev", "--no-color");

        await git("checkout", "--quiet", "--", "Pulumi.dev.yaml");
        await git("checkout", "--quiet", "-b", "raise-dev-cpu");
        edit("cpu: 50m", "cpu: 60m");
        await git("commit", "--quiet", "-am", "dev: more CPU");
        const changed = await diff();
        return { clone, same, changed };
    },
    ({ clone }) => fs.rmSync(clone, { recursive: true, force: true }),
);

describe("npm run diff (end to end)", function () {
    this.timeout(60000);

    it("exits 0 when an edit renders the same fleet", async () => {
        const { same } = await runs();
        assert.equal(same.status, 0, same.stderr);
        assert.match(same.stdout, /^dev: no changes\n$/m);
    });

    it("exits 1 showing the object a committed change touches, against the merge base with main", async () => {
        const { changed } = await runs();
        assert.equal(changed.status, 1, changed.stderr);
        assert.match(changed.stdout, /^base: the merge base of HEAD and main \([0-9a-f]{7}\); compared with the working tree$/m);
        assert.match(changed.stdout, /^--- a\/dev\/DaemonSet vector-system\/vector-agent\n\+\+\+ b\/dev\/DaemonSet vector-system\/vector-agent\n@@ /m);
        assert.match(changed.stdout, /^-\s+cpu: 50m\n\+\s+cpu: 60m$/m);
        assert.match(changed.stdout, /^dev: 1 changed \(DaemonSet vector-system\/vector-agent\), 0 added, 0 removed$/m);
        assert.match(changed.stdout, /^staging: no changes$/m);
        assert.ok(!changed.stdout.includes("\x1b["), "no color when stdout is not a terminal");
    });
});
