import { strict as assert } from "node:assert";
import { buildAggregatorPipeline, identityComponentIds, IMPERSONATING_OUTPUT } from "../../../components/aggregator/pipeline";
import { JOB_LABEL, labelDefaultsVrl, traceComponentIds, traceImpersonationCondition, withAggregatorSignals } from "../../../components/aggregator/signals";
import { toToml } from "../../../components/vector/toml";
import { topologyProblems } from "../../../components/vector/topology";
import { AgentIdentity } from "../../../config/stack";
import { errorsOf, validateVectorConfig } from "../../../tools/validate";
import { sink, transform, upstreamOf } from "../../support/vector";

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
        buffers: { lokiMaxBytes: 1 << 30, prometheusMaxBytes: 2 * (1 << 30) },
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

        it("an event without a pod lands in the Loki stream of its other labels: every template renders, and Loki drops the empty ones", () => {
            // Two engines decide this. Vector's loki sink renders each label template against the
            // event, and a field the event lacks is a rendering error, counted per event
            // (vectordotdev/vector src/sinks/loki/sink.rs build_template_pair_map). Loki then treats
            // an empty value as an absent label: it normalises every pushed stream with
            // labels.WithoutEmpty (grafana/loki pkg/logql/syntax/parser.go ParseLabels, PR 7355).
            const defaulted = [...transform(c, "loki_label_defaults", "remap").source.matchAll(/if !exists\(\.([\w.]+)\) \{ \.\1 = "" \}/g)].map((m) => m[1]);
            const get = (e: Record<string, unknown>, path: string) =>
                path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], e);
            const afterDefaults = (e: Record<string, unknown>) => {
                const copy = structuredClone(e);
                for (const path of defaulted)
                    if (get(copy, path) === undefined) {
                        const keys = path.split(".");
                        let o = copy;
                        for (const k of keys.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
                        o[keys[keys.length - 1]] = "";
                    }
                return copy;
            };
            const render = (e: Record<string, unknown>) => {
                const errors: string[] = [];
                const pairs: [string, string][] = [];
                for (const [label, template] of Object.entries(sink(c, "loki", "loki").labels)) {
                    const field = /^\{\{ ([\w.]+) \}\}$/.exec(template)?.[1];
                    assert.ok(field, `label ${label} is a single-field template`);
                    const v = get(e, field);
                    if (v === undefined) errors.push(label);
                    else pairs.push([label, String(v)]);
                }
                return { errors, stream: Object.fromEntries(pairs.filter(([, v]) => v !== "")) };
            };
            const nodeLog = { cluster: "dev", environment: "development", region: "hel1", job: "node-logs", node: "dev-1", message: "kubelet started" };
            assert.deepEqual(render(nodeLog).errors.sort(), ["namespace", "pod"], "without the defaults, Vector would count an error per event");
            assert.deepEqual(render(afterDefaults(nodeLog)), {
                errors: [],
                stream: { cluster: "dev", environment: "development", job: "node-logs", node: "dev-1" },
            });
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
                assert.deepEqual(transform(c, id.bind, "remap").inputs, [`${id.check}.${IMPERSONATING_OUTPUT}`, `${id.check}._unmatched`]);
            }
            const dev = transform(c, traceComponentIds("dev").bind, "remap").source;
            assert.match(dev, /\{"key": "k8s.cluster.name", "value": \{"stringValue": "dev"\}\}/);
            assert.match(dev, /\{"key": "deployment.environment.name", "value": \{"stringValue": "development"\}\}/);
            // staging has no identity entry: its environment and region claims are removed, not trusted.
            const staging = transform(c, traceComponentIds("staging").bind, "remap").source;
            assert.match(staging, /!includes\(\["k8s.cluster.name", "deployment.environment.name", "cloud.region"\], a.key\)/);
            assert.doesNotMatch(staging, /"stringValue": "(development|hel1)"/);
        });

        it("counts a span batch claiming another cluster on the impersonating output, and binds it all the same", () => {
            for (const a of AGENTS) {
                const id = traceComponentIds(a.name);
                const check = transform(c, id.check, "route");
                assert.deepEqual(check.inputs, [id.only]);
                // The output name the logs and metrics routes use: VectorClusterImpersonation counts it.
                assert.deepEqual(Object.keys(check.route), [IMPERSONATING_OUTPUT]);
                assert.equal(check.route[IMPERSONATING_OUTPUT], traceImpersonationCondition(a.name));
                // Both outputs reach the bind step: a claim is counted, never dropped.
                assert.equal(check.reroute_unmatched, true);
                assert.deepEqual(transform(c, id.bind, "remap").inputs, [`${id.check}.${IMPERSONATING_OUTPUT}`, `${id.check}._unmatched`]);
            }
        });

        it("the trace condition is true only for a string k8s.cluster.name other than the sender's, in any resourceSpans entry", () => {
            assert.equal(
                traceImpersonationCondition("dev"),
                [
                    "claimed = false",
                    "for_each(array(.resourceSpans) ?? []) -> |_i, rs| {",
                    "  resource = object(rs.resource) ?? {}",
                    "  for_each(array(resource.attributes) ?? []) -> |_j, a| {",
                    '    if a.key == "k8s.cluster.name" && is_string(a.value.stringValue) && a.value.stringValue != "dev" { claimed = true }',
                    "  }",
                    "}",
                    // A route condition must end in a boolean (vectordotdev/vector src/conditions/vrl.rs).
                    "claimed",
                    "",
                ].join("\n"),
            );
            // A name is a string literal in the program, never code.
            assert.match(traceImpersonationCondition('a" || true || "b'), /!= "a\\" \|\| true \|\| \\"b" \{ claimed = true \}/);
        });

        it("sends OTLP over HTTP to /v1/traces with the otlp codec, a disk buffer that drops the newest when full, and end-to-end acknowledgements", () => {
            const t = sink(c, "tempo", "opentelemetry");
            assert.deepEqual(t.inputs, ["bind_traces_dev", "bind_traces_staging"]);
            assert.equal(t.protocol.uri, "http://tempo:4318/v1/traces");
            assert.deepEqual(t.protocol.encoding, { codec: "otlp" });
            assert.deepEqual(t.buffer, { type: "disk", max_size: 1 << 30, when_full: "drop_newest" });
            assert.deepEqual(t.protocol.acknowledgements, { enabled: true });
        });

        it("never holds back a cluster's logs while Tempo is down: every source feeding Tempo also feeds Loki, so its buffer drops", () => {
            // vectordotdev/vector lib/vector-buffers/src/lib.rs WhenFull: `block` waits for room and
            // back-pressures up the topology; `drop_newest` drops the event (counted in
            // vector_buffer_discarded_events_total). A source hands each batch to all its outputs and
            // waits for every one (lib/vector-core/src/fanout.rs Fanout::send): a blocked Tempo would
            // stall agents_C, logs and all.
            const tempoSources = [...upstreamOf(c, "tempo")].filter((x) => x in c.sources);
            assert.deepEqual(tempoSources, ["agents_dev", "agents_staging"]);
            for (const src of tempoSources) assert.ok(upstreamOf(c, "loki").has(src), src);
            assert.equal(sink(c, "tempo", "opentelemetry").buffer?.when_full, "drop_newest");
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
