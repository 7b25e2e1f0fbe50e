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
 * working tree is never touched): a branch that raises dev's CPU request and only adds a comment to
 * staging's stack file, compared with the default base (the merge base with main). It renders the
 * fleet twice in child processes, so it starts with the mocha run. The exit-0 path is the same
 * code on an empty diff (tests/diff.test.ts); one run keeps the suite fast.
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
        const edit = (stack: string, from: string, to: string) => {
            const file = path.join(clone, `Pulumi.${stack}.yaml`);
            const text = fs.readFileSync(file, "utf8");
            if (!text.includes(from)) throw new Error(`Pulumi.${stack}.yaml no longer contains ${JSON.stringify(from)}: update this test`);
            fs.writeFileSync(file, text.replace(from, to));
        };
        await exec("git", ["clone", "--quiet", "--shared", ROOT, clone]);
        // CI may check out a detached HEAD: give the clone its own main, where HEAD is.
        await git("checkout", "--quiet", "-B", "main");
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(clone, "node_modules"), "dir");

        await git("checkout", "--quiet", "-b", "raise-dev-cpu");
        edit("dev", "cpu: 50m", "cpu: 60m");
        edit("staging", "config:\n", "# a comment changes no rendered byte\nconfig:\n");
        await git("commit", "--quiet", "-am", "dev: more CPU; staging: a comment");
        const changed = await diff();
        return { clone, changed };
    },
    ({ clone }) => fs.rmSync(clone, { recursive: true, force: true }),
);

describe("npm run diff (end to end)", function () {
    this.timeout(60000);

    it("exits 1 showing the object a committed change touches, against the merge base with main", async () => {
        const { changed } = await runs();
        assert.equal(changed.status, 1, changed.stderr);
        assert.match(changed.stdout, /^base: the merge base of HEAD and main \([0-9a-f]{7}\); compared with the working tree$/m);
        assert.match(changed.stdout, /^--- a\/dev\/DaemonSet vector-system\/vector-agent\n\+\+\+ b\/dev\/DaemonSet vector-system\/vector-agent\n@@ /m);
        assert.match(changed.stdout, /^-\s+cpu: 50m\n\+\s+cpu: 60m$/m);
        assert.match(changed.stdout, /^dev: 1 changed \(DaemonSet vector-system\/vector-agent\), 0 added, 0 removed$/m);
        // Its stack file changed, but not a rendered byte.
        assert.match(changed.stdout, /^staging: no changes$/m);
        assert.match(changed.stdout, /^monitoring: no changes$/m);
        assert.ok(!changed.stdout.includes("\x1b["), "no color when stdout is not a terminal");
    });
});
