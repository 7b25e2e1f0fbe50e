/**
 * docs/adding-a-cluster.md followed as a new user would, in a temporary copy of the repository, with
 * a cluster name nobody wrote a test for: the page's own commands are run (its `qa` replaced by the
 * random name), the workflow entries `npm test` asks for are added, and then the fleet must be green
 * again: the unit tier, the integration tests that read the stack files and workflows, and the
 * render. Steps 4 and 5 (GitHub settings, `pulumi up`) need a real GitHub and cluster; not run.
 */
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { isMap, isSeq, parse as parseYaml, parseDocument } from "yaml";
import { startEarly } from "../support/early";
import { ROOT } from "../support/fleet";

const exec = promisify(execFile);
const PAGE = path.join(ROOT, "docs", "adding-a-cluster.md");
const EXAMPLE = "qa";
/**
 * The integration tests that read the repository's own stack files or workflows (the others run
 * over the tests' fleet in tests/fixtures/fleet, so a new stack file cannot change them).
 */
const INTEGRATION_OVER_THE_REPO = ["tests/program/k8s-schema.integration.test.ts", "tests/ci/workflows.integration.test.ts"];

// ---- the page ---------------------------------------------------------------------------------

interface Step {
    title: string;
    bash: string[];
    console: string[];
}

/** `## N. Title` sections with their ```bash command lines and ```console blocks. */
function steps(markdown: string): Map<number, Step> {
    const out = new Map<number, Step>();
    for (const part of markdown.split(/^## /m).slice(1)) {
        const m = /^(\d+)\. (.*)\n/.exec(part);
        if (!m) continue;
        const blocks = (lang: string) => [...part.matchAll(new RegExp("^```" + lang + "\\n([\\s\\S]*?)^```", "gm"))].map((b) => b[1]);
        out.set(Number(m[1]), {
            title: m[2],
            bash: blocks("bash")
                .flatMap((b) => b.split("\n"))
                .filter((l) => l.trim() !== "" && !l.startsWith("#")),
            console: blocks("console"),
        });
    }
    return out;
}

/** The example's name in a command or an expected line, replaced by ours. */
const renamed = (text: string, name: string) =>
    text
        .replace(new RegExp(`(?<![A-Za-z0-9])${EXAMPLE}(?![A-Za-z0-9])`, "g"), name)
        .replace(new RegExp(`(?<![A-Za-z0-9])${EXAMPLE.toUpperCase()}(?![A-Za-z0-9])`, "g"), name.toUpperCase());

/** A line of expected output as a pattern: lists of stacks (`[...]`, or after `must list ...:`) depend on the fleet. */
function expectedLine(line: string): RegExp {
    const listAt = line.search(/ must list [^:]*: /);
    const fixed = listAt >= 0 ? line.slice(0, line.indexOf(": ", listAt) + 2) : line;
    const pattern = fixed
        .split(/\[[^\]]*\]/)
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join("\\[[^\\]]*\\]");
    return new RegExp(pattern);
}

// ---- the copy ---------------------------------------------------------------------------------

interface Ran {
    command: string;
    code: number;
    output: string;
}

async function run(dir: string, command: string, env: NodeJS.ProcessEnv = {}): Promise<Ran> {
    try {
        // At a lower priority: it runs beside the whole tier, whose timed tests (a 1 s query timeout) come first.
        const r = await exec("nice", ["-n", "10", "bash", "-c", command], { cwd: dir, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
        return { command, code: 0, output: r.stdout + r.stderr };
    } catch (e) {
        const err = e as { code?: number; stdout?: string; stderr?: string };
        return { command, code: typeof err.code === "number" ? err.code : -1, output: `${err.stdout ?? ""}${err.stderr ?? ""}` };
    }
}

/** The repository's files (committed or not, ignored ones left out) in a temp dir, node_modules linked. */
async function repositoryCopy(): Promise<string> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vector-fleet-new-cluster-"));
    const files = (await exec("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 })).stdout
        .split("\0")
        .filter(Boolean);
    // Asynchronously: this runs beside the tier's in-process tests, some of which time a second.
    for (const f of files) {
        await fs.promises.mkdir(path.dirname(path.join(dir, f)), { recursive: true });
        await fs.promises.copyFile(path.join(ROOT, f), path.join(dir, f)).catch((e: NodeJS.ErrnoException) => {
            if (e.code !== "ENOENT") throw e; // deleted in the working tree
        });
    }
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    return dir;
}

/**
 * What a failing tests/ci/workflows.test.ts asks for, applied to the workflow's text the way a
 * person edits it (the file is not re-serialised, so its comments and layout stay as they are):
 * - `... is not previewed: add { stack: x, ... } to <path> in <file>`: one more entry at the end;
 * - `<file> <path> must list <what>: a, b`: the flow list set to exactly those.
 */
function applyWorkflowMessage(dir: string, message: string): void {
    const add = /is not previewed: add (\{.*\}) to (\S+) in (\S+)$/.exec(message);
    const list = /^(\S+\.ya?ml) (\S+) must list [^:]*: (.*)$/.exec(message);
    const [file, keyPath] = add ? [add[3], add[2]] : list ? [path.join(".github", "workflows", list[1]), list[2]] : [];
    assert.ok(file && keyPath, `a workflow failure this test does not know how to follow: ${message}`);
    const full = path.join(dir, file);
    const text = fs.readFileSync(full, "utf8");
    const node = parseDocument(text).getIn(keyPath.split("."), true);
    assert.ok(isSeq(node) && node.range, `${file} ${keyPath} is not a list`);
    let edited: string;
    if (add) {
        const last = node.items.at(-1);
        assert.ok(isMap(last) && last.range, `${file} ${keyPath}: its entries are not maps`);
        const lineStart = text.lastIndexOf("\n", last.range[0]) + 1;
        const indent = " ".repeat(last.range[0] - lineStart);
        const entry = parseYaml(add[1]) as Record<string, string>;
        const lines = Object.entries(entry).map(([k, v], i) => `${i === 0 ? `${indent.slice(2)}- ` : indent}${k}: ${v}\n`);
        const at = text.indexOf("\n", last.range[1] - 1) + 1;
        edited = text.slice(0, at) + lines.join("") + text.slice(at);
    } else {
        assert.ok(node.flow, `${file} ${keyPath} is not a [flow] list`);
        edited = text.slice(0, node.range[0]) + `[${list![3]}]` + text.slice(node.range[1]);
    }
    fs.writeFileSync(full, edited);
}

interface Followed {
    name: string;
    page: Map<number, Step>;
    ran: Ran[];
    stepOneRender?: Ran;
    workflowFailures: string[];
    unit?: Ran;
    integration?: Ran;
}

const followed = startEarly(async (): Promise<Followed> => {
    // A DNS label that is in no file yet: not a word a test or a default could know.
    const name = `n${randomBytes(4).toString("hex")}`;
    const page = steps(fs.readFileSync(PAGE, "utf8"));
    const dir = await repositoryCopy();
    const result: Followed = { name, page, ran: [], workflowFailures: [] };
    const must = async (command: string) => {
        const r = await run(dir, command);
        result.ran.push(r);
        if (r.code !== 0) throw new Error(`\`${command}\` exited ${r.code}:\n${r.output}`);
    };
    try {
        // 1. The stack file: the page's commands, then the render the page shows failing.
        for (const c of page.get(1)?.bash ?? []) await must(renamed(c, name));
        const shown = page.get(1)?.console[0]?.split("\n")[0];
        if (shown?.startsWith("$ ")) result.stepOneRender = await run(dir, renamed(shown.slice(2), name));
        // 2. The hub's list and identities: the page's commands, its `npm run render` included.
        for (const c of page.get(2)?.bash ?? []) await must(renamed(c, name));
        // 3. The workflow matrices: npm test says where; do what it says.
        const workflows = await run(dir, "npx mocha tests/ci/workflows.test.ts");
        result.workflowFailures = [...workflows.output.matchAll(/^\s*AssertionError \[ERR_ASSERTION\]: (.*)$/gm)].map((m) => m[1]);
        for (const message of result.workflowFailures) applyWorkflowMessage(dir, message);
        // Green again: the unit tier as `npm test` runs it, then the integration tests over the repository's files.
        result.unit = await run(dir, "npm test", { CI: "true" });
        result.integration = await run(dir, `npx mocha ${INTEGRATION_OVER_THE_REPO.join(" ")}`, { CI: "true" });
        return result;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

describe("docs/adding-a-cluster.md, followed in a copy of the repository with a random cluster name", function () {
    this.timeout(600_000);

    it("has the steps this test follows: the stack file, the hub's lists, the workflow matrices", () => {
        const page = steps(fs.readFileSync(PAGE, "utf8"));
        assert.match(page.get(1)?.bash.join("\n") ?? "", new RegExp(`> Pulumi\\.${EXAMPLE}\\.yaml`), "step 1 writes the stack file");
        assert.match(page.get(2)?.bash.join("\n") ?? "", /Pulumi\.monitoring\.yaml/, "step 2 edits the hub's stack file");
        assert.match(page.get(2)?.bash.join("\n") ?? "", /^npm run render$/m, "step 2 renders");
        assert.ok((page.get(3)?.console[0] ?? "").includes("AssertionError"), "step 3 shows what npm test asks for");
    });

    it("step 1: the render refuses the new cluster the hub does not list yet, as the page shows", async () => {
        const f = await followed();
        const shown = f.page
            .get(1)!
            .console[0].split("\n")
            .slice(1)
            .filter((l) => l.trim() !== "");
        assert.ok(f.stepOneRender, "the page shows no `$ npm run render` in step 1");
        assert.notEqual(f.stepOneRender.code, 0, f.stepOneRender.output);
        for (const line of shown) assert.match(f.stepOneRender.output, expectedLine(renamed(line, f.name)));
    });

    it("step 2: the page's commands list the cluster on the hub, and the whole fleet renders", async () => {
        const f = await followed();
        const render = f.ran.at(-1)!;
        assert.equal(render.command, "npm run render");
        assert.match(render.output, new RegExp(`^${f.name} -> out/${f.name}/$`, "m"));
    });

    it("step 3: npm test names exactly the workflow entries the page says it does", async () => {
        const f = await followed();
        const shown = [...f.page.get(3)!.console[0].matchAll(/^AssertionError \[ERR_ASSERTION\]: (.*)$/gm)].map((m) => renamed(m[1], f.name));
        assert.equal(f.workflowFailures.length, shown.length, f.workflowFailures.join("\n"));
        shown.forEach((line, i) => assert.match(f.workflowFailures[i], expectedLine(line)));
    });

    it("then the unit tier is green", async () => {
        const f = await followed();
        assert.equal(f.unit?.code, 0, f.unit?.output.slice(-6000));
    });

    it(`then the integration tests over the repository's stack files and workflows are green (${INTEGRATION_OVER_THE_REPO.map((t) => path.basename(t)).join(", ")})`, async () => {
        const f = await followed();
        assert.equal(f.integration?.code, 0, f.integration?.output.slice(-6000));
    });
});
