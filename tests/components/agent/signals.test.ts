import { strict as assert } from "node:assert";
import * as k8s from "@pulumi/kubernetes";
import { agentDaemonSet } from "../../../components/agent/manifests";
import { AGENT_PORTS, buildAgentPipeline } from "../../../components/agent/pipeline";
import {
    agentSignalServices,
    MACHINE_ID_PATH,
    SIGNAL_JOBS,
    withAgentSignals,
    withAgentSignalsDaemonSet,
    withAgentSignalsNetworkPolicy,
} from "../../../components/agent/signals";
import { eventsSelectorLabels } from "../../../components/events";
import { agentNetworkPolicy } from "../../../components/k8s/network-policies";
import { toToml } from "../../../components/vector/toml";
import { topologyProblems } from "../../../components/vector/topology";
import { AgentConfig, parseStackConfig } from "../../../config";
import { errorsOf, validateVectorConfig } from "../../../tools/validate";
import { sink, source, transform } from "../../support/vector";

import T = k8s.types.input;

const P = "vector-fleet";
const SOURCE_STACK = { role: "source", cluster: "dev", environment: "development", region: "hel1", monitoringStack: "monitoring", kubeContext: "dev" };
const CLUSTER = { name: "dev", environment: "development", region: "hel1" };

function agentConfig(agent: Record<string, unknown> = {}): AgentConfig {
    const values: Record<string, string> = { [`${P}:agent`]: JSON.stringify(agent) };
    for (const [k, v] of Object.entries(SOURCE_STACK)) values[`${P}:${k}`] = v;
    return parseStackConfig({ values, isSecret: () => false, project: P, stack: "test" }).agent;
}

function base(a: AgentConfig) {
    return buildAgentPipeline({
        cluster: CLUSTER,
        namespace: a.namespace,
        excludedNamespaces: a.excludedNamespaces,
        hostMetrics: a.hostMetrics,
        maxMergedLineBytes: a.maxMergedLineBytes,
        kubelet: a.kubelet,
        extraLabels: a.extraLabels,
        buffers: a.buffers,
        aggregatorEndpoint: "https://10.0.64.250:6000",
        remoteWriteUrl: "https://10.0.64.250:9201/api/v1/write",
    });
}
const build = (a: AgentConfig) => withAgentSignals(base(a), { ...a, cluster: CLUSTER, extraLabels: a.extraLabels });
const ALL_ON = { nodeLogs: { enabled: true }, events: { enabled: true }, otlp: { enabled: true } };

const daemonSet = (a: AgentConfig) =>
    withAgentSignalsDaemonSet(
        agentDaemonSet(
            { name: "vector-agent", namespace: a.namespace, image: a.image, resources: a.resources, kubeletScrape: true },
            { config: "c", credentials: "k" },
        ),
        a,
    );
const podOf = (ds: ReturnType<typeof daemonSet>) => ((ds.spec as T.apps.v1.DaemonSetSpec).template as T.core.v1.PodTemplateSpec).spec as T.core.v1.PodSpec;
const vectorOf = (ds: ReturnType<typeof daemonSet>) => (podOf(ds).containers as T.core.v1.Container[]).find((c) => c.name === "vector")!;

describe("agent signals (issue 19)", () => {
    describe("off (the default)", () => {
        it("leaves the pipeline, the DaemonSet and the Services exactly as they were", () => {
            const a = agentConfig();
            assert.deepEqual(build(a), base(a));
            const plain = agentDaemonSet(
                { name: "vector-agent", namespace: a.namespace, image: a.image, resources: a.resources, kubeletScrape: true },
                { config: "c", credentials: "k" },
            );
            assert.deepEqual(daemonSet(a), plain);
            assert.deepEqual(agentSignalServices("vector-agent", a.namespace, a), []);
        });
    });

    describe("node logs", () => {
        it("reads the chosen journal directory, only the current boot, with the listed units or the kernel", () => {
            const c = build(agentConfig({ nodeLogs: { enabled: true, units: ["kubelet", "containerd.service", "init.scope"] } }));
            const j = source(c, "node_journal", "journald");
            assert.equal(j.journal_directory, "/var/log/journal");
            // Vector refuses current_boot_only = false on systemd 250..257 (src/sources/journald.rs
            // AllBootsNotSupported); the debian image (trixie) ships 257.
            assert.equal(j.current_boot_only, true);
            assert.equal(j.since_now, true);
            // include_matches values are compared as written, and an entry matches when ANY pair does
            // (src/sources/journald.rs contains_match); fixup_unit's `.service` rule is applied here.
            assert.deepEqual(j.include_matches, { _SYSTEMD_UNIT: ["containerd.service", "init.scope", "kubelet.service"], _TRANSPORT: ["kernel"] });
        });

        it("takes every unit when none is listed, minus the excluded ones, fixed up the engine's way", () => {
            const j = source(build(agentConfig({ nodeLogs: { enabled: true, units: [], excludeUnits: ["sshd"] } })), "node_journal", "journald");
            assert.equal(j.include_matches, undefined);
            assert.deepEqual(j.exclude_units, ["sshd.service"]);
        });

        it("leaves the kernel out when asked", () => {
            const j = source(build(agentConfig({ nodeLogs: { enabled: true, kernel: false } })), "node_journal", "journald");
            assert.deepEqual(j.include_matches, { _SYSTEMD_UNIT: ["containerd.service", "kubelet.service"] });
        });

        it("sends journal entries to the aggregators as their own job, with the node and the identity", () => {
            const c = build(agentConfig({ nodeLogs: { enabled: true } }));
            const vrl = transform(c, "node_journal_enrich", "remap").source;
            assert.match(vrl, new RegExp(`\\.job = "${SIGNAL_JOBS.nodeLogs}"`));
            assert.match(vrl, /\.node = get_env_var\("VECTOR_SELF_NODE_NAME"\)/);
            assert.match(vrl, /\.cluster = "dev"\n\.environment = "development"\n\.region = "hel1"\n$/);
            assert.ok(sink(c, "aggregator", "vector").inputs.includes("node_journal_enrich"));
        });

        it("runs the -debian image with the journal and machine id mounted read-only", () => {
            const a = agentConfig({ nodeLogs: { enabled: true, journalDirectory: "/run/log/journal" } });
            const ds = daemonSet(a);
            const v = vectorOf(ds);
            assert.equal(v.image, "timberio/vector:0.59.0-debian");
            const mounts = (v.volumeMounts as T.core.v1.VolumeMount[]).filter((m) => ["journal", "machine-id"].includes(String(m.name)));
            assert.deepEqual(mounts, [
                { name: "journal", mountPath: "/run/log/journal", readOnly: true },
                { name: "machine-id", mountPath: MACHINE_ID_PATH, readOnly: true },
            ]);
            const vols = (podOf(ds).volumes as T.core.v1.Volume[]).filter((x) => ["journal", "machine-id"].includes(String(x.name)));
            assert.deepEqual(
                vols.map((x) => x.hostPath),
                [
                    { path: "/run/log/journal", type: "Directory" },
                    { path: MACHINE_ID_PATH, type: "File" },
                ],
            );
        });
    });

    describe("OTLP", () => {
        it("listens on the node's own address, keeps traces in OTLP form, and wires each signal's named output", () => {
            const c = build(agentConfig({ otlp: { enabled: true, grpcPort: 14317, httpPort: 14318 } }));
            const o = source(c, "otlp", "opentelemetry");
            assert.equal(o.grpc.address, "SECRET[node.ip]:14317");
            assert.equal(o.http.address, "SECRET[node.ip]:14318");
            // The otlp codec encodes a trace only with its resourceSpans (lib/codecs/src/encoding/format/otlp.rs).
            assert.deepEqual(o.use_otlp_decoding, { traces: true });
            // The source has named outputs only (src/sources/opentelemetry/config.rs outputs()).
            assert.deepEqual(transform(c, "otlp_logs_enrich", "remap").inputs, ["otlp.logs"]);
            assert.deepEqual(transform(c, "otlp_traces_enrich", "remap").inputs, ["otlp.traces"]);
            assert.ok(transform(c, "metrics_enrich", "remap").inputs.includes("otlp.metrics"));
            assert.deepEqual(sink(c, "aggregator", "vector").inputs.slice(-2), ["otlp_logs_enrich", "otlp_traces_enrich"]);
        });

        it("stamps every resourceSpans entry with the node and the cluster identity, replacing claims of the same keys", () => {
            const vrl = transform(build(agentConfig({ otlp: { enabled: true } })), "otlp_traces_enrich", "remap").source;
            assert.match(vrl, /^node = get_env_var\("VECTOR_SELF_NODE_NAME"\) \?\? "unknown"\n/);
            assert.match(vrl, /!includes\(\["k8s.node.name", "k8s.cluster.name", "deployment.environment.name", "cloud.region"\], a.key\)/);
            assert.match(vrl, /\{"key": "k8s.node.name", "value": \{"stringValue": node\}\}/);
            assert.match(vrl, /\{"key": "k8s.cluster.name", "value": \{"stringValue": "dev"\}\}/);
        });

        it("adds a node-local Service for OTLP and one for events, and names the container ports", () => {
            const a = agentConfig(ALL_ON);
            const svcs = agentSignalServices("vector-agent", a.namespace, a);
            const spec = (s: (typeof svcs)[number]) => s.spec as T.core.v1.ServiceSpec;
            assert.deepEqual(
                svcs.map((s) => [s.metadata.name, spec(s).internalTrafficPolicy, (spec(s).ports as T.core.v1.ServicePort[]).map((p) => p.port)]),
                [
                    ["vector-agent-otlp", "Local", [4317, 4318]],
                    ["vector-agent-events", "Local", [4319]],
                ],
            );
            const ports = (vectorOf(daemonSet(a)).ports as T.core.v1.ContainerPort[]).map((p) => p.name);
            assert.deepEqual(ports, ["metrics", "otlp-grpc", "otlp-http", "events-grpc"]);
        });
    });

    describe("events", () => {
        it("takes events on their own source, so nothing sent over OTLP can pass for one", () => {
            const c = build(agentConfig({ otlp: { enabled: true }, events: { enabled: true } }));
            const e = source(c, "kubernetes_events", "opentelemetry");
            assert.equal(e.grpc.address, "SECRET[node.ip]:4319");
            assert.deepEqual(transform(c, "events_enrich", "remap").inputs, ["kubernetes_events.logs"]);
            assert.match(transform(c, "events_enrich", "remap").source, new RegExp(`\\.job = "${SIGNAL_JOBS.events}"`));
        });
    });

    it("all three on: the topology holds and the pinned release's validator accepts the config", () => {
        const c = build(agentConfig(ALL_ON));
        assert.deepEqual(topologyProblems(c), []);
        assert.deepEqual(errorsOf(validateVectorConfig(toToml(c), "agent")), []);
        assert.equal(AGENT_PORTS.metrics, 9598);
    });
});

describe("agent NetworkPolicy with signals", () => {
    it("opens the OTLP ports to the cluster's pods and the events port to the collector only; unchanged when off", () => {
        const base = agentNetworkPolicy({
            name: "vector-agent",
            namespace: "vector-system",
            apiServer: { cidrs: ["0.0.0.0/0"], ports: [6443] },
            aggregators: { kind: "loadBalancer", cidr: "10.0.64.250/32" },
        });
        assert.deepEqual(withAgentSignalsNetworkPolicy(base, agentConfig(), eventsSelectorLabels("vector-agent")), base);
        const on = withAgentSignalsNetworkPolicy(base, agentConfig(ALL_ON), eventsSelectorLabels("vector-agent"));
        assert.deepEqual((on.spec as T.networking.v1.NetworkPolicySpec).ingress, [
            {
                from: [{ namespaceSelector: {} }],
                ports: [
                    { protocol: "TCP", port: 4317 },
                    { protocol: "TCP", port: 4318 },
                ],
            },
            { from: [{ podSelector: { matchLabels: eventsSelectorLabels("vector-agent") } }], ports: [{ protocol: "TCP", port: 4319 }] },
        ]);
    });
});
