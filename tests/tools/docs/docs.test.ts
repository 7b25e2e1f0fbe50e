/**
 * The docs as a newcomer meets them: every relative link and anchor resolves, every concept page
 * exists and shows at least one command to run, every `npm run` names a real script, every path
 * written in prose exists, and the generated tables match the code they come from.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { withNodeExporterCoverage } from "../../../tools/docs/node-exporter-coverage";
import { anchors, COMMAND_LANGS, githubSlug, isExternal, links, npmScripts, repoPathsInProse, splitFences } from "../../../tools/shared/markdown";

const ROOT = path.resolve(__dirname, "../../..");
const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), "utf8");

/** One page per concept; README links them all. */
const CONCEPT_PAGES = [
    "docs/architecture.md",
    "docs/configuration.md",
    "docs/render-and-diff.md",
    "docs/agent.md",
    "docs/aggregator.md",
    "docs/tls.md",
    "docs/network-policies.md",
    "docs/reliability.md",
    "docs/monitoring.md",
    "docs/migration.md",
    "docs/operations.md",
    "docs/adding-a-cluster.md",
    "docs/identity.md",
];

const DOCS = [
    "README.md",
    "SECURITY.md",
    "policy/README.md",
    ...fs
        .readdirSync(path.join(ROOT, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => `docs/${f}`),
];

/** Top-level folders whose paths, written in prose, must exist. */
const REPO_DIRS = ["components", "config", "lib", "scripts", "tests", "policy", "docs", ".github", ".ci"];

describe("docs", () => {
    describe("markdown reading", () => {
        it("gives headings GitHub's anchors, with repeats numbered", () => {
            assert.equal(githubSlug("Why the agent runs as root with the host network"), "why-the-agent-runs-as-root-with-the-host-network");
            assert.equal(githubSlug("`npm run verify`: is Vector at parity?"), "npm-run-verify-is-vector-at-parity");
            assert.equal(githubSlug("`aggregator-disruption-budget` (stack policy)"), "aggregator-disruption-budget-stack-policy");
            assert.equal(githubSlug("TLS and credentials"), "tls-and-credentials");
            assert.deepEqual([...anchors("# A\n## Fix\n## Fix\n```sh\n# not a heading\n```\n")], ["a", "fix", "fix-1"]);
        });

        it("finds links outside code only", () => {
            const doc = 'see [a](a.md#x) and `[b](b.md)`\n```md\n[c](c.md)\n```\n![d](img/d.png "title")\n';
            assert.deepEqual(
                links(doc).map((l) => [l.line, l.target]),
                [
                    [1, "a.md#x"],
                    [5, "img/d.png"],
                ],
            );
        });
    });

    for (const file of DOCS) {
        it(`${file}: every relative link points to an existing file, and every #anchor to a heading there`, () => {
            const problems: string[] = [];
            for (const l of links(read(file))) {
                if (isExternal(l.target)) continue;
                const [target, anchor] = l.target.split("#", 2);
                const resolved = target === "" ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), target));
                if (!fs.existsSync(path.join(ROOT, resolved))) {
                    problems.push(`${file}:${l.line}: [${l.text}](${l.target}): no file ${resolved}`);
                    continue;
                }
                if (anchor !== undefined && resolved.endsWith(".md") && !anchors(read(resolved)).has(anchor))
                    problems.push(`${file}:${l.line}: [${l.text}](${l.target}): ${resolved} has no heading with anchor #${anchor}`);
            }
            assert.deepEqual(problems, []);
        });
    }

    it("every concept page exists, is linked from the README and shows a command to run", () => {
        const readmeTargets = new Set(links(read("README.md")).map((l) => l.target.split("#")[0]));
        for (const page of CONCEPT_PAGES) {
            assert.ok(fs.existsSync(path.join(ROOT, page)), `${page} is missing`);
            assert.ok(readmeTargets.has(page), `README.md does not link ${page}`);
            const langs = splitFences(read(page)).fences.map((f) => f.lang);
            assert.ok(
                langs.some((l) => COMMAND_LANGS.includes(l)),
                `${page} has no fenced command block (${COMMAND_LANGS.join(", ")}); fences found: ${JSON.stringify(langs)}`,
            );
        }
    });

    it("README.md links every page under docs/", () => {
        const readmeTargets = new Set(links(read("README.md")).map((l) => l.target.split("#")[0]));
        for (const f of DOCS.filter((d) => d.startsWith("docs/"))) assert.ok(readmeTargets.has(f), `README.md does not link ${f}`);
    });

    it("README.md starts with the two commands a newcomer runs, and they exist", () => {
        const head = read("README.md").split("\n").slice(0, 5).join("\n");
        assert.match(head, /`npm ci && npm run render`/);
        assert.match(head, /`npm test`/);
        const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;
        assert.ok(scripts.render && scripts.test, "package.json lacks the render or test script");
    });

    it("every `npm run <script>` in the docs names a script of package.json", () => {
        const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;
        const unknown = DOCS.flatMap((f) =>
            npmScripts(read(f))
                .filter((s) => !(s in scripts))
                .map((s) => `${f}: npm run ${s}`),
        );
        assert.deepEqual(unknown, []);
    });

    it("every repository path written in the docs' prose exists", () => {
        const missing = DOCS.flatMap((f) =>
            repoPathsInProse(read(f), REPO_DIRS)
                .filter((p) => !fs.existsSync(path.join(ROOT, p)))
                .map((p) => `${f}: ${p}`),
        );
        assert.deepEqual(missing, []);
    });

    it("keeps docs/migration.md's node-exporter coverage table in step with the agent (run `npm run docs`)", () => {
        const doc = read("docs/migration.md");
        assert.equal(withNodeExporterCoverage(doc), doc, "docs/migration.md is stale: run `npm run docs`");
    });
});
