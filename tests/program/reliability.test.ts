/**
 * Failure modes, one `describe` each, checked on what the fleet renders: the mechanism that
 * carries the pipeline through each failure must be in place (docs/reliability.md).
 */
import { strict as assert } from "node:assert";
import { parse as parseToml } from "smol-toml";
import { aggregatorBufferCapacity, bufferMinutes, EVENT_BYTES, MIN_BUFFER_MINUTES } from "../../components/aggregator/capacity";
import { quorum } from "../../components/contract/fleet";
import { parseStackConfig } from "../../config";
import { DEFAULT_MAX_SAMPLE_AGE_SECS, OWN_METRICS_BUFFER_BYTES } from "../../config/stack";
import { RenderedStack } from "../../tools/render/render";
import { RegisteredResource } from "../../tools/render/simulator";
import { sharedRender, stackConfig } from "../support/fleet";

type Obj = Record<string, unknown>;
const get = (x: unknown, ...path: (string | number)[]): unknown =>
    path.reduce<unknown>((v, k) => (typeof v === "object" && v !== null ? (v as Record<string | number, unknown>)[k] : undefined), x);

const GiB = 1024 ** 3;

describe("reliability: what carries the pipeline through each failure", () => {
    let fleet: RenderedStack[];
    let hub: RenderedStack;
    const object = (r: RenderedStack, kind: string, name: string): RegisteredResource => {
        const found = r.result.resources.find((x) => x.custom && x.type.endsWith(`:${kind}`) && get(x.inputs, "metadata", "name") === name);
        assert.ok(found, `${r.stack}: no ${kind} ${name}`);
        return found;
    };
    // smol-toml builds null-prototype tables; a JSON copy makes them comparable with deepEqual.
    const toml = (r: RenderedStack, configMap: string) =>
        JSON.parse(JSON.stringify(parseToml(get(object(r, "ConfigMap", configMap).inputs, "data", "vector.toml") as string))) as Obj;
    before(async () => {
        fleet = await sharedRender();
        hub = fleet.find((r) => r.stack === "monitoring")!;
    });

    describe("an aggregator replica is lost (node failure, drain, eviction)", () => {
        it("replicas never share a node, and voluntary disruptions keep a quorum", () => {
            const sts = object(hub, "StatefulSet", "vector-aggregator").inputs;
            const replicas = get(sts, "spec", "replicas") as number;
            assert.equal(replicas, 3);
            assert.equal(
                get(sts, "spec", "template", "spec", "affinity", "podAntiAffinity", "requiredDuringSchedulingIgnoredDuringExecution", 0, "topologyKey"),
                "kubernetes.io/hostname",
            );
            // One at a time (maxUnavailable 1): with 3 replicas a drain leaves 2, the quorum.
            assert.equal(get(object(hub, "PodDisruptionBudget", "vector-aggregator").inputs, "spec", "maxUnavailable"), 1);
            assert.ok(replicas - 1 >= quorum(replicas));
        });

        it("agents keep logs on disk and retry without a limit until a replica answers", () => {
            for (const r of fleet) {
                const sink = get(toml(r, "vector-agent-config"), "sinks", "aggregator") as Obj;
                assert.deepEqual(get(sink, "buffer"), { type: "disk", max_size: 268435488, when_full: "block" }, r.stack);
                assert.equal(get(sink, "request", "retry_attempts"), undefined, `${r.stack}: a finite retry count drops logs`);
            }
        });

        it("the load balancer spreads agents' long-lived connections by least connections, so survivors share the load", () => {
            const lb = object(hub, "Service", "vector-aggregator-lb").inputs;
            assert.equal(get(lb, "metadata", "annotations", "load-balancer.hetzner.cloud/algorithm-type"), "least_connections");
        });
    });

    describe("Loki or Prometheus is unavailable", () => {
        it("each aggregator sink of agents' data buffers on the replica's volume and blocks rather than drops when full; the aggregators' own metrics drop", () => {
            const cfg = toml(hub, "vector-aggregator-config");
            assert.equal(cfg.data_dir, "/vector-data-dir");
            const mounts = get(object(hub, "StatefulSet", "vector-aggregator").inputs, "spec", "template", "spec", "containers", 0, "volumeMounts") as Obj[];
            assert.ok(
                mounts.some((m) => m.name === "data" && m.mountPath === "/vector-data-dir"),
                "the data dir is the PersistentVolume",
            );
            assert.deepEqual(get(cfg, "sinks", "loki", "buffer"), { type: "disk", max_size: 8 * GiB, when_full: "block" });
            // Every agent cluster's metrics on their own sink, an equal share of what the shared one leaves.
            const sinks = get(cfg, "sinks") as Obj;
            const perCluster = Object.keys(sinks).filter((id) => id.startsWith("prometheus_"));
            assert.ok(perCluster.length > 0);
            const share = Math.floor((6 * GiB - OWN_METRICS_BUFFER_BYTES) / perCluster.length);
            for (const id of perCluster) assert.deepEqual(get(cfg, "sinks", id, "buffer"), { type: "disk", max_size: share, when_full: "block" }, id);
            // Dropping, counted: it must never hold back the log path its heartbeat metrics hang off.
            assert.deepEqual(get(cfg, "sinks", "prometheus", "buffer"), { type: "disk", max_size: OWN_METRICS_BUFFER_BYTES, when_full: "drop_newest" });
        });

        it("the hub states how many minutes of outage its buffers carry at the declared load, and clears 30 minutes", () => {
            // The Prometheus buffer holds 125.8 minutes, but Prometheus accepts nothing older than
            // the sample-age limit (55 minutes by default): that is all it bridges.
            assert.deepEqual(hub.result.outputs.values.aggregatorBufferMinutes, { lokiMinutes: 279.6, prometheusMinutes: 55 });
        });

        it("never reports more Prometheus minutes than the age Prometheus still accepts", () => {
            // prometheus/prometheus tsdb/head_append.go: the head refuses samples older than its
            // newest minus half the block range; a buffer holding older ones only stores rejects.
            const big = {
                replicas: 1,
                // The per-cluster sinks share what the aggregators' own metrics leave.
                buffers: { lokiMaxBytes: GiB, prometheusMaxBytes: 100 * 256 * 60 * 600 + OWN_METRICS_BUFFER_BYTES },
                expectedLoad: { logEventsPerSec: 1, metricSamplesPerSec: 100 },
            };
            assert.equal(bufferMinutes(big.buffers.prometheusMaxBytes - OWN_METRICS_BUFFER_BYTES, 100, EVENT_BYTES.metric), 600);
            assert.equal(aggregatorBufferCapacity(big).prometheusMinutes, DEFAULT_MAX_SAMPLE_AGE_SECS / 60);
            assert.equal(aggregatorBufferCapacity({ ...big, prometheus: { maxSampleAgeSecs: 4 * 3600 } }).prometheusMinutes, 240);
            assert.equal(
                aggregatorBufferCapacity({ ...big, prometheus: { maxSampleAgeSecs: 12 * 3600 } }).prometheusMinutes,
                600,
                "a smaller buffer is its own limit",
            );
            // The smallest limit the config takes still clears the renderer's short-buffer warning,
            // whose advice (a bigger buffer) could not help a figure the age caps.
            const lowest = aggregatorBufferCapacity({ ...big, prometheus: { maxSampleAgeSecs: 1800 } }).prometheusMinutes;
            assert.ok(lowest >= MIN_BUFFER_MINUTES);
            const agg = JSON.parse(stackConfig("monitoring").config["vector-fleet:aggregator"]) as Obj;
            const parse = (maxSampleAgeSecs: number) =>
                parseStackConfig({
                    values: { ...stackConfig("monitoring").config, "vector-fleet:aggregator": JSON.stringify({ ...agg, prometheus: { maxSampleAgeSecs } }) },
                    isSecret: () => false,
                    project: "vector-fleet",
                    stack: "monitoring",
                });
            assert.doesNotThrow(() => parse(1800));
            assert.throws(() => parse(1799), /maxSampleAgeSecs/);
        });

        it("capacity: bytes over each replica's share of the load, at Vector's sizing-guide event sizes", () => {
            assert.deepEqual(EVENT_BYTES, { log: 768, metric: 256 });
            assert.equal(bufferMinutes(60 * 768 * 100, 100, 768), 1);
            const load = { logEventsPerSec: 3000, metricSamplesPerSec: 30_000 };
            assert.deepEqual(
                aggregatorBufferCapacity({
                    replicas: 3,
                    buffers: { lokiMaxBytes: 1000 * 768 * 60 * 10, prometheusMaxBytes: 10_000 * 256 * 60 * 5 + OWN_METRICS_BUFFER_BYTES },
                    expectedLoad: load,
                }),
                {
                    lokiMinutes: 10,
                    prometheusMinutes: 5,
                },
            );
            // Twice the replicas, twice the time: each buffers only its own share.
            assert.deepEqual(
                aggregatorBufferCapacity({
                    replicas: 6,
                    buffers: { lokiMaxBytes: 1000 * 768 * 60 * 10, prometheusMaxBytes: 10_000 * 256 * 60 * 5 + OWN_METRICS_BUFFER_BYTES },
                    expectedLoad: load,
                }),
                {
                    lokiMinutes: 20,
                    prometheusMinutes: 10,
                },
            );
        });

        it(`the defaults carry at least ${MIN_BUFFER_MINUTES} minutes at the default load`, () => {
            const agg = JSON.parse(stackConfig("monitoring").config["vector-fleet:aggregator"]) as Obj;
            const minimal = { clusters: agg.clusters, identities: agg.identities, loadBalancer: agg.loadBalancer };
            const cfg = parseStackConfig({
                values: { ...stackConfig("monitoring").config, "vector-fleet:aggregator": JSON.stringify(minimal) },
                isSecret: () => false,
                project: "vector-fleet",
                stack: "monitoring",
            });
            assert.equal(cfg.role, "hub");
            if (cfg.role !== "hub") return;
            const c = aggregatorBufferCapacity(cfg.aggregator);
            // 2 GiB less the aggregators' own 256 MiB, over 10,000 samples/s / 3 replicas x 256 B.
            assert.deepEqual(c, { lokiMinutes: 34.9, prometheusMinutes: 36.7 });
            assert.ok(c.lokiMinutes >= MIN_BUFFER_MINUTES && c.prometheusMinutes >= MIN_BUFFER_MINUTES);
        });

        it("acknowledgements: an aggregator answers an agent only once the events are durable in its buffer", () => {
            const cfg = toml(hub, "vector-aggregator-config");
            assert.deepEqual(get(cfg, "sinks", "loki", "acknowledgements"), { enabled: true });
            for (const [id, k] of Object.entries(get(cfg, "sinks") as Record<string, Obj>).filter(([, k]) => k.type === "prometheus_remote_write"))
                assert.deepEqual(k.acknowledgements, { enabled: true }, id);
        });
    });

    describe("an agent restarts (upgrade, OOM kill, node reboot)", () => {
        it("its checkpoints and disk buffer live in a host directory of its own, which outlives the pod", () => {
            for (const r of fleet) {
                const ds = object(r, "DaemonSet", "vector-agent").inputs;
                const volumes = get(ds, "spec", "template", "spec", "volumes") as Obj[];
                assert.deepEqual(
                    volumes.find((v) => v.name === "data"),
                    { name: "data", hostPath: { path: "/var/lib/vector-fleet/vector-agent", type: "DirectoryOrCreate" } },
                    r.stack,
                );
                assert.equal(toml(r, "vector-agent-config").data_dir, "/vector-data-dir");
            }
        });

        it("it gets time to flush: the grace period exceeds Vector's 60 s graceful shutdown", () => {
            for (const r of fleet) {
                const grace = get(object(r, "DaemonSet", "vector-agent").inputs, "spec", "template", "spec", "terminationGracePeriodSeconds") as number;
                assert.ok(grace > 60, `${r.stack}: ${grace}`);
            }
            assert.ok(
                (get(object(hub, "StatefulSet", "vector-aggregator").inputs, "spec", "template", "spec", "terminationGracePeriodSeconds") as number) > 60,
            );
        });
    });

    describe("a config change rolls out", () => {
        it("aggregators roll one replica at a time behind a readiness probe, so the tier never goes down", () => {
            const sts = object(hub, "StatefulSet", "vector-aggregator").inputs;
            assert.deepEqual(get(sts, "spec", "updateStrategy"), { type: "RollingUpdate", rollingUpdate: { partition: 0 } });
            assert.ok(get(sts, "spec", "template", "spec", "containers", 0, "readinessProbe"), "no readiness probe");
        });

        it("a changed config or credential changes the pod template, so pods roll instead of running stale", () => {
            for (const r of fleet) {
                const ann = get(object(r, "DaemonSet", "vector-agent").inputs, "spec", "template", "metadata", "annotations") as Obj;
                assert.match(String(ann["vector-fleet.dev/config-sha256"]), /^[0-9a-f]{64}$/, r.stack);
                assert.ok(ann["vector-fleet.dev/credentials-sha256"], r.stack);
            }
        });

        it("agents roll at most 10% of nodes at a time", () => {
            for (const r of fleet) {
                assert.deepEqual(get(object(r, "DaemonSet", "vector-agent").inputs, "spec", "updateStrategy"), {
                    type: "RollingUpdate",
                    rollingUpdate: { maxUnavailable: "10%" },
                });
            }
        });
    });
});
