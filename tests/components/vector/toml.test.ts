import { strict as assert } from "node:assert";
import { parse } from "smol-toml";
import { AgentPipelineSettings, buildAgentPipeline, logsEnrichVrl, metricsEnrichVrl } from "../../../components/agent/pipeline";
import {
    AggregatorPipelineSettings,
    aggregatorMetricsVrl,
    buildAggregatorPipeline,
    bindIdentityVrl,
    remoteWriteAuthVrl,
    sampleRateVrl,
} from "../../../components/aggregator/pipeline";
import { Sink, Source, Transform, VectorConfig } from "../../../components/vector/model";
import { canonical, toToml } from "../../../components/vector/toml";
import { assertTopology, topologyProblems } from "../../../components/vector/topology";
import { vrl, vrlField, vrlString } from "../../../components/vector/vrl";
import { sharedRender } from "../../support/fleet";

// ---- fixtures ---------------------------------------------------------------------------------

const internalMetrics = (): Source => ({ type: "internal_metrics" });
const remap = (inputs: string[], source = '.tags.a = "b"\n'): Transform => ({ type: "remap", inputs, source, drop_on_error: false });
const exporter = (inputs: string[]): Sink => ({ type: "prometheus_exporter", inputs, address: "0.0.0.0:9598" });

/** A small config; the default wiring `in -> t -> out` is valid. */
function config(parts: Partial<Pick<VectorConfig, "sources" | "transforms" | "sinks">> = {}): VectorConfig {
    return {
        data_dir: "/vector-data-dir",
        api: { enabled: true, address: "127.0.0.1:8686" },
        sources: parts.sources ?? { in: internalMetrics() },
        transforms: parts.transforms ?? { t: remap(["in"]) },
        sinks: parts.sinks ?? { out: exporter(["t"]) },
    };
}

const AGENT: AgentPipelineSettings = {
    cluster: { name: "dev", environment: "development", region: "hel1" },
    namespace: "vector-system",
    excludedNamespaces: ["kube-system"],
    hostMetrics: { collectors: ["cpu", "memory"], scrapeIntervalSecs: 30 },
    maxMergedLineBytes: 131072,
    kubelet: { enabled: true, scrapeIntervalSecs: 30 },
    extraLabels: { team: "platform", Cost_Center: "42" },
    buffers: { logsMaxBytes: 268435488, metricsMaxEvents: 50_000 },
    aggregatorEndpoint: "https://10.0.64.250:6000",
    remoteWriteUrl: "https://10.0.64.250:9201/api/v1/write",
};

const AGGREGATOR: AggregatorPipelineSettings = {
    cluster: { name: "monitoring", environment: "production", region: "fsn1" },
    loki: { endpoint: "http://loki-gateway.monitoring.svc.cluster.local", labels: { cluster: "cluster", namespace: "namespace" } },
    prometheusRemoteWriteUrl: "http://prometheus-operated.monitoring.svc.cluster.local:9090/api/v1/write",
    sampling: { "kube-system": 10, "ingress-nginx": 5 },
    dedupeCacheEvents: 10_000,
    buffers: { lokiMaxBytes: 1073741824, prometheusMaxBytes: 2147483648 },
    agents: [
        // Digests as the clusters' own stacks export them (components/identity): the auth programs are scanned too.
        { name: "dev", environment: "development", region: "hel1", slot: 1, tokenSha256: ["a".repeat(64), "b".repeat(64)] },
        { name: "monitoring", environment: "production", region: "fsn1", slot: 0, tokenSha256: ["c".repeat(64)] },
    ],
};

/** The source of a remap transform, by id; fails if the transform is missing or another type. */
function remapSource(c: VectorConfig, id: string): string {
    const t = c.transforms[id];
    assert.ok(t, `no transform ${id}`);
    assert.equal(t.type, "remap", `${id} is not a remap`);
    return t.type === "remap" ? t.source : "";
}

// ---- toToml -----------------------------------------------------------------------------------

describe("toToml", () => {
    it("serialises equal configs to identical bytes whatever the key insertion order", () => {
        const a = config({ sinks: { out: { type: "prometheus_exporter", inputs: ["t"], address: "0.0.0.0:9598", flush_period_secs: 60 } } });
        const b: VectorConfig = {
            sinks: { out: { flush_period_secs: 60, address: "0.0.0.0:9598", inputs: ["t"], type: "prometheus_exporter" } },
            transforms: { t: { drop_on_error: false, source: '.tags.a = "b"\n', inputs: ["in"], type: "remap" } },
            sources: { in: { type: "internal_metrics" } },
            api: { address: "127.0.0.1:8686", enabled: true },
            data_dir: "/vector-data-dir",
        };
        assert.equal(toToml(a), toToml(b));
        assert.equal(toToml(a), toToml(a));
    });

    it("writes keys sorted at every level, tables after plain keys, and ends with a newline", () => {
        const toml = toToml(config());
        assert.equal(
            toml,
            [
                'data_dir = "/vector-data-dir"',
                "",
                "[api]",
                'address = "127.0.0.1:8686"',
                "enabled = true",
                "",
                "[sinks.out]",
                'address = "0.0.0.0:9598"',
                'inputs = [ "t" ]',
                'type = "prometheus_exporter"',
                "",
                "[sources.in]",
                'type = "internal_metrics"',
                "",
                "[transforms.t]",
                "drop_on_error = false",
                'inputs = [ "in" ]',
                "source = '''",
                '.tags.a = "b"',
                "'''",
                'type = "remap"',
                "",
                "",
            ].join("\n"),
        );
    });

    it("sorts object keys recursively but keeps array order (canonical)", () => {
        const c = canonical({ b: 1, a: { d: [3, 1, 2], c: { z: 1, y: 2 } } });
        assert.equal(JSON.stringify(c), '{"a":{"c":{"y":2,"z":1},"d":[3,1,2]},"b":1}');
    });

    it("leaves out undefined values instead of writing them", () => {
        const c = config({
            sinks: {
                out: {
                    type: "loki",
                    inputs: ["t"],
                    endpoint: "http://loki",
                    labels: {},
                    compression: "gzip",
                    encoding: { codec: "json" },
                    tenant_id: undefined,
                },
            },
        });
        const toml = toToml(c);
        assert.doesNotMatch(toml, /tenant_id/);
        assert.doesNotMatch(toml, /undefined/);
    });

    it("writes a multi-line VRL program as a literal string that parses back to the same text", () => {
        const source = 'parsed, err = parse_json(.message)\nif err == null { .msg = "a \\"quoted\\" \\\\ word" }\nx = r\'\\d+\'\n';
        const c = config({ transforms: { t: remap(["in"], source) } });
        const toml = toToml(c);
        // Literal strings keep backslashes and quotes as they are: what you read is what VRL gets.
        assert.ok(toml.includes(`source = '''\n${source}'''\n`), toml);
        const back = parse(toml) as { transforms: { t: { source: string } } };
        assert.equal(back.transforms.t.source, source);
    });

    it("round-trips multi-line strings that start or end with quotes or blank lines", () => {
        for (const source of ["a\nb'", "a\nb''", "'a\nb", "\nleading blank line", "trailing newline\n", "a\n\n\nb\n"]) {
            const toml = toToml(config({ transforms: { t: remap(["in"], source) } }));
            const back = parse(toml) as { transforms: { t: { source: string } } };
            assert.equal(back.transforms.t.source, source, JSON.stringify(source));
        }
    });

    it("falls back to a basic string when the literal form cannot hold the value (''' or control characters)", () => {
        for (const source of ["x'''\ny", "a\n\tb", "a\r\nb"]) {
            const toml = toToml(config({ transforms: { t: remap(["in"], source) } }));
            assert.ok(toml.includes(`source = ${JSON.stringify(source)}\n`), toml);
            const back = parse(toml) as { transforms: { t: { source: string } } };
            assert.equal(back.transforms.t.source, source);
        }
    });

    it("keeps single-line strings as basic strings", () => {
        const toml = toToml(config({ transforms: { t: remap(["in"], "del(.x)") } }));
        assert.match(toml, /^source = "del\(\.x\)"$/m);
    });

    it("round-trips the agent and aggregator configs exactly", () => {
        for (const c of [buildAgentPipeline(AGENT), buildAggregatorPipeline(AGGREGATOR)]) {
            assert.deepEqual(canonical(parse(toToml(c))), canonical(c));
        }
    });

    it("writes every config the repository's stacks render as text that parses back to data serialising to the same text", async () => {
        // toToml parses back only the strings it rewrites; this parses whole rendered documents.
        const configs = (await sharedRender()).flatMap((r) => Object.entries(r.files).filter(([name]) => name.endsWith(".vector.toml")));
        assert.ok(configs.length > 0);
        for (const [name, text] of configs) assert.equal(toToml(parse(text) as unknown as VectorConfig), text, name);
    });
});

// ---- topologyProblems -------------------------------------------------------------------------

describe("topologyProblems", () => {
    it("accepts a valid wiring", () => {
        assert.deepEqual(topologyProblems(config()), []);
    });

    it("accepts the agent (kubelet on and off) and aggregator pipelines", () => {
        assert.deepEqual(topologyProblems(buildAgentPipeline(AGENT)), []);
        assert.deepEqual(topologyProblems(buildAgentPipeline({ ...AGENT, kubelet: { enabled: false, scrapeIntervalSecs: 30 } })), []);
        assert.deepEqual(topologyProblems(buildAggregatorPipeline(AGGREGATOR)), []);
        assert.deepEqual(topologyProblems(buildAggregatorPipeline({ ...AGGREGATOR, agents: [], sampling: {} })), []);
    });

    it("reports an input that names nothing", () => {
        assert.deepEqual(topologyProblems(config({ sinks: { out: exporter(["t", "nope"]) } })), [
            '"out" reads from "nope", which is not a source or transform output',
        ]);
    });

    it("reports a sink used as an input", () => {
        assert.deepEqual(topologyProblems(config({ sinks: { out: exporter(["t"]), out2: exporter(["out"]) } })), [
            '"out2" reads from "out", which is not a source or transform output',
        ]);
        // A transform reading a sink that reads it back is also reported as a cycle; the first problem is the one to fix.
        const problems = topologyProblems(config({ transforms: { t: remap(["in"]), t2: remap(["out"]) }, sinks: { out: exporter(["t", "t2"]) } }));
        assert.equal(problems[0], '"t2" reads from "out", which is not a source or transform output');
    });

    it("reports a source that feeds nothing", () => {
        assert.deepEqual(topologyProblems(config({ sources: { in: internalMetrics(), idle: internalMetrics() } })), ['source "idle" feeds nothing']);
    });

    it("reports a transform that feeds nothing", () => {
        assert.deepEqual(topologyProblems(config({ transforms: { t: remap(["in"]), dead: remap(["in"]) } })), ['transform "dead" feeds nothing']);
    });

    it("reports a component without inputs", () => {
        assert.deepEqual(topologyProblems(config({ sinks: { out: exporter(["t"]), empty: exporter([]) } })), ['"empty" has no inputs']);
    });

    it("reports a component id used twice, across kinds", () => {
        const problems = topologyProblems(
            config({ sources: { in: internalMetrics() }, transforms: { t: remap(["in"]) }, sinks: { out: exporter(["t"]), t: exporter(["in"]) } }),
        );
        assert.ok(problems.includes('component id "t" is used twice'), problems.join("\n"));
    });

    it("reports a cycle between transforms, and a transform reading itself", () => {
        assert.deepEqual(topologyProblems(config({ transforms: { a: remap(["in", "b"]), b: remap(["a"]) }, sinks: { out: exporter(["b"]) } })), [
            "cycle: in -> a -> b -> a",
        ]);
        assert.deepEqual(topologyProblems(config({ transforms: { a: remap(["a"]) }, sinks: { out: exporter(["in", "a"]) } })), ["cycle: a -> a"]);
    });

    it("accepts route outputs and <id>._unmatched, and counts them as consuming the route", () => {
        const c = config({
            transforms: { r: { type: "route", inputs: ["in"], route: { logs: { type: "is_log" }, big: ".size > 10" } } },
            sinks: { a: exporter(["r.logs"]), b: exporter(["r.big", "r._unmatched"]) },
        });
        assert.deepEqual(topologyProblems(c), []);
    });

    it("refuses a route output that is not declared, and _unmatched when reroute_unmatched is false", () => {
        const c = config({
            transforms: { r: { type: "route", inputs: ["in"], route: { logs: { type: "is_log" } }, reroute_unmatched: false } },
            sinks: { a: exporter(["r.logs", "r.other", "r._unmatched"]) },
        });
        assert.deepEqual(topologyProblems(c), [
            '"a" reads from "r.other", which is not a source or transform output',
            '"a" reads from "r._unmatched", which is not a source or transform output',
        ]);
    });

    it("accepts <id>.dropped only from a remap with reroute_dropped", () => {
        const withDropped = config({
            transforms: { t: { type: "remap", inputs: ["in"], source: ".\n", drop_on_error: true, reroute_dropped: true } },
            sinks: { out: exporter(["t", "t.dropped"]) },
        });
        assert.deepEqual(topologyProblems(withDropped), []);
        assert.deepEqual(topologyProblems(config({ sinks: { out: exporter(["t", "t.dropped"]) } })), [
            '"out" reads from "t.dropped", which is not a source or transform output',
        ]);
    });

    // Vector's route transform has only named outputs (`<id>.<route>` and `<id>._unmatched`, see
    // src/transforms/route.rs `outputs()`), so `inputs = ["r"]` is refused by `vector validate`.
    it("refuses the bare id of a route transform as an input (a route has no default output)", () => {
        const c = config({
            transforms: { r: { type: "route", inputs: ["in"], route: { logs: { type: "is_log" } } } },
            sinks: { a: exporter(["r"]), b: exporter(["r.logs"]) },
        });
        assert.deepEqual(topologyProblems(c), ['"a" reads from "r", which is not a source or transform output']);
    });

    it("assertTopology throws with every problem listed, and is silent for a valid config", () => {
        assert.doesNotThrow(() => assertTopology(config(), "test"));
        assert.throws(
            () => assertTopology(config({ sources: { in: internalMetrics(), idle: internalMetrics() }, sinks: { out: exporter(["t", "nope"]) } }), "agent x"),
            (e: unknown) => {
                assert.ok(e instanceof Error);
                assert.equal(
                    e.message,
                    'agent x: invalid Vector topology:\n  - "out" reads from "nope", which is not a source or transform output\n  - source "idle" feeds nothing',
                );
                return true;
            },
        );
    });
});

// ---- vrlString / vrlField / vrl ---------------------------------------------------------------

describe("vrlString", () => {
    it("quotes plain values as they are", () => {
        assert.equal(vrlString("production"), '"production"');
        assert.equal(vrlString(""), '""');
        assert.equal(vrlString("zürich-1 $HOME"), '"zürich-1 $HOME"');
    });

    it("escapes double quotes and backslashes, so a value cannot end the literal early", () => {
        assert.equal(vrlString('a"b'), '"a\\"b"');
        assert.equal(vrlString("a\\b"), '"a\\\\b"');
        assert.equal(vrlString('\\"'), '"\\\\\\""');
        assert.equal(vrlString('x" + .secret + "'), '"x\\" + .secret + \\""');
    });

    it("refuses braces (VRL template syntax) and every control character", () => {
        for (const bad of ["{", "}", "{{ x }}", "a\nb", "\r", "\t", "\u0000", "\u001b", "\u001f", "\u007f"]) {
            assert.throws(() => vrlString(bad), /refusing a control character or brace in a VRL string/, JSON.stringify(bad));
        }
    });
});

describe("vrlField and vrl", () => {
    it("leaves plain identifiers bare and quotes anything else", () => {
        assert.equal(vrlField("team"), "team");
        assert.equal(vrlField("_a1"), "_a1");
        assert.equal(vrlField("Team"), '"Team"');
        assert.equal(vrlField("cost-center"), '"cost-center"');
        assert.equal(vrlField("1st"), '"1st"');
        assert.throws(() => vrlField("a{b"));
    });

    it("joins statements one per line, drops empty ones and ends with a newline", () => {
        assert.equal(vrl("a = 1", "", false, undefined, "b = 2"), "a = 1\nb = 2\n");
        assert.equal(vrl(), "\n");
    });
});

// ---- fallible VRL calls -----------------------------------------------------------------------

/**
 * The rule: VRL refuses to compile an unhandled fallible call, and `!` turns a failure into a
 * runtime error that (with drop_on_error = false) ships the event unmodified or, in an auth
 * program, rejects the request. So every call of a fallible function must be handled in place:
 *
 *   - assigned with an error variable:  `value, err = parse_json(...)` / `fields, not_object = object(...)`
 *   - or followed by a coalescing default:  `to_string(x) ?? ""`
 *
 * and never with the raising form `parse_json!(...)`. Besides the functions named in the rule
 * (parse_json, parse_timestamp, to_string, object, get_env_var), the type coercions (string, int,
 * ...) are fallible the same way and are held to it too.
 */
const FALLIBLE = ["parse_json", "parse_timestamp", "to_string", "object", "get_env_var", "string", "int", "float", "bool", "timestamp", "array"];

interface FallibleCall {
    fn: string;
    line: number;
    ok: boolean;
    why: string;
}

function fallibleCalls(source: string): FallibleCall[] {
    // Comments are prose, not calls.
    const code = source
        .split("\n")
        .map((l) => (l.trimStart().startsWith("#") ? "" : l))
        .join("\n");
    const calls: FallibleCall[] = [];
    const re = new RegExp(`(?<![A-Za-z0-9_.])(${FALLIBLE.join("|")})(!?)\\(`, "g");
    for (let m = re.exec(code); m !== null; m = re.exec(code)) {
        const line = code.slice(0, m.index).split("\n").length;
        const fn = m[1];
        if (m[2] === "!") {
            calls.push({ fn, line, ok: false, why: "raises with !" });
            continue;
        }
        // Find the closing parenthesis of this call.
        let depth = 0;
        let end = -1;
        for (let i = m.index + m[0].length - 1; i < code.length; i++) {
            if (code[i] === "(") depth++;
            if (code[i] === ")" && --depth === 0) {
                end = i;
                break;
            }
        }
        assert.ok(end > 0, `unbalanced call of ${fn} on line ${line}`);
        const before = code.slice(code.lastIndexOf("\n", m.index) + 1, m.index);
        const after = code.slice(end + 1);
        if (/^\s*[a-z_][a-z0-9_]*\s*,\s*[a-z_][a-z0-9_]*\s*=\s*$/.test(before)) calls.push({ fn, line, ok: true, why: "assigned with an error variable" });
        else if (/^\s*\?\?/.test(after)) calls.push({ fn, line, ok: true, why: "defaulted with ??" });
        else calls.push({ fn, line, ok: false, why: "neither assigned with an error variable nor followed by ??" });
    }
    return calls;
}

/** Every VRL program the builders emit, over settings that exercise each branch. */
function generatedPrograms(): [string, string][] {
    const programs: [string, string][] = [];
    const agents = [AGENT, { ...AGENT, extraLabels: {}, kubelet: { enabled: false, scrapeIntervalSecs: 30 } }];
    const aggregators = [AGGREGATOR, { ...AGGREGATOR, sampling: {}, agents: [] }, { ...AGGREGATOR, sampling: { a: 2 }, agents: [{ name: "x", slot: 3 }] }];
    agents.forEach((s, i) => {
        const c = buildAgentPipeline(s);
        for (const id of Object.keys(c.transforms)) if (c.transforms[id].type === "remap") programs.push([`agent#${i} ${id}`, remapSource(c, id)]);
    });
    aggregators.forEach((s, i) => {
        const c = buildAggregatorPipeline(s);
        for (const id of Object.keys(c.transforms)) {
            const t = c.transforms[id];
            if (t.type === "remap") programs.push([`aggregator#${i} ${id}`, t.source]);
            if (t.type === "route")
                for (const [name, cond] of Object.entries(t.route)) if (typeof cond === "string") programs.push([`aggregator#${i} ${id}.${name}`, cond]);
        }
        for (const [id, rw] of Object.entries(c.sources))
            if (rw.type === "prometheus_remote_write" && rw.auth?.strategy === "custom") programs.push([`aggregator#${i} ${id} auth`, rw.auth.source]);
    });
    return programs;
}

describe("generated VRL programs", () => {
    it("the scanner itself flags `!`, bare calls and accepts `, err =` and `??`", () => {
        const verdicts = fallibleCalls(
            [
                "# parse_json!(.x) in a comment is ignored",
                "a, err = parse_json(.message)",
                'b = to_string(.x) ?? ""',
                "c = parse_json!(.message)",
                'd = get_env_var("X")',
                "e = is_object(.x)",
                "fields, not_object = object(a)",
                'f = downcase(to_string(.s) ?? "")',
            ].join("\n"),
        ).map((c) => `${c.line}:${c.fn}:${c.ok}`);
        assert.deepEqual(verdicts, ["2:parse_json:true", "3:to_string:true", "4:parse_json:false", "5:get_env_var:false", "7:object:true", "8:to_string:true"]);
    });

    it("handles every fallible call with `, err =` or `??`, never `!`", () => {
        const programs = generatedPrograms();
        assert.ok(programs.length >= 10, `expected the programs of both tiers, got ${programs.length}`);
        const bad: string[] = [];
        const seen = new Set<string>();
        for (const [where, source] of programs) {
            assert.doesNotMatch(source, /\b[a-z_]+!\(/, `${where} uses a raising call`);
            for (const call of fallibleCalls(source)) {
                seen.add(call.fn);
                if (!call.ok) bad.push(`${where} line ${call.line}: ${call.fn} ${call.why}`);
            }
        }
        assert.deepEqual(bad, []);
        // The scan really covered the fallible calls the pipelines make.
        for (const fn of ["get_env_var", "object", "parse_json", "parse_timestamp", "to_string"]) assert.ok(seen.has(fn), `no call of ${fn} was scanned`);
    });

    it("every builder emits a program ending in a newline, without `${` and without braces from values", () => {
        const all = [
            logsEnrichVrl(AGENT),
            metricsEnrichVrl(AGENT),
            sampleRateVrl(AGGREGATOR.sampling),
            ...AGGREGATOR.agents.flatMap((a) => [
                remoteWriteAuthVrl(a.tokenSha256),
                bindIdentityVrl("logs", a),
                bindIdentityVrl("metrics", a),
                bindIdentityVrl("logs", { name: a.name, slot: a.slot }),
            ]),
            aggregatorMetricsVrl(AGGREGATOR.cluster),
        ];
        for (const p of all) {
            assert.ok(p.endsWith("\n"), JSON.stringify(p));
            assert.ok(!p.includes("${"), p);
        }
    });
});
