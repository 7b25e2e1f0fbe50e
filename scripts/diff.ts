/**
 * `npm run diff [-- --base REF] [--stack NAME ...] [--stat | --name-only | --markdown]`: renders
 * the fleet at a git ref and in the working tree, and shows what changed per stack.
 */
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { diffFleet, formatMarkdown, formatText, hasChanges, parseDiffArgs, readRendered, RenderedFleet } from "../lib/offline/diff";

const USAGE = `usage: npm run diff [-- --base REF] [--stack NAME ...] [--stat | --name-only | --markdown] [--no-color]

Renders every stack twice, offline: at a git ref (with that ref's own code and stack files) and
in the working tree (uncommitted changes included), then shows per stack the Kubernetes objects
added, removed and changed (by apiVersion, kind, namespace and name), unified diffs of the
changed objects and of changed *.vector.toml, outputs.json and resources.txt files, warnings the
change introduces or resolves, and one summary line per stack. The ref's tree is rendered with the
working tree's node_modules.

  --base REF      compare against REF (default: the merge base of HEAD and main, or origin/main)
  --stack NAME    only this stack (repeatable); the hub is still evaluated for its outputs
  --stat          the lists of changes with line counts, no diffs
  --name-only     one "<stack> <+|-|~> <object or file>" line per change
  --markdown      for a sticky PR comment: a collapsible <details> per changed stack, diffs in
                  fenced blocks, cut to --max-chars (default 60000) with a note when cut
  --no-color      no ANSI colors (the default when stdout is not a terminal); --color forces them

Exit status: 0 nothing changed, 1 something changed, 2 usage error or a render failed.`;

function git(cwd: string, ...args: string[]): string {
    return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

function tryGit(cwd: string, ...args: string[]): string | undefined {
    try {
        return git(cwd, ...args);
    } catch {
        return undefined;
    }
}

/** The commit to compare against, and how to name it. */
function resolveBase(top: string, ref: string | undefined): { sha: string; label: string } {
    if (ref !== undefined) {
        const sha = tryGit(top, "rev-parse", "--verify", "--quiet", `${ref}^{commit}`);
        if (!sha) throw new Error(`--base ${ref}: not a commit in this repository`);
        return { sha, label: sha.startsWith(ref) ? `\`${sha.slice(0, 7)}\`` : `\`${ref}\` (${sha.slice(0, 7)})` };
    }
    const main = ["main", "origin/main"].find((r) => tryGit(top, "rev-parse", "--verify", "--quiet", `${r}^{commit}`));
    if (!main) throw new Error("no branch main or origin/main to compare with: pass --base REF (a CI checkout needs main fetched, e.g. fetch-depth: 0)");
    const sha = tryGit(top, "merge-base", "HEAD", main);
    if (!sha) throw new Error(`HEAD and ${main} have no merge base here (a shallow clone?): fetch more history or pass --base REF`);
    return { sha, label: `the merge base of HEAD and \`${main}\` (${sha.slice(0, 7)})` };
}

function run(cmd: string, args: string[], cwd: string, stdin?: NodeJS.ReadableStream): Promise<{ code: number; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { cwd, stdio: [stdin ? "pipe" : "ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
        if (stdin) stdin.pipe(child.stdin!);
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? 1, stderr }));
    });
}

/** The files of `sha` in `dir`: git archive, so nothing is added to the repository's worktree list. */
async function checkout(top: string, sha: string, dir: string): Promise<void> {
    fs.mkdirSync(dir, { recursive: true });
    const archive = spawn("git", ["archive", "--format=tar", sha], { cwd: top, stdio: ["ignore", "pipe", "pipe"] });
    let archiveErr = "";
    archive.stderr.on("data", (d: Buffer) => (archiveErr += d.toString()));
    const archived = new Promise<number>((resolve) => archive.on("close", (code) => resolve(code ?? 1)));
    const tar = await run("tar", ["-x", "-f", "-", "-C", dir], top, archive.stdout);
    if ((await archived) !== 0 || tar.code !== 0) throw new Error(`cannot check out ${sha.slice(0, 7)}: ${archiveErr || tar.stderr}`.trim());
    fs.symlinkSync(path.join(top, "node_modules"), path.join(dir, "node_modules"), "dir");
}

/** Runs a tree's own `scripts/render.ts` as it would run there, writing to `out`: all stacks, or those of `only` it has. */
async function render(tree: string, out: string, what: string, only: string[]): Promise<RenderedFleet> {
    if (!fs.existsSync(path.join(tree, "scripts", "render.ts"))) throw new Error(`${what} has no scripts/render.ts to render with`);
    const here = only.filter((s) => fs.existsSync(path.join(tree, `Pulumi.${s}.yaml`)));
    if (only.length > 0 && here.length === 0) return {};
    const r = await run(process.execPath, ["--import", "tsx", "scripts/render.ts", "--out", out, ...here.flatMap((s) => ["--stack", s])], tree);
    if (r.code !== 0) throw new Error(`cannot render ${what}:\n${r.stderr.trim()}`);
    return readRendered(out);
}

async function main(argv: string[]): Promise<number> {
    const args = parseDiffArgs(argv);
    if ("error" in args) {
        console.error(`diff: ${args.error}\n\n${USAGE}`);
        return 2;
    }
    if (args.help) {
        console.log(USAGE);
        return 0;
    }
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vector-fleet-diff-"));
    const cleanup = () => fs.rmSync(tmp, { recursive: true, force: true });
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
        process.on(signal, () => {
            cleanup();
            process.exit(2);
        });
    }
    try {
        const top = tryGit(process.cwd(), "rev-parse", "--show-toplevel");
        if (!top) throw new Error("not inside a git repository");
        const base = resolveBase(top, args.base);
        await checkout(top, base.sha, path.join(tmp, "base"));
        const stackFiles = (dir: string) => fs.readdirSync(dir).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []);
        for (const s of args.stacks) {
            const known = [...new Set([...stackFiles(path.join(tmp, "base")), ...stackFiles(top)])].sort();
            if (!known.includes(s)) throw new Error(`no stack "${s}": no Pulumi.${s}.yaml at the base or in the working tree (stacks: ${known.join(", ")})`);
        }
        const [before, after] = await Promise.all([
            render(path.join(tmp, "base"), path.join(tmp, "out-base"), `the base ${base.sha.slice(0, 7)}`, args.stacks),
            render(top, path.join(tmp, "out-work"), "the working tree", args.stacks),
        ]);
        const diffs = diffFleet(before, after);
        if (args.mode === "markdown") process.stdout.write(formatMarkdown(diffs, { base: base.label, maxChars: args.maxChars }));
        else {
            if (args.mode !== "name-only") console.log(`base: ${base.label.replace(/`/g, "")}; compared with the working tree\n`);
            process.stdout.write(formatText(diffs, { mode: args.mode, color: args.color ?? (process.stdout.isTTY === true && !process.env.NO_COLOR) }));
        }
        return hasChanges(diffs) ? 1 : 0;
    } catch (e) {
        console.error(`diff: ${e instanceof Error ? e.message : String(e)}`);
        return 2;
    } finally {
        cleanup();
    }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
