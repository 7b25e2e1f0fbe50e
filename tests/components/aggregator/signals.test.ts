import { strict as assert } from "node:assert";
import { buildAggregatorPipeline, identityComponentIds } from "../../../components/aggregator/pipeline";
import { JOB_LABEL, labelDefaultsVrl, traceComponentIds, withAggregatorSignals } from "../../../components/aggregator/signals";
import { toToml } from "../../../components/vector/toml";
import { topologyProblems } from "../../../components/vector/topology";
import { AgentIdentity } from "../../../config/stack";
import { errorsOf, validateVectorConfig } from "../../../tools/validate";
import { sink, transform } from "../../support/vector";

const AGENTS: AgentIdentity[] = [
    { name: "dev", environment: "development", region: "hel1", slot: 1 },
    { name: "staging", slot: 2 },
];
const LABELS = { cluster: "cluster", environment: "environment", namespace: "namespace", node: "node", pod: "pod" };

const base = (agents = AGENTS) =>
    buildAggregatorPipeline({
        cluster: { name: "monitoring", environment: "production", region: "fsn1" },
        loki: { endpoint: "http://loki:3100", labels: LABELS },
        prometheusRemoteWriteUrl: "http://prom:9090/api/v1/write",
        sampling: {},
        dedupeCacheEvents: 1000,
        buffers: { lokiMaxBytes: 1 << 30, prometheusMaxBytes: 1 << 30 },
        agents,
    });
const TEMPO = { endpoint: "http://tempo:4318/", bufferMaxBytes: 1 << 30 };

describe("aggregator signals (issue 19)", () => {
    it("off (the default): the pipeline is exactly buildAggregatorPipeline's", () => {
        assert.deepEqual(withAggregatorSignals(base(), { signalLogs: false, agents: AGENTS }), base());
    });

    describe("signalLogs", () => {
        const c = withAggregatorSignals(base(), { signalLogs: true, agents: AGENTS });

        it("adds the job label and gives every label field an event lacks an empty value before Loki", () => {
            const loki = sink(c, "loki", "loki");
            assert.equal(loki.labels[JOB_LABEL], "{{ job }}");
            assert.deepEqual(loki.inputs, ["loki_label_defaults"]);
            // What loki read before now goes through the defaults.
            assert.deepEqual(transform(c, "loki_label_defaults", "remap").inputs, sink(base(), "loki", "loki").inputs);
        });

        it("never touches the identity fields: the bind step owns them (docs/identity.md)", () => {
            const vrl = transform(c, "loki_label_defaults", "remap").source;
            assert.equal(vrl, labelDefaultsVrl(["job", "namespace", "node", "pod"]));
            assert.doesNotMatch(vrl, /\.(cluster|environment|region)\b/);
        });

        it("writes nested label fields as paths", () => {
            assert.equal(labelDefaultsVrl(["kubernetes.pod_name"]), 'if !exists(.kubernetes.pod_name) { .kubernetes.pod_name = "" }\n');
        });
    });

    describe("tempo", () => {
        const c = withAggregatorSignals(base(), { signalLogs: false, tempo: TEMPO, agents: AGENTS });

        it("takes each cluster's traces off its own vector source and binds the identity the hub knows", () => {
            for (const a of AGENTS) {
                const id = traceComponentIds(a.name);
                const only = transform(c, id.only, "filter");
                assert.deepEqual(only.inputs, [identityComponentIds(a.name).logsSource]);
                assert.deepEqual(only.condition, { type: "is_trace" });
                assert.deepEqual(transform(c, id.bind, "remap").inputs, [id.only]);
            }
            const dev = transform(c, traceComponentIds("dev").bind, "remap").source;
            assert.match(dev, /\{"key": "k8s.cluster.name", "value": \{"stringValue": "dev"\}\}/);
            assert.match(dev, /\{"key": "deployment.environment.name", "value": \{"stringValue": "development"\}\}/);
            // staging has no identity entry: its environment and region claims are removed, not trusted.
            const staging = transform(c, traceComponentIds("staging").bind, "remap").source;
            assert.match(staging, /!includes\(\["k8s.cluster.name", "deployment.environment.name", "cloud.region"\], a.key\)/);
            assert.doesNotMatch(staging, /"stringValue": "(development|hel1)"/);
        });

        it("sends OTLP over HTTP to /v1/traces with the otlp codec, a disk buffer and end-to-end acknowledgements", () => {
            const t = sink(c, "tempo", "opentelemetry");
            assert.deepEqual(t.inputs, ["bind_traces_dev", "bind_traces_staging"]);
            assert.equal(t.protocol.uri, "http://tempo:4318/v1/traces");
            assert.deepEqual(t.protocol.encoding, { codec: "otlp" });
            assert.deepEqual(t.buffer, { type: "disk", max_size: 1 << 30, when_full: "block" });
            assert.deepEqual(t.protocol.acknowledgements, { enabled: true });
        });

        it("adds nothing when no cluster may send", () => {
            assert.deepEqual(withAggregatorSignals(base([]), { signalLogs: false, tempo: TEMPO, agents: [] }), base([]));
        });
    });

    it("both on: the topology holds and the pinned release's validator accepts the config", () => {
        const c = withAggregatorSignals(base(), { signalLogs: true, tempo: TEMPO, agents: AGENTS });
        assert.deepEqual(topologyProblems(c), []);
        assert.deepEqual(errorsOf(validateVectorConfig(toToml(c), "aggregator")), []);
    });
});
