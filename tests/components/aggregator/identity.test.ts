/**
 * Identity bound to data (docs/identity.md), read from the rendered configs of both tiers: an
 * agent of cluster A that claims to be cluster B reaches Loki and Prometheus labelled A, and is
 * counted on the route output the impersonation alert watches. Holds for any set of stacks.
 */
import { strict as assert } from "node:assert";
import { parse as parseToml } from "smol-toml";
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
function follow(cfg: Table, from: string, signal: "log" | "metric", event: Event, trace: string[] = []): Arrival[] {
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
                            ? false
                            : ageGuard || condition(src, e);
                if (pass) arrivals.push(...follow(cfg, id, signal, e, t));
                break;
            }
            case "route": {
                const matched = Object.entries(table(c.route)).filter(([, cond]) => condition(String(cond), e));
                const outs = matched.map(([name]) => `${id}.${name}`);
                if (outs.length === 0 && c.reroute_unmatched !== false) outs.push(`${id}._unmatched`);
                for (const o of outs) arrivals.push(...follow(cfg, o, signal, e, t));
                break;
            }
            case "remap":
                remap(String(c.source), e);
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
});
