import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
    DEFAULT_MAX_CHARS,
    diffFleet,
    diffLines,
    formatMarkdown,
    formatText,
    hasChanges,
    MARKDOWN_MARKER,
    objectKey,
    objectLabel,
    parseDiffArgs,
    readRendered,
    RenderedFleet,
    StackDiff,
    summaryLine,
    unifiedHunks,
} from "../lib/offline/diff";
import { AGENT_TOML, agentStack, patch, renderedStack } from "./support/rendered";

const hubStack = () =>
    renderedStack(
        "monitoring",
        [
            { apiVersion: "v1", kind: "Namespace", metadata: { name: "vector-aggregator" } },
            { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "vector-aggregator", namespace: "vector-aggregator" }, spec: { replicas: 3 } },
        ],
        { role: "hub", agentNamespace: null },
    );

function fleet(stacks: Record<string, Record<string, string>>): RenderedFleet {
    return stacks;
}

function byStack(diffs: StackDiff[], stack: string): StackDiff {
    const d = diffs.find((x) => x.stack === stack);
    assert.ok(d, `no diff for ${stack}`);
    return d;
}

describe("line diff", () => {
    /** Longest common subsequence length, the textbook way, to check the diff is minimal. */
    function lcs(a: string[], b: string[]): number {
        const t = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
        for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) t[i][j] = a[i] === b[j] ? t[i + 1][j + 1] + 1 : Math.max(t[i + 1][j], t[i][j + 1]);
        return t[0][0];
    }

    it("produces a shortest edit script that rebuilds both sides (random inputs, checked against LCS)", () => {
        let seed = 7;
        const rand = (n: number) => {
            seed = (seed * 1103515245 + 12345) % 2 ** 31;
            return seed % n;
        };
        for (let round = 0; round < 300; round++) {
            const a = Array.from({ length: rand(12) }, () => "abcd"[rand(4)]);
            const b = Array.from({ length: rand(12) }, () => "abcd"[rand(4)]);
            const script = diffLines(a, b);
            assert.deepEqual(script.filter((l) => l.op !== "+").map((l) => l.text), a);
            assert.deepEqual(script.filter((l) => l.op !== "-").map((l) => l.text), b);
            assert.equal(script.filter((l) => l.op === " ").length, lcs(a, b), `not minimal for ${a.join("")} -> ${b.join("")}`);
        }
    });

    it("writes hunks with three lines of context and diff(1)'s line ranges", () => {
        const before = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join("\n") + "\n";
        const after = before.replace("line 10\n", "line ten\n");
        assert.deepEqual(unifiedHunks(before, after), ["@@ -7,7 +7,7 @@", " line 7", " line 8", " line 9", "-line 10", "+line ten", " line 11", " line 12", " line 13"]);
        assert.deepEqual(unifiedHunks("", "a\nb\n"), ["@@ -0,0 +1,2 @@", "+a", "+b"]);
        assert.deepEqual(unifiedHunks("a\n", "b\n"), ["@@ -1 +1 @@", "-a", "+b"]);
        assert.deepEqual(unifiedHunks(before, before), []);
    });

    it("keeps far-apart changes in separate hunks and joins near ones", () => {
        const lines = Array.from({ length: 30 }, (_, i) => `l${i + 1}`);
        const far = [...lines];
        far[2] = "x";
        far[25] = "y";
        assert.equal(unifiedHunks(lines.join("\n"), far.join("\n")).filter((l) => l.startsWith("@@")).length, 2);
        const near = [...lines];
        near[2] = "x";
        near[8] = "y"; // six unchanged lines between: one hunk
        assert.deepEqual(unifiedHunks(lines.join("\n"), near.join("\n")).filter((l) => l.startsWith("@@")), ["@@ -1,12 +1,12 @@"]);
    });
});

describe("object identity", () => {
    it("is apiVersion, kind, namespace and name, with patches apart from owned objects", () => {
        const ds = { apiVersion: "apps/v1", kind: "DaemonSet", namespace: "monitoring", name: "promtail" };
        assert.notEqual(objectKey(ds), objectKey({ ...ds, patch: "kubernetes:apps/v1:DaemonSetPatch" }));
        assert.notEqual(objectKey(ds), objectKey({ ...ds, namespace: "other" }));
        assert.equal(objectLabel(ds), "DaemonSet monitoring/promtail");
        assert.equal(objectLabel({ ...ds, patch: "kubernetes:apps/v1:DaemonSetPatch" }), "DaemonSet monitoring/promtail (patch)");
        assert.equal(objectLabel({ kind: "ClusterRole", name: "vector-agent" }), "ClusterRole vector-agent");
    });
});

describe("fleet diff", () => {
    it("finds nothing between equal renders", () => {
        const a = fleet({ monitoring: hubStack(), dev: agentStack() });
        const diffs = diffFleet(a, fleet({ monitoring: hubStack(), dev: agentStack() }));
        assert.deepEqual(diffs.map((d) => [d.stack, d.status]), [["monitoring", "unchanged"], ["dev", "unchanged"]]);
        assert.equal(hasChanges(diffs), false);
        assert.deepEqual(diffs.map(summaryLine), ["monitoring: no changes", "dev: no changes"]);
    });

    it("reports a changed DaemonSet as one changed object with a unified diff", () => {
        const diffs = diffFleet(fleet({ dev: agentStack() }), fleet({ dev: agentStack({ cpu: "60m" }) }));
        const dev = byStack(diffs, "dev");
        assert.equal(dev.status, "changed");
        assert.deepEqual(dev.objects.map((o) => [o.status, o.label]), [["changed", "DaemonSet vector-system/vector-agent"]]);
        assert.deepEqual(dev.files, []);
        assert.equal(summaryLine(dev), "dev: 1 changed (DaemonSet vector-system/vector-agent), 0 added, 0 removed");
        const text = formatText(diffs, { mode: "full", color: false });
        assert.match(text, /^=== dev\nchanged:\n {2}~ DaemonSet vector-system\/vector-agent\n\n--- a\/dev\/DaemonSet vector-system\/vector-agent\n\+\+\+ b\/dev\/DaemonSet vector-system\/vector-agent\n@@ /m);
        assert.match(text, /^- {14}cpu: 50m\n\+ {14}cpu: 60m$/m);
        assert.ok(text.endsWith("dev: 1 changed (DaemonSet vector-system/vector-agent), 0 added, 0 removed\n"));
        assert.ok(!text.includes("\x1b["), "no color unless asked");
    });

    it("lists added and removed objects, showing added ones and only naming removed ones", () => {
        const before = agentStack({ extra: [{ apiVersion: "v1", kind: "Secret", metadata: { name: "old", namespace: "vector-system" } }] });
        const after = agentStack({ extra: [{ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "deny", namespace: "vector-system" }, spec: { podSelector: {} } }] });
        const [dev] = diffFleet(fleet({ dev: before }), fleet({ dev: after }));
        assert.deepEqual(dev.objects.map((o) => [o.status, o.label]), [["added", "NetworkPolicy vector-system/deny"], ["removed", "Secret vector-system/old"]]);
        assert.deepEqual(dev.files.map((f) => [f.status, f.name]), [["changed", "resources.txt"]]);
        assert.equal(summaryLine(dev), "dev: 0 changed, 1 added (NetworkPolicy vector-system/deny), 1 removed (Secret vector-system/old); resources.txt changed");
        const text = formatText([dev], { mode: "full", color: false });
        assert.match(text, /^added:\n {2}\+ NetworkPolicy vector-system\/deny\nremoved:\n {2}- Secret vector-system\/old\nchanged:\n {2}~ file resources.txt$/m);
        assert.match(text, /^--- \/dev\/null\n\+\+\+ b\/dev\/NetworkPolicy vector-system\/deny\n@@ -0,0 \+1,\d+ @@\n\+apiVersion: networking.k8s.io\/v1$/m);
        assert.ok(!text.includes("+++ b/dev/Secret"), "a removed object is named, not shown");
    });

    it("shows an embedded Vector config once, as its file, and notes it on the ConfigMap", () => {
        const toml = AGENT_TOML.replace('.cluster = "dev"', '.cluster = "dev"\n.team = "product"');
        const [dev] = diffFleet(fleet({ dev: agentStack() }), fleet({ dev: agentStack({ toml }) }));
        const cm = dev.objects.find((o) => o.label === "ConfigMap vector-system/vector-agent-config");
        assert.ok(cm);
        assert.deepEqual(cm.embedded, ["vector-agent.vector.toml"]);
        assert.deepEqual(dev.files.map((f) => f.name), ["vector-agent.vector.toml"]);
        const text = formatText([dev], { mode: "full", color: false });
        assert.match(text, /~ ConfigMap vector-system\/vector-agent-config \(only its Vector config changed: see vector-agent.vector.toml\)/);
        assert.ok(!text.includes("+++ b/dev/ConfigMap"), "the ConfigMap's TOML is not diffed a second time");
        assert.match(text, /^\+\+\+ b\/dev\/vector-agent.vector.toml\n@@ -10,6 \+10,7 @@\n(.*\n){3}\+\.team = "product"$/m);
    });

    it("tells a patch apart from the object it patches", () => {
        const promtail = { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "promtail", namespace: "monitoring" }, spec: { template: { spec: { nodeSelector: { parked: "yes" } } } } };
        const [dev] = diffFleet(fleet({ dev: agentStack() }), fleet({ dev: agentStack({ extra: [patch(promtail)] }) }));
        assert.deepEqual(dev.objects.map((o) => [o.status, o.label]), [["added", "DaemonSet monitoring/promtail (patch)"]]);
    });

    it("names the apiVersion when one object moves to another", () => {
        const pdb = (apiVersion: string) => ({ apiVersion, kind: "PodDisruptionBudget", metadata: { name: "agg", namespace: "vector-aggregator" }, spec: { minAvailable: 2 } });
        const [dev] = diffFleet(fleet({ dev: agentStack({ extra: [pdb("policy/v1beta1")] }) }), fleet({ dev: agentStack({ extra: [pdb("policy/v1")] }) }));
        assert.deepEqual(dev.objects.map((o) => [o.status, o.label]), [
            ["added", "PodDisruptionBudget vector-aggregator/agg [policy/v1]"],
            ["removed", "PodDisruptionBudget vector-aggregator/agg [policy/v1beta1]"],
        ]);
    });

    it("reports stacks added and removed entirely, hubs first", () => {
        const diffs = diffFleet(fleet({ monitoring: hubStack(), old: agentStack({ stack: "old" }) }), fleet({ monitoring: hubStack(), qa: agentStack({ stack: "qa" }) }));
        assert.deepEqual(diffs.map((d) => [d.stack, d.status]), [["monitoring", "unchanged"], ["old", "removed"], ["qa", "added"]]);
        assert.equal(
            summaryLine(byStack(diffs, "qa")),
            "qa: new stack, 0 changed, 4 added (Namespace vector-system, ConfigMap vector-system/vector-agent-config, DaemonSet vector-system/vector-agent, and 1 more), 0 removed",
        );
        assert.match(summaryLine(byStack(diffs, "old")), /^old: stack removed, 0 changed, 0 added, 4 removed \(Namespace vector-system, /);
        assert.match(formatText(diffs, { mode: "full", color: false }), /^=== qa \(new stack\)$/m);
    });

    it("reports the warnings a change introduces and resolves", () => {
        const [dev] = diffFleet(fleet({ dev: agentStack() }), fleet({ dev: agentStack({ podMonitor: false, outputs: { migrationPhase: "parallel" } }) }));
        assert.equal(dev.warnings.added.length, 2);
        assert.match(dev.warnings.added.join("\n"), /no PodMonitor for the agent in vector-system/);
        assert.match(dev.warnings.added.join("\n"), /migration phase "parallel"/);
        assert.match(formatText([dev], { mode: "stat", color: false }), /^new warning: no PodMonitor for the agent/m);
        const [back] = diffFleet(fleet({ dev: agentStack({ podMonitor: false }) }), fleet({ dev: agentStack() }));
        assert.equal(back.warnings.removed.length, 1);
    });

    it("reads rendered folders, skipping a half-written one", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vector-fleet-diff-"));
        for (const [stack, files] of Object.entries({ dev: agentStack(), "dev.tmp-123": { "x.txt": "x" } })) {
            fs.mkdirSync(path.join(dir, stack));
            for (const [f, c] of Object.entries(files)) fs.writeFileSync(path.join(dir, stack, f), c);
        }
        const read = readRendered(dir);
        assert.deepEqual(Object.keys(read), ["dev"]);
        assert.deepEqual(read.dev, agentStack());
        assert.deepEqual(readRendered(path.join(dir, "missing")), {});
        fs.rmSync(dir, { recursive: true });
    });
});

describe("diff output", () => {
    const changed = () => diffFleet(fleet({ monitoring: hubStack(), dev: agentStack() }), fleet({ monitoring: hubStack(), dev: agentStack({ cpu: "60m", toml: AGENT_TOML.replace("dev", "development") }) }));

    it("--stat lists changes with line counts and no diffs", () => {
        const text = formatText(changed(), { mode: "stat", color: false });
        assert.equal(
            text,
            [
                "=== dev",
                "changed:",
                "  ~ ConfigMap vector-system/vector-agent-config (only its Vector config changed: see vector-agent.vector.toml)",
                "  ~ DaemonSet vector-system/vector-agent  (+1 -1)",
                "  ~ file vector-agent.vector.toml  (+1 -1)",
                "",
                "monitoring: no changes",
                "dev: 2 changed (ConfigMap vector-system/vector-agent-config, DaemonSet vector-system/vector-agent), 0 added, 0 removed; vector-agent.vector.toml changed",
                "",
            ].join("\n"),
        );
    });

    it("--name-only prints one line per change and nothing for an unchanged fleet", () => {
        assert.equal(
            formatText(changed(), { mode: "name-only", color: false }),
            "dev ~ ConfigMap vector-system/vector-agent-config\ndev ~ DaemonSet vector-system/vector-agent\ndev ~ vector-agent.vector.toml\n",
        );
        assert.equal(formatText(diffFleet(fleet({ dev: agentStack() }), fleet({ dev: agentStack() })), { mode: "name-only", color: false }), "");
    });

    it("colors added, removed and hunk lines only when asked", () => {
        const text = formatText(changed(), { mode: "full", color: true });
        assert.ok(text.includes("\x1b[31m-              cpu: 50m\x1b[0m"));
        assert.ok(text.includes("\x1b[32m+              cpu: 60m\x1b[0m"));
        assert.match(text, /\x1b\[36m@@ -\d+,\d+ \+\d+,\d+ @@\x1b\[0m/);
    });

    it("--markdown puts each changed stack in a <details> with fenced diffs", () => {
        const md = formatMarkdown(changed(), { base: "`main` (abc1234)", maxChars: DEFAULT_MAX_CHARS });
        assert.ok(md.startsWith(`${MARKDOWN_MARKER}\n### Rendered fleet against \`main\` (abc1234)\n`));
        assert.match(md, /<details><summary>dev: 2 changed \(ConfigMap vector-system\/vector-agent-config, DaemonSet vector-system\/vector-agent\), 0 added, 0 removed; vector-agent.vector.toml changed<\/summary>\n\n/);
        assert.match(md, /\| changed \| `DaemonSet vector-system\/vector-agent` \|/);
        assert.match(md, /```diff\n--- a\/dev\/DaemonSet vector-system\/vector-agent\n[^`]*\+ {14}cpu: 60m\n[^`]*```/);
        assert.equal((md.match(/<details>/g) ?? []).length, 1, "unchanged stacks are not expanded");
        assert.match(md, /^Unchanged: `monitoring`\.$/m);
        assert.ok(!md.includes("truncated"));
    });

    it("--markdown says so when nothing changed", () => {
        const md = formatMarkdown(diffFleet(fleet({ dev: agentStack() }), fleet({ dev: agentStack() })), { base: "`main`", maxChars: DEFAULT_MAX_CHARS });
        assert.match(md, /No changes: every stack renders the same manifests and Vector configs\./);
    });

    it("--markdown stays under its size cap, keeping the summaries and saying it cut", () => {
        const big = Array.from({ length: 3000 }, (_, i) => `# line ${i}`).join("\n");
        const diffs = diffFleet(fleet({ dev: agentStack() }), fleet({ dev: agentStack({ toml: `${AGENT_TOML}${big}\n` }) }));
        const md = formatMarkdown(diffs, { base: "`main`", maxChars: 5000 });
        assert.ok(md.length <= 5000, `${md.length} characters`);
        assert.match(md, /<summary>dev: 1 changed \(ConfigMap vector-system\/vector-agent-config\), 0 added, 0 removed; vector-agent.vector.toml changed<\/summary>/);
        assert.match(md, /\n\+# line 10\n/, "the diff is cut, not dropped");
        assert.match(md, /Diffs truncated to fit a PR comment: run `npm run diff` locally/);
        assert.equal((md.match(/^```/gm) ?? []).length % 2, 0, "every fence is closed");
    });

    it("--markdown fences a diff that contains backticks with a longer fence", () => {
        const [dev] = diffFleet(fleet({ dev: agentStack() }), fleet({ dev: agentStack({ toml: `${AGENT_TOML}# \`\`\`\`\n` }) }));
        assert.match(formatMarkdown([dev], { base: "x", maxChars: DEFAULT_MAX_CHARS }), /^`````diff\n--- a\/dev\/vector-agent.vector.toml/m);
    });
});

describe("diff arguments", () => {
    it("parses the options and refuses what it does not know", () => {
        assert.deepEqual(parseDiffArgs(["--base", "HEAD~1", "--stack", "dev", "--stack", "staging", "--markdown", "--max-chars", "40000"]), {
            help: false,
            base: "HEAD~1",
            stacks: ["dev", "staging"],
            mode: "markdown",
            maxChars: 40000,
        });
        assert.deepEqual(parseDiffArgs(["--no-color", "--stat"]), { help: false, stacks: [], mode: "stat", color: false, maxChars: DEFAULT_MAX_CHARS });
        assert.deepEqual(parseDiffArgs(["--stat", "--name-only"]), { error: "choose one of --stat, --name-only" });
        assert.deepEqual(parseDiffArgs(["--base"]), { error: "--base needs a value" });
        assert.deepEqual(parseDiffArgs(["--max-chars", "ten"]), { error: '--max-chars: got "ten"; expected a whole number of at least 1000' });
        assert.deepEqual(parseDiffArgs(["--frobnicate"]), { error: 'unknown argument "--frobnicate"' });
    });
});
