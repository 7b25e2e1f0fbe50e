/**
 * The Vector config validator (tools/validate): the reference data is tied to the pinned release,
 * its parsers read the upstream formats, each rule finds what the engine refuses (the upstream
 * code that enforces it is named beside each case), and good configs pass.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { VECTOR_VERSION } from "../../../config/versions";
import { parseCue } from "../../../tools/validate/cue";
import { formatProblem, referenceData, validateFiles, validateRenderedStacks, validateVectorConfig } from "../../../tools/validate";
import { applyOverlay } from "../../../tools/validate/overlay";
import { eventTypes, fallibleHelpers, optNode, ReferenceData, structFacts, vrlFunction } from "../../../tools/validate/reference";
import { literalPrefix } from "../../../tools/validate/vector";
import { vrlProblems } from "../../../tools/validate/vrl";
import { sharedRender } from "../../support/fleet";

const FIX = path.join(__dirname, "../../fixtures/vector");
const lines = (text: string, file = "x.toml") => validateVectorConfig(text, file).map(formatProblem);
const rules = (text: string, file = "x.toml") =>
    validateVectorConfig(text, file)
        .filter((p) => p.severity === "error")
        .map((p) => `${p.path} ${p.rule}`);

describe("validate: the reference data", () => {
    const data = referenceData();
    it("claims the release config/versions.ts pins", () => {
        assert.equal(data.release, VECTOR_VERSION, "regenerate: npm run vector:reference -- --src <vector> (docs/validation.md)");
        assert.equal(data.tag, `v${VECTOR_VERSION}`);
    });
    it("records where it came from: base commit, overlay entries with their changelog/PR, the VRL commit", () => {
        assert.match(data.base_commit, /^[0-9a-f]{40}$/);
        assert.match(data.vrl.commit, /^[0-9a-f]{40}$/);
        assert.ok(data.overlay.length > 0 && data.overlay.every((o) => /PR \d+/.test(o)), "every overlay entry names its pull request");
        assert.ok(
            fs.statSync(path.join(__dirname, `../../../tools/validate/data/vector-${VECTOR_VERSION}.json`)).size < 1024 * 1024,
            "the data stays under 1 MiB",
        );
    });
    it("holds every component with options and event types", () => {
        for (const t of ["kubernetes_logs", "host_metrics", "vector", "prometheus_remote_write", "internal_metrics"]) assert.ok(data.sources[t], t);
        for (const t of ["remap", "route", "dedupe", "sample", "filter"]) assert.ok(data.transforms[t], t);
        for (const t of ["loki", "vector", "prometheus_remote_write", "prometheus_exporter"]) assert.ok(data.sinks[t], t);
        assert.deepEqual(data.sinks.loki.in, ["log"]);
        assert.deepEqual(data.sources.host_metrics.out, ["metric"]);
    });
    it("has the VRL functions with arity and fallibility (vectordotdev/vrl src/stdlib)", () => {
        assert.deepEqual(data.vrl.functions.parse_json, {
            min: 1,
            max: 3,
            f: "always",
            p: ["bytes", "integer", "boolean"],
            ret: "array|boolean|bytes|float|integer|null|object",
        });
        assert.equal(data.vrl.functions.upcase.f, "never");
        assert.equal(data.vrl.functions.to_int.f, "maybe");
        assert.equal(data.vrl.functions.join.f, "maybe", "VRL 0.36 (shipped with 0.59): join is infallible for proven string arrays (overlay)");
        assert.equal(data.vrl.functions.get_secret.min, 1, "Vector's own functions (lib/vector-vrl) are included");
    });
});

describe("validate: the CUE subset parser", () => {
    it("reads chained labels, quoted labels, multi-line and raw strings, lists and unifies repeats", () => {
        const v = parseCue(
            `package metadata\n// c\na: b: c: {\n\td: "x\\"y"\n\t"*": [1, -2.5, true, null]\n\te: """\n\t\tline\n\t\t"""\n\tf: #"raw \\n"#\n}\na: b: g: 1\n`,
        );
        assert.deepEqual(v, { a: { b: { c: { d: 'x"y', "*": [1, -2.5, true, null], e: "line", f: "raw \\n" }, g: 1 } } });
    });
    it("refuses what the generated files never use, naming the line", () => {
        assert.throws(() => parseCue("a: b & c"), /line 1/);
        assert.throws(() => parseCue("a: 1\na: 2"), /conflicting/);
    });
    it("turns a generated option into a node: types, enum, default, template, variant", () => {
        const n = optNode({ required: true, relevant_when: 'type = "disk"', type: { string: { default: "a", enum: { a: "", b: "" }, syntax: "template" } } });
        assert.deepEqual(n, { t: ["string"], r: 1, w: 'type = "disk"', d: "a", e: ["a", "b"], tpl: 1 });
    });
    it("reads event types from a component's hand-written input/output blocks", () => {
        assert.deepEqual(eventTypes("x: {\n\tinput: {\n\t\tlogs: true\n\t\tmetrics: null\n\t\ttraces: false\n\t}\n}", "input"), ["log"]);
        assert.deepEqual(eventTypes("\toutput: metrics: {\n", "output"), ["metric"]);
    });
    it("reads a VRL function's parameters and fallibility from its Rust source", () => {
        const rust = `impl Function for X {\n    fn identifier(&self) -> &'static str {\n        "x"\n    }\n}\nconst P: &[Parameter] = &[Parameter::required("a", k, ""), Parameter::optional("b", k, "")];\nimpl FunctionExpression for XFn {\n    fn type_def(&self, _: &TypeState) -> TypeDef {\n        helper()\n    }\n}\n`;
        const helpers = new Set(fallibleHelpers("fn helper() -> TypeDef {\n    TypeDef::bytes().fallible()\n}\n"));
        assert.deepEqual(vrlFunction(rust, helpers), { name: "x", min: 1, max: 2, f: "always", p: ["any", "any"] });
        assert.equal(vrlFunction(rust, new Set())?.f, "never");
    });
    it("applies overlay entries and refuses one that does not match the base", () => {
        const data = JSON.parse(JSON.stringify(referenceData())) as ReferenceData;
        data.overlay = [];
        const out = applyOverlay(data, {
            release: data.release,
            changes: [{ path: "sinks.vector.keepalive.x", op: "set", node: { t: ["bool"] }, release: data.release, from: "test, PR 1" }],
        });
        assert.deepEqual(out.sinks.vector.o.keepalive.o?.x, { t: ["bool"] });
        const uc = applyOverlay(data, {
            release: data.release,
            changes: [{ path: "sinks.loki.labels.*", op: "merge", node: { uc: 1 }, release: data.release, from: "test" }],
        });
        assert.equal(uc.sinks.loki.o.labels.any?.uc, 1, "`*` addresses the free-key entry");
        assert.throws(
            () => applyOverlay(data, { release: data.release, changes: [{ path: "sinks.nope.x", op: "set", release: data.release, from: "" }] }),
            /no such component/,
        );
    });
});

describe("validate: rules", () => {
    const ok = `[sources.in]\ntype = "demo_logs"\nformat = "json"\n[sinks.out]\ntype = "console"\ninputs = ["in"]\nencoding.codec = "json"\n`;
    it("accepts a minimal valid config (no false positives)", () => assert.deepEqual(lines(ok), []));
    it("unknown options at every depth (Vector's config structs use serde deny_unknown_fields)", () => {
        assert.deepEqual(rules(ok + "bogus = 1\n"), ["sinks.out.bogus reference/unknown-option"]);
        assert.deepEqual(rules(ok.replace('encoding.codec = "json"', 'encoding.codec = "json"\nencoding.nope = 1')), [
            "sinks.out.encoding.nope reference/unknown-option",
        ]);
        assert.deepEqual(rules(`nope = 1\n${ok}`), ["nope reference/unknown-option"]);
    });
    it("a component without deny_unknown_fields ignores unknown top-level keys: a warning (e.g. src/sources/demo_logs.rs)", () => {
        const found = validateVectorConfig(ok.replace('format = "json"', 'format = "json"\nbogus = 1'), "x.toml");
        assert.deepEqual(
            found.map((p) => `${p.severity} ${p.path}`),
            ["warning sources.in.bogus"],
        );
    });
    it("nested structs without deny_unknown_fields ignore unknown keys: a warning (src/sinks/util/batch.rs BatchConfig)", () => {
        const cfg = `${ok}[sinks.s]\ntype = "loki"\ninputs = ["in"]\nendpoint = "http://loki:3100"\nencoding.codec = "json"\nlabels.a = "b"\nbatch.max_size = 10\n`;
        assert.deepEqual(
            validateVectorConfig(cfg, "x.toml").map((p) => `${p.severity} ${p.path}`),
            ["warning sinks.s.batch.max_size"],
        );
        const facts = structFacts(
            "#[configurable_component]\n#[derive(Clone)]\npub struct B<D> where D: X {\n    pub max_bytes: Option<usize>,\n    #[serde(skip)]\n    _d: PhantomData<D>,\n}\n",
        );
        assert.deepEqual(facts, [{ name: "B", fields: ["max_bytes"], deny: false, flatten: false }]);
    });
    it("options hidden from the docs and serde aliases are accepted (src/sinks/vector/config.rs version; src/sources/prometheus/scrape.rs hosts)", () => {
        assert.deepEqual(rules(`${ok}[sinks.v]\ntype = "vector"\ninputs = ["in"]\naddress = "http://agg:6000"\nversion = "2"\n`), []);
        assert.deepEqual(
            rules(`[sources.s]\ntype = "prometheus_scrape"\nhosts = ["http://a:9100/metrics"]\n[sinks.b]\ntype = "blackhole"\ninputs = ["s"]\n`),
            [],
        );
    });
    it("types, enums, required options and unknown component types", () => {
        assert.deepEqual(rules(ok.replace('format = "json"', 'format = "xml"')), ["sources.in.format reference/enum"]);
        assert.deepEqual(rules(ok.replace('format = "json"', 'format = "json"\ninterval = "fast"')), ["sources.in.interval reference/type"]);
        assert.deepEqual(rules(`[sources.v]\ntype = "vector"\n[sinks.b]\ntype = "blackhole"\ninputs = ["v"]\n`), ["sources.v.address reference/required"]);
        assert.deepEqual(rules(ok.replace('type = "console"', 'type = "disk"')), ["sinks.out.type reference/unknown-component"]);
    });
    it("options of another variant (relevant_when): auth.token with strategy basic", () => {
        const cfg = `[sources.rw]\ntype = "prometheus_remote_write"\naddress = "0.0.0.0:9201"\nauth.strategy = "basic"\nauth.username = "u"\nauth.password = "p"\nauth.source = "true"\n[sinks.b]\ntype = "blackhole"\ninputs = ["rw"]\n`;
        assert.deepEqual(rules(cfg), ["sources.rw.auth.source reference/variant"]);
    });
    it("a chained buffer (an array of stages, lib/vector-buffers/src/config.rs BufferConfig::Chained) is accepted", () => {
        const cfg = `${ok}[[sinks.out.buffer]]\ntype = "memory"\nmax_events = 100\nwhen_full = "overflow"\n[[sinks.out.buffer]]\ntype = "disk"\nmax_size = 268435488\n`;
        assert.deepEqual(rules(cfg), []);
        assert.deepEqual(rules(cfg.replace("max_size = 268435488", "max_size = 268435488\nmax_events = 5")), [
            "sinks.out.buffer[1].max_events reference/variant",
        ]);
    });
    it("mutually exclusive options, where the reference says so (vector sink: address or routing, exactly one)", () => {
        const v = (o: string) => `${ok}[sinks.v]\ntype = "vector"\ninputs = ["in"]\n${o}`;
        assert.deepEqual(rules(v('address = "http://a:6000"\nrouting.endpoints = ["http://b:6000"]\n')), ["sinks.v.routing reference/mutually-exclusive"]);
        assert.deepEqual(rules(v("")), ["sinks.v reference/required-one-of"]);
        assert.deepEqual(rules(v('routing.endpoints = ["http://b:6000"]\n')), []);
    });
    it("template confinement on sinks (vectordotdev/vector src/template/confinement.rs NoDerivableBase, DerivedBaseIsRoot)", () => {
        assert.deepEqual(literalPrefix("/var/log/%Y/{{ host }}.log"), "/var/log/", "src/template/tests.rs literal_prefix");
        const file = (p: string, extra = "") => `${ok}[sinks.f]\ntype = "file"\ninputs = ["in"]\npath = "${p}"\nencoding.codec = "json"\n${extra}`;
        assert.deepEqual(rules(file("{{ app }}.log")), ["sinks.f.path engine/template-confinement"]);
        assert.deepEqual(rules(file("/{{ app }}.log")), ["sinks.f.path engine/template-confinement"]);
        assert.deepEqual(rules(file("/logs/{{ app }}.log")), []);
        assert.deepEqual(rules(file("{{ app }}.log", "dangerously_allow_unconfined_template_resolution = true\n")), []);
    });
    it("loki label values are unconfined since 0.58 (PR 26176, an overlay entry) but templated keys are not (src/sinks/loki/sink.rs)", () => {
        assert.equal(referenceData().sinks.loki.o.labels.any?.uc, 1);
        assert.equal(referenceData().sinks.loki.o.tenant_id.uc, undefined, "tenant_id stays confined");
        const loki = (labels: string) =>
            `${ok}[sinks.l]\ntype = "loki"\ninputs = ["in"]\nendpoint = "http://loki:3100"\nencoding.codec = "json"\n[sinks.l.labels]\n${labels}\n`;
        assert.deepEqual(rules(loki('pod = "{{ pod }}"')), []);
        assert.deepEqual(rules(loki('"{{ key }}" = "x"')), ['sinks.l.labels."{{ key }}" pitfall/loki-label-key-confinement']);
        assert.deepEqual(rules(loki('"app_{{ key }}" = "x"')), []);
    });
    it("SECRET[backend.key] needs a declared backend; ${VAR} is never interpolated since 0.57", () => {
        const sec = (s: string, backend = "") =>
            `${backend}[sources.in]\ntype = "demo_logs"\nformat = "shuffle"\nlines = ["${s}"]\n[sinks.out]\ntype = "blackhole"\ninputs = ["in"]\n`;
        assert.deepEqual(rules(sec("SECRET[tokens.a]")), ["sources.in.lines[0] engine/secret-backend"]);
        assert.deepEqual(rules(sec("SECRET[tokens.a]", '[secret.tokens]\ntype = "directory"\npath = "/s"\n')), []);
        assert.deepEqual(rules(sec("SECRET[tokens]", '[secret.tokens]\ntype = "directory"\npath = "/s"\n')), ["sources.in.lines[0] engine/secret-syntax"]);
        assert.deepEqual(rules(sec("${HOME}")), ["sources.in.lines[0] engine/no-env-interpolation"]);
        assert.deepEqual(rules(sec("SECRET[tokens.a]", '[secret.tokens]\ntype = "vault"\n')), ["secret.tokens.type reference/enum"]);
        assert.deepEqual(rules(sec("$HOME")), ["sources.in.lines[0] engine/no-env-interpolation"]);
    });
    it("VRL: unknown functions, arity, unhandled fallible calls (vectordotdev/vrl compiler E103)", () => {
        const fns = referenceData().vrl.functions;
        const r = (src: string) => vrlProblems(src, fns).map((p) => p.rule);
        assert.deepEqual(r('.a = parse_json!(.message)\n.b, err = parse_json(.m)\n.c = parse_json(.m) ?? {}\n.d = upcase("x") # parse_json(x)'), []);
        assert.deepEqual(r(".a = parse_json(.message)"), ["vrl/unhandled-fallible"]);
        assert.deepEqual(r(".a = no_such_fn(.message)"), ["vrl/unknown-function"]);
        assert.deepEqual(r('.a = upcase("a", "b")'), ["vrl/arity"]);
        assert.deepEqual(r('.a = get_env_var("X") ?? "y"'), []);
        assert.deepEqual(r("for_each(.a) -> |k, v| { .b = upcase(v) }"), []);
    });
    it("VRL: an argument of a kind the compiler cannot prove makes the call fallible (merge(., parsed) after parse_json)", () => {
        const fns = referenceData().vrl.functions;
        const r = (src: string) => vrlProblems(src, fns).map((p) => p.rule);
        assert.deepEqual(r("parsed, err = parse_json(.message)\n. = merge(., parsed)"), ["vrl/unhandled-fallible"]);
        assert.deepEqual(r("parsed, err = parse_json(.message)\n. = merge!(., parsed)"), []);
        assert.deepEqual(r("parsed = object!(parse_json!(.message))\n. = merge(., parsed)"), []);
    });
    it("pitfall: top-level fields set on metric events (lib/vector-core/src/event/vrl_target.rs VALID_METRIC_PATHS_SET)", () => {
        const cfg = (src: string) =>
            `[sources.m]\ntype = "internal_metrics"\n[transforms.t]\ntype = "remap"\ninputs = ["m"]\nsource = '${src}'\n[sinks.b]\ntype = "blackhole"\ninputs = ["t"]\n`;
        assert.deepEqual(rules(cfg(".cluster = 1")), ["transforms.t.source pitfall/metric-path"]);
        assert.deepEqual(rules(cfg(".tags.cluster = 1")), []);
    });
    it("pitfall: `. = merge(., parsed)` before reading .kubernetes (vectordotdev/vrl src/stdlib/merge.rs: shallow, the second argument wins)", () => {
        const cfg = (src: string) =>
            `[sources.k]\ntype = "kubernetes_logs"\nmax_merged_line_bytes = 1024\n[transforms.t]\ntype = "remap"\ninputs = ["k"]\nsource = '''\n${src}\n'''\n[sinks.b]\ntype = "blackhole"\ninputs = ["t"]\n`;
        assert.deepEqual(rules(cfg("p = object!(parse_json!(.message))\n. = merge(., p)\n.ns = .kubernetes.pod_namespace")), [
            "transforms.t.source pitfall/merge-overwrites-metadata",
        ]);
        assert.deepEqual(rules(cfg(".ns = .kubernetes.pod_namespace\np = object!(parse_json!(.message))\n. = merge(., p)")), []);
        assert.deepEqual(rules(cfg("m = .kubernetes\np = object!(parse_json!(.message))\n. = merge(., p)\n.ns = m.pod_namespace\ndel(.kubernetes)")), []);
    });
    it("pitfall: the filesystem collector, on by default, reports the container's mounts (src/sources/host_metrics/filesystem.rs, self/mounts)", () => {
        const cfg = (collectors: string) =>
            `[sources.m]\ntype = "host_metrics"\n${collectors}disk.devices.excludes = ["loop*"]\n[sinks.b]\ntype = "blackhole"\ninputs = ["m"]\n`;
        assert.deepEqual(rules(cfg("")), ["sources.m.collectors pitfall/filesystem-container"], "the default collectors include it");
        assert.deepEqual(rules(cfg('collectors = ["cpu", "filesystem"]\n')), ["sources.m.collectors pitfall/filesystem-container"]);
        assert.deepEqual(rules(cfg('collectors = ["cpu", "disk"]\n')), []);
    });
    it("pitfall: a test of .tags.mode against the CPU-count gauges never matches (src/sources/host_metrics/cpu.rs)", () => {
        const cfg = (src: string) =>
            `[sources.m]\ntype = "host_metrics"\ncollectors = ["cpu"]\n[transforms.t]\ntype = "remap"\ninputs = ["m"]\nsource = '''\n${src}\n'''\n[sinks.b]\ntype = "blackhole"\ninputs = ["t"]\n`;
        assert.deepEqual(rules(cfg('if includes(["logical_cpus", "physical_cpus"], .tags.mode) { abort }')), ["transforms.t.source pitfall/cpu-count-mode"]);
        assert.deepEqual(rules(cfg('if includes(["logical_cpus", "physical_cpus"], .name) { abort }')), []);
    });
    it("pitfall: scraping the kubelet over plain HTTP", () => {
        const cfg = `[sources.k]\ntype = "prometheus_scrape"\nendpoints = ["http://127.0.0.1:10250/metrics/cadvisor"]\n[sinks.b]\ntype = "blackhole"\ninputs = ["k"]\n`;
        assert.deepEqual(rules(cfg), ["sources.k.endpoints[0] pitfall/kubelet-http"]);
        assert.deepEqual(rules(cfg.replace("http://", "https://")), []);
    });
    it("event types on every edge (vectordotdev/vector src/config/graph.rs typecheck: Data type mismatch)", () => {
        const cfg = `[sources.m]\ntype = "host_metrics"\ncollectors = ["cpu", "disk"]\ndisk.devices.excludes = ["loop*"]\n[transforms.t]\ntype = "remap"\ninputs = ["m"]\nsource = "."\n[sinks.l]\ntype = "loki"\ninputs = ["t"]\nendpoint = "http://loki:3100"\nencoding.codec = "json"\nlabels.a = "b"\n`;
        assert.deepEqual(rules(cfg), ["sinks.l.inputs[0] engine/event-type"]);
    });
    it("unknown inputs, sinks as inputs, route outputs and unused outputs", () => {
        const route = `[sources.in]\ntype = "demo_logs"\nformat = "json"\n[transforms.r]\ntype = "route"\ninputs = ["in"]\nroute.a = 'true'\n[sinks.out]\ntype = "blackhole"\ninputs = ["r.a"]\n`;
        const found = validateVectorConfig(route, "x.toml");
        assert.deepEqual(
            found.map((p) => `${p.severity} ${p.rule} ${p.message.split(" is")[0]}`),
            ['warning engine/unused-output output "r._unmatched"'],
        );
        assert.deepEqual(rules(route.replace('["r.a"]', '["r"]')), ["sinks.out.inputs[0] engine/unknown-input"]);
        assert.deepEqual(rules(route.replace('["r.a"]', '["nope", "r.a"]')), ["sinks.out.inputs[0] engine/unknown-input"]);
    });
    it("listening-port clashes between sources, exporter sinks and the API", () => {
        const cfg = `[api]\nenabled = true\naddress = "0.0.0.0:8686"\n[sources.in]\ntype = "internal_metrics"\n[sinks.p]\ntype = "prometheus_exporter"\ninputs = ["in"]\naddress = "0.0.0.0:8686"\n`;
        assert.deepEqual(rules(cfg), ["sinks.p.address engine/port-clash"]);
    });
    it("npm run validate: one line per problem, FILE  toml.path: what; fix [rule]; exit 1 on errors, 0 on warnings only", () => {
        const bad = validateFiles([{ name: "a.toml", text: `${ok}[sinks.x]\ntype = "blackhole"\ninputs = ["in"]\nbogus = 1\n` }]);
        assert.equal(bad.code, 1);
        assert.equal(
            bad.output,
            'a.toml  sinks.x.bogus: unknown option "bogus"; remove it (options here: acknowledgements, buffer, graph, healthcheck, inputs, print_interval_secs, proxy, rate, type) [reference/unknown-option]',
        );
        assert.equal(validateFiles([{ name: "b.toml", text: ok.replace('format = "json"', 'format = "json"\nbogus = 1') }]).code, 0, "a warning alone passes");
        assert.equal(validateFiles([{ name: "c.toml", text: "not = [toml" }]).problems[0].rule, "engine/parse");
    });
    it("reads YAML and JSON as well as TOML", () => {
        assert.deepEqual(rules("sources:\n  in: {type: internal_metrics, bogus: 1}\nsinks:\n  out: {type: blackhole, inputs: [in]}\n", "x.yaml"), [
            "sources.in.bogus reference/unknown-option",
        ]);
        assert.deepEqual(
            rules(JSON.stringify({ sources: { in: { type: "demo_logs", format: "json" } }, sinks: { out: { type: "blackhole", inputs: ["in"] } } }), "x.json"),
            [],
        );
    });
});

/** The seed design document's configs (/work/shared/seed, extracted to tests/fixtures/vector): each known error is found. */
describe("validate: known-bad configs", () => {
    const expectLines = (file: string, expected: string[]) => {
        const got = validateVectorConfig(fs.readFileSync(path.join(FIX, file), "utf8"), file).map((p) => `${p.path} ${p.rule}`);
        for (const e of expected) assert.ok(got.includes(e), `${file}: expected "${e}" among:\n${got.join("\n")}`);
    };
    it("the seed agent: exclude_paths, metric_to_logs, disk sinks, sinks feeding sinks, tls.enabled, ${VAR}", () =>
        expectLines("seed-agent.toml", [
            "sources.kubernetes_logs.exclude_paths reference/unknown-option",
            "transforms.prometheus_format.type reference/unknown-component",
            "sinks.buffer_logs.type reference/unknown-component",
            "sinks.buffer_metrics.type reference/unknown-component",
            "sinks.monitoring_logs.inputs[0] engine/unknown-input",
            "sinks.monitoring_metrics.inputs[0] engine/unknown-input",
            "sinks.monitoring_metrics.tls.enabled reference/unknown-option",
            "transforms.add_cluster_metadata.source engine/no-env-interpolation",
            "sinks.monitoring_logs.address engine/no-env-interpolation",
            "sources.kubernetes_logs pitfall/partial-merge-unbounded",
            "sources.host_metrics.disk.devices pitfall/disk-devices",
            "transforms.parse_logs.source vrl/unhandled-fallible",
            "transforms.add_cluster_metadata.source pitfall/metric-path",
            "sources.kubernetes_metrics.endpoints[0] pitfall/kubelet-http",
        ]));
    it("the seed aggregator: dedupe cache_size and fields, sample_rates, disk sink, ${LOKI_ENDPOINT}", () =>
        expectLines("seed-aggregator.toml", [
            "transforms.dedupe_logs.cache_size reference/unknown-option",
            "transforms.dedupe_logs.fields reference/type",
            "transforms.sample_logs.sample_rates reference/unknown-option",
            "sinks.loki_buffer.type reference/unknown-component",
            "sinks.loki.inputs[0] engine/unknown-input",
            "sinks.loki.endpoint engine/no-env-interpolation",
            "transforms.sample_logs pitfall/sample-rate-key",
        ]));
    // The day-one defects (issue 14), as the fleet rendered them before the fixes (out/ at 5567598,
    // frozen in tests/fixtures/vector/day-one-*.toml). Each line names the engine's own rule:
    // - keepalive: vectordotdev/vector src/sources/vector/mod.rs, GrpcKeepaliveConfig (deny_unknown_fields);
    // - sample_rate_key: src/transforms/sample/config.rs (default "sample_rate", written into every kept event);
    // - max_merged_line_bytes: src/sources/kubernetes_logs/mod.rs (no cap unless set);
    // - disk devices: src/sources/host_metrics/disk.rs (every device unless filtered);
    // - merge order: vectordotdev/vrl src/stdlib/merge.rs (the second argument wins on a shared key).
    it("the day-one aggregator: gRPC keepalive jitter, sample_rate written into events", () =>
        expectLines("day-one-aggregator.toml", [
            "sources.agents.keepalive.max_connection_age_jitter_factor reference/unknown-option",
            "transforms.sample_logs pitfall/sample-rate-key",
        ]));
    // - filesystem: src/sources/host_metrics/filesystem.rs reads <PROCFS_ROOT>/self/mounts (vector#18231);
    // - CPU counts: src/sources/host_metrics/cpu.rs emits logical_cpus/physical_cpus as gauges, no mode tag.
    it("the day-one agent: unbounded partial merge, unfiltered disk devices, metadata merged over, container filesystems, dead CPU-count test", () =>
        expectLines("day-one-agent.toml", [
            "sources.kubernetes_logs pitfall/partial-merge-unbounded",
            "sources.host_metrics.disk.devices pitfall/disk-devices",
            "transforms.logs_enrich.source pitfall/merge-overwrites-metadata",
            "sources.host_metrics.collectors pitfall/filesystem-container",
            "transforms.metrics_enrich.source pitfall/cpu-count-mode",
        ]));
    // src/transforms/dedupe: events equal in every match field are one; the agent's day-one VRL put
    // the application's (whole-second) timestamp in .timestamp and kept the runtime's nowhere.
    it("the day-one pair: the aggregators dedupe on a timestamp the agent replaced with the application's", () => {
        const files = Object.fromEntries(
            [
                ["vector-agent.vector.toml", "day-one-agent.toml"],
                ["vector-aggregator.vector.toml", "day-one-aggregator.toml"],
            ].map(([as, f]) => [as, fs.readFileSync(path.join(FIX, f), "utf8")]),
        );
        const found = validateRenderedStacks([{ stack: "hub", files }]).filter((p) => p.rule === "pitfall/dedupe-app-timestamp");
        assert.deepEqual(
            found.map((p) => `${p.file} ${p.path}`),
            ["hub/vector-aggregator.vector.toml transforms.dedupe_logs.fields.match"],
        );
        // Each config alone says nothing: the rule is about the two tiers together.
        assert.deepEqual(
            validateRenderedStacks([{ stack: "hub", files: { "vector-aggregator.vector.toml": files["vector-aggregator.vector.toml"] } }]).filter(
                (p) => p.rule === "pitfall/dedupe-app-timestamp",
            ),
            [],
        );
    });
});

describe("validate: good configs", () => {
    // No false positives on our own model's output, and no day-one defect back: whatever stacks the repository has.
    it("every rendered config of every stack passes", async () => {
        const errors = validateRenderedStacks(await sharedRender()).filter((p) => p.severity === "error");
        assert.deepEqual(errors.map(formatProblem), []);
    });
});
