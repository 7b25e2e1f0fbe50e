/**
 * Identity bound to data (docs/identity.md), read from the rendered configs of both tiers: an
 * agent of cluster A that claims to be cluster B reaches Loki, Prometheus and (when its agent
 * sends traces and its hub has Tempo) Tempo labelled A, and is counted on the route output the
 * impersonation alert watches. Holds for any set of stacks.
 */
import { strict as assert } from "node:assert";
import { parse as parseToml } from "smol-toml";
import { parseAllDocuments } from "yaml";
import { IMPERSONATING_OUTPUT } from "../../../components/aggregator/pipeline";
import { repoStacks, sharedRender } from "../../support/fleet";

type Table = Record<string, unknown>;
type Event = Record<string, unknown>;
const table = (v: unknown): Table => (typeof v === "object" && v !== null ? (v as Table) : {});

/** Vector's path lookup for the two shapes we use: `.field` and `.tags.field`. */
function get(e: Event, path: string): unknown {
    return path
        .slice(1)
        .split(".")
        .reduce<unknown>((v, k) => table(v)[k], e);
}
function set(e: Event, path: string, value: unknown): void {
    const keys = path.slice(1).split(".");
    const last = keys.pop()!;
    const parent = keys.reduce<Table>((v, k) => table(v[k]), e);
    if (value === undefined) delete parent[last];
    else parent[last] = value;
}

const IDENTITY_FIELD = /\.(?:tags\.)?(?:cluster|environment|region)\b/;

/**
 * Route conditions, evaluated for the forms the aggregator uses; anything else fails the test
 * rather than being guessed at (VRL: `!=` on null is true only for a non-null value).
 */
function condition(src: string, e: Event): boolean {
    return src.split(" && ").every((term) => {
        let m: RegExpExecArray | null;
        if ((m = /^(\.[\w.]+) != null$/.exec(term))) return get(e, m[1]) != null;
        if ((m = /^(\.[\w.]+) != "([^"]*)"$/.exec(term))) return get(e, m[1]) !== m[2];
        if ((m = /^is_string\((\.[\w.]+)\)$/.exec(term))) return typeof get(e, m[1]) === "string";
        // VRL exists(): the path is present, null included.
        if ((m = /^exists\((\.[\w.]+)\)$/.exec(term))) return get(e, m[1]) !== undefined;
        throw new Error(`the test cannot evaluate the route condition term ${JSON.stringify(term)}`);
    });
}

/**
 * A remap program, as far as identity goes: literal assignments and deletions are applied in
 * order; any other statement must not touch an identity field, or the test fails.
 */
function remap(src: string, e: Event): void {
    for (const line of src
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean)) {
        let m: RegExpExecArray | null;
        if ((m = /^(\.[\w.]+) = "([^"]*)"$/.exec(line))) set(e, m[1], m[2]);
        else if ((m = /^del\((\.[\w.]+)\)$/.exec(line))) set(e, m[1], undefined);
        else if (IDENTITY_FIELD.test(line)) throw new Error(`the test cannot evaluate ${JSON.stringify(line)}, which touches an identity field`);
    }
}

/** A span batch in its OTLP form, as the agents' `otlp` source keeps it (use_otlp_decoding). */
type Attribute = { key: string; value: Record<string, unknown> };
const resources = (e: Event): Table[] => (Array.isArray(e.resourceSpans) ? (e.resourceSpans as unknown[]).map(table) : []);
const attributesOf = (rs: Table): Attribute[] => {
    const attrs = table(rs.resource).attributes;
    return Array.isArray(attrs) ? (attrs as Attribute[]) : [];
};

/**
 * The trace route condition: true when any resourceSpans entry has the attribute `key` with a
 * string value other than the sender's. Only this exact program is understood; any other
 * multi-line condition fails the test rather than being guessed at.
 */
const escapeRe = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const TRACE_CONDITION = new RegExp(
    `^${escapeRe(
        [
            "claimed = false",
            "for_each(array(.resourceSpans) ?? []) -> |_i, rs| {",
            "  resource = object(rs.resource) ?? {}",
            "  for_each(array(resource.attributes) ?? []) -> |_j, a| {",
            '    if a.key == "KEY" && is_string(a.value.stringValue) && a.value.stringValue != "OWN" { claimed = true }',
            "  }",
            "}",
            "claimed",
            "",
        ].join("\n"),
    )
        .replace("KEY", '([^"]+)')
        .replace("OWN", '([^"]*)')}$`,
);
function traceCondition(src: string, e: Event): boolean {
    const m = TRACE_CONDITION.exec(src);
    if (!m) throw new Error(`the test cannot evaluate the trace route condition ${JSON.stringify(src)}`);
    const [, key, own] = m;
    return resources(e).some((rs) => attributesOf(rs).some((a) => a.key === key && typeof a.value?.stringValue === "string" && a.value.stringValue !== own));
}

/**
 * A remap program over a span batch, read from its text: each resourceSpans entry keeps its
 * resource attributes but those whose key the `!includes([...], a.key)` test names, and gets the
 * literal attributes of `append(kept, [...])` after them. Every other statement must be one of
 * the loop's scaffolding lines, or the test fails.
 */
const TRACE_SCAFFOLD = new Set([
    "spans = array(.resourceSpans) ?? []",
    "out = []",
    "for_each(spans) -> |_i, rs| {",
    "r = object(rs) ?? {}",
    "resource = object(r.resource) ?? {}",
    "kept = []",
    "for_each(array(resource.attributes) ?? []) -> |_j, a| {",
    "}",
    "r.resource = resource",
    "out = push(out, r)",
    ".resourceSpans = out",
]);
function traceRemap(src: string, e: Event): void {
    let removed: string[] | undefined;
    let added: Attribute[] | undefined;
    for (const line of src
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean)) {
        let m: RegExpExecArray | null;
        if ((m = /^if !includes\(\[((?:"[^"]*"(?:, )?)*)\], a\.key\) \{ kept = push\(kept, a\) \}$/.exec(line)))
            removed = [...m[1].matchAll(/"([^"]*)"/g)].map((k) => k[1]);
        else if (line === "resource.attributes = kept") added = [];
        else if ((m = /^resource\.attributes = append\(kept, \[(.*)\]\)$/.exec(line))) {
            const one = /^\{"key": "([^"]*)", "value": \{"stringValue": "([^"]*)"\}\}(?:, |$)/;
            added = [];
            let rest = m[1];
            while (rest.length > 0) {
                const a = one.exec(rest);
                // A value that is not a literal (a variable, a call) is not the hub's to vouch for here.
                if (!a) throw new Error(`the test cannot evaluate the appended attributes ${JSON.stringify(m[1])}`);
                added.push({ key: a[1], value: { stringValue: a[2] } });
                rest = rest.slice(a[0].length);
            }
        } else if (!TRACE_SCAFFOLD.has(line)) throw new Error(`the test cannot evaluate ${JSON.stringify(line)} in a span batch's remap`);
    }
    if (removed === undefined || added === undefined) throw new Error(`the test found no attribute rewrite in the span batch's remap ${JSON.stringify(src)}`);
    const keys = removed;
    e.resourceSpans = resources(e).map((rs) => ({
        ...rs,
        resource: { ...table(rs.resource), attributes: [...attributesOf(rs).filter((a) => !keys.includes(a.key)), ...structuredClone(added)] },
    }));
}

interface Arrival {
    sink: string;
    event: Event;
    /** Component outputs the event passed, in order. */
    trace: string[];
}

/**
 * Follows one event through the aggregator's topology from a source, the way Vector's fanout
 * does: every consumer of an output gets a copy; a route sends it to each matching named output,
 * or `_unmatched` when none matches (vectordotdev/vector src/transforms/route.rs).
 */
type Signal = "log" | "metric" | "trace";
function follow(cfg: Table, from: string, signal: Signal, event: Event, trace: string[] = []): Arrival[] {
    const consumers = (output: string) =>
        [
            ...Object.entries(table(cfg.transforms)).map(([id, c]) => ({ id, c: table(c), sink: false })),
            ...Object.entries(table(cfg.sinks)).map(([id, c]) => ({ id, c: table(c), sink: true })),
        ].filter((x) => (x.c.inputs as string[]).includes(output));
    const arrivals: Arrival[] = [];
    for (const { id, c, sink } of consumers(from)) {
        const e = structuredClone(event);
        const t = [...trace, from];
        if (sink) {
            arrivals.push({ sink: id, event: e, trace: [...t, id] });
            continue;
        }
        switch (c.type) {
            case "filter": {
                const cond = table(c.condition);
                const src = cond.type === "vrl" ? String(cond.source) : "";
                // The sample-age guard (tests/components/aggregator/pipeline.test.ts checks it): keeps a metric without a timestamp.
                const ageGuard = src.startsWith("t, err = timestamp(.timestamp)\n");
                if (ageGuard && get(e, ".timestamp") !== undefined)
                    throw new Error(`the test cannot evaluate the sample-age guard of ${id} on a timestamped event`);
                const pass =
                    cond.type === "is_log"
                        ? signal === "log"
                        : cond.type === "is_metric"
                          ? signal === "metric"
                          : cond.type === "is_trace"
                            ? signal === "trace"
                            : ageGuard || condition(src, e);
                if (pass) arrivals.push(...follow(cfg, id, signal, e, t));
                break;
            }
            case "route": {
                const matched = Object.entries(table(c.route)).filter(([, cond]) =>
                    signal === "trace" ? traceCondition(String(cond), e) : condition(String(cond), e),
                );
                const outs = matched.map(([name]) => `${id}.${name}`);
                if (outs.length === 0 && c.reroute_unmatched !== false) outs.push(`${id}._unmatched`);
                for (const o of outs) arrivals.push(...follow(cfg, o, signal, e, t));
                break;
            }
            case "remap":
                if (signal === "trace") traceRemap(String(c.source), e);
                else remap(String(c.source), e);
                arrivals.push(...follow(cfg, id, signal, e, t));
                break;
            // Turns the (heartbeat) log into counters: the log itself goes no further.
            case "log_to_metric":
                break;
            case "dedupe":
            case "sample":
            // Passes what stays under the cluster's limit (the fairness tests check the limit).
            case "throttle":
                arrivals.push(...follow(cfg, id, signal, e, t));
                break;
            default:
                throw new Error(`the test does not know how ${id} (${String(c.type)}) treats an event`);
        }
    }
    return arrivals;
}

const port = (url: string) => Number(/:(\d+)(?:\/|$)/.exec(url.replace(/^https?:\/\/[^:]+/, ""))?.[1]);
const listening = (cfg: Table, type: string, p: number) =>
    Object.entries(table(cfg.sources)).filter(([, s]) => table(s).type === type && Number(String(table(s).address).split(":").pop()) === p);

/**
 * Whether an agent's vector sink carries traces: some `opentelemetry` source keeps traces in their
 * OTLP form and its `.traces` output reaches the sink through the agent's transforms.
 */
function sendsTraces(agent: Table, vectorSink: Table): boolean {
    const otlp = Object.entries(table(agent.sources)).filter(([, x]) => table(x).type === "opentelemetry" && table(table(x).use_otlp_decoding).traces === true);
    const starts = new Set(otlp.map(([id]) => `${id}.traces`));
    const seen = new Set<string>();
    const reaches = (input: string): boolean => {
        if (starts.has(input)) return true;
        if (seen.has(input)) return false;
        seen.add(input);
        const t = table(table(agent.transforms)[input.split(".")[0]]);
        return Array.isArray(t.inputs) && (t.inputs as string[]).some(reaches);
    };
    return ((vectorSink.inputs as string[] | undefined) ?? []).some(reaches);
}

/**
 * The sender VectorClusterImpersonation names for a route output's component id, read from the
 * hub's rendered PrometheusRule: its selector must count the `impersonating` output without
 * filtering component ids, and its label_replace regex (fully anchored, as PromQL's
 * label_replace is: prometheus/prometheus promql/functions.go) must take the cluster out of the
 * route's id. Undefined when the hub renders no such alert.
 */
/** A hub's alert rules, by its manifests.yaml: every pair and signal asks again of the same hub. */
const rulesByManifests = new Map<string, Table[]>();

function alertRules(manifests: string): Table[] {
    const known = rulesByManifests.get(manifests);
    if (known) return known;
    const rules = parseAllDocuments(manifests)
        .map((d) => table(d.toJS()))
        .filter((o) => o.kind === "PrometheusRule")
        .flatMap((o) => (table(o.spec).groups as Table[] | undefined) ?? [])
        .flatMap((g) => (g.rules as Table[] | undefined) ?? []);
    rulesByManifests.set(manifests, rules);
    return rules;
}

function impersonationSender(manifests: string | undefined, componentId: string): string | undefined {
    const rule = alertRules(manifests ?? "").find((r) => r.alert === "VectorClusterImpersonation");
    if (!rule) return undefined;
    const expr = String(rule.expr);
    assert.match(expr, new RegExp(`output="${IMPERSONATING_OUTPUT}"`), "the alert counts the impersonating output");
    assert.doesNotMatch(expr, /component_id\s*[=!]~?\s*"/, "the alert counts every component's impersonating output");
    const m = /"sender",\s*"\$1",\s*"component_id",\s*"((?:[^"\\]|\\.)*)"/.exec(expr);
    assert.ok(m, `the alert names the sender from the component id: ${expr}`);
    return new RegExp(`^(?:${m[1]})$`).exec(componentId)?.[1] ?? "";
}

describe("identity bound to data (rendered configs of both tiers)", () => {
    it("labels every source cluster's logs and metrics with its own identity whatever they claim, and counts the claim", async () => {
        const fleet = await sharedRender();
        // Whatever stacks the repository has: each source stack against the hub it reads.
        const hubs = fleet.filter((r) => r.files["vector-aggregator.vector.toml"] !== undefined);
        assert.ok(hubs.length > 0, "a hub renders the aggregators");
        const hubOf = new Map(repoStacks().map((s) => [s.stack, s.config["vector-fleet:monitoringStack"]]));
        const pairs = hubs.flatMap((hub) => fleet.filter((r) => hubOf.get(r.stack) === hub.stack).map((stack) => ({ hub, stack })));
        assert.ok(pairs.length > 0, "the fleet has at least one source stack");

        for (const { hub, stack } of pairs) {
            const agg = parseToml(hub.files["vector-aggregator.vector.toml"]) as Table;
            const clusters = (JSON.parse(hub.files["outputs.json"]) as Table).agentClusters as string[];
            const own = JSON.parse(stack.files["outputs.json"]) as Table;
            const me = { cluster: String(own.cluster), environment: String(own.environment), region: String(own.region) };
            const agent = parseToml(stack.files["vector-agent.vector.toml"]) as Table;
            const sinks = Object.values(table(agent.sinks)).map(table);
            const logsSink = sinks.find((s) => s.type === "vector")!;
            const metricsSink = sinks.find((s) => s.type === "prometheus_remote_write")!;
            const claims = clusters.filter((c) => c !== me.cluster);
            if (claims.length === 0) claims.push("someone-else");

            for (const claimed of claims) {
                const lie = { cluster: claimed, environment: `${claimed}-env`, region: "ash" };
                const signals = [
                    {
                        signal: "log" as const,
                        sourceType: "vector",
                        p: port((table(logsSink.routing).endpoints as string[] | undefined)?.[0] ?? String(logsSink.address)),
                        sink: "loki",
                        event: { ...lie, namespace: "default", pod: "p", container: "c", message: "hello" } as Event,
                        at: ".",
                    },
                    {
                        signal: "metric" as const,
                        sourceType: "prometheus_remote_write",
                        p: port(String(metricsSink.endpoint)),
                        // Its own cluster's sink: the per-cluster metric paths (docs/identity.md#fairness).
                        sink: `prometheus_${me.cluster}`,
                        event: { name: "up", tags: { ...lie } } as Event,
                        at: ".tags.",
                    },
                ];
                for (const s of signals) {
                    const what = `${me.cluster} ${s.signal}s claiming ${claimed}`;
                    // Which source receives it: exactly one listens on the port this agent dials,
                    // and it trusts only this cluster's client CA (and, for remote write, its token).
                    const on = listening(agg, s.sourceType, s.p);
                    assert.equal(on.length, 1, `${what}: one ${s.sourceType} source on port ${s.p}`);
                    const [sourceId, src] = [on[0][0], table(on[0][1])];
                    assert.equal(table(src.tls).ca_file, `/etc/vector/tls/client-ca-${me.cluster}.crt`, what);
                    assert.equal(table(src.tls).verify_certificate, true, what);
                    if (s.signal === "metric") {
                        // The digests its own stack exports (components/identity), and no other cluster's.
                        const digests = [...String(table(src.auth).source).matchAll(/digest == "([0-9a-f]{64})"/g)].map((m) => m[1]);
                        assert.deepEqual(digests, own.agentTokenSha256, `${what}: only its own token opens its source`);
                    }
                    // Which programs overwrite which fields, in order: walk the topology.
                    const arrivals = follow(agg, sourceId, s.signal, s.event);
                    const here = arrivals.filter((a) => a.sink === s.sink);
                    assert.equal(here.length, 1, `${what}: reaches ${s.sink} once (got ${JSON.stringify(arrivals.map((a) => a.trace))})`);
                    const got = Object.fromEntries(["cluster", "environment", "region"].map((k) => [k, get(here[0].event, `${s.at}${k}`)]));
                    assert.deepEqual(got, me, `${what}: labelled with the identity it authenticated as (trace ${here[0].trace.join(" -> ")})`);
                    // Counted: it left through the impersonation output the alert watches.
                    assert.ok(
                        here[0].trace.some((o) => o.endsWith(`.${IMPERSONATING_OUTPUT}`)),
                        `${what}: passes a .${IMPERSONATING_OUTPUT} route output (trace ${here[0].trace.join(" -> ")})`,
                    );
                    const counted = here[0].trace.find((o) => o.endsWith(`.${IMPERSONATING_OUTPUT}`))!.split(".")[0];
                    const sender = impersonationSender(hub.files["manifests.yaml"], counted);
                    if (sender !== undefined) assert.equal(sender, me.cluster, `${what}: the alert names ${me.cluster} as the sender of ${counted}`);
                    // An honest event takes the same path without being counted.
                    const honest = structuredClone(s.event);
                    set(honest, `${s.at}cluster`, me.cluster);
                    const fine = follow(agg, sourceId, s.signal, honest).filter((a) => a.sink === s.sink);
                    assert.equal(fine.length, 1, what);
                    assert.ok(!fine[0].trace.some((o) => o.endsWith(`.${IMPERSONATING_OUTPUT}`)), `${what}: the honest twin is not counted`);
                }
            }
        }
    });
    it("binds every traces-sending cluster's spans to its own identity whatever they claim, and counts the claim", async function () {
        const fleet = await sharedRender();
        const hubOf = new Map(repoStacks().map((s) => [s.stack, s.config["vector-fleet:monitoringStack"]]));
        // Source stacks whose agent sends traces, against a hub that stores them.
        const pairs = fleet.flatMap((stack) => {
            const hub = fleet.find((r) => r.stack === hubOf.get(stack.stack));
            const aggToml = hub?.files["vector-aggregator.vector.toml"];
            const agentToml = stack.files["vector-agent.vector.toml"];
            if (!hub || aggToml === undefined || agentToml === undefined) return [];
            const agg = parseToml(aggToml) as Table;
            const agent = parseToml(agentToml) as Table;
            if (table(table(agg.sinks).tempo).type !== "opentelemetry") return [];
            const vectorSink = Object.values(table(agent.sinks))
                .map(table)
                .find((x) => x.type === "vector");
            return vectorSink && sendsTraces(agent, vectorSink) ? [{ hub, stack, agg, vectorSink }] : [];
        });
        if (pairs.length === 0) return this.skip();

        for (const { hub, stack, agg, vectorSink } of pairs) {
            const clusters = (JSON.parse(hub.files["outputs.json"]) as Table).agentClusters as string[];
            const own = JSON.parse(stack.files["outputs.json"]) as Table;
            const me = { cluster: String(own.cluster), environment: own.environment, region: own.region };
            // What the hub does not know of a cluster is removed rather than trusted.
            const known = (v: unknown) => (v === undefined ? [] : [String(v)]);
            const claims = clusters.filter((c) => c !== me.cluster);
            if (claims.length === 0) claims.push("someone-else");
            const p = port((table(vectorSink.routing).endpoints as string[] | undefined)?.[0] ?? String(vectorSink.address));
            const on = listening(agg, "vector", p);
            assert.equal(on.length, 1, `${me.cluster}: one vector source on port ${p}`);
            const [sourceId, src] = [on[0][0], table(on[0][1])];
            assert.equal(table(src.tls).ca_file, `/etc/vector/tls/client-ca-${me.cluster}.crt`, me.cluster);

            for (const claimed of claims) {
                const what = `${me.cluster} spans claiming ${claimed}`;
                const resource = (cluster: string, service: string) => ({
                    resource: {
                        attributes: [
                            { key: "service.name", value: { stringValue: service } },
                            { key: "k8s.cluster.name", value: { stringValue: cluster } },
                            { key: "deployment.environment.name", value: { stringValue: `${claimed}-env` } },
                            { key: "cloud.region", value: { stringValue: "ash" } },
                        ],
                    },
                    scopeSpans: [{ spans: [{ name: "GET /", traceId: "00", spanId: "01" }] }],
                });
                // One honest entry, one lying: a batch counts when any of its entries claims another cluster.
                const lie: Event = { resourceSpans: [resource(me.cluster, "web"), resource(claimed, "checkout")] };
                const arrivals = follow(agg, sourceId, "trace", lie);
                const here = arrivals.filter((a) => a.sink === "tempo");
                assert.equal(here.length, 1, `${what}: reaches tempo once (got ${JSON.stringify(arrivals.map((a) => a.trace))})`);
                const trail = here[0].trace.join(" -> ");
                for (const rs of resources(here[0].event)) {
                    const attrs = attributesOf(rs);
                    const value = (k: string) => attrs.filter((a) => a.key === k).map((a) => a.value.stringValue);
                    // Exactly the identity it authenticated as, once per key.
                    assert.deepEqual(value("k8s.cluster.name"), [me.cluster], `${what}: cluster (trace ${trail})`);
                    assert.deepEqual(value("deployment.environment.name"), known(me.environment), `${what}: environment (trace ${trail})`);
                    assert.deepEqual(value("cloud.region"), known(me.region), `${what}: region (trace ${trail})`);
                    assert.equal(value("service.name").length, 1, `${what}: other attributes are kept`);
                }
                assert.ok(
                    here[0].trace.some((o) => o.endsWith(`.${IMPERSONATING_OUTPUT}`)),
                    `${what}: passes a .${IMPERSONATING_OUTPUT} route output (trace ${trail})`,
                );
                const counted = here[0].trace.find((o) => o.endsWith(`.${IMPERSONATING_OUTPUT}`))!.split(".")[0];
                const sender = impersonationSender(hub.files["manifests.yaml"], counted);
                if (sender !== undefined) assert.equal(sender, me.cluster, `${what}: the alert names ${me.cluster} as the sender of ${counted}`);
                // Its honest twin takes the same path without being counted.
                const honest: Event = { resourceSpans: [resource(me.cluster, "web"), resource(me.cluster, "checkout")] };
                const fine = follow(agg, sourceId, "trace", honest).filter((a) => a.sink === "tempo");
                assert.equal(fine.length, 1, what);
                assert.ok(!fine[0].trace.some((o) => o.endsWith(`.${IMPERSONATING_OUTPUT}`)), `${what}: the honest twin is not counted`);
            }
        }
    });
});
