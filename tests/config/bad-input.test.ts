/**
 * The bad-input suite: broken stack configs and broken monitoring-stack outputs, each run through
 * the real program. Every one must fail before any resource is registered (the StackReference
 * that delivered a broken output excepted), with a message naming the key, the value and the fix.
 */
import { strict as assert } from "node:assert";
import { ConfigError } from "../../config";
import { RunResult, runStack, SimulatedCloud, StackOutputs } from "../../tools/render/simulator";
import { program, fixtureSourceOutputs, fleetStackFile, runHub, sharedHub } from "../support/fleet";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const REMOVE = Symbol("remove");
/** Like Json, but any object key may be REMOVE. */
type PatchValue = null | boolean | number | string | Json[] | typeof REMOVE | Patch;
type Patch = { [key: string]: PatchValue };

/** Deep-merges `patch` into a copy of `base`; REMOVE deletes a key. */
function merge(base: Json | undefined, patch: PatchValue): Json | undefined {
    if (patch === REMOVE) return undefined;
    if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
    const out: { [k: string]: Json } = typeof base === "object" && base !== null && !Array.isArray(base) ? { ...base } : {};
    for (const [k, v] of Object.entries(patch)) {
        const merged = merge(out[k], v);
        if (merged === undefined) delete out[k];
        else out[k] = merged;
    }
    return out;
}

/** The stack's own Pulumi.<stack>.yaml with top-level keys deep-patched (objects merge, REMOVE deletes). */
function configWith(stack: string, patch: Patch, secretKeys: string[] = []) {
    const file = fleetStackFile(stack);
    const config: Record<string, string> = {};
    const keys = new Set([...Object.keys(file.config).map((k) => k.replace(/^vector-fleet:/, "")), ...Object.keys(patch)]);
    for (const key of keys) {
        const raw = file.config[`vector-fleet:${key}`];
        const current: Json | undefined = raw === undefined ? undefined : raw.startsWith("{") || raw.startsWith("[") ? (JSON.parse(raw) as Json) : raw;
        const next = key in patch ? merge(current, patch[key]) : current;
        if (next !== undefined) config[`vector-fleet:${key}`] = typeof next === "string" ? next : JSON.stringify(next);
    }
    return { config, secretKeys: [...file.secretKeys, ...secretKeys] };
}

interface ConfigCase {
    what: string;
    stack: string;
    patch: Patch;
    secretKeys?: string[];
    cloud?: SimulatedCloud;
    /** The full key, the value as shown, and a fragment of the fix. */
    key: string;
    value: string;
    fix: RegExp;
}

const CONFIG_CASES: ConfigCase[] = [
    { what: "a region Hetzner does not have", stack: "dev", patch: { region: "mars" }, key: "region", value: '"mars"', fix: /one of "fsn1", "nbg1", "hel1"/ },
    { what: "a cluster name that is not a DNS label", stack: "dev", patch: { cluster: "Dev_1" }, key: "cluster", value: '"Dev_1"', fix: /a DNS label/ },
    { what: "an unknown role", stack: "dev", patch: { role: "spoke" }, key: "role", value: '"spoke"', fix: /"hub" or "source"|one of "hub", "source"/ },
    {
        what: "a misspelled top-level key",
        stack: "dev",
        patch: { agnet: { enabled: true } },
        key: "agnet",
        value: '"{\\"enabled\\":true}"',
        fix: /no such key; did you mean "agent"\?/,
    },
    {
        what: "a source stack without the monitoring stack's name",
        stack: "staging",
        patch: { monitoringStack: REMOVE },
        key: "monitoringStack",
        value: "nothing",
        fix: /the monitoring stack's name/,
    },
    {
        what: "a hub that names a monitoring stack",
        stack: "monitoring",
        patch: { monitoringStack: "monitoring" },
        key: "monitoringStack",
        value: '"monitoring"',
        fix: /nothing on the hub/,
    },
    {
        what: "a stack that names no cluster at all",
        stack: "dev",
        patch: { kubeContext: REMOVE },
        key: "kubeContext",
        value: "nothing",
        fix: /never the ambient default/,
    },
    {
        what: "both a context and a kubeconfig",
        stack: "dev",
        patch: { kubeconfig: "apiVersion: v1" },
        secretKeys: ["vector-fleet:kubeconfig"],
        key: "kubeContext",
        value: '"dev-admin@dev"',
        fix: /either kubeContext or kubeconfig, not both/,
    },
    {
        what: "a kubeconfig in plain text",
        stack: "dev",
        patch: { kubeContext: REMOVE, kubeconfig: "apiVersion: v1" },
        key: "kubeconfig",
        value: "[not shown: plaintext]",
        fix: /pulumi config set --secret kubeconfig/,
    },
    {
        what: "the moving `latest` image tag",
        stack: "dev",
        patch: { agent: { image: "timberio/vector:latest" } },
        key: "agent.image",
        value: '"timberio/vector:latest"',
        fix: /a pinned release tag/,
    },
    // 0.57 refuses bare "{{ field }}" loki label values (NoDerivableBase) and max_merged_line_action:
    // vectordotdev/vector website/cue/reference/releases/0.58.0.cue, PRs 26176 and 25567.
    {
        what: "an agent image older than the oldest release the pipelines start on",
        stack: "dev",
        patch: { agent: { image: "timberio/vector:0.57.0-distroless-libc" } },
        key: "agent.image",
        value: '"timberio/vector:0.57.0-distroless-libc"',
        fix: /Vector 0\.58\.0 or later: the rendered configs use options 0\.57\.0 refuses at boot/,
    },
    {
        what: "an aggregator image of an old minor release",
        stack: "monitoring",
        patch: { aggregator: { image: "timberio/vector:0.9.9" } },
        key: "aggregator.image",
        value: '"timberio/vector:0.9.9"',
        fix: /Vector 0\.58\.0 or later/,
    },
    {
        what: "an image without a tag",
        stack: "staging",
        patch: { agent: { image: "timberio/vector" } },
        key: "agent.image",
        value: '"timberio/vector"',
        fix: /an explicit tag or digest/,
    },
    {
        what: "a CPU request above its limit",
        stack: "dev",
        patch: { agent: { resources: { requests: { cpu: "2" } } } },
        key: "agent.resources.requests.cpu",
        value: '"2"',
        fix: /at most the CPU limit "500m"/,
    },
    {
        what: "an aggregator memory request below its limit (Burstable memory)",
        stack: "monitoring",
        patch: { aggregator: { resources: { requests: { memory: "2Gi" } } } },
        key: "aggregator.resources.requests.memory",
        value: '"2Gi"',
        fix: /the memory limit "8Gi"/,
    },
    {
        what: "a memory limit that is not a quantity",
        stack: "dev",
        patch: { agent: { resources: { limits: { memory: "lots" } } } },
        key: "agent.resources.limits.memory",
        value: '"lots"',
        fix: /memory quantity/,
    },
    {
        what: "a host-metrics interval below 5 s",
        stack: "dev",
        patch: { agent: { hostMetrics: { scrapeIntervalSecs: 1 } } },
        key: "agent.hostMetrics.scrapeIntervalSecs",
        value: "1",
        fix: /an integer from 5 to 300 seconds/,
    },
    {
        what: "a host-metrics collector Vector does not have",
        stack: "dev",
        patch: { agent: { hostMetrics: { collectors: ["cpu", "gpu"] } } },
        key: "agent.hostMetrics.collectors[1]",
        value: '"gpu"',
        fix: /one of "cgroups", "cpu"/,
    },
    {
        what: "an extra label that would overwrite the cluster label",
        stack: "staging",
        patch: { agent: { extraLabels: { cluster: "x" } } },
        key: "agent.extraLabels.cluster",
        value: '"cluster"',
        fix: /set by the pipeline itself/,
    },
    {
        what: "an extra label name Prometheus refuses",
        stack: "staging",
        patch: { agent: { extraLabels: { "team-name": "x" } } },
        key: "agent.extraLabels.team-name",
        value: '"team-name"',
        fix: /a label name/,
    },
    {
        what: "a logs buffer below Vector's minimum disk buffer",
        stack: "dev",
        patch: { agent: { buffers: { logsMaxBytes: 1000 } } },
        key: "agent.buffers.logsMaxBytes",
        value: "1000",
        fix: /an integer from 268435488 to \d+ bytes/,
    },
    {
        what: "a source stack with its agent disabled",
        stack: "staging",
        patch: { agent: { enabled: false } },
        key: "agent.enabled",
        value: "false",
        fix: /true on a source stack/,
    },
    {
        what: "an agent namespace that is not a namespace name",
        stack: "dev",
        patch: { agent: { namespace: "Vector_System" } },
        key: "agent.namespace",
        value: '"Vector_System"',
        fix: /a Kubernetes namespace name/,
    },
    {
        what: "an aggregator section on a source stack",
        stack: "dev",
        patch: { aggregator: { replicas: 3 } },
        key: "aggregator",
        value: "an object",
        fix: /only the hub runs aggregators/,
    },
    {
        what: "a hub without an aggregator section",
        stack: "monitoring",
        patch: { aggregator: REMOVE },
        key: "aggregator",
        value: "nothing",
        fix: /loadBalancer\.network and loadBalancer\.privateIp/,
    },
    {
        what: "a public load balancer IP",
        stack: "monitoring",
        patch: { aggregator: { loadBalancer: { privateIp: "8.8.8.8" } } },
        key: "aggregator.loadBalancer.privateIp",
        value: '"8.8.8.8"',
        fix: /a private IPv4 address/,
    },
    {
        what: "an IP with an octet above 255",
        stack: "monitoring",
        patch: { aggregator: { loadBalancer: { privateIp: "10.0.64.300" } } },
        key: "aggregator.loadBalancer.privateIp",
        value: '"10.0.64.300"',
        fix: /an IPv4 address such as/,
    },
    {
        what: "a load balancer type Hetzner does not sell",
        stack: "monitoring",
        patch: { aggregator: { loadBalancer: { type: "lb99" } } },
        key: "aggregator.loadBalancer.type",
        value: '"lb99"',
        fix: /one of "lb11", "lb21", "lb31"/,
    },
    {
        what: "zero aggregator replicas",
        stack: "monitoring",
        patch: { aggregator: { replicas: 0 } },
        key: "aggregator.replicas",
        value: "0",
        fix: /an integer from 1 to 20 replicas/,
    },
    {
        what: "a sampling rate of zero",
        stack: "monitoring",
        patch: { aggregator: { sampling: { "kube-system": 0 } } },
        key: "aggregator.sampling.kube-system",
        value: "0",
        fix: /an integer from 1 to 1000000 \(keep 1 in N\)/,
    },
    {
        what: "a Loki endpoint that is not a URL",
        stack: "monitoring",
        patch: { aggregator: { loki: { endpoint: "loki:3100" } } },
        key: "aggregator.loki.endpoint",
        value: '"loki:3100"',
        fix: /a URL with scheme http or https/,
    },
    {
        what: "a remote-write URL with a password in it",
        stack: "monitoring",
        patch: { aggregator: { prometheus: { remoteWriteUrl: "https://u:p@prom.example/api/v1/write" } } },
        key: "aggregator.prometheus.remoteWriteUrl",
        value: '"https://u:p@prom.example/api/v1/write"',
        fix: /tokens go in secrets, never in URLs/,
    },
    {
        what: "the hub's own cluster in its cluster list",
        stack: "monitoring",
        patch: { aggregator: { clusters: ["dev", "monitoring"] } },
        key: "aggregator.clusters",
        value: '"monitoring"',
        fix: /added automatically/,
    },
    {
        what: "a cluster listed twice",
        stack: "monitoring",
        patch: { aggregator: { clusters: ["dev", "dev"] } },
        key: "aggregator.clusters[1]",
        value: '"dev"',
        fix: /a value not already listed/,
    },
    {
        what: "a volume too small for the disk buffers",
        stack: "monitoring",
        patch: { aggregator: { storage: { size: "1Gi" } } },
        key: "aggregator.storage.size",
        value: '"1Gi"',
        fix: /at least 20% larger than the disk buffers/,
    },
    {
        what: "a metrics buffer that cannot give every cluster's own sink Vector's minimum",
        stack: "monitoring",
        patch: { aggregator: { buffers: { prometheusMaxBytes: 268435488 } } },
        key: "aggregator.buffers.prometheusMaxBytes",
        value: "268435488",
        fix: /at least \d+ bytes: Vector's minimum disk buffer \(268435488\) for the aggregators' own metrics and for each of the \d+ agent cluster/,
    },
    {
        what: "a Loki label name reserved by Prometheus",
        stack: "monitoring",
        patch: { aggregator: { loki: { labels: { __name: "namespace" } } } },
        key: "aggregator.loki.labels.__name",
        value: '"__name"',
        fix: /not starting with '__'/,
    },
    {
        what: "the aggregators in the agent's namespace",
        stack: "monitoring",
        patch: { aggregator: { namespace: "vector-system" } },
        key: "aggregator.namespace",
        value: '"vector-system"',
        fix: /a namespace other than the agent's/,
    },
    {
        what: "a source that names itself as its monitoring stack",
        stack: "dev",
        patch: { monitoringStack: "dev" },
        key: "monitoringStack",
        value: '"dev"',
        fix: /the hub stack's name, not this stack's own/,
    },
    {
        what: "a listed cluster without an identity",
        stack: "monitoring",
        patch: { aggregator: { identities: { dev: REMOVE } } },
        key: "aggregator.identities.dev",
        value: "nothing",
        fix: /the environment and region the aggregators write on dev's data/,
    },
    {
        what: "a Loki endpoint that already ends in the push path",
        stack: "monitoring",
        patch: { aggregator: { loki: { endpoint: "http://loki:3100/loki/api/v1/push" } } },
        key: "aggregator.loki.endpoint",
        value: '"http://loki:3100/loki/api/v1/push"',
        fix: /without \/loki\/api\/v1\/push: Vector's loki sink appends it/,
    },
    {
        what: "one DaemonSet as both old agents",
        stack: "staging",
        patch: { migration: { nodeExporter: { name: "promtail" } } },
        key: "migration.nodeExporter",
        value: '"monitoring/promtail"',
        fix: /one object parked twice/,
    },
    {
        what: "the shipper label dropped while the hub's own migration runs in parallel",
        stack: "monitoring",
        patch: { migration: { phase: "parallel", promtail: {} }, aggregator: { loki: { labels: { cluster: "cluster", namespace: "namespace" } } } },
        key: "aggregator.loki.labels",
        value: 'no shipper: shipper while this stack\'s migration.phase is "parallel"',
        fix: /the labels npm run verify selects Vector's logs by/,
    },
    {
        what: "a cutover without naming the old agents",
        stack: "dev",
        patch: { migration: { phase: "cutover", promtail: REMOVE, nodeExporter: REMOVE } },
        key: "migration.phase",
        value: '"cutover"',
        fix: /name the old agents/,
    },
    {
        what: "old agents listed while the phase is none",
        stack: "staging",
        patch: { migration: { phase: "none" } },
        key: "migration.phase",
        value: '"none"',
        fix: /"parallel", "cutover" or "done"/,
    },
    {
        what: "a migration phase that does not exist",
        stack: "staging",
        patch: { migration: { phase: "halfway" } },
        key: "migration.phase",
        value: '"halfway"',
        fix: /one of "none", "parallel", "cutover", "done"/,
    },
    {
        what: "a monitoring namespace with capitals",
        stack: "staging",
        patch: { monitoring: { namespace: "Monitoring" } },
        key: "monitoring.namespace",
        value: '"Monitoring"',
        fix: /a Kubernetes namespace name/,
    },
    {
        what: "an API server port above 65535",
        stack: "dev",
        patch: { networkPolicy: { apiServer: { ports: [70000] } } },
        key: "networkPolicy.apiServer.ports[0]",
        value: "70000",
        fix: /an integer from 1 to 65535$/,
    },
    {
        what: "a pod network without a prefix length",
        stack: "monitoring",
        patch: { networkPolicy: { clusterCidrs: ["10.244.0.0"] } },
        key: "networkPolicy.clusterCidrs[0]",
        value: '"10.244.0.0"',
        fix: /an IPv4 CIDR such as 10\.0\.0\.0\/16/,
    },
    {
        what: "a boolean given as a string",
        stack: "staging",
        patch: { monitoring: { enabled: "yes" } },
        key: "monitoring.enabled",
        value: '"yes"',
        fix: /true or false|a boolean/,
    },
    {
        what: "a private Network Hetzner does not know",
        stack: "monitoring",
        patch: { aggregator: { loadBalancer: { network: "fleet-privat" } } },
        key: "aggregator.loadBalancer.network",
        value: '"fleet-privat"',
        fix: /the name of an existing hcloud Network in the project of hcloud:token \(the lookup failed/,
    },
    {
        what: "a load balancer IP outside the private Network",
        stack: "monitoring",
        patch: {},
        cloud: { networks: { "fleet-private": { id: 1, ipRange: "10.1.0.0/16" } } },
        key: "aggregator.loadBalancer.privateIp",
        value: '"10.0.64.250", which is outside the hcloud Network "fleet-private" (10.1.0.0/16)',
        fix: /an address inside 10\.1\.0\.0\/16/,
    },
    // Issue 19's signals (config/signals.ts): each setting's bad values and the cross-field rules.
    {
        what: "nodeLogs.enabled not a boolean",
        stack: "dev",
        patch: { agent: { nodeLogs: { enabled: "yes" } } },
        key: "agent.nodeLogs.enabled",
        value: '"yes"',
        fix: /true or false/,
    },
    {
        what: "a journal directory journald does not use",
        stack: "dev",
        patch: { agent: { nodeLogs: { journalDirectory: "/var/log" } } },
        key: "agent.nodeLogs.journalDirectory",
        value: '"/var/log"',
        fix: /one of "\/var\/log\/journal", "\/run\/log\/journal"/,
    },
    {
        what: "a unit name with a space",
        stack: "dev",
        patch: { agent: { nodeLogs: { units: ["my unit"] } } },
        key: "agent.nodeLogs.units[0]",
        value: '"my unit"',
        fix: /a systemd unit name/,
    },
    {
        what: "a unit listed twice",
        stack: "dev",
        patch: { agent: { nodeLogs: { units: ["kubelet", "kubelet"] } } },
        key: "agent.nodeLogs.units[1]",
        value: '"kubelet"',
        fix: /a value not already listed/,
    },
    {
        what: "a unit both included and excluded",
        stack: "dev",
        patch: { agent: { nodeLogs: { enabled: true, units: ["kubelet"], excludeUnits: ["kubelet.service"] } } },
        key: "agent.nodeLogs.excludeUnits",
        value: '"kubelet"',
        fix: /not also listed in nodeLogs.units \(Vector refuses/,
    },
    {
        what: "a node-logs image without journalctl",
        stack: "dev",
        patch: { agent: { nodeLogs: { enabled: true, image: "timberio/vector:0.59.0-distroless-libc" } } },
        key: "agent.nodeLogs.image",
        value: '"timberio/vector:0.59.0-distroless-libc"',
        fix: /an image with journalctl: a release's -debian variant/,
    },
    {
        what: "a node-logs image older than the pipelines need",
        stack: "dev",
        patch: { agent: { nodeLogs: { image: "timberio/vector:0.57.0-debian" } } },
        key: "agent.nodeLogs.image",
        value: '"timberio/vector:0.57.0-debian"',
        fix: /Vector 0.58.0 or later/,
    },
    {
        what: "a node-logs image of another release than the agent's",
        stack: "dev",
        patch: { agent: { nodeLogs: { enabled: true, image: "timberio/vector:0.60.0-debian" } } },
        key: "agent.nodeLogs.image",
        value: '"timberio/vector:0.60.0-debian"',
        fix: /an image of the agent's release 0.59.0/,
    },
    {
        what: "a node-logs image on a moving tag",
        stack: "dev",
        patch: { agent: { nodeLogs: { image: "timberio/vector:latest-debian" } } },
        key: "agent.nodeLogs.image",
        value: '"timberio/vector:latest-debian"',
        fix: /a release's -debian variant/,
    },
    {
        what: "an events collector image without a tag",
        stack: "dev",
        patch: { agent: { events: { image: "otel/opentelemetry-collector-k8s" } } },
        key: "agent.events.image",
        value: '"otel/opentelemetry-collector-k8s"',
        fix: /an image with an explicit tag or digest/,
    },
    {
        what: "an events port below 1024",
        stack: "dev",
        patch: { agent: { events: { grpcPort: 80 } } },
        key: "agent.events.grpcPort",
        value: "80",
        fix: /an integer from 1024 to 65535/,
    },
    {
        what: "an OTLP port the agent's metrics already use",
        stack: "dev",
        patch: { agent: { otlp: { enabled: true, grpcPort: 9598 } } },
        key: "agent.otlp.grpcPort",
        value: "9598",
        fix: /a port other than the agent's metrics port/,
    },
    {
        what: "events and OTLP on one port",
        stack: "dev",
        patch: { agent: { otlp: { enabled: true }, events: { enabled: true, grpcPort: 4317 } } },
        key: "agent.events.grpcPort",
        value: "4317",
        fix: /a port other than otlp.grpcPort/,
    },
    { what: "an unknown key under otlp", stack: "dev", patch: { agent: { otlp: { port: 4317 } } }, key: "agent.otlp.port", value: "4317", fix: /no such key/ },
    {
        what: "a Tempo endpoint that is not a URL",
        stack: "monitoring",
        patch: { aggregator: { tempo: { endpoint: "tempo:4318" } } },
        key: "aggregator.tempo.endpoint",
        value: '"tempo:4318"',
        fix: /URL/,
    },
    {
        what: "a Tempo buffer below Vector's minimum",
        stack: "monitoring",
        patch: { aggregator: { tempo: { bufferMaxBytes: 1024 } } },
        key: "aggregator.tempo.bufferMaxBytes",
        value: "1024",
        fix: /an integer from 268435488/,
    },
    {
        what: "signalLogs not a boolean",
        stack: "monitoring",
        patch: { aggregator: { signalLogs: "on" } },
        key: "aggregator.signalLogs",
        value: '"on"',
        fix: /true or false/,
    },
    {
        what: "the hub's agent sending node logs to aggregators without signalLogs",
        stack: "monitoring",
        patch: { agent: { nodeLogs: { enabled: true } }, aggregator: { signalLogs: false } },
        key: "aggregator.signalLogs",
        value: "false",
        fix: /true while this stack's agent sends nodeLogs/,
    },
    {
        what: "the hub's agent taking traces with no Tempo",
        stack: "monitoring",
        patch: { agent: { otlp: { enabled: true } }, aggregator: { tempo: REMOVE } },
        key: "aggregator.tempo",
        value: "nothing",
        fix: /a Tempo endpoint while this stack's agent takes OTLP traces/,
    },
    {
        what: "a Tempo buffer the volume cannot hold",
        stack: "monitoring",
        patch: { aggregator: { tempo: { bufferMaxBytes: 17179869184 } } },
        key: "aggregator.storage.size",
        value: '"20Gi"',
        fix: /at least 20% larger than the disk buffers/,
    },
];

/** What the simulator had registered when the program failed. */
const registeredAt = (e: unknown) => (e as { registered?: string[] }).registered ?? [];
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("bad input: broken stack configs fail before any resource is registered", () => {
    it(`covers at least 30 distinct broken configs (${CONFIG_CASES.length})`, () => {
        assert.ok(CONFIG_CASES.length >= 30);
        assert.equal(new Set(CONFIG_CASES.map((c) => c.what)).size, CONFIG_CASES.length);
    });

    for (const c of CONFIG_CASES) {
        it(`${c.stack}: ${c.what} -> vector-fleet:${c.key}`, async () => {
            const { config, secretKeys } = configWith(c.stack, c.patch, c.secretKeys);
            let result: RunResult | undefined;
            try {
                result = await runStack(program, {
                    project: "vector-fleet",
                    stack: c.stack,
                    config,
                    secretKeys,
                    cloud: c.cloud,
                    stackOutputs: { monitoring: await hubOutputs() },
                });
            } catch (e) {
                assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e instanceof Error ? e.stack : String(e)}`);
                const line = `vector-fleet:${c.key}: got ${c.value}; expected `;
                const problem = e.message.split("\n").find((l) => l.includes(line));
                assert.ok(problem, `no problem line starting ${JSON.stringify(line)} in:\n${e.message}`);
                assert.match(problem, new RegExp(`${escape(line)}.*${c.fix.source}`));
                assert.deepEqual(
                    registeredAt(e).filter((r) => !r.startsWith("pulumi:pulumi:Stack ")),
                    [],
                    "resources were registered before the config was refused",
                );
                return;
            }
            assert.fail(`accepted; registered ${result.resources.length} resources`);
        });
    }
});

/** The repository hub's outputs, a copy to break. */
async function hubOutputs(): Promise<StackOutputs> {
    return structuredClone((await sharedHub()).outputs);
}

interface OutputCase {
    what: string;
    /** Breaks a copy of the hub's outputs. */
    breakIt: (o: StackOutputs) => void;
    /** The output named, the value or finding shown, and the fix. */
    expected: RegExp;
}

const values = (o: StackOutputs) => o.values;
/** The dev cluster's entries of the per-cluster address maps. */
const devEntry = (o: StackOutputs, k: "aggregatorAddress" | "remoteWriteUrl") => values(o)[k] as Record<string, unknown>;
const OUTPUT_CASES: OutputCase[] = [
    {
        what: "no aggregatorAddress",
        breakIt: (o) => delete values(o).aggregatorAddress,
        expected: /no output "aggregatorAddress"; expected the monitoring stack to export it: run `pulumi up` on monitoring first/,
    },
    { what: "no CA", breakIt: (o) => delete values(o).caCertPem, expected: /no output "caCertPem"; expected the monitoring stack to export it/ },
    {
        what: "an aggregator address that is a host name",
        breakIt: (o) => (devEntry(o, "aggregatorAddress").dev = "aggregators.example:6000"),
        expected: /output "aggregatorAddress" is "aggregators\.example:6000"; expected "ip:port" with the load balancer's private IPv4/,
    },
    {
        what: "an aggregator address without a port",
        breakIt: (o) => (devEntry(o, "aggregatorAddress").dev = "10.0.64.250"),
        expected: /output "aggregatorAddress" is "10\.0\.64\.250"; expected "ip:port"/,
    },
    {
        what: "a plain-HTTP remote-write URL",
        breakIt: (o) => (devEntry(o, "remoteWriteUrl").dev = "http://10.0.64.250:9201/api/v1/write"),
        expected: /output "remoteWriteUrl" is "http:\/\/10\.0\.64\.250:9201\/api\/v1\/write"; expected an https:\/\/ URL/,
    },
    {
        what: "a remote-write URL on another address than the logs",
        breakIt: (o) => (devEntry(o, "remoteWriteUrl").dev = "https://10.0.64.251:9201/api/v1/write"),
        expected:
            /output "remoteWriteUrl" points at 10\.0\.64\.251, but "aggregatorAddress" at 10\.0\.64\.250; expected both on the aggregators' load balancer/,
    },
    {
        what: "a CA that is not PEM",
        breakIt: (o) => (values(o).caCertPem = "MIIB..."),
        expected: /output "caCertPem" is not a PEM certificate; expected the fleet CA's certificate/,
    },
    {
        what: "a cluster list that is not a list",
        breakIt: (o) => (values(o).agentClusters = "dev"),
        expected: /output "agentClusters" is "dev"; expected a list of cluster names/,
    },
    {
        // A StackReference stores every output of the hub in this stack's state, secret or not.
        what: "any secret output",
        breakIt: (o) => (o.secretNames = [...o.secretNames, "aggregatorBufferMinutes"]),
        expected: /exports "aggregatorBufferMinutes" as a secret; expected no secret output at all/,
    },
    {
        what: "a certificate that is not PEM",
        breakIt: (o) => ((values(o).agentCertificates as Record<string, string>).dev = "MIIB..."),
        expected: /output "agentCertificates" has "MIIB\.\.\." for "dev"; expected a PEM certificate/,
    },
    {
        what: "a signed request that is not a certificate request",
        breakIt: (o) => ((values(o).agentSignedRequests as Record<string, string>).dev = "-----BEGIN CERTIFICATE-----"),
        expected: /output "agentSignedRequests" has "-----BEGIN CERTIFICATE-----" for "dev"; expected a PEM certificate request/,
    },
    {
        what: "accepted token digests that are not lowercase hex SHA-256",
        breakIt: (o) => ((values(o).agentTokenSha256 as Record<string, unknown>).dev = ["ABC"]),
        expected: /output "agentTokenSha256" has \["ABC"\] for "dev"; expected a list of at most 2 SHA-256 digests \(64 lowercase hex\)/,
    },
    {
        what: "per-cluster entries that are not a map",
        breakIt: (o) => (values(o).agentCertificates = ["x"]),
        expected: /output "agentCertificates" is \["x"\]; expected a map from cluster name to its entry/,
    },
];

describe("bad input: broken monitoring-stack outputs fail having registered only the StackReference", () => {
    for (const c of OUTPUT_CASES) {
        it(`dev: ${c.what}`, async () => {
            const outputs = await hubOutputs();
            c.breakIt(outputs);
            const { config, secretKeys } = configWith("dev", {});
            await assert.rejects(
                runStack(program, { project: "vector-fleet", stack: "dev", config, secretKeys, stackOutputs: { monitoring: outputs } }),
                (e: unknown) => {
                    assert.ok(e instanceof Error);
                    assert.match(e.message, /^cannot wire dev to monitoring:/);
                    assert.match(e.message, c.expected);
                    assert.deepEqual(registeredAt(e), ["pulumi:pulumi:Stack vector-fleet-dev", "pulumi:pulumi:StackReference monitoring"]);
                    return true;
                },
            );
        });
    }

    it("lists every problem at once", async () => {
        const outputs = await hubOutputs();
        values(outputs).aggregatorAddress = "nowhere";
        values(outputs).caCertPem = "x";
        const { config, secretKeys } = configWith("dev", {});
        await assert.rejects(
            runStack(program, { project: "vector-fleet", stack: "dev", config, secretKeys, stackOutputs: { monitoring: outputs } }),
            (e: Error) => {
                assert.equal(e.message.split("\n  - ").length - 1, 2, e.message);
                return true;
            },
        );
    });
});

/** What the tests' hub reads from its sources (each as first deployed), a copy to break. */
async function sourceOutputs(): Promise<Record<string, StackOutputs>> {
    return structuredClone(await fixtureSourceOutputs());
}

const SOURCE_CASES: { what: string; breakIt: (o: StackOutputs) => void; expected: RegExp }[] = [
    {
        what: "a certificate request that is not PEM",
        breakIt: (o) => (o.values.agentCsrPem = "MIIB..."),
        expected: /stack "dev" output "agentCsrPem" is "MIIB\.\.\."; expected cluster "dev"'s PEM certificate request/,
    },
    {
        what: "no token digest",
        breakIt: (o) => (o.values.agentTokenSha256 = []),
        expected: /stack "dev" output "agentTokenSha256" is \[\]; expected 1 or 2 SHA-256 digests \(64 lowercase hex\)/,
    },
    {
        what: "three token digests",
        breakIt: (o) => (o.values.agentTokenSha256 = ["a", "b", "c"].map((c) => c.repeat(64))),
        expected: /output "agentTokenSha256" is \["a{64}","b{64}","c{64}"\]; expected 1 or 2/,
    },
    {
        what: "an upper-case digest, which VRL's sha2 never writes",
        breakIt: (o) => (o.values.agentTokenSha256 = ["A".repeat(64)]),
        expected: /output "agentTokenSha256" is \["A{64}"\]; expected 1 or 2 SHA-256 digests \(64 lowercase hex\)/,
    },
    {
        what: "a certificate request without digests",
        breakIt: (o) => delete o.values.agentTokenSha256,
        expected: /output "agentTokenSha256" is missing/,
    },
    {
        what: "any secret output (the hub's StackReference would store it)",
        breakIt: (o) => {
            o.values.kubeconfig = "apiVersion: v1";
            o.secretNames = ["kubeconfig"];
        },
        expected: /stack "dev" exports "kubeconfig" as a secret; expected no secret output at all/,
    },
    {
        what: "its request as a secret",
        breakIt: (o) => (o.secretNames = ["agentCsrPem"]),
        expected: /stack "dev" exports "agentCsrPem" as a secret; expected no secret output at all: the hub's StackReference would store it in the hub's state/,
    },
];

describe("bad input: broken source-stack outputs fail the hub having registered only the StackReferences", () => {
    for (const c of SOURCE_CASES) {
        it(`monitoring reading dev: ${c.what}`, async () => {
            const outputs = await sourceOutputs();
            c.breakIt(outputs.dev);
            await assert.rejects(runHub({}, undefined, outputs), (e: unknown) => {
                assert.ok(e instanceof Error);
                assert.match(e.message, /^cannot sign for the clusters monitoring lists:/);
                assert.match(e.message, c.expected);
                assert.deepEqual(
                    registeredAt(e).filter((r) => !r.startsWith("pulumi:pulumi:StackReference ")),
                    ["pulumi:pulumi:Stack vector-fleet-monitoring"],
                );
                return true;
            });
        });
    }

    it("lists every cluster's problems at once", async () => {
        const outputs = await sourceOutputs();
        outputs.dev.values.agentCsrPem = "x";
        outputs.staging.values.agentTokenSha256 = ["x"];
        await assert.rejects(runHub({}, undefined, outputs), (e: Error) => {
            assert.equal(e.message.split("\n  - ").length - 1, 2, e.message);
            return true;
        });
    });
});
