/**
 * `npm run diff`: renders the fleet at a git ref and in the working tree, and shows what changed
 * per stack. tools/diff/main.ts only wires a process to main(), so tests run it in-process.
 */
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { diffFleet, formatMarkdown, formatText, hasChanges, parseDiffArgs } from "./diff";
import { readRendered, RenderedFleet } from "../render/out-dir";
import type { Program } from "../render/render";
import type { ProcessIO } from "../shared/cli";

const exec = promisify(execFile);

export const USAGE = `usage: npm run diff [-- --base REF] [--stack NAME ...] [--stat | --name-only | --markdown] [--no-color]

Renders every stack twice, offline: at a git ref (with that ref's own code and stack files) and
in the working tree (uncommitted changes included), then shows per stack what \`pulumi up\` would
do with each Kubernetes object (by apiVersion, kind, namespace and name): created, updated in
place, replaced (by pulumi-kubernetes' force-new fields; delete-first for named objects) or
deleted; unified diffs of the changed objects and of changed *.vector.toml, outputs.json and
resources.txt files; warnings the change introduces or resolves; and one summary line per stack.
First come WARNING lines: a StatefulSet, PVC or load balancer Service replaced or deleted, and
resources whose URN changes (renamed or re-parented without an alias). The ref's tree is
rendered with the working tree's node_modules; when only stack files differ between the two,
both are rendered in this one process.

  --base REF      compare against REF (default: the merge base of HEAD and main, or origin/main)
  --stack NAME    only this stack (repeatable); the hub is still evaluated for its outputs
  --stat          the lists of changes with line counts, no diffs
  --name-only     one "<stack> <mark> <object or file>" line per change: +- replaced,
                  - deleted, + created, ~ updated in place (or a file changed)
  --markdown      for a sticky PR comment: the warnings, a note on what the offline render
                  simulates, then a collapsible <details> per changed stack, diffs in fenced
                  blocks, cut to --max-chars (default 60000) with a note when cut
  --no-color      no ANSI colors (the default when stdout is not a terminal); --color forces them

Exit status: 0 nothing changed, 1 something changed, 2 usage error or a render failed.`;

export interface DiffIo extends Pick<ProcessIO, "stdout" | "stderr" | "cwd" | "onCleanup"> {
    /** Colors unless --no-color (the CLI: stdout is a terminal and NO_COLOR is unset). */
    color: boolean;
    /**
     * The program this process has loaded, and the work tree it came from. That tree, and a base
     * whose code is the same (only stack files differ), render here: a child process would pay
     * Pulumi's start-up again for the same code. Any other tree runs its own tools/render/main.ts in
     * a child. Absent: every tree renders in a child.
     */
    local?: { root: string; program(): Promise<Program> };
}

async function git(cwd: string, ...args: string[]): Promise<string> {
    return (await exec("git", args, { cwd, encoding: "utf8" })).stdout.trim();
}

async function tryGit(cwd: string, ...args: string[]): Promise<string | undefined> {
    return git(cwd, ...args).catch(() => undefined);
}

/** The commit to compare against, and how to name it. */
async function resolveBase(top: string, ref: string | undefined): Promise<{ sha: string; label: string }> {
    const commit = (r: string) => tryGit(top, "rev-parse", "--verify", "--quiet", `${r}^{commit}`);
    if (ref !== undefined) {
        const sha = await commit(ref);
        if (!sha) throw new Error(`--base ${ref}: not a commit in this repository`);
        return { sha, label: sha.startsWith(ref) ? `\`${sha.slice(0, 7)}\`` : `\`${ref}\` (${sha.slice(0, 7)})` };
    }
    let main: string | undefined;
    for (const r of ["main", "origin/main"]) if (!main && (await commit(r))) main = r;
    if (!main) throw new Error("no branch main or origin/main to compare with: pass --base REF (a CI checkout needs main fetched, e.g. fetch-depth: 0)");
    const sha = await tryGit(top, "merge-base", "HEAD", main);
    if (!sha) throw new Error(`HEAD and ${main} have no merge base here (a shallow clone?): fetch more history or pass --base REF`);
    return { sha, label: `the merge base of HEAD and \`${main}\` (${sha.slice(0, 7)})` };
}

/** Top-level stack files, which the renderer reads from each tree: everything else is code. */
const STACK_FILES = ":(exclude,glob)Pulumi.*.yaml";

/**
 * True when the work tree at `top` has the code of `sha`: no tracked file differs but stack
 * files, and no untracked file (one that is not ignored) could be loaded. Anything git cannot
 * answer counts as different, so that tree renders with its own code.
 */
async function sameCode(top: string, sha: string): Promise<boolean> {
    const changed = await exec("git", ["diff", "--quiet", sha, "--", ".", STACK_FILES], { cwd: top }).then(
        () => false,
        () => true,
    );
    if (changed) return false;
    const untracked = await tryGit(top, "ls-files", "--others", "--exclude-standard", "--", ".", STACK_FILES);
    return untracked === "";
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

/**
 * Where a tree keeps its renderer: today's layout, then the one before tools/ existed, so the
 * preview of a change made across the move still renders its base.
 */
const RENDER_SCRIPTS = ["tools/render/main.ts", "scripts/render.ts"] as const;

/** The preload that loads the Pulumi SDKs the fast way (see its header), relative to a tree. */
const FAST_PULUMI = "tools/shared/fast-pulumi.cjs";

/** How one tree is rendered: with the program loaded here, or by its own tools/render/main.ts. */
type Renderer = { program: Program } | { child: string };

/** Renders `tree`'s stack files: all stacks, or those of `only` it has. */
async function render(tree: string, renderer: Renderer, what: string, only: string[]): Promise<RenderedFleet> {
    const here = only.filter((s) => fs.existsSync(path.join(tree, `Pulumi.${s}.yaml`)));
    if (only.length > 0 && here.length === 0) return {};
    if ("program" in renderer) {
        // Loaded only here: usage errors and --help never load the program (under `npm run diff` the
        // SDK preload still costs them ~0.4 s of CPU).
        const { renderFleet, formatRenderFailure } = require("../render/render") as typeof import("../render/render");
        try {
            const rendered = await renderFleet(renderer.program, tree, here.length > 0 ? here : undefined);
            return Object.fromEntries(rendered.map((r) => [r.stack, r.files]));
        } catch (e) {
            throw new Error(`cannot render ${what}:\n${formatRenderFailure(e)}`, { cause: e });
        }
    }
    const script = RENDER_SCRIPTS.find((s) => fs.existsSync(path.join(tree, s)));
    if (script === undefined) throw new Error(`${what} has no ${RENDER_SCRIPTS[0]} to render with`);
    // As `npm run render` starts it, with the tree's own SDK preload where it has one (a base from
    // before tools/shared/fast-pulumi.cjs renders the same, only slower).
    const preload = fs.existsSync(path.join(tree, FAST_PULUMI)) ? ["--require", `./${FAST_PULUMI}`] : [];
    const r = await run(process.execPath, [...preload, "--import", "tsx", script, "--out", renderer.child, ...here.flatMap((s) => ["--stack", s])], tree);
    if (r.code !== 0) throw new Error(`cannot render ${what}:\n${r.stderr.trim()}`);
    return readRendered(renderer.child);
}

export async function main(argv: string[], io: DiffIo): Promise<number> {
    const args = parseDiffArgs(argv);
    if ("error" in args) {
        io.stderr(`diff: ${args.error}\n(run with --help for usage)\n`);
        return 2;
    }
    if (args.help) {
        io.stdout(`${USAGE}\n`);
        return 0;
    }
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vector-fleet-diff-"));
    const cleanup = () => fs.rmSync(tmp, { recursive: true, force: true });
    io.onCleanup?.(cleanup);
    try {
        const top = await tryGit(io.cwd, "rev-parse", "--show-toplevel");
        if (!top) throw new Error("not inside a git repository");
        const base = await resolveBase(top, args.base);
        const baseDir = path.join(tmp, "base");
        await checkout(top, base.sha, baseDir);
        const stackFiles = (dir: string) => fs.readdirSync(dir).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []);
        for (const s of args.stacks) {
            const known = [...new Set([...stackFiles(baseDir), ...stackFiles(top)])].sort();
            if (!known.includes(s)) throw new Error(`no stack "${s}": no Pulumi.${s}.yaml at the base or in the working tree (stacks: ${known.join(", ")})`);
        }

        const local = io.local && fs.realpathSync(io.local.root) === fs.realpathSync(top) ? await io.local.program() : undefined;
        const baseRenderer: Renderer = local && (await sameCode(top, base.sha)) ? { program: local } : { child: path.join(tmp, "out-base") };
        const workRenderer: Renderer = local ? { program: local } : { child: path.join(tmp, "out-work") };
        if ("program" in baseRenderer) io.stderr("diff: only stack files differ from the base: both trees rendered in this process\n");
        else if (local) io.stderr("diff: the base's code differs: rendering it with its own tools/render/main.ts\n");
        const baseWhat = `the base ${base.sha.slice(0, 7)}`;
        // Two children run side by side; in-process renders take turns anyway (runStack).
        const [before, after] = await Promise.all([
            render(baseDir, baseRenderer, baseWhat, args.stacks),
            render(top, workRenderer, "the working tree", args.stacks),
        ]);

        const diffs = diffFleet(before, after);
        if (args.mode === "markdown") io.stdout(formatMarkdown(diffs, { base: base.label, maxChars: args.maxChars }));
        else {
            if (args.mode !== "name-only") io.stdout(`base: ${base.label.replace(/`/g, "")}; compared with the working tree\n\n`);
            io.stdout(formatText(diffs, { mode: args.mode, color: args.color ?? io.color }));
        }
        return hasChanges(diffs) ? 1 : 0;
    } catch (e) {
        io.stderr(`diff: ${e instanceof Error ? e.message : String(e)}\n`);
        return 2;
    } finally {
        cleanup();
        io.onCleanup?.(undefined);
    }
}
