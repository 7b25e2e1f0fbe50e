import { strict as assert } from "node:assert";
import { ConfigError, DEFAULT_ROLLOUT_GATE, parseStackConfig } from "../../config";
import { Ctx } from "../../config/schema-kit";
import { vectorImage } from "../../config/validators";
import { MIN_VECTOR_VERSION, VECTOR_IMAGE } from "../../config/versions";
import { snapshots } from "../support/snapshot";
import { DEV_ID, MINIMAL_HUB, MINIMAL_SOURCE, rawConfig, STAGING_ID } from "../support/stack-values";

const matchSnapshot = snapshots(__filename);

const P = "vector-fleet";

const raw = rawConfig;

const SOURCE = MINIMAL_SOURCE;
const HUB = MINIMAL_HUB;

function problemsOf(values: Record<string, unknown>, secret: string[] = []): string[] {
    try {
        parseStackConfig(raw(values, secret));
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
        return e.problems.map((p) => `${p.path}: got ${p.value}; expected ${p.expected}`);
    }
    assert.fail("expected the config to be refused");
}

describe("stack config", () => {
    it("applies every default for a minimal source stack", () => {
        const c = parseStackConfig(raw(SOURCE));
        matchSnapshot("source-defaults.yaml", c);
    });

    it("applies the aggregator defaults and adds the hub's own cluster to the credential list", () => {
        const c = parseStackConfig(raw(HUB));
        assert.equal(c.role, "hub");
        if (c.role !== "hub") return;
        assert.deepEqual(c.agentClusters, ["dev", "monitoring", "staging"]);
        matchSnapshot("hub-aggregator-defaults.yaml", c.aggregator);
    });

    it("leaves the hub's agent out of the credential list when it is disabled", () => {
        const c = parseStackConfig(raw({ ...HUB, agent: { enabled: false } }));
        assert.ok(c.role === "hub");
        assert.deepEqual(c.agentClusters, ["dev", "staging"]);
        assert.deepEqual(
            c.agentIdentities.map((a) => a.name),
            ["dev", "staging"],
        );
    });

    it("gives the hub's own cluster slot 0 and each listed cluster its list position, with its configured identity", () => {
        const c = parseStackConfig(raw({ ...HUB, aggregator: { ...HUB.aggregator, clusters: ["staging", "dev"] } }));
        assert.ok(c.role === "hub");
        assert.deepEqual(c.agentIdentities, [
            { name: "dev", environment: "development", region: "hel1", slot: 2, clientCaGeneration: 0, acceptPreviousClientCa: false },
            { name: "monitoring", environment: "production", region: "fsn1", slot: 0 },
            { name: "staging", environment: "staging", region: "fsn1", slot: 1, clientCaGeneration: 0, acceptPreviousClientCa: false },
        ]);
    });

    it("gives every cluster the fleet-wide log limit unless its identity sets its own, and none when neither is set", () => {
        const c = parseStackConfig(
            raw({
                ...HUB,
                aggregator: { ...HUB.aggregator, logEventsPerSecPerCluster: 500, identities: { dev: { ...DEV_ID, logEventsPerSec: 50 }, staging: STAGING_ID } },
            }),
        );
        assert.ok(c.role === "hub");
        assert.deepEqual(Object.fromEntries(c.agentIdentities.map((a) => [a.name, a.logEventsPerSec])), { dev: 50, monitoring: 500, staging: 500 });
        const unset = parseStackConfig(raw(HUB));
        assert.ok(unset.role === "hub");
        assert.ok(unset.agentIdentities.every((a) => !("logEventsPerSec" in a)));
    });

    it("gives every cluster the fleet-wide metric limit unless its identity sets its own, and none when neither is set", () => {
        const c = parseStackConfig(
            raw({
                ...HUB,
                aggregator: {
                    ...HUB.aggregator,
                    metricSamplesPerSecPerCluster: 20000,
                    identities: { dev: { ...DEV_ID, metricSamplesPerSec: 3000 }, staging: STAGING_ID },
                },
            }),
        );
        assert.ok(c.role === "hub");
        assert.deepEqual(Object.fromEntries(c.agentIdentities.map((a) => [a.name, a.metricSamplesPerSec])), { dev: 3000, monitoring: 20000, staging: 20000 });
        const unset = parseStackConfig(raw(HUB));
        assert.ok(unset.role === "hub");
        assert.ok(unset.agentIdentities.every((a) => !("metricSamplesPerSec" in a)));
    });

    it("keeps a cluster's slot when another is appended to the list", () => {
        const slots = (clusters: string[]) => {
            const c = parseStackConfig(
                raw({ ...HUB, aggregator: { ...HUB.aggregator, loadBalancer: { ...HUB.aggregator.loadBalancer, type: "lb21" }, clusters } }),
            );
            assert.ok(c.role === "hub");
            return Object.fromEntries(c.agentIdentities.map((a) => [a.name, a.slot]));
        };
        const before = slots(["dev", "staging"]);
        const after = parseStackConfig(
            raw({
                ...HUB,
                aggregator: {
                    ...HUB.aggregator,
                    loadBalancer: { ...HUB.aggregator.loadBalancer, type: "lb21" },
                    clusters: ["dev", "staging", "alpha"],
                    identities: { ...HUB.aggregator.identities, alpha: DEV_ID },
                },
            }),
        );
        assert.ok(after.role === "hub");
        const afterSlots = Object.fromEntries(after.agentIdentities.map((a) => [a.name, a.slot]));
        for (const [name, slot] of Object.entries(before)) assert.equal(afterSlots[name], slot, name);
    });

    it("keeps overrides and fills the rest of a section with defaults", () => {
        const c = parseStackConfig(
            raw({
                ...SOURCE,
                agent: {
                    hostMetrics: { scrapeIntervalSecs: 60 },
                    extraLabels: { team: "platform" },
                    resources: { limits: { memory: "1Gi" } },
                    maxMergedLineBytes: 1048576,
                },
            }),
        );
        assert.equal(c.agent.maxMergedLineBytes, 1048576);
        assert.deepEqual(c.agent.hostMetrics, { collectors: ["cpu", "disk", "load", "memory", "network"], scrapeIntervalSecs: 60 });
        assert.deepEqual(c.agent.extraLabels, { team: "platform" });
        assert.deepEqual(c.agent.resources, { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "1Gi" } });
    });

    it("puts a source stack in the main wave with the default gate unless it says otherwise", () => {
        assert.deepEqual(parseStackConfig(raw(SOURCE)).rollout, { wave: "main", gate: { ...DEFAULT_ROLLOUT_GATE } });
        const c = parseStackConfig(raw({ ...SOURCE, rollout: { wave: "canary", gate: { soak: "30m", minDeliveredPercent: 95 } } }));
        assert.deepEqual(c.rollout, { wave: "canary", gate: { ...DEFAULT_ROLLOUT_GATE, soak: "30m", minDeliveredPercent: 95 } });
    });

    it("refuses an unknown wave, a soak that is not a duration and a share above 100%", () => {
        assert.deepEqual(problemsOf({ ...SOURCE, rollout: { wave: "beta", gate: { soak: "15", minDeliveredPercent: 101 } } }), [
            'vector-fleet:rollout.wave: got "beta"; expected one of "canary", "early", "main"',
            'vector-fleet:rollout.gate.soak: got "15"; expected a duration such as 15m (s, m or h)',
            "vector-fleet:rollout.gate.minDeliveredPercent: got 101; expected an integer from 0 to 100 percent",
        ]);
    });

    it("refuses a wave on the hub, which is deployed before every wave, but takes its gate thresholds", () => {
        assert.deepEqual(problemsOf({ ...HUB, rollout: { wave: "canary" } }), [
            'vector-fleet:rollout.wave: got "canary"; expected nothing on the hub: it is deployed before every wave (docs/rollout.md)',
        ]);
        assert.equal(parseStackConfig(raw({ ...HUB, rollout: { gate: { maxRestarts: 2 } } })).rollout.gate.maxRestarts, 2);
    });

    it("accepts a secret kubeconfig instead of a context", () => {
        const { kubeContext: _unused, ...rest } = SOURCE;
        void _unused;
        const c = parseStackConfig(raw({ ...rest, kubeconfig: "apiVersion: v1" }, [`${P}:kubeconfig`]));
        assert.deepEqual(c.kubernetes, { kubeconfigSecret: true });
    });

    it("parses the same values once and hands every reader the same frozen config", () => {
        // A render parses a source's config for the fleet checks and each of its two passes.
        const first = parseStackConfig(raw(SOURCE));
        assert.equal(parseStackConfig(raw(SOURCE)), first);
        assert.ok(Object.isFrozen(first) && Object.isFrozen(first.agent) && Object.isFrozen(first.cluster));
        assert.throws(() => {
            (first.cluster as { name: string }).name = "changed";
        }, TypeError);
        assert.notEqual(parseStackConfig(raw({ ...SOURCE, cluster: "other" })), first);
    });

    it("parses again when only which keys are secret differs: a plaintext kubeconfig is still refused", () => {
        const { kubeContext: _unused, ...rest } = SOURCE;
        void _unused;
        const values = { ...rest, kubeconfig: "apiVersion: v1" };
        assert.deepEqual(parseStackConfig(raw(values, [`${P}:kubeconfig`])).kubernetes, { kubeconfigSecret: true });
        assert.throws(() => parseStackConfig(raw(values)), ConfigError);
    });

    it("ignores other namespaces' keys (providers own them)", () => {
        const c = parseStackConfig(raw({ ...SOURCE, "kubernetes:enableServerSideApply": "true", "hcloud:token": "x" }));
        assert.equal(c.cluster.name, "dev");
    });

    it("reports every problem at once, not just the first", () => {
        const problems = problemsOf({ ...SOURCE, cluster: "Dev", region: "mars", agent: { namespace: "Vector_System" } });
        assert.equal(problems.length, 3);
    });

    // Each row: a broken config, the key path the message must name, and a fragment of the value.
    const bad: [string, Record<string, unknown>, string, string][] = [
        ["missing role", { ...SOURCE, role: undefined }, `${P}:role`, "nothing"],
        ["unknown role", { ...SOURCE, role: "spoke" }, `${P}:role`, '"spoke"'],
        ["cluster name with capitals", { ...SOURCE, cluster: "Dev" }, `${P}:cluster`, '"Dev"'],
        ["cluster name too long", { ...SOURCE, cluster: "a".repeat(33) }, `${P}:cluster`, "aaaa"],
        ["unknown region", { ...SOURCE, region: "us-east-1" }, `${P}:region`, '"us-east-1"'],
        ["unknown top-level key (typo)", { ...SOURCE, clustr: "x" }, `${P}:clustr`, '"x"'],
        ["unknown nested key", { ...SOURCE, agent: { namespce: "x" } }, `${P}:agent.namespce`, '"x"'],
        ["source without monitoring stack", { ...SOURCE, monitoringStack: undefined }, `${P}:monitoringStack`, "nothing"],
        ["malformed monitoring stack name", { ...SOURCE, monitoringStack: "a/b/c/d" }, `${P}:monitoringStack`, '"a/b/c/d"'],
        ["hub with monitoring stack", { ...HUB, monitoringStack: "monitoring" }, `${P}:monitoringStack`, '"monitoring"'],
        ["hub without aggregator", { ...HUB, aggregator: undefined }, `${P}:aggregator`, "nothing"],
        ["source with aggregator", { ...SOURCE, aggregator: HUB.aggregator }, `${P}:aggregator`, "an object"],
        ["source with agent disabled", { ...SOURCE, agent: { enabled: false } }, `${P}:agent.enabled`, "false"],
        ["neither context nor kubeconfig", { ...SOURCE, kubeContext: undefined }, `${P}:kubeContext`, "nothing"],
        ["both context and kubeconfig", { ...SOURCE, kubeconfig: "k" }, `${P}:kubeContext`, '"dev"'],
        ["negative scrape interval", { ...SOURCE, agent: { hostMetrics: { scrapeIntervalSecs: -5 } } }, `${P}:agent.hostMetrics.scrapeIntervalSecs`, "-5"],
        ["scrape interval as a string", { ...SOURCE, agent: { kubelet: { scrapeIntervalSecs: "30s" } } }, `${P}:agent.kubelet.scrapeIntervalSecs`, '"30s"'],
        ["unknown collector", { ...SOURCE, agent: { hostMetrics: { collectors: ["cpu", "gpu"] } } }, `${P}:agent.hostMetrics.collectors[1]`, '"gpu"'],
        ["duplicate collector", { ...SOURCE, agent: { hostMetrics: { collectors: ["cpu", "cpu"] } } }, `${P}:agent.hostMetrics.collectors[1]`, '"cpu"'],
        ["empty collector list", { ...SOURCE, agent: { hostMetrics: { collectors: [] } } }, `${P}:agent.hostMetrics.collectors`, "[]"],
        [
            "filesystem collector (measures the agent container, vector #18231)",
            { ...SOURCE, agent: { hostMetrics: { collectors: ["cpu", "filesystem"] } } },
            `${P}:agent.hostMetrics.collectors[1]`,
            '"filesystem"',
        ],
        ["merged-line cap below one 32 KiB line", { ...SOURCE, agent: { maxMergedLineBytes: 1024 } }, `${P}:agent.maxMergedLineBytes`, "1024"],
        ["merged-line cap as a string", { ...SOURCE, agent: { maxMergedLineBytes: "128Ki" } }, `${P}:agent.maxMergedLineBytes`, '"128Ki"'],
        ["disk buffer below Vector's minimum", { ...SOURCE, agent: { buffers: { logsMaxBytes: 1048576 } } }, `${P}:agent.buffers.logsMaxBytes`, "1048576"],
        ["image tagged latest", { ...SOURCE, agent: { image: "timberio/vector:latest" } }, `${P}:agent.image`, "latest"],
        ["image without a tag", { ...SOURCE, agent: { image: "timberio/vector" } }, `${P}:agent.image`, '"timberio/vector"'],
        ["label name with a dash", { ...SOURCE, agent: { extraLabels: { "cost-center": "x" } } }, `${P}:agent.extraLabels.cost-center`, '"cost-center"'],
        ["reserved label name", { ...SOURCE, agent: { extraLabels: { __name__: "x" } } }, `${P}:agent.extraLabels.__name__`, '"__name__"'],
        ["bad CPU quantity", { ...SOURCE, agent: { resources: { requests: { cpu: "lots" } } } }, `${P}:agent.resources.requests.cpu`, '"lots"'],
        ["request above limit", { ...SOURCE, agent: { resources: { requests: { memory: "1Gi" } } } }, `${P}:agent.resources.requests.memory`, '"1Gi"'],
        ["bad namespace in exclusions", { ...SOURCE, agent: { excludedNamespaces: ["Kube_System"] } }, `${P}:agent.excludedNamespaces[0]`, '"Kube_System"'],
        ["zero replicas", { ...HUB, aggregator: { ...HUB.aggregator, replicas: 0 } }, `${P}:aggregator.replicas`, "0"],
        [
            "Loki URL without scheme",
            { ...HUB, aggregator: { ...HUB.aggregator, loki: { endpoint: "loki:3100" } } },
            `${P}:aggregator.loki.endpoint`,
            '"loki:3100"',
        ],
        [
            "remote-write URL with credentials",
            { ...HUB, aggregator: { ...HUB.aggregator, prometheus: { remoteWriteUrl: "https://u:p@prom/api/v1/write" } } },
            `${P}:aggregator.prometheus.remoteWriteUrl`,
            "u:p@prom",
        ],
        [
            "sample age limit under 30 minutes",
            { ...HUB, aggregator: { ...HUB.aggregator, prometheus: { maxSampleAgeSecs: 1799 } } },
            `${P}:aggregator.prometheus.maxSampleAgeSecs`,
            "1799",
        ],
        ["sampling rate zero", { ...HUB, aggregator: { ...HUB.aggregator, sampling: { "kube-system": 0 } } }, `${P}:aggregator.sampling.kube-system`, "0"],
        [
            "sampling rate as a fraction",
            { ...HUB, aggregator: { ...HUB.aggregator, sampling: { "kube-system": 0.1 } } },
            `${P}:aggregator.sampling.kube-system`,
            "0.1",
        ],
        [
            "public load balancer IP",
            { ...HUB, aggregator: { ...HUB.aggregator, loadBalancer: { network: "n", privateIp: "8.8.8.8" } } },
            `${P}:aggregator.loadBalancer.privateIp`,
            '"8.8.8.8"',
        ],
        [
            "malformed IP",
            { ...HUB, aggregator: { ...HUB.aggregator, loadBalancer: { network: "n", privateIp: "10.0.300.1" } } },
            `${P}:aggregator.loadBalancer.privateIp`,
            '"10.0.300.1"',
        ],
        [
            "load balancer without network",
            { ...HUB, aggregator: { ...HUB.aggregator, loadBalancer: { privateIp: "10.0.64.250" } } },
            `${P}:aggregator.loadBalancer.network`,
            "nothing",
        ],
        [
            "unknown load balancer type",
            { ...HUB, aggregator: { ...HUB.aggregator, loadBalancer: { ...HUB.aggregator.loadBalancer, type: "lb99" } } },
            `${P}:aggregator.loadBalancer.type`,
            '"lb99"',
        ],
        ["hub lists its own cluster", { ...HUB, aggregator: { ...HUB.aggregator, clusters: ["monitoring"] } }, `${P}:aggregator.clusters`, '"monitoring"'],
        [
            "a previous token kept before any rotation",
            { ...SOURCE, agent: { identity: { acceptPreviousToken: true } } },
            `${P}:agent.identity.acceptPreviousToken`,
            "tokenGeneration 0",
        ],
        [
            "a previous client CA trusted before any rotation",
            { ...HUB, aggregator: { ...HUB.aggregator, identities: { ...HUB.aggregator.identities, dev: { ...DEV_ID, acceptPreviousClientCa: true } } } },
            `${P}:aggregator.identities.dev.acceptPreviousClientCa`,
            "clientCaGeneration 0",
        ],
        [
            "a negative client CA generation",
            { ...HUB, aggregator: { ...HUB.aggregator, identities: { ...HUB.aggregator.identities, dev: { ...DEV_ID, clientCaGeneration: -1 } } } },
            `${P}:aggregator.identities.dev.clientCaGeneration`,
            "-1",
        ],
        [
            "a client CA generation that is not a whole number",
            { ...HUB, aggregator: { ...HUB.aggregator, identities: { ...HUB.aggregator.identities, dev: { ...DEV_ID, clientCaGeneration: 1.5 } } } },
            `${P}:aggregator.identities.dev.clientCaGeneration`,
            "1.5",
        ],
        [
            "a client CA overlap flag that is not a boolean",
            {
                ...HUB,
                aggregator: {
                    ...HUB.aggregator,
                    identities: { ...HUB.aggregator.identities, dev: { ...DEV_ID, clientCaGeneration: 1, acceptPreviousClientCa: "yes" } },
                },
            },
            `${P}:aggregator.identities.dev.acceptPreviousClientCa`,
            '"yes"',
        ],
        [
            "a cluster named like another cluster's later credential generation",
            {
                ...HUB,
                aggregator: { ...HUB.aggregator, clusters: ["dev", "staging", "dev-g1"], identities: { ...HUB.aggregator.identities, "dev-g1": DEV_ID } },
            },
            `${P}:aggregator.clusters`,
            '"dev-g1"',
        ],
        [
            "a token generation on the hub, where it no longer lives",
            { ...HUB, aggregator: { ...HUB.aggregator, identities: { ...HUB.aggregator.identities, dev: { ...DEV_ID, tokenGeneration: 1 } } } },
            `${P}:aggregator.identities.dev.tokenGeneration`,
            "1",
        ],
        [
            "a stack name for a cluster's credentials that is no stack name",
            { ...HUB, aggregator: { ...HUB.aggregator, identities: { ...HUB.aggregator.identities, dev: { ...DEV_ID, stack: "a/b" } } } },
            `${P}:aggregator.identities.dev.stack`,
            '"a/b"',
        ],
        [
            "an identity for a cluster not listed",
            { ...HUB, aggregator: { ...HUB.aggregator, identities: { qa: { environment: "qa", region: "hel1" } } } },
            `${P}:aggregator.identities.qa`,
            '"qa"',
        ],
        [
            "more clusters than the load balancer type has ports for",
            { ...HUB, aggregator: { ...HUB.aggregator, clusters: ["a", "b", "c"] } },
            `${P}:aggregator.loadBalancer.type`,
            '"lb11", which carries at most 5 ports',
        ],
        ["cluster listed twice", { ...HUB, aggregator: { ...HUB.aggregator, clusters: ["dev", "dev"] } }, `${P}:aggregator.clusters[1]`, '"dev"'],
        ["volume smaller than its buffers", { ...HUB, aggregator: { ...HUB.aggregator, storage: { size: "1Gi" } } }, `${P}:aggregator.storage.size`, '"1Gi"'],
        [
            // Two listed clusters and the hub's own: three per-cluster sinks and the shared one, each at least Vector's minimum.
            "metrics buffers too small to give every cluster's sink Vector's minimum",
            { ...HUB, aggregator: { ...HUB.aggregator, buffers: { prometheusMaxBytes: 3 * 268435488 } } },
            `${P}:aggregator.buffers.prometheusMaxBytes`,
            "805306464",
        ],
        [
            "agent and aggregator in one namespace",
            { ...HUB, agent: { namespace: "obs" }, aggregator: { ...HUB.aggregator, namespace: "obs" } },
            `${P}:aggregator.namespace`,
            '"obs"',
        ],
        ["aggregator not an object", { ...HUB, aggregator: [1] }, `${P}:aggregator`, "[1]"],
        ["cutover without naming the old agents", { ...SOURCE, migration: { phase: "cutover" } }, `${P}:migration.phase`, '"cutover"'],
        ["old agents listed with phase none", { ...SOURCE, migration: { promtail: {} } }, `${P}:migration.phase`, '"none"'],
        ["unknown migration phase", { ...SOURCE, migration: { phase: "switch" } }, `${P}:migration.phase`, '"switch"'],
        [
            "cutover while the hub's agent is off",
            { ...HUB, agent: { enabled: false }, migration: { phase: "cutover", promtail: {} } },
            `${P}:migration.phase`,
            '"cutover"',
        ],
        ["structured key that is not valid YAML/JSON", { ...SOURCE, agent: "{not json" }, `${P}:agent`, "{not json"],
    ];
    for (const [what, values, path, valueFragment] of bad) {
        it(`refuses ${what}, naming ${path} and the value`, () => {
            const problems = problemsOf(values);
            const hit = problems.find((p) => p.startsWith(`${path}: `));
            assert.ok(hit, `no problem names ${path}; got:\n${problems.join("\n")}`);
            assert.ok(hit.includes(valueFragment), `"${hit}" does not show the value ${valueFragment}`);
            assert.match(hit, /; expected .{8,}/, "the message must say what is expected");
        });
    }

    it("says where the token settings moved: to the cluster's own stack, agent.identity", () => {
        for (const key of ["tokenGeneration", "acceptPreviousToken"]) {
            const problems = problemsOf({
                ...HUB,
                aggregator: {
                    ...HUB.aggregator,
                    identities: { ...HUB.aggregator.identities, dev: { ...DEV_ID, [key]: key === "tokenGeneration" ? 1 : true } },
                },
            });
            assert.deepEqual(
                problems.filter((p) => p.includes(key)),
                [
                    `${P}:aggregator.identities.dev.${key}: got ${key === "tokenGeneration" ? "1" : "true"}; expected no such key here any more: each cluster keeps its own tokens, ` +
                        `so set vector-fleet:agent.identity.${key} in that cluster's own stack file instead (docs/identity.md#rotating-a-token)`,
                ],
            );
        }
    });

    it("takes a cluster's token generation from its own stack, defaulting to the first token only", () => {
        const own = parseStackConfig(raw(SOURCE));
        assert.deepEqual(own.agent.identity, { tokenGeneration: 0, acceptPreviousToken: false });
        const rotating = parseStackConfig(raw({ ...SOURCE, agent: { identity: { tokenGeneration: 2, acceptPreviousToken: true } } }));
        assert.deepEqual(rotating.agent.identity, { tokenGeneration: 2, acceptPreviousToken: true });
    });

    it("never echoes a secret value, even when it is invalid", () => {
        const problems = problemsOf({ ...SOURCE, kubeContext: undefined, kubeconfig: "" }, [`${P}:kubeconfig`]);
        assert.ok(
            problems.some((p) => p.startsWith(`${P}:kubeconfig: got [secret]`)),
            problems.join("\n"),
        );
    });

    it("refuses a kubeconfig stored in plain text without showing it", () => {
        const problems = problemsOf({ ...SOURCE, kubeContext: undefined, kubeconfig: "apiVersion: v1 token: hunter2" });
        const hit = problems.find((p) => p.startsWith(`${P}:kubeconfig`));
        assert.ok(hit && hit.includes("--secret"), problems.join("\n"));
        assert.ok(!problems.join("\n").includes("hunter2"));
    });

    it("suggests the closest key for a typo", () => {
        const problems = problemsOf({ ...SOURCE, agent: { excludeNamespaces: [] } });
        assert.ok(
            problems.some((p) => p.includes('did you mean "excludedNamespaces"')),
            problems.join("\n"),
        );
    });

    it("formats the error as one line per problem", () => {
        try {
            parseStackConfig(raw({ ...SOURCE, region: "mars", cluster: "X" }));
            assert.fail("expected an error");
        } catch (e) {
            assert.ok(e instanceof ConfigError);
            assert.equal(e.message.split("\n").length, 3);
            assert.match(e.message, /^invalid stack configuration \(2 problems\):/);
        }
    });
});

describe("Vector image releases", () => {
    // What the pinned pipelines need at boot: MIN_VECTOR_VERSION (config/versions.ts).
    const problem = (image: string) => {
        const ctx: Ctx = { problems: [], secret: false };
        vectorImage(MIN_VECTOR_VERSION).parse(image, "agent.image", ctx);
        return ctx.problems.map((p) => p.expected);
    };
    it("accepts the pinned release, later releases and digests, whatever the variant", () => {
        for (const ok of [
            VECTOR_IMAGE,
            `timberio/vector:${MIN_VECTOR_VERSION}-debian`,
            "timberio/vector:0.60.1-alpine",
            "timberio/vector:1.0.0",
            "registry.example.com/vector:0.58.2",
            `timberio/vector@sha256:${"a".repeat(64)}`,
        ])
            assert.deepEqual(problem(ok), [], ok);
    });
    it("refuses a release older than the oldest the pipelines start on, comparing numerically", () => {
        for (const old of ["timberio/vector:0.57.0-distroless-libc", "timberio/vector:0.9.0", "timberio/vector:0.57.99"])
            assert.match(problem(old).join(), /Vector 0\.58\.0 or later/, old);
    });
});
