import { strict as assert } from "node:assert";
import { legacyToPark, parkPatch, PARKED_SELECTOR } from "../components/migration";
import { NODE_EXPORTER_MISSING, NODE_EXPORTER_SERIES, nodeExporterNamesVrl } from "../components/agent/node-exporter";
import { runHub, runSource, sharedHub, sharedSource } from "./support/fleet";
import { RunResult } from "../lib/offline/simulator";

const OLD = { promtail: { namespace: "logging", name: "promtail" }, nodeExporter: { namespace: "monitoring", name: "node-exporter" } };
const PATCH = "kubernetes:apps/v1:DaemonSetPatch";

describe("migration from Promtail and node-exporter", () => {
    it("parks nothing in phases none and parallel", () => {
        assert.deepEqual(legacyToPark({ phase: "none", promtail: undefined, nodeExporter: undefined }), []);
        assert.deepEqual(legacyToPark({ phase: "parallel", ...OLD }), []);
    });

    it("parks every listed DaemonSet in cutover and done", () => {
        for (const phase of ["cutover", "done"] as const) {
            assert.deepEqual(legacyToPark({ phase, ...OLD }), [
                { role: "promtail", namespace: "logging", name: "promtail" },
                { role: "node-exporter", namespace: "monitoring", name: "node-exporter" },
            ]);
        }
        assert.deepEqual(legacyToPark({ phase: "cutover", promtail: OLD.promtail, nodeExporter: undefined }).map((d) => d.role), ["promtail"]);
    });

    it("patches only a node selector no node matches, forcing ownership of that key alone", () => {
        assert.deepEqual(parkPatch({ role: "promtail", namespace: "logging", name: "promtail" }), {
            apiVersion: "apps/v1",
            kind: "DaemonSet",
            metadata: {
                name: "promtail",
                namespace: "logging",
                annotations: { "pulumi.com/patchForce": "true", "vector-fleet.dev/parked-by": "vector-fleet migration (cutover)" },
            },
            spec: { template: { spec: { nodeSelector: { ...PARKED_SELECTOR } } } },
        });
    });

    describe("per stack under mocks", () => {
        let hub: RunResult;
        before(async () => {
            hub = await sharedHub();
        });
        const patches = (r: RunResult) => r.resources.filter((x) => x.type === PATCH).map((x) => `${x.name} ${(x.inputs.metadata as { namespace: string; name: string }).namespace}/${(x.inputs.metadata as { name: string }).name}`).sort();

        it("renders dev (cutover) with both patches under the migration component", async () => {
            const r = await sharedSource("dev");
            assert.deepEqual(patches(r), ["legacy-agents-node-exporter monitoring/prometheus-node-exporter", "legacy-agents-promtail monitoring/promtail"]);
            assert.deepEqual(r.outputs.values.parkedLegacyAgents, ["monitoring/promtail", "monitoring/prometheus-node-exporter"]);
            assert.equal(r.outputs.values.migrationPhase, "cutover");
        });

        it("renders staging (parallel) without patches: going back to parallel deletes them and restores the old agents", async () => {
            const r = await sharedSource("staging");
            assert.deepEqual(patches(r), []);
            const back = await runSource("dev", hub.outputs, { migration: { phase: "parallel", ...OLD } });
            assert.deepEqual(patches(back), []);
        });

        it("keeps the patches in done", async () => {
            const r = await runSource("dev", hub.outputs, { migration: { phase: "done", ...OLD } });
            assert.deepEqual(patches(r), ["legacy-agents-node-exporter monitoring/node-exporter", "legacy-agents-promtail logging/promtail"]);
        });

        it("lets the hub migrate too", async () => {
            const r = await runHub({ migration: { phase: "cutover", nodeExporter: OLD.nodeExporter } });
            assert.deepEqual(patches(r), ["legacy-agents-node-exporter monitoring/node-exporter"]);
        });
    });

    describe("node-exporter compatible names", () => {
        it("maps the series dashboards use most", () => {
            const names = NODE_EXPORTER_SERIES.map((m) => `node_${m.nodeExporter}`);
            for (const n of ["node_cpu_seconds_total", "node_memory_MemAvailable_bytes", "node_network_receive_bytes_total", "node_disk_read_bytes_total", "node_load1"]) {
                assert.ok(names.includes(n), `${n} is not covered`);
            }
        });

        // vectordotdev/vector src/sources/host_metrics/filesystem.rs measures the mounts of Vector's own
        // mount namespace (vector issue #18231): no node_filesystem_* series is produced, and the
        // coverage table says so instead of promising them.
        it("promises no node_filesystem_* series and lists them as missing", () => {
            assert.ok(!NODE_EXPORTER_SERIES.some((m) => m.vector.startsWith("filesystem_") || m.nodeExporter.startsWith("filesystem_")));
            const missing = NODE_EXPORTER_MISSING.map((m) => m.series).join(", ");
            for (const n of ["node_filesystem_avail_bytes", "node_filesystem_free_bytes", "node_filesystem_size_bytes"]) assert.ok(missing.includes(n), n);
            assert.doesNotMatch(nodeExporterNamesVrl(), /filesystem/);
        });

        it("renames in VRL with node-exporter's tags: iowait, instance", () => {
            const v = nodeExporterNamesVrl();
            assert.match(v, /^if \.name == "cpu_seconds_total" \{\n {2}\.namespace = "node"\n {2}\.name = "cpu_seconds_total"\n\} else if/);
            assert.match(v, /\.name == "memory_available_bytes" \{\n {2}\.namespace = "node"\n {2}\.name = "memory_MemAvailable_bytes"/);
            assert.match(v, /if \.tags\.mode == "io_wait" \{ \.tags\.mode = "iowait" \}/);
            assert.match(v, /\.tags\.instance = get_env_var\("VECTOR_SELF_NODE_NAME"\) \?\? \.tags\.host/);
        });
    });
});

describe("self-monitoring objects per stack", () => {
    const kinds = (r: RunResult) =>
        r.resources.filter((x) => x.type.startsWith("kubernetes:monitoring.coreos.com/") || x.name.endsWith("-dashboard")).map((x) => `${String(x.inputs.kind)} ${String((x.inputs.metadata as { namespace: string }).namespace)}/${String((x.inputs.metadata as { name: string }).name)}`).sort();

    it("puts PodMonitors, the alert rules and the dashboard on the hub", async () => {
        const hub = await sharedHub();
        assert.deepEqual(kinds(hub), [
            "ConfigMap monitoring/vector-fleet-dashboard",
            "PodMonitor vector-aggregator/vector-aggregator",
            "PodMonitor vector-system/vector-agent",
            "PrometheusRule monitoring/vector-fleet",
        ]);
    });

    it("puts only the agent PodMonitor on a source stack, and nothing where monitoring is disabled", async () => {
        assert.deepEqual(kinds(await sharedSource("staging")), ["PodMonitor vector-system/vector-agent"]);
        assert.deepEqual(kinds(await sharedSource("management")), []);
    });
});
