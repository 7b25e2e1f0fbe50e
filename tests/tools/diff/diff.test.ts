import * as k8s from "@pulumi/kubernetes";
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
    StackDiff,
    summaryLine,
    unifiedHunks,
} from "../../../tools/diff/diff";
import { readRendered, RenderedFleet } from "../../../tools/render/out-dir";
import { changedProperties, forceNewPaths, ignored, parseResourceTree, replacement, touches } from "../../../tools/render/replacement";
import { renderFiles } from "../../../tools/render/render";
import { runStack } from "../../../tools/render/simulator";
import { parseManifests, summarizeStack } from "../../../tools/render/summary";
import { AGENT_TOML, agentStack, FixtureObject, patch, renderedStack } from "../../support/rendered";

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
        for (let i = a.length - 1; i >= 0; i--)
            for (let j = b.length - 1; j >= 0; j--) t[i][j] = a[i] === b[j] ? t[i + 1][j + 1] + 1 : Math.max(t[i + 1][j], t[i][j + 1]);
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
            assert.deepEqual(
                script.filter((l) => l.op !== "+").map((l) => l.text),
                a,
            );
            assert.deepEqual(
                script.filter((l) => l.op !== "-").map((l) => l.text),
                b,
            );
            assert.equal(script.filter((l) => l.op === " ").length, lcs(a, b), `not minimal for ${a.join("")} -> ${b.join("")}`);
        }
    });

    it("writes hunks with three lines of context and diff(1)'s line ranges", () => {
        const before = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join("\n") + "\n";
        const after = before.replace("line 10\n", "line ten\n");
        assert.deepEqual(unifiedHunks(before, after), [
            "@@ -7,7 +7,7 @@",
            " line 7",
            " line 8",
            " line 9",
            "-line 10",
            "+line ten",
            " line 11",
            " line 12",
            " line 13",
        ]);
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
        assert.deepEqual(
            unifiedHunks(lines.join("\n"), near.join("\n")).filter((l) => l.startsWith("@@")),
            ["@@ -1,12 +1,12 @@"],
        );
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
        assert.deepEqual(
            diffs.map((d) => [d.stack, d.status]),
            [
                ["monitoring", "unchanged"],
                ["dev", "unchanged"],
            ],
        );
        assert.equal(hasChanges(diffs), false);
        assert.deepEqual(diffs.map(summaryLine), ["monitoring: no changes", "dev: no changes"]);
    });

    it("reports a changed DaemonSet as one changed object with a unified diff", () => {
        const diffs = diffFleet(fleet({ dev: agentStack() }), fleet({ dev: agentStack({ cpu: "60m" }) }));
        const dev = byStack(diffs, "dev");
        assert.equal(dev.status, "changed");
        assert.deepEqual(
            dev.objects.map((o) => [o.status, o.label]),
            [["changed", "DaemonSet vector-system/vector-agent"]],
        );
        assert.deepEqual(dev.files, []);
        assert.equal(summaryLine(dev), "dev: 1 updated in place (DaemonSet vector-system/vector-agent)");
        const text = formatText(diffs, { mode: "full", color: false });
        assert.match(
            text,
            /^=== dev\nupdated in place:\n {2}~ DaemonSet vector-system\/vector-agent\n\n--- a\/dev\/DaemonSet vector-system\/vector-agent\n\+\+\+ b\/dev\/DaemonSet vector-system\/vector-agent\n@@ /m,
        );
        assert.match(text, /^- {14}cpu: 50m\n\+ {14}cpu: 60m$/m);
        assert.ok(text.endsWith("dev: 1 updated in place (DaemonSet vector-system/vector-agent)\n"));
        assert.ok(!text.includes("\x1b["), "no color unless asked");
    });

    it("lists added and removed objects, showing added ones and only naming removed ones", () => {
        const before = agentStack({ extra: [{ apiVersion: "v1", kind: "Secret", metadata: { name: "old", namespace: "vector-system" } }] });
        const after = agentStack({
            extra: [
                {
                    apiVersion: "networking.k8s.io/v1",
                    kind: "NetworkPolicy",
                    metadata: { name: "deny", namespace: "vector-system" },
                    spec: { podSelector: {} },
                },
            ],
        });
        const [dev] = diffFleet(fleet({ dev: before }), fleet({ dev: after }));
        assert.deepEqual(
            dev.objects.map((o) => [o.status, o.label]),
            [
                ["added", "NetworkPolicy vector-system/deny"],
                ["removed", "Secret vector-system/old"],
            ],
        );
        assert.deepEqual(
            dev.files.map((f) => [f.status, f.name]),
            [["changed", "resources.txt"]],
        );
        assert.equal(summaryLine(dev), "dev: 1 deleted (Secret vector-system/old), 1 created (NetworkPolicy vector-system/deny); resources.txt changed");
        const text = formatText([dev], { mode: "full", color: false });
        assert.match(
            text,
            /^deleted:\n {2}- Secret vector-system\/old\ncreated:\n {2}\+ NetworkPolicy vector-system\/deny\nfiles:\n {2}~ resources.txt changed$/m,
        );
        assert.match(text, /^--- \/dev\/null\n\+\+\+ b\/dev\/NetworkPolicy vector-system\/deny\n@@ -0,0 \+1,\d+ @@\n\+apiVersion: networking.k8s.io\/v1$/m);
        assert.ok(!text.includes("+++ b/dev/Secret"), "a removed object is named, not shown");
    });

    it("shows an embedded Vector config once, as its file, and notes it on the ConfigMap", () => {
        const toml = AGENT_TOML.replace('.cluster = "dev"', '.cluster = "dev"\n.team = "product"');
        const [dev] = diffFleet(fleet({ dev: agentStack() }), fleet({ dev: agentStack({ toml }) }));
        const cm = dev.objects.find((o) => o.label === "ConfigMap vector-system/vector-agent-config");
        assert.ok(cm);
        assert.deepEqual(cm.embedded, ["vector-agent.vector.toml"]);
        assert.deepEqual(
            dev.files.map((f) => f.name),
            ["vector-agent.vector.toml"],
        );
        const text = formatText([dev], { mode: "full", color: false });
        // Its data changed: pulumi-kubernetes replaces a ConfigMap for that (diff.go, enableConfigMapMutable off).
        assert.match(
            text,
            /^replaced:\n {2}\+- ConfigMap vector-system\/vector-agent-config {2}delete-first \(data\) \(only its Vector config changed: see vector-agent.vector.toml\)$/m,
        );
        assert.ok(!text.includes("+++ b/dev/ConfigMap"), "the ConfigMap's TOML is not diffed a second time");
        assert.match(text, /^\+\+\+ b\/dev\/vector-agent.vector.toml\n@@ -10,6 \+10,7 @@\n(.*\n){3}\+\.team = "product"$/m);
    });

    it("tells a patch apart from the object it patches", () => {
        const promtail = {
            apiVersion: "apps/v1",
            kind: "DaemonSet",
            metadata: { name: "promtail", namespace: "monitoring" },
            spec: { template: { spec: { nodeSelector: { parked: "yes" } } } },
        };
        const [dev] = diffFleet(fleet({ dev: agentStack() }), fleet({ dev: agentStack({ extra: [patch(promtail)] }) }));
        assert.deepEqual(
            dev.objects.map((o) => [o.status, o.label]),
            [["added", "DaemonSet monitoring/promtail (patch)"]],
        );
    });

    it("names the apiVersion when one object moves to another", () => {
        const pdb = (apiVersion: string) => ({
            apiVersion,
            kind: "PodDisruptionBudget",
            metadata: { name: "agg", namespace: "vector-aggregator" },
            spec: { minAvailable: 2 },
        });
        const [dev] = diffFleet(fleet({ dev: agentStack({ extra: [pdb("policy/v1beta1")] }) }), fleet({ dev: agentStack({ extra: [pdb("policy/v1")] }) }));
        assert.deepEqual(
            dev.objects.map((o) => [o.status, o.label]),
            [
                ["added", "PodDisruptionBudget vector-aggregator/agg [policy/v1]"],
                ["removed", "PodDisruptionBudget vector-aggregator/agg [policy/v1beta1]"],
            ],
        );
    });

    it("reports stacks added and removed entirely, hubs first", () => {
        const diffs = diffFleet(
            fleet({ monitoring: hubStack(), old: agentStack({ stack: "old" }) }),
            fleet({ monitoring: hubStack(), qa: agentStack({ stack: "qa" }) }),
        );
        assert.deepEqual(
            diffs.map((d) => [d.stack, d.status]),
            [
                ["monitoring", "unchanged"],
                ["old", "removed"],
                ["qa", "added"],
            ],
        );
        assert.equal(
            summaryLine(byStack(diffs, "qa")),
            "qa: new stack, 4 created (Namespace vector-system, ConfigMap vector-system/vector-agent-config, DaemonSet vector-system/vector-agent, and 1 more)",
        );
        assert.match(summaryLine(byStack(diffs, "old")), /^old: stack removed, 4 deleted \(Namespace vector-system, /);
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
    const changed = () =>
        diffFleet(
            fleet({ monitoring: hubStack(), dev: agentStack() }),
            fleet({ monitoring: hubStack(), dev: agentStack({ cpu: "60m", toml: AGENT_TOML.replace("dev", "development") }) }),
        );

    it("--stat lists changes with line counts and no diffs", () => {
        const text = formatText(changed(), { mode: "stat", color: false });
        assert.equal(
            text,
            [
                "=== dev",
                "replaced:",
                "  +- ConfigMap vector-system/vector-agent-config  delete-first (data) (only its Vector config changed: see vector-agent.vector.toml)",
                "updated in place:",
                "  ~ DaemonSet vector-system/vector-agent  (+1 -1)",
                "files:",
                "  ~ vector-agent.vector.toml changed  (+1 -1)",
                "",
                "monitoring: no changes",
                "dev: 1 replaced (ConfigMap vector-system/vector-agent-config), 1 updated in place (DaemonSet vector-system/vector-agent); vector-agent.vector.toml changed",
                "",
            ].join("\n"),
        );
    });

    it("--name-only prints one line per change and nothing for an unchanged fleet", () => {
        assert.equal(
            formatText(changed(), { mode: "name-only", color: false }),
            "dev +- ConfigMap vector-system/vector-agent-config\ndev ~ DaemonSet vector-system/vector-agent\ndev ~ vector-agent.vector.toml\n",
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
        assert.match(
            md,
            /<details><summary>dev: 1 replaced \(ConfigMap vector-system\/vector-agent-config\), 1 updated in place \(DaemonSet vector-system\/vector-agent\); vector-agent.vector.toml changed<\/summary>\n\n/,
        );
        assert.match(md, /\| updated in place \| `DaemonSet vector-system\/vector-agent` \|/);
        assert.match(md, /\| \*\*replaced, delete-first \(data\)\*\* \| `ConfigMap vector-system\/vector-agent-config` /);
        assert.ok(!md.includes("[!CAUTION]"), "nothing stateful is replaced");
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
        assert.match(md, /<summary>dev: 1 replaced \(ConfigMap vector-system\/vector-agent-config\); vector-agent.vector.toml changed<\/summary>/);
        assert.match(md, /\n\+# line 10\n/, "the diff is cut, not dropped");
        assert.match(md, /Diffs truncated to fit a PR comment: run `npm run diff` locally/);
        assert.equal((md.match(/^```/gm) ?? []).length % 2, 0, "every fence is closed");
    });

    it("--markdown fences a diff that contains backticks with a longer fence", () => {
        const [dev] = diffFleet(fleet({ dev: agentStack() }), fleet({ dev: agentStack({ toml: `${AGENT_TOML}# \`\`\`\`\n` }) }));
        assert.match(formatMarkdown([dev], { base: "x", maxChars: DEFAULT_MAX_CHARS }), /^`````diff\n--- a\/dev\/vector-agent.vector.toml/m);
    });
});

/**
 * What `pulumi up` does with each changed object. The rule is pulumi-kubernetes' own, kept as
 * data in tools/render/replacement.ts: pulumi/pulumi-kubernetes provider/pkg/provider/diff.go
 * (forceNew per group, version and kind) and provider/pkg/provider/provider.go (Diff: a replace
 * deletes first when the object is named and keeps its name and namespace).
 */
describe("what pulumi up does", () => {
    const NS = "vector-aggregator";
    const statefulSet = (change: { storage?: string; selector?: string; replicas?: number; serviceName?: string; image?: string } = {}): FixtureObject => ({
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: "vector-aggregator", namespace: NS },
        spec: {
            replicas: change.replicas ?? 3,
            serviceName: change.serviceName ?? "vector-aggregator-headless",
            selector: { matchLabels: { "app.kubernetes.io/component": change.selector ?? "aggregator" } },
            template: { spec: { containers: [{ name: "vector", image: change.image ?? "timberio/vector:0.59.0-distroless-libc" }] } },
            volumeClaimTemplates: [
                { metadata: { name: "buffer" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: change.storage ?? "20Gi" } } } },
            ],
        },
    });
    const service = (spec: Record<string, unknown>, name = "vector-aggregator-lb"): FixtureObject => ({
        apiVersion: "v1",
        kind: "Service",
        metadata: { name, namespace: NS },
        spec,
    });
    const hub = (objects: FixtureObject[]) => renderedStack("monitoring", objects, { role: "hub", agentNamespace: null });
    const one = (before: FixtureObject[], after: FixtureObject[]) => diffFleet(fleet({ monitoring: hub(before) }), fleet({ monitoring: hub(after) }))[0];
    const actions = (d: StackDiff) => d.objects.map((o) => [o.label, o.action, ...(o.replace ? [o.replace.fields.join(","), o.replace.deleteFirst] : [])]);

    it("replaces a StatefulSet delete-first for a volumeClaimTemplates change, and warns first of all", () => {
        const d = one([statefulSet()], [statefulSet({ storage: "40Gi" })]);
        assert.deepEqual(actions(d), [["StatefulSet vector-aggregator/vector-aggregator", "replace", "spec.volumeClaimTemplates", true]]);
        assert.deepEqual(d.alerts, [
            "monitoring: StatefulSet vector-aggregator/vector-aggregator is REPLACED, delete-first (spec.volumeClaimTemplates changed): every replica goes down at once, and the PVCs it keeps (whenDeleted: Retain) keep their old size and spec",
        ]);
        const text = formatText([d], { mode: "stat", color: false });
        assert.match(text, /^WARNING: monitoring: StatefulSet vector-aggregator\/vector-aggregator is REPLACED, delete-first/);
        assert.match(text, /^replaced:\n {2}\+- StatefulSet vector-aggregator\/vector-aggregator {2}delete-first \(spec.volumeClaimTemplates\)/m);
        assert.equal(summaryLine(d), "monitoring: 1 replaced (StatefulSet vector-aggregator/vector-aggregator)");
        const md = formatMarkdown([d], { base: "`main`", maxChars: DEFAULT_MAX_CHARS });
        // The warning comes before everything else in the comment, the offline note right after it.
        assert.ok(md.indexOf("> [!CAUTION]") < md.indexOf("> [!NOTE]") && md.indexOf("> [!NOTE]") < md.indexOf("<details>"), md);
        assert.match(md, /^> - monitoring: StatefulSet vector-aggregator\/vector-aggregator is REPLACED, delete-first \(spec.volumeClaimTemplates changed\)/m);
        assert.match(md, /\| \*\*replaced, delete-first \(spec.volumeClaimTemplates\)\*\* \| `StatefulSet vector-aggregator\/vector-aggregator` \|/);
    });

    it("replaces a StatefulSet for its selector, serviceName; updates it in place for replicas and the pod template", () => {
        assert.deepEqual(actions(one([statefulSet()], [statefulSet({ selector: "aggregators" })]))[0].slice(1), ["replace", "spec.selector", true]);
        assert.deepEqual(actions(one([statefulSet()], [statefulSet({ serviceName: "other" })]))[0].slice(1), ["replace", "spec.serviceName", true]);
        for (const change of [{ replicas: 5 }, { image: "timberio/vector:0.60.0-distroless-libc" }]) {
            const d = one([statefulSet()], [statefulSet(change)]);
            assert.deepEqual(actions(d)[0].slice(1), ["update"], JSON.stringify(change));
            assert.deepEqual(d.alerts, []);
        }
    });

    it("updates a Deployment or DaemonSet in place for a spec change, and replaces it for a selector change", () => {
        for (const kind of ["Deployment", "DaemonSet"]) {
            const w = (cpu: string, app = "vector"): FixtureObject => ({
                apiVersion: "apps/v1",
                kind,
                metadata: { name: "w", namespace: "ns" },
                spec: {
                    selector: { matchLabels: { app } },
                    template: { spec: { containers: [{ name: "c", resources: { requests: { cpu } } }], nodeSelector: { a: "b" } } },
                },
            });
            assert.deepEqual(actions(one([w("50m")], [w("60m")])), [[`${kind} ns/w`, "update"]]);
            assert.deepEqual(actions(one([w("50m")], [w("50m", "other")])), [[`${kind} ns/w`, "replace", "spec.selector", true]]);
        }
    });

    it("replaces a Service for spec.clusterIP, updates it for spec.type, and warns when the load balancer Service goes", () => {
        const lb = service({ type: "LoadBalancer", ports: [{ port: 6000 }] });
        assert.deepEqual(actions(one([service({ clusterIP: "None" })], [service({ clusterIP: "10.96.0.10" })])), [
            ["Service vector-aggregator/vector-aggregator-lb", "replace", "spec.clusterIP", true],
        ]);
        assert.deepEqual(actions(one([service({ type: "ClusterIP" })], [lb])), [["Service vector-aggregator/vector-aggregator-lb", "update"]]);
        const replaced = one([service({ ...(lb.spec as object), clusterIP: "10.96.0.1" })], [service({ ...(lb.spec as object), clusterIP: "10.96.0.2" })]);
        assert.match(
            replaced.alerts.join("\n"),
            /Service vector-aggregator\/vector-aggregator-lb is REPLACED, delete-first \(spec.clusterIP changed\): the cloud load balancer/,
        );
        const deleted = one([lb], []);
        assert.deepEqual(actions(deleted), [["Service vector-aggregator/vector-aggregator-lb", "delete"]]);
        assert.match(deleted.alerts[0], /^monitoring: Service vector-aggregator\/vector-aggregator-lb is DELETED: the cloud load balancer/);
        const demoted = one([lb], [service({ type: "ClusterIP", ports: [{ port: 6000 }] })]);
        assert.deepEqual(actions(demoted), [["Service vector-aggregator/vector-aggregator-lb", "update"]]);
        assert.match(
            demoted.alerts[0],
            /^monitoring: Service vector-aggregator\/vector-aggregator-lb is no longer of type LoadBalancer: the cloud controller deletes its load balancer/,
        );
        // A ClusterIP Service holds nothing: deleting it is no alert.
        assert.deepEqual(one([service({ type: "ClusterIP" })], []).alerts, []);
    });

    it("resizes a PVC in place but replaces it (and warns) for a new storage class", () => {
        const pvc = (storage: string, storageClassName = "hcloud-volumes"): FixtureObject => ({
            apiVersion: "v1",
            kind: "PersistentVolumeClaim",
            metadata: { name: "buffer-vector-aggregator-0", namespace: NS },
            spec: { storageClassName, resources: { requests: { storage } } },
        });
        const resized = one([pvc("20Gi")], [pvc("40Gi")]);
        assert.deepEqual(actions(resized), [["PersistentVolumeClaim vector-aggregator/buffer-vector-aggregator-0", "update"]]);
        assert.deepEqual(resized.alerts, []);
        const moved = one([pvc("20Gi")], [pvc("20Gi", "fast")]);
        assert.deepEqual(actions(moved)[0].slice(1), ["replace", "spec.storageClassName", true]);
        assert.match(moved.alerts[0], /PersistentVolumeClaim vector-aggregator\/buffer-vector-aggregator-0 is REPLACED, delete-first/);
    });

    it("replaces Secrets and ConfigMaps whose data changes (both immutable by default), and RoleBindings for roleRef", () => {
        const secret = (v: string): FixtureObject => ({ apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: NS }, stringData: { token: v } });
        assert.deepEqual(actions(one([secret("a")], [secret("bb")])), [["Secret vector-aggregator/s", "replace", "stringData", true]]);
        const cm = (v: string): FixtureObject => ({
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "c", namespace: NS, labels: { v } },
            data: { k: "v" },
        });
        assert.deepEqual(actions(one([cm("1")], [cm("2")])), [["ConfigMap vector-aggregator/c", "update"]], "labels alone are in place");
        const rb = (role: string): FixtureObject => ({
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name: "rb" },
            roleRef: { kind: "ClusterRole", name: role },
        });
        assert.deepEqual(actions(one([rb("a")], [rb("b")])), [["ClusterRoleBinding rb", "replace", "roleRef", true]]);
    });

    it("replaces a policy/v1beta1 PodDisruptionBudget for any spec change, not a policy/v1 one", () => {
        const pdb = (apiVersion: string, minAvailable: number): FixtureObject => ({
            apiVersion,
            kind: "PodDisruptionBudget",
            metadata: { name: "p", namespace: NS },
            spec: { minAvailable },
        });
        assert.deepEqual(actions(one([pdb("policy/v1", 1)], [pdb("policy/v1", 2)]))[0].slice(1), ["update"]);
        assert.deepEqual(actions(one([pdb("policy/v1beta1", 1)], [pdb("policy/v1beta1", 2)]))[0].slice(1), ["replace", "spec", true]);
    });

    it("updates a server-side apply patch in place whatever it changes", () => {
        const ds = (selector: string): FixtureObject => ({
            apiVersion: "apps/v1",
            kind: "DaemonSet",
            metadata: { name: "promtail", namespace: "monitoring" },
            spec: { selector: { matchLabels: { a: selector } } },
        });
        assert.deepEqual(actions(one([patch(ds("x"))], [patch(ds("y"))])), [["DaemonSet monitoring/promtail (patch)", "update"]]);
        assert.deepEqual(forceNewPaths({ apiVersion: "apps/v1", kind: "DaemonSet", patch: "kubernetes:apps/v1:DaemonSetPatch" }), [
            ".metadata.name",
            ".metadata.namespace",
        ]);
    });

    it("honours the resource's ignoreChanges as the engine does: an ignored volumeClaimTemplates change replaces nothing, and is called out as kept", () => {
        const ignoring = (o: FixtureObject): FixtureObject => ({ ...o, ignoreChanges: ["spec.volumeClaimTemplates"] });
        const files = hub([ignoring(statefulSet({ storage: "40Gi" }))]);
        assert.match(files["manifests.yaml"], /^# ignoreChanges: spec.volumeClaimTemplates\napiVersion: apps\/v1\nkind: StatefulSet$/m);
        assert.deepEqual(parseManifests(files["manifests.yaml"])[0].ignoreChanges, ["spec.volumeClaimTemplates"]);
        const d = one([ignoring(statefulSet())], [ignoring(statefulSet({ storage: "40Gi" }))]);
        assert.deepEqual(actions(d), [["StatefulSet vector-aggregator/vector-aggregator", "update"]]);
        // pulumi/pulumi pkg/resource/deploy/step_generator.go (processIgnoreChanges) keeps the old value: say so.
        assert.deepEqual(d.alerts, [
            "monitoring: StatefulSet vector-aggregator/vector-aggregator: pulumi up keeps the old spec.volumeClaimTemplates (the resource's ignoreChanges), so this change reaches no existing object; see docs/operations.md",
        ]);
        // What is not ignored still counts.
        assert.deepEqual(actions(one([ignoring(statefulSet())], [ignoring(statefulSet({ selector: "x" }))]))[0].slice(1), ["replace", "spec.selector", true]);
        assert.ok(ignored(["metadata", "annotations", "a.b/c"], ['metadata.annotations["a.b/c"]']));
        assert.ok(ignored(["spec", "containers", 2, "image"], ["spec.containers[*].image"]));
        assert.ok(!ignored(["spec", "containers", 2, "env"], ["spec.containers[*].image"]));
    });

    it("gets ignoreChanges from the program: the simulator records the option, the render writes it", async function () {
        this.timeout(20000);
        const result = await runStack(
            async () => {
                new k8s.core.v1.ConfigMap(
                    "cm",
                    { metadata: { name: "cm", namespace: "ns" }, data: { a: "b" } },
                    { ignoreChanges: ["data", 'metadata.annotations["x"]'] },
                );
                return {};
            },
            { project: "vector-fleet", stack: "ignore-test", config: {} },
        );
        assert.deepEqual(result.resources.find((r) => r.name === "cm")?.ignoreChanges, ["data", 'metadata.annotations["x"]']);
        const [cm] = parseManifests(renderFiles(result)["manifests.yaml"]);
        assert.deepEqual(cm.ignoreChanges, ["data", 'metadata.annotations["x"]']);
    });

    it("replaces create-first an object Pulumi names itself", () => {
        const [a, b] = [statefulSet(), statefulSet({ storage: "1Gi" })].map(
            (o) => parseManifests(hub([{ ...o, metadata: { namespace: NS } as FixtureObject["metadata"] }])["manifests.yaml"])[0],
        );
        assert.deepEqual(replacement(a, b), { fields: ["spec.volumeClaimTemplates"], deleteFirst: false });
    });

    it("matches force-new paths as the provider's jsonpath does: below, at and inside the changed value", () => {
        assert.ok(touches(["spec", "volumeClaimTemplates", 0, "spec", "resources"], "x", ".spec.volumeClaimTemplates"));
        assert.ok(touches(["spec"], { selector: { matchLabels: {} } }, ".spec.selector"), "a whole spec added carries its selector");
        assert.ok(!touches(["spec"], { replicas: 1 }, ".spec.selector"));
        assert.ok(touches(["spec", "containers", 1, "image"], "i", ".spec.containers[*].image"));
        assert.ok(!touches(["spec", "containers", "image"], "i", ".spec.containers[*].image"));
        assert.ok(touches(["spec"], { containers: [{ name: "a" }, { image: "i" }] }, ".spec.containers[*].image"));
        assert.deepEqual(changedProperties({ a: [1, 2], b: { c: 1 } }, { a: [1, 3, 4], b: {} }), [
            { path: ["a", 1], value: 3 },
            { path: ["a", 2], value: 4 },
            { path: ["b", "c"], value: null },
        ]);
    });

    it("makes the render warn about a stateful object replaced since the last render in its folder, and only then", () => {
        const codes = (previous?: Record<string, string>) =>
            summarizeStack("monitoring", hub([statefulSet({ storage: "40Gi" })]), previous).warnings.filter((w) => w.code === "replaces-stateful");
        const [w] = codes(hub([statefulSet()]));
        assert.equal(
            w.message,
            "since the last render in this folder, StatefulSet vector-aggregator/vector-aggregator is REPLACED, delete-first (spec.volumeClaimTemplates changed): every replica goes down at once, and the PVCs it keeps (whenDeleted: Retain) keep their old size and spec; run `npm run diff` before deploying",
        );
        assert.deepEqual(codes(), [], "no last render: nothing to compare with");
        assert.deepEqual(codes(hub([statefulSet({ storage: "40Gi" })])), []);
        assert.deepEqual(codes(hub([statefulSet({ replicas: 1, storage: "40Gi" })])), [], "in place");
    });

    it("names the stacks that hold certificates in the PR comment, since only the state knows when they renew", () => {
        const withCert = (files: Record<string, string>) => ({
            ...files,
            "resources.txt": `${files["resources.txt"]}└─ tls:index/locallySignedCert:LocallySignedCert    pki-server\n`,
        });
        const d = one([statefulSet()], [statefulSet({ replicas: 4 })]);
        assert.deepEqual(d.certificates, []);
        assert.ok(!formatMarkdown([d], { base: "x", maxChars: DEFAULT_MAX_CHARS }).includes("Certificates"));
        const [c] = diffFleet(fleet({ monitoring: withCert(hub([statefulSet()])) }), fleet({ monitoring: withCert(hub([statefulSet({ replicas: 4 })])) }));
        assert.deepEqual(c.certificates, ["pki-server"]);
        assert.match(
            formatMarkdown([c], { base: "x", maxChars: DEFAULT_MAX_CHARS }),
            /^> Certificates \(`monitoring` 1\): each is re-issued by the first `pulumi up` inside its early-renewal window/m,
        );
    });

    describe("URN changes", () => {
        const sts = (pulumiName: string, parentType = "vector-fleet:index:VectorAggregator"): FixtureObject => ({ ...statefulSet(), pulumiName, parentType });

        it("reads resources.txt into URNs: ancestors' types joined with $, the stack left out", () => {
            const tree = parseResourceTree(hub([sts("agg-sts")])["resources.txt"]);
            assert.deepEqual(tree, [
                { type: "vector-fleet:index:VectorAggregator", name: "component", urn: "vector-fleet:index:VectorAggregator::component" },
                { type: "kubernetes:apps/v1:StatefulSet", name: "agg-sts", urn: "vector-fleet:index:VectorAggregator$kubernetes:apps/v1:StatefulSet::agg-sts" },
            ]);
        });

        it("warns when an object keeps its name but its resource is renamed or re-parented", () => {
            for (const [before, after] of [
                [sts("agg-sts"), sts("aggregator-statefulset")],
                [sts("agg-sts"), sts("agg-sts", "vector-fleet:index:VectorHub")],
            ]) {
                const d = one([before], [after]);
                assert.deepEqual(actions(d), [], "the object itself is the same");
                assert.equal(d.urnChanges.length, 1);
                assert.equal(d.alerts.length, 1);
                assert.match(
                    d.alerts[0],
                    /^monitoring: URN changed: a kubernetes:apps\/v1:StatefulSet \(.*::agg-sts -> .*\) without an alias: `pulumi up` creates the new resource first and fails, the object already exists in the cluster/,
                );
                assert.match(
                    formatMarkdown([d], { base: "x", maxChars: DEFAULT_MAX_CHARS }),
                    /^> \[!CAUTION\]\n> - monitoring: URN changed: a kubernetes:apps\/v1:StatefulSet/m,
                );
            }
        });

        it("says a renamed key or certificate is created anew", () => {
            const tree = (name: string) => ({ ...hub([]), "resources.txt": `${hub([])["resources.txt"]}└─ tls:index/privateKey:PrivateKey    ${name}\n` });
            const [d] = diffFleet(fleet({ monitoring: tree("pki-ca-key") }), fleet({ monitoring: tree("fleet-ca-key") }));
            assert.deepEqual(d.alerts, [
                "monitoring: URN changed: a tls:index/privateKey:PrivateKey (tls:index/privateKey:PrivateKey::pki-ca-key -> tls:index/privateKey:PrivateKey::fleet-ca-key) without an alias: `pulumi up` creates a new one and deletes the old (a new key, certificate, token or load balancer); keep the old name, or add an alias to the old name and parent",
            ]);
        });

        it("does not mistake an object replaced by another for a URN change", () => {
            const other = { ...statefulSet(), metadata: { name: "vector-aggregator-2", namespace: NS }, pulumiName: "agg2" } as FixtureObject;
            const d = one([sts("agg-sts")], [other]);
            assert.deepEqual(d.urnChanges, []);
            assert.deepEqual(
                actions(d).map((a) => a[1]),
                ["create", "delete"],
            );
        });
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
