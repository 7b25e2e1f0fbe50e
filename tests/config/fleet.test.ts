/**
 * Fleet-level validation through the real loader: every case writes stack files to a temp dir,
 * breaks one thing, and asserts the exact line `checkFleetFiles` reports (file and key of each side).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Document, parseDocument } from "yaml";
import { checkFleet, checkFleetFiles, fleetErrorLines, fleetProblemsForRun, loadFleet } from "../../config/fleet";
import { ConfigError, formatProblem } from "../../config/schema-kit";
import { runStack } from "../../tools/render/simulator";
import { program } from "../support/fleet";
import { rawConfigOf, readStackFile } from "../../config/stack-file";

const HUB = `config:
  vector-fleet:role: hub
  vector-fleet:cluster: hub
  vector-fleet:environment: production
  vector-fleet:region: fsn1
  vector-fleet:kubeContext: hub-admin@hub
  vector-fleet:aggregator:
    clusters: [alpha, beta]
    identities:
      alpha: { environment: production, region: fsn1 }
      beta: { environment: staging, region: hel1 }
    loadBalancer: { network: fleet-private, privateIp: 10.0.64.250, type: lb21 }
`;
const source = (cluster: string, environment: string, region: string) => `config:
  vector-fleet:role: source
  vector-fleet:cluster: ${cluster}
  vector-fleet:environment: ${environment}
  vector-fleet:region: ${region}
  vector-fleet:monitoringStack: hub
  vector-fleet:kubeContext: ${cluster}-admin@${cluster}
`;
const ALPHA = `${source("alpha", "production", "fsn1")}  vector-fleet:migration:
    phase: parallel
    promtail: {}
    nodeExporter: {}
`;

describe("fleet checks, through the stack files", () => {
    let root: string;
    const write = (stack: string, text: string) => fs.writeFileSync(path.join(root, `Pulumi.${stack}.yaml`), text);
    /** Edits one key of a stack file as YAML (the file stays what a person would write). */
    const edit = (stack: string, change: (doc: Document) => void) => {
        const file = path.join(root, `Pulumi.${stack}.yaml`);
        const doc = parseDocument(fs.readFileSync(file, "utf8"));
        change(doc);
        fs.writeFileSync(file, doc.toString());
    };
    const set = (stack: string, keyPath: string[], value: unknown) => edit(stack, (d) => d.setIn(["config", ...keyPath], value));
    const errors = () => fleetErrorLines(checkFleetFiles(root));
    const warnings = () => checkFleetFiles(root).warnings.map(formatProblem);
    const reports = (line: string) => {
        const lines = errors();
        assert.ok(lines.includes(line), `expected the line\n  ${line}\ngot:\n  ${lines.join("\n  ")}`);
    };

    beforeEach(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-"));
        write("hub", HUB);
        write("alpha", ALPHA);
        write("beta", source("beta", "staging", "hel1"));
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it("finds nothing wrong with a sound fleet", () => {
        assert.deepEqual(errors(), []);
        assert.deepEqual(warnings(), []);
    });

    it("a cluster's credentials named from a stack with no file here", () => {
        set("hub", ["vector-fleet:aggregator", "identities", "alpha", "stack"], "alpha-prod");
        reports(
            `Pulumi.hub.yaml: vector-fleet:aggregator.identities.alpha.stack: got "alpha-prod", but there is no Pulumi.alpha-prod.yaml (stacks here: alpha, beta, hub); expected the name of cluster "alpha"'s own stack, whose file is beside this one (or org/project/stack for one that lives elsewhere)`,
        );
    });

    it("a cluster's credentials read from another cluster's stack (named, or by default)", () => {
        set("hub", ["vector-fleet:aggregator", "identities", "alpha", "stack"], "beta");
        const lines = errors();
        assert.ok(
            lines.some((l) =>
                l.startsWith(
                    `Pulumi.hub.yaml: vector-fleet:aggregator.identities.alpha.stack: got "beta", but Pulumi.beta.yaml is cluster "beta"; expected the stack whose vector-fleet:cluster is "alpha": the hub signs the certificate request that stack exports`,
                ),
            ),
            lines.join("\n"),
        );
        assert.ok(
            lines.some((l) =>
                l.startsWith(`Pulumi.hub.yaml: vector-fleet:aggregator.identities.beta.stack: got "beta", which cluster "alpha" is read from too`),
            ),
            lines.join("\n"),
        );
    });

    it("a stack named after a listed cluster that is another cluster's", () => {
        set("beta", ["vector-fleet:cluster"], "gamma");
        const lines = errors();
        assert.ok(
            lines.some((l) =>
                l.startsWith(
                    `Pulumi.hub.yaml: vector-fleet:aggregator.identities.beta.stack: got "beta" (the default: the cluster's name), but Pulumi.beta.yaml is cluster "gamma"`,
                ),
            ),
            lines.join("\n"),
        );
    });

    it("accepts a cluster's own stack under another name, and one that lives elsewhere", () => {
        fs.renameSync(path.join(root, "Pulumi.alpha.yaml"), path.join(root, "Pulumi.alpha-prod.yaml"));
        set("hub", ["vector-fleet:aggregator", "identities", "alpha", "stack"], "alpha-prod");
        set("hub", ["vector-fleet:aggregator", "identities", "beta", "stack"], "other-org/vector-fleet/beta");
        assert.deepEqual(errors(), []);
    });

    it("two stacks with one cluster name", () => {
        set("beta", ["vector-fleet:cluster"], "alpha");
        reports(
            `Pulumi.beta.yaml: vector-fleet:cluster: got "alpha", which Pulumi.alpha.yaml also sets (vector-fleet:cluster); expected a cluster name no other stack uses: two stacks with one name ship two clusters' data under one name, with one credential`,
        );
    });

    it("two stacks with one kube context", () => {
        set("beta", ["vector-fleet:kubeContext"], "alpha-admin@alpha");
        reports(
            `Pulumi.beta.yaml: vector-fleet:kubeContext: got "alpha-admin@alpha", which Pulumi.alpha.yaml also uses (vector-fleet:kubeContext); expected the context of this stack's own cluster: two stacks on one context deploy into one cluster and overwrite each other's objects`,
        );
    });

    it("a source whose monitoringStack names itself", () => {
        set("beta", ["vector-fleet:monitoringStack"], "beta");
        reports(
            `Pulumi.beta.yaml: vector-fleet:monitoringStack: got "beta"; expected the hub stack's name, not this stack's own: a source reads the aggregators' address from the hub`,
        );
        set("beta", ["vector-fleet:monitoringStack"], "acme/vector-fleet/beta");
        reports(
            `Pulumi.beta.yaml: vector-fleet:monitoringStack: got "acme/vector-fleet/beta"; expected the hub stack's name, not this stack's own: a source reads the aggregators' address from the hub`,
        );
    });

    it("a monitoringStack with no stack file, or one that is not a hub", () => {
        set("beta", ["vector-fleet:monitoringStack"], "hubb");
        reports(
            `Pulumi.beta.yaml: vector-fleet:monitoringStack: got "hubb", but there is no Pulumi.hubb.yaml (stacks here: alpha, beta, hub); expected the name of the hub stack (role: hub) whose file is beside this one`,
        );
        set("beta", ["vector-fleet:monitoringStack"], "alpha");
        reports(
            `Pulumi.beta.yaml: vector-fleet:monitoringStack: got "alpha", a source stack (Pulumi.alpha.yaml vector-fleet:role is "source"); expected the name of a hub stack (role: hub)`,
        );
    });

    it("a cluster its hub does not list", () => {
        write("gamma", source("gamma", "staging", "hel1"));
        reports(
            `Pulumi.gamma.yaml: vector-fleet:cluster: got "gamma", which Pulumi.hub.yaml does not list (vector-fleet:aggregator.clusters); expected a cluster its hub lists: append "gamma" to vector-fleet:aggregator.clusters in Pulumi.hub.yaml (and its identity), or its agents get no credentials (docs/adding-a-cluster.md)`,
        );
    });

    it("a listed cluster without a stack file is a warning, not an error", () => {
        fs.rmSync(path.join(root, "Pulumi.beta.yaml"));
        assert.deepEqual(errors(), []);
        assert.deepEqual(warnings(), [
            `Pulumi.hub.yaml: vector-fleet:aggregator.clusters[1]: got "beta", which no stack file here has as its vector-fleet:cluster; expected a Pulumi.<stack>.yaml for it (docs/adding-a-cluster.md); fine when that stack lives elsewhere, else remove it`,
        ]);
        // A file that is only invalid on its own still names its cluster: no warning on top of its problems.
        write("beta", source("beta", "staging", "mars"));
        assert.deepEqual(warnings(), []);
    });

    it("a listed cluster without an identity", () => {
        edit("hub", (d) => d.deleteIn(["config", "vector-fleet:aggregator", "identities", "beta"]));
        reports(
            `Pulumi.hub.yaml: vector-fleet:aggregator.identities.beta: got nothing; expected the environment and region the aggregators write on beta's data, e.g. { environment: production, region: fsn1 } (every listed cluster has one: docs/identity.md)`,
        );
    });

    it("an identity that contradicts the cluster's own environment", () => {
        set("beta", ["vector-fleet:environment"], "qa");
        reports(
            `Pulumi.beta.yaml: vector-fleet:environment: got "qa", but Pulumi.hub.yaml writes "staging" on its data (vector-fleet:aggregator.identities.beta.environment); expected the same environment on both sides: the aggregators overwrite what the cluster claims`,
        );
    });

    it("a migration target that is Vector's own DaemonSet, in its stack or another's on the same cluster", () => {
        set("alpha", ["vector-fleet:migration", "promtail", "namespace"], "vector-system");
        reports(
            `Pulumi.alpha.yaml: vector-fleet:migration.promtail.namespace: got "vector-system"; expected the namespace of the old Promtail DaemonSet, not the Vector agent's own (vector-system): parking a DaemonSet there would stop Vector's agent on every node`,
        );
        write("alpha", ALPHA);
        set("beta", ["vector-fleet:kubeContext"], "alpha-admin@alpha");
        set("beta", ["vector-fleet:agent"], { namespace: "monitoring" });
        reports(
            `Pulumi.alpha.yaml: vector-fleet:migration.promtail.namespace: got "monitoring", the namespace of the Vector agent Pulumi.beta.yaml deploys into the same cluster (vector-fleet:kubeContext "alpha-admin@alpha", vector-fleet:agent.namespace); expected the namespace of the old DaemonSet: parking Vector's own DaemonSet stops its agent on every node`,
        );
    });

    it("one old DaemonSet parked twice, in a stack or across stacks on one cluster", () => {
        set("alpha", ["vector-fleet:migration", "nodeExporter"], { namespace: "monitoring", name: "promtail" });
        reports(
            `Pulumi.alpha.yaml: vector-fleet:migration.nodeExporter: got "monitoring/promtail"; expected a DaemonSet other than migration.promtail's: one object parked twice is two patches fighting over it`,
        );
        write("alpha", ALPHA);
        set("beta", ["vector-fleet:kubeContext"], "alpha-admin@alpha");
        set("beta", ["vector-fleet:migration"], { phase: "cutover", promtail: {} });
        reports(
            `Pulumi.beta.yaml: vector-fleet:migration.promtail: got "monitoring/promtail", which Pulumi.alpha.yaml also parks in the same cluster (vector-fleet:migration.promtail, vector-fleet:kubeContext "alpha-admin@alpha"); expected each old DaemonSet parked by one stack: two patches of one object fight over it`,
        );
    });

    it("the Loki label verify depends on dropped while a migration runs in parallel", () => {
        set("hub", ["vector-fleet:aggregator", "loki"], { labels: { cluster: "cluster", namespace: "namespace", pod: "pod" } });
        reports(
            `Pulumi.alpha.yaml: vector-fleet:migration.phase: got "parallel", but Pulumi.hub.yaml has no Loki label shipper: shipper (vector-fleet:aggregator.loki.labels); expected Loki labels that npm run verify selects Vector's logs by while Promtail ships beside it: add shipper: shipper to vector-fleet:aggregator.loki.labels in Pulumi.hub.yaml`,
        );
        // The hub's own migration is checked in its own file.
        set("hub", ["vector-fleet:migration"], { phase: "parallel", promtail: {} });
        reports(
            `Pulumi.hub.yaml: vector-fleet:aggregator.loki.labels: got no shipper: shipper while this stack's migration.phase is "parallel"; expected the labels npm run verify selects Vector's logs by (cluster: cluster, namespace: namespace, shipper: shipper) until every migration has left "parallel"`,
        );
        // Once no migration is in parallel, the labels are the hub's own business.
        set("hub", ["vector-fleet:migration"], { phase: "none" });
        set("alpha", ["vector-fleet:migration", "phase"], "cutover");
        assert.deepEqual(errors(), []);
    });

    it("a Loki endpoint that already ends in the push path", () => {
        // Vector's loki sink appends `path` (default /loki/api/v1/push) to `endpoint`:
        // vectordotdev/vector src/sinks/loki/config.rs, default_loki_path.
        set("hub", ["vector-fleet:aggregator", "loki"], { endpoint: "http://loki:3100/loki/api/v1/push" });
        reports(
            `Pulumi.hub.yaml: vector-fleet:aggregator.loki.endpoint: got "http://loki:3100/loki/api/v1/push"; expected Loki's base URL, without /loki/api/v1/push: Vector's loki sink appends it, so the URL would end in it twice`,
        );
    });

    it("a source's signals its hub does not take: node logs without signalLogs, OTLP traces without tempo", () => {
        set("beta", ["vector-fleet:agent"], { nodeLogs: { enabled: true }, otlp: { enabled: true } });
        reports(
            `Pulumi.beta.yaml: vector-fleet:agent: got signals on, but Pulumi.hub.yaml has vector-fleet:aggregator.signalLogs: false; expected true in Pulumi.hub.yaml while Pulumi.beta.yaml's agent sends nodeLogs, otlp: their logs need the job label (docs/signals-node-logs.md)`,
        );
        reports(
            `Pulumi.beta.yaml: vector-fleet:agent: got signals on, but Pulumi.hub.yaml has vector-fleet:aggregator.tempo: nothing; expected a Tempo endpoint in Pulumi.hub.yaml while Pulumi.beta.yaml's agent takes OTLP traces (agent.otlp.enabled): the aggregators would drop them`,
        );
        set("hub", ["vector-fleet:aggregator", "signalLogs"], true);
        set("hub", ["vector-fleet:aggregator", "tempo"], { endpoint: "http://tempo:4318" });
        assert.deepEqual(errors(), []);
    });

    it("a YAML syntax error names the file, line and column; the other files are still checked", () => {
        write("beta", "config:\n  vector-fleet:role: source\n  vector-fleet:cluster: [beta\n");
        write("gamma", source("gamma", "staging", "hel1"));
        const lines = errors();
        assert.equal(lines[0], "Pulumi.beta.yaml:4:1: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]");
        assert.ok(
            lines.some((l) => l.startsWith('Pulumi.gamma.yaml: vector-fleet:cluster: got "gamma", which Pulumi.hub.yaml does not list')),
            lines.join("\n"),
        );
    });

    it("lists every problem of every file at once, each file's own ones named by file", () => {
        set("alpha", ["vector-fleet:region"], "mars");
        set("beta", ["vector-fleet:kubeContext"], "hub-admin@hub");
        assert.deepEqual(errors(), [
            'Pulumi.alpha.yaml: vector-fleet:region: got "mars"; expected one of "fsn1", "nbg1", "hel1", "ash", "hil", "sin"',
            `Pulumi.hub.yaml: vector-fleet:kubeContext: got "hub-admin@hub", which Pulumi.beta.yaml also uses (vector-fleet:kubeContext); expected the context of this stack's own cluster: two stacks on one context deploy into one cluster and overwrite each other's objects`,
        ]);
    });

    describe("in the program: what it can check from where the CLI runs it", () => {
        const raw = (stack: string) => rawConfigOf(readStackFile(root, stack));
        beforeEach(() => fs.writeFileSync(path.join(root, "Pulumi.yaml"), "name: vector-fleet\nruntime: nodejs\n"));

        it("raises the problems that involve its own stack, on either side, and only those", () => {
            set("beta", ["vector-fleet:kubeContext"], "alpha-admin@alpha");
            write("gamma", source("gamma", "staging", "hel1"));
            const line = (stack: string) => fleetProblemsForRun(root, raw(stack)).problems.map(formatProblem);
            assert.deepEqual(line("alpha"), [line("beta")[0]], "both sides of the shared context see it");
            assert.match(line("beta")[0], /^Pulumi\.beta\.yaml: vector-fleet:kubeContext: got "alpha-admin@alpha", which Pulumi\.alpha\.yaml also uses/);
            assert.deepEqual(line("hub"), [], "gamma is not the hub's problem to fail on: it is gamma's");
            assert.equal(line("gamma").length, 1);
        });

        it("the program itself refuses its stack before any resource, run where the files are (as the CLI runs it)", async () => {
            set("beta", ["vector-fleet:kubeContext"], "alpha-admin@alpha");
            const beta = readStackFile(root, "beta");
            const cwd = process.cwd();
            process.chdir(root);
            try {
                await assert.rejects(
                    runStack(program, { project: "vector-fleet", stack: "beta", config: beta.config, secretKeys: beta.secretKeys }),
                    (e: unknown) => {
                        assert.ok(e instanceof ConfigError, String(e));
                        assert.deepEqual(e.problems.map(formatProblem), [
                            `Pulumi.beta.yaml: vector-fleet:kubeContext: got "alpha-admin@alpha", which Pulumi.alpha.yaml also uses (vector-fleet:kubeContext); expected the context of this stack's own cluster: two stacks on one context deploy into one cluster and overwrite each other's objects`,
                        ]);
                        const registered = ((e as { registered?: string[] }).registered ?? []).filter((r) => !r.startsWith("pulumi:pulumi:Stack"));
                        assert.deepEqual(registered, [], "nothing registered but the stack itself");
                        return true;
                    },
                );
            } finally {
                process.chdir(cwd);
            }
        });

        it("checks nothing when the files do not describe the run: other values, no Pulumi.yaml, no file of its own", () => {
            set("beta", ["vector-fleet:kubeContext"], "alpha-admin@alpha");
            const mine = raw("beta");
            assert.equal(fleetProblemsForRun(root, mine).problems.length, 1);
            assert.deepEqual(fleetProblemsForRun(root, { ...mine, values: { ...mine.values, "vector-fleet:kubeContext": "beta-admin@beta" } }).problems, []);
            assert.deepEqual(fleetProblemsForRun(root, { ...mine, stack: "delta" }).problems, []);
            fs.rmSync(path.join(root, "Pulumi.yaml"));
            assert.deepEqual(fleetProblemsForRun(root, mine).problems, []);
        });

        it("compares structured values as JSON, whatever the key order", () => {
            const mine = raw("alpha");
            const migration = JSON.parse(mine.values["vector-fleet:migration"]) as Record<string, unknown>;
            const sorted = Object.fromEntries(
                Object.keys(migration)
                    .sort()
                    .reverse()
                    .map((k) => [k, migration[k]]),
            );
            set("beta", ["vector-fleet:kubeContext"], "alpha-admin@alpha");
            assert.equal(
                fleetProblemsForRun(root, { ...mine, values: { ...mine.values, "vector-fleet:migration": JSON.stringify(sorted) } }).problems.length,
                1,
            );
        });
    });

    it("costs little at 200 stacks: linear, well under 100 ms", () => {
        const n = 200;
        const names = Array.from({ length: n }, (_, i) => `c${String(i + 1).padStart(3, "0")}`);
        fs.rmSync(path.join(root, "Pulumi.alpha.yaml"));
        fs.rmSync(path.join(root, "Pulumi.beta.yaml"));
        for (const c of names)
            write(
                c,
                source(c, "staging", "hel1").replace(
                    "  vector-fleet:kubeContext",
                    "  vector-fleet:migration: { phase: parallel, promtail: {} }\n  vector-fleet:kubeContext",
                ),
            );
        const fleet = loadFleet(root);
        assert.equal(fleet.members.length, n + 1);
        // No load balancer type carries 200 clusters' ports, so the hub file cannot list them all:
        // its typed config is widened in memory, the way the checks would meet it.
        // (A parsed config is frozen: the widened one is a copy.)
        const hub = fleet.members.find((m) => m.stack === "hub")!;
        assert.ok(hub.config.role === "hub");
        const aggregator = { ...hub.config.aggregator, clusters: names };
        hub.config = { ...hub.config, aggregator };
        aggregator.identities = Object.fromEntries(
            names.map((c) => [
                c,
                {
                    environment: "staging",
                    region: "hel1" as const,
                    logEventsPerSec: undefined,
                    metricSamplesPerSec: undefined,
                    clientCaGeneration: 0,
                    acceptPreviousClientCa: false,
                    stack: undefined,
                },
            ]),
        );
        assert.deepEqual(checkFleet(fleet.members, fleet.names, fleet.clusters), { problems: [], warnings: [] });
        const started = process.hrtime.bigint();
        for (let i = 0; i < 10; i++) checkFleet(fleet.members, fleet.names, fleet.clusters);
        const ms = Number(process.hrtime.bigint() - started) / 1e6 / 10;
        assert.ok(ms < 100, `fleet checks over ${n} stacks took ${ms.toFixed(1)} ms`);
    });
});
