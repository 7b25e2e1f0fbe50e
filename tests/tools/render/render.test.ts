import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parseAllDocuments } from "yaml";
import { withConfigReference } from "../../../tools/docs/config-reference";
import {
    formatRenderFailure,
    kubernetesObjects,
    problemLines,
    redact,
    renderFiles,
    renderFleet,
    RenderedStack,
    RenderError,
    writeRendered,
} from "../../../tools/render/render";
import { formatSummary, parseManifests, renderWarnings, summarizeStack, vectorComponents } from "../../../tools/render/summary";
import { RunResult, SECRET_MARKER } from "../../../tools/render/simulator";
import { FIXTURE_FLEET, program, repoStacks, ROOT, runHub, runSource, sharedHub, sharedRender } from "../../support/fleet";
import { AGENT_TOML, agentStack, FixtureObject, patch, renderedStack } from "../../support/rendered";

const tempDirs: string[] = [];
function tempDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vector-fleet-render-"));
    tempDirs.push(dir);
    return dir;
}
// Root-level: every temp dir any test below made is removed once the run ends.
after(() => {
    for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A copy of the tests' fleet's stack files in a temp dir, so a test can break one. */
function stackFilesCopy(): string {
    const dir = tempDir();
    for (const f of fs.readdirSync(FIXTURE_FLEET).filter((f) => /^Pulumi\..+\.yaml$/.test(f))) fs.copyFileSync(path.join(FIXTURE_FLEET, f), path.join(dir, f));
    return dir;
}

type Doc = { kind: string; metadata: { name?: string }; stringData?: Record<string, string> };

describe("offline render", () => {
    let fleet: RenderedStack[];
    let out: string;
    /** Each stack's manifests.yaml as a YAML parser other than the renderer's own reader sees it. */
    const docs = new Map<string, Doc[]>();
    before(async () => {
        fleet = await sharedRender();
        out = tempDir();
        writeRendered(out, fleet);
        for (const r of fleet)
            docs.set(
                r.stack,
                parseAllDocuments(r.files["manifests.yaml"]).map((d) => d.toJS() as Doc),
            );
    });

    it("renders every stack file the repository has, the hubs first", () => {
        const stackFiles = fs.readdirSync(ROOT).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []);
        assert.deepEqual(fleet.map((r) => r.stack).sort(), stackFiles.sort());
        const role = (stack: string) => repoStacks().find((s) => s.stack === stack)?.role;
        const hubs = fleet.filter((r) => role(r.stack) === "hub").length;
        assert.ok(hubs > 0 && fleet.slice(0, hubs).every((r) => role(r.stack) === "hub"), fleet.map((r) => `${r.stack} (${role(r.stack)})`).join(", "));
        for (const r of fleet) {
            const files = fs.readdirSync(path.join(out, r.stack)).sort();
            const expected = ["manifests.yaml", "outputs.json", "resources.txt", "vector-agent.vector.toml"];
            if (role(r.stack) === "hub") expected.push("vector-aggregator.vector.toml");
            assert.deepEqual(files, expected.sort());
        }
    });

    it("writes every object with a name, namespaces first, in a stable order", () => {
        for (const r of fleet) {
            const objects = docs.get(r.stack)!;
            assert.ok(objects.length > 5);
            assert.equal(objects[0].kind, "Namespace");
            for (const d of objects) assert.equal(typeof d.metadata.name, "string", `${d.kind} without metadata.name`);
            const firstWorkload = objects.findIndex((d) => d.kind === "DaemonSet" || d.kind === "StatefulSet");
            assert.ok(objects.slice(firstWorkload).every((d) => !["Namespace", "ConfigMap", "Secret", "ServiceAccount"].includes(d.kind)));
        }
    });

    it("redacts every Secret value and never writes a secret anywhere", () => {
        for (const r of fleet) {
            for (const [name, content] of Object.entries(r.files)) assert.ok(!content.includes(SECRET_MARKER), `${r.stack}/${name} leaks a secret`);
            const secrets = docs.get(r.stack)!.filter((d) => d.kind === "Secret");
            assert.ok(secrets.length > 0);
            for (const s of secrets) for (const v of Object.values(s.stringData ?? {})) assert.match(v, /^<redacted: \d+ bytes, known after deploy>$/);
        }
        // No stack exports a secret: a hub's outputs are what every source's StackReference stores.
        for (const r of fleet) assert.doesNotMatch(r.files["outputs.json"], /\[secret\]/, r.stack);
    });

    it("marks deploy-time values as placeholders", () => {
        const hubOutputs = JSON.parse(fleet[0].files["outputs.json"]) as Record<string, string>;
        assert.match(hubOutputs.caCertPem, /<known after deploy: certificate vector-fleet-pki-ca>/);
    });

    it("lists the resource tree with parents", async () => {
        const tree = (await sharedRender(FIXTURE_FLEET)).find((r) => r.stack === "dev")!.files["resources.txt"];
        assert.match(tree, /^pulumi:pulumi:Stack\s+vector-fleet-dev$/m);
        assert.match(tree, /^[├└]─ vector-fleet:index:VectorAgent\s+vector-agent$/m);
        assert.match(tree, /^[│ ] {2}├─ kubernetes:apps\/v1:DaemonSet\s+vector-agent-daemonset$/m);
        assert.match(tree, /^├─ pulumi:pulumi:StackReference\s+monitoring$/m);
    });

    it("is deterministic: a second, separate render of every stack is byte for byte equal", async () => {
        // `fleet` comes from the runs tests/support/fleet.ts shares; this is renderFleet itself.
        const again = await renderFleet(program, ROOT);
        assert.deepEqual(
            again.map((r) => [r.stack, r.files]),
            fleet.map((r) => [r.stack, r.files]),
        );
    });

    it("renders one stack on request, still resolving its StackReference", async () => {
        const only = await renderFleet(program, FIXTURE_FLEET, ["dev"]);
        assert.deepEqual(
            only.map((r) => r.stack),
            ["dev"],
        );
        assert.match(only[0].files["vector-agent.vector.toml"], /endpoints = \[ "https:\/\/10\.0\.64\.250:6002" \]/); // dev: its own port (docs/identity.md)
    });

    it("refuses an unknown stack", async () => {
        await assert.rejects(renderFleet(program, ROOT, ["prod"]), /no stack "prod": there is no Pulumi.prod.yaml/);
    });

    it("fails on invalid config naming the stack and key, writing nothing", async () => {
        const root = stackFilesCopy();
        const file = path.join(root, "Pulumi.staging.yaml");
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("vector-fleet:region: fsn1", "vector-fleet:region: mars"));
        const dest = tempDir();
        await assert.rejects(
            renderFleet(program, root).then((r) => writeRendered(dest, r)),
            /stack staging: invalid stack configuration \(1 problem\):\n {2}- vector-fleet:region: got "mars"/,
        );
        assert.deepEqual(fs.readdirSync(dest), []);
    });

    it("renders in deployment order: a hub listing a cluster whose stack is not here reads it as never deployed, and says so", async () => {
        const root = stackFilesCopy();
        fs.rmSync(path.join(root, "Pulumi.staging.yaml"));
        const warned: string[] = [];
        const rendered = await renderFleet(program, root, undefined, { warn: (l) => warned.push(l) });
        assert.ok(
            warned.includes(
                'monitoring: cluster "staging" is pending: stack "staging" has no outputs yet, so nothing is signed for it and its listeners accept no token; run `pulumi up` on staging, then here again (docs/identity.md#deployment-order)',
            ),
            warned.join("\n"),
        );
        const hub = rendered.find((r) => r.stack === "monitoring")!;
        assert.equal((hub.result.outputs.values.agentTokenSha256 as Record<string, unknown>).staging, undefined);
        assert.match(hub.files["vector-aggregator.vector.toml"], /\[sources\.remote_write_staging\.auth\]\nsource = '''\nfalse\n'''/);
        // The other sources still reach their steady state.
        assert.ok(rendered.find((r) => r.stack === "dev")!.files["vector-agent.vector.toml"]);
    });

    it("picks up a new cluster from one more stack file", async () => {
        const root = stackFilesCopy();
        const hubFile = path.join(root, "Pulumi.monitoring.yaml");
        fs.writeFileSync(
            hubFile,
            fs
                .readFileSync(hubFile, "utf8")
                .replace("      - staging\n", "      - staging\n      - qa\n")
                .replace("    identities:\n", "    identities:\n      qa:\n        environment: qa\n        region: fsn1\n"),
        );
        fs.writeFileSync(path.join(root, "Pulumi.qa.yaml"), fs.readFileSync(path.join(root, "Pulumi.staging.yaml"), "utf8").replace(/staging/g, "qa"));
        const r = await renderFleet(program, root, ["qa"]);
        assert.match(r[0].files["vector-agent.vector.toml"], /\.cluster = "qa"/);
    });
});

const DEV_IDENTITY = { dev: { environment: "development", region: "hel1" } };

describe("generated docs", () => {
    it("keeps the README's config reference in step with the config model (run `npm run docs`)", () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        assert.equal(withConfigReference(readme), readme, "README.md is stale: run `npm run docs`");
    });
});

describe("render summary", () => {
    it("reads manifests back, telling server-side apply patches from owned objects", () => {
        const files = agentStack({
            extra: [patch({ apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "promtail", namespace: "monitoring" }, spec: {} })],
        });
        const objects = parseManifests(files["manifests.yaml"]);
        assert.deepEqual(
            objects.map((o) => [o.kind, o.namespace ?? "", o.name, o.patch ?? ""]),
            [
                ["Namespace", "", "vector-system", ""],
                ["ConfigMap", "vector-system", "vector-agent-config", ""],
                ["DaemonSet", "monitoring", "promtail", "kubernetes:apps/v1:DaemonSetPatch"],
                ["DaemonSet", "vector-system", "vector-agent", ""],
                ["PodMonitor", "vector-system", "vector-agent", ""],
            ],
        );
    });

    it("reads every rendered manifests.yaml back as exactly the objects the program registered", async () => {
        for (const r of await sharedRender()) {
            // JSON drops the marker renderFiles keeps on patches; the patch is asserted by type instead.
            const registered = JSON.parse(JSON.stringify(kubernetesObjects(r.result.resources).map(redact))) as unknown[];
            const read = parseManifests(r.files["manifests.yaml"]);
            assert.deepStrictEqual(
                read.map((o) => o.body),
                registered,
                r.stack,
            );
            const patches = r.result.resources.filter((x) => x.type.endsWith("Patch")).map((x) => `${x.type} ${(x.inputs.metadata as { name: string }).name}`);
            assert.deepEqual(
                read
                    .filter((o) => o.patch)
                    .map((o) => `${o.patch} ${o.name}`)
                    .sort(),
                patches.sort(),
                r.stack,
            );
        }
    });

    it("names the document of a manifests.yaml that does not parse", () => {
        assert.throws(() => parseManifests("kind: Namespace\n---\nkind: [unclosed\n"), /^Error: manifests\.yaml, document 2: /);
    });

    it("counts each Vector config's components by type", () => {
        assert.deepEqual(vectorComponents(AGENT_TOML), {
            sources: { kubernetes_logs: 1, prometheus_scrape: 1 },
            transforms: { remap: 1 },
            sinks: { prometheus_remote_write: 1, vector: 1 },
        });
    });

    it("prints objects by kind, components per config and warnings, per stack", () => {
        const files = agentStack({
            podMonitor: false,
            extra: [patch({ apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "promtail", namespace: "monitoring" }, spec: {} })],
        });
        assert.deepEqual(formatSummary(summarizeStack("dev", files), "out/dev/"), [
            "dev -> out/dev/",
            "  4 resources, 4 Kubernetes objects: 1 ConfigMap, 1 DaemonSet, 1 DaemonSetPatch, 1 Namespace",
            "  vector-agent.vector.toml: 2 sources (kubernetes_logs, prometheus_scrape); 1 transform (remap); 2 sinks (prometheus_remote_write, vector)",
            "  warning: no PodMonitor for the agent in vector-system: this cluster's Prometheus has no up{job=\"vector-agent\"} (the agent's own metrics still reach the hub by remote write)",
            "  warning: patches objects it does not own (server-side apply of the fields in manifests.yaml only): DaemonSet monitoring/promtail",
        ]);
    });

    it("summarises the real fleet as the Pulumi resources say", async () => {
        for (const r of await sharedRender()) {
            const s = summarizeStack(r.stack, r.files);
            assert.equal(s.resources, r.result.resources.length, r.stack);
            const kinds: Record<string, number> = {};
            for (const res of r.result.resources)
                if (res.type.startsWith("kubernetes:") && res.custom) kinds[res.type.split(":").pop()!] = (kinds[res.type.split(":").pop()!] ?? 0) + 1;
            assert.deepEqual(s.kinds, kinds, r.stack);
            assert.ok(Object.keys(s.vector).length > 0, r.stack);
        }
    });
});

describe("render warnings", () => {
    const codes = (files: Record<string, string>) => renderWarnings(files).map((w) => w.code);
    const hub = (objects: FixtureObject[], outputs: Record<string, unknown> = {}) =>
        renderedStack("monitoring", [{ apiVersion: "v1", kind: "Namespace", metadata: { name: "vector-aggregator" } }, ...objects], {
            role: "hub",
            agentNamespace: "vector-system",
            ...outputs,
        });
    const rule = { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: { name: "vector-fleet", namespace: "monitoring" }, spec: {} };
    const podMonitor = { apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor", metadata: { name: "vector-agent", namespace: "vector-system" }, spec: {} };
    const aggregators = (replicas: number, minAvailable: number): FixtureObject[] => [
        {
            apiVersion: "apps/v1",
            kind: "StatefulSet",
            metadata: { name: "vector-aggregator", namespace: "vector-aggregator" },
            spec: { replicas, template: { metadata: { labels: { app: "agg", tier: "aggregator" } } } },
        },
        {
            apiVersion: "policy/v1",
            kind: "PodDisruptionBudget",
            metadata: { name: "vector-aggregator", namespace: "vector-aggregator" },
            spec: { minAvailable, selector: { matchLabels: { app: "agg" } } },
        },
    ];

    it("has nothing to say about a plain agent stack", () => {
        assert.deepEqual(renderWarnings(agentStack()), []);
    });

    it("notices an agent no PodMonitor scrapes", () => {
        assert.deepEqual(codes(agentStack({ podMonitor: false })), ["agent-not-scraped"]);
    });

    it("notices logs and node metrics shipped twice while the migration runs in parallel", () => {
        assert.deepEqual(codes(agentStack({ outputs: { migrationPhase: "parallel" } })), ["shipped-twice"]);
        assert.deepEqual(codes(agentStack({ outputs: { migrationPhase: "cutover" } })), []);
    });

    it("names every object patched that another tool owns", () => {
        const park = (name: string) => patch({ apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name, namespace: "monitoring" }, spec: {} });
        const [w] = renderWarnings(agentStack({ extra: [park("promtail"), park("node-exporter")] }));
        assert.equal(w.code, "patches-foreign-objects");
        assert.match(w.message, /: DaemonSet monitoring\/node-exporter, DaemonSet monitoring\/promtail$/);
    });

    it("notices an agent config that scrapes no kubelet cAdvisor", () => {
        const toml = AGENT_TOML.replace(/\[sources\.kubelet_cadvisor\][^[]*/, "");
        const [w] = renderWarnings(agentStack({ toml }));
        assert.deepEqual(w, {
            code: "no-container-metrics",
            message:
                "vector-agent.vector.toml scrapes no kubelet cAdvisor: no container metrics from this cluster, so VectorHighMemoryUsage cannot see its Vector pods",
        });
    });

    it("notices a hub without alert rules, and a hub without its own agent", () => {
        assert.deepEqual(codes(hub([rule, podMonitor])), []);
        assert.deepEqual(codes(hub([podMonitor])), ["no-alert-rules"]);
        assert.deepEqual(codes(hub([rule], { agentNamespace: null })), ["hub-without-agent"]);
    });

    it("notices a PodDisruptionBudget that lets no replica go, and only then", () => {
        assert.deepEqual(codes(hub([rule, podMonitor, ...aggregators(3, 2)])), []);
        const [w] = renderWarnings(hub([rule, podMonitor, ...aggregators(2, 2)]));
        assert.deepEqual(w, {
            code: "no-disruption-allowed",
            message:
                "PodDisruptionBudget vector-aggregator/vector-aggregator keeps 2 of 2 replica(s) of StatefulSet vector-aggregator/vector-aggregator available: no pod may be evicted, so node drains hang",
        });
        assert.deepEqual(codes(hub([rule, podMonitor, ...aggregators(1, 1)])), ["no-disruption-allowed"]);
    });

    it("fires on what the real program renders for the settings it is about", async () => {
        const hubRun = await sharedHub();
        const files = async (run: Promise<RunResult>) => codes(renderFiles(await run));
        const lb = { network: "fleet-private", privateIp: "10.0.64.250" };
        // Two replicas each carry half the load: the default buffers last 23.3 (Loki) and 27.9 (Prometheus) min.
        // The PDB lets one go at any replica count (maxUnavailable 1), so no-disruption-allowed stays quiet.
        assert.deepEqual(
            await files(runHub({ aggregator: { replicas: 2, clusters: ["dev"], identities: DEV_IDENTITY, loadBalancer: lb, storage: { size: "20Gi" } } })),
            ["short-buffer", "short-buffer"],
        );
        assert.deepEqual(await files(runHub({ monitoring: { enabled: false } })), ["no-alert-rules", "agent-not-scraped"]);
        assert.deepEqual(await files(runHub({ agent: { enabled: false } })), ["hub-without-agent"]);
        assert.deepEqual(await files(runSource("staging", hubRun.outputs, { agent: { kubelet: { enabled: false } } })), [
            "no-container-metrics",
            "shipped-twice",
        ]);
    });

    it("notices a buffer that lasts under 30 minutes at the declared load, naming the sink and the minutes", async () => {
        const lb = { network: "fleet-private", privateIp: "10.0.64.250" };
        const w = renderWarnings(
            renderFiles(
                await runHub({ aggregator: { clusters: ["dev"], identities: DEV_IDENTITY, loadBalancer: lb, expectedLoad: { logEventsPerSec: 20_000 } } }),
            ),
        );
        assert.deepEqual(w, [
            {
                code: "short-buffer",
                message:
                    "the aggregators' Loki buffer lasts 3.4 min of Loki outage at aggregator.expectedLoad (under 30): raise aggregator.buffers and storage.size",
            },
        ]);
    });

    it("notices aggregator egress that a host-name URL leaves open to any address, and only for the aggregators", async () => {
        const lb = { network: "fleet-private", privateIp: "10.0.64.250" };
        const w = renderWarnings(
            renderFiles(
                await runHub({ aggregator: { clusters: ["dev"], identities: DEV_IDENTITY, loadBalancer: lb, loki: { endpoint: "https://logs.example.com" } } }),
            ),
        );
        assert.deepEqual(w, [
            {
                code: "open-egress",
                message:
                    "NetworkPolicy vector-aggregator/vector-aggregator lets the aggregators reach any address on port 443: a Loki or Prometheus URL with an outside host name cannot be narrowed further (use an in-cluster Service or an IP URL)",
            },
        ]);
    });

    it("warns about each stack for what its file says", async () => {
        const byStack = Object.fromEntries((await sharedRender(FIXTURE_FLEET)).map((r) => [r.stack, codes(r.files)]));
        assert.deepEqual(byStack, {
            monitoring: [],
            dev: ["patches-foreign-objects"], // migration: cutover parks Promtail and node-exporter
            management: ["agent-not-scraped"], // monitoring.enabled: false
            staging: ["shipped-twice"], // migration: parallel
        });
    });
});

describe("render failures", () => {
    it("reports every broken stack, one line per problem", async () => {
        const root = stackFilesCopy();
        const breakFile = (stack: string, from: string, to: string) => {
            const file = path.join(root, `Pulumi.${stack}.yaml`);
            const text = fs.readFileSync(file, "utf8");
            assert.ok(text.includes(from), `Pulumi.${stack}.yaml has no ${JSON.stringify(from)}`);
            fs.writeFileSync(file, text.replace(from, to));
        };
        breakFile("dev", "vector-fleet:region: hel1", "vector-fleet:region: mars");
        breakFile("staging", "vector-fleet:environment: staging", "vector-fleet:environment: Staging!");
        const e = await renderFleet(program, root).then(
            () => assert.fail("rendered a broken fleet"),
            (err: unknown) => err,
        );
        fs.rmSync(root, { recursive: true });
        assert.ok(e instanceof RenderError);
        assert.deepEqual(
            e.failures.map((f) => f.stack),
            ["dev", "staging"],
        );
        assert.match(e.failures[0].problems.join("\n"), /^vector-fleet:region: got "mars"; expected one of "fsn1"/);
        assert.equal(e.failures[1].problems.length, 1);
        assert.match(e.failures[1].problems[0], /^vector-fleet:environment: got "Staging!"/);
        assert.deepEqual(e.skipped, []);
    });

    it("fails a stack whose Vector config the pinned release would refuse, naming the option and the rule, and still renders the others", async () => {
        // The day-one aggregator config (gRPC keepalive with the HTTP keepalive's jitter factor:
        // vectordotdev/vector src/sources/vector/mod.rs, GrpcKeepaliveConfig, deny_unknown_fields)
        // in a ConfigMap of a stand-in program: the same check guards render, diff and the tests.
        const bad = fs.readFileSync(path.join(__dirname, "../../fixtures/vector/day-one-aggregator.toml"), "utf8");
        const standIn = async () => {
            const cfg = new pulumi.Config("vector-fleet");
            if (cfg.require("role") === "hub")
                new k8s.core.v1.ConfigMap("vector-aggregator-config", {
                    metadata: { name: "vector-aggregator-config", namespace: "vector-aggregator" },
                    data: { "vector.toml": bad },
                });
            return { role: cfg.require("role") };
        };
        const root = stackFilesCopy();
        const e = await renderFleet(standIn, root).then(
            () => assert.fail("rendered a config Vector refuses"),
            (err: unknown) => err,
        );
        fs.rmSync(root, { recursive: true });
        assert.ok(e instanceof RenderError);
        assert.deepEqual(
            e.failures.map((f) => f.stack),
            ["monitoring"],
        );
        assert.deepEqual(e.skipped, [], "the hub's outputs are sound: its agent stacks are not skipped");
        assert.ok(
            e.failures[0].problems.some((p) =>
                /^monitoring\/[\w-]+\.vector\.toml {2}sources\.agents\.keepalive\.max_connection_age_jitter_factor: .*reference\/unknown-option/.test(p),
            ),
            e.failures[0].problems.join("\n"),
        );
    });

    it("skips the agent stacks when the hub fails: they need its outputs", async () => {
        const root = stackFilesCopy();
        const file = path.join(root, "Pulumi.monitoring.yaml");
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("vector-fleet:region: fsn1", "vector-fleet:region: mars"));
        const e = await renderFleet(program, root).then(
            () => assert.fail("rendered a broken fleet"),
            (err: unknown) => err,
        );
        fs.rmSync(root, { recursive: true });
        assert.ok(e instanceof RenderError);
        assert.deepEqual(
            e.failures.map((f) => f.stack),
            ["monitoring"],
        );
        assert.deepEqual(e.skipped, ["dev", "management", "staging"]);
    });

    it("fails before any stack runs when the stack files do not fit together, listing every problem (config/fleet.ts)", async () => {
        const root = stackFilesCopy();
        const file = path.join(root, "Pulumi.staging.yaml");
        fs.writeFileSync(
            file,
            fs.readFileSync(file, "utf8").replace("vector-fleet:kubeContext: staging-admin@staging", "vector-fleet:kubeContext: dev-admin@dev"),
        );
        let runs = 0;
        const counting = async () => {
            runs++;
            return {};
        };
        const again = await renderFleet(counting, root).then(
            () => assert.fail("rendered a fleet with two stacks on one context"),
            (err: unknown) => err,
        );
        assert.equal(runs, 0, "no stack ran");
        assert.ok(again instanceof RenderError);
        assert.deepEqual(
            again.failures.map((f) => f.stack),
            ["fleet"],
        );
        assert.deepEqual(again.failures[0].problems, [
            `Pulumi.staging.yaml: vector-fleet:kubeContext: got "dev-admin@dev", which Pulumi.dev.yaml also uses (vector-fleet:kubeContext); expected the context of this stack's own cluster: two stacks on one context deploy into one cluster and overwrite each other's objects`,
            `Pulumi.staging.yaml: vector-fleet:migration.promtail: got "monitoring/promtail", which Pulumi.dev.yaml also parks in the same cluster (vector-fleet:migration.promtail, vector-fleet:kubeContext "dev-admin@dev"); expected each old DaemonSet parked by one stack: two patches of one object fight over it`,
            `Pulumi.staging.yaml: vector-fleet:migration.nodeExporter: got "monitoring/prometheus-node-exporter", which Pulumi.dev.yaml also parks in the same cluster (vector-fleet:migration.nodeExporter, vector-fleet:kubeContext "dev-admin@dev"); expected each old DaemonSet parked by one stack: two patches of one object fight over it`,
        ]);
        assert.match(formatRenderFailure(again), /^render failed, nothing written \(3 problems\):\nfleet: Pulumi\.staging\.yaml: vector-fleet:kubeContext: /);
        fs.rmSync(root, { recursive: true });
    });

    it("splits a listed error into one line per item, each after its header", () => {
        assert.deepEqual(problemLines(new Error("cannot wire dev to monitoring:\n  - agentCertificates has no key dev\n  - caCertPem is empty")), [
            "cannot wire dev to monitoring: agentCertificates has no key dev",
            "cannot wire dev to monitoring: caCertPem is empty",
        ]);
        assert.deepEqual(problemLines(new Error('hcloud: network\n  "x" not found')), ['hcloud: network "x" not found']);
    });
});
