import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { LegacyDaemonSet, legacyToPark, parkingProblem, parkPatch, PARK_FIELD_MANAGER } from "../../../components/migration";
import { ConfigError } from "../../../config";
import { NODE_EXPORTER_MISSING, NODE_EXPORTER_SERIES, nodeExporterNamesVrl } from "../../../components/agent/node-exporter";
import { program, runHub, runSource, sharedHub, sharedSource, stackConfig } from "../../support/fleet";
import { RunResult, runStack, SimulatedCluster, StackOutputs } from "../../../tools/render/simulator";

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
        assert.deepEqual(
            legacyToPark({ phase: "cutover", promtail: OLD.promtail, nodeExporter: undefined }).map((d) => d.role),
            ["promtail"],
        );
    });

    // kubernetes/api core/v1/types.go: PodSpec.nodeSelector is `+mapType=atomic` (a patch would own,
    // and on rollback delete, the owner's whole map); Affinity and NodeAffinity carry no atomic
    // marker, so their fields are owned one by one; NodeSelector (the required term list) is
    // `+structType=atomic`, owned whole.
    it("patches only the required node affinity (not the atomic nodeSelector), under its own field manager, unforced", () => {
        const p = parkPatch({ role: "promtail", namespace: "logging", name: "promtail" });
        assert.deepEqual(p, {
            apiVersion: "apps/v1",
            kind: "DaemonSet",
            metadata: {
                name: "promtail",
                namespace: "logging",
                annotations: { "pulumi.com/patchFieldManager": PARK_FIELD_MANAGER, "vector-fleet.dev/parked-by": "vector-fleet migration (cutover)" },
            },
            spec: {
                template: {
                    spec: {
                        affinity: {
                            nodeAffinity: {
                                requiredDuringSchedulingIgnoredDuringExecution: {
                                    nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "DoesNotExist" }] }],
                                },
                            },
                        },
                    },
                },
            },
        });
        const podSpec = (p.spec as { template: { spec: Record<string, unknown> } }).template.spec;
        assert.deepEqual(Object.keys(podSpec), ["affinity"], "nodeSelector (atomic) and tolerations (atomic list) are left to their owner");
        assert.equal((p.metadata.annotations as Record<string, string>)["pulumi.com/patchForce"], undefined, "never steals a field the owner has");
    });

    it("the parking term matches no node: every kubelet sets kubernetes.io/hostname", () => {
        // A node matches a term when every requirement holds; DoesNotExist fails on a Node carrying the key.
        const node = { "kubernetes.io/hostname": "worker-1", "kubernetes.io/os": "linux" };
        const term = (
            parkPatch({ role: "promtail", namespace: "a", name: "b" }).spec as {
                template: {
                    spec: {
                        affinity: {
                            nodeAffinity: {
                                requiredDuringSchedulingIgnoredDuringExecution: {
                                    nodeSelectorTerms: { matchExpressions: { key: string; operator: string }[] }[];
                                };
                            };
                        };
                    };
                };
            }
        ).template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0];
        assert.equal(
            term.matchExpressions.every((e) => e.operator === "DoesNotExist" && !(e.key in node)),
            false,
        );
    });

    describe("the owner's settings", () => {
        const d: LegacyDaemonSet = { role: "promtail", namespace: "logging", name: "promtail" };
        it("parks a DaemonSet whose owner sets nodeSelector, tolerations and preferred affinity: none of them is touched", () => {
            assert.equal(parkingProblem(d, { affinity: { nodeAffinity: {} } }), undefined);
            assert.equal(parkingProblem(d, undefined), undefined);
        });
        it("accepts its own term from an earlier up", () => {
            const ours = (
                parkPatch(d).spec as {
                    template: { spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: unknown[] } } } } };
                }
            ).template.spec.affinity;
            assert.equal(parkingProblem(d, { affinity: ours }), undefined);
        });
        it("refuses a DaemonSet with its own required node affinity (one atomic value: rollback would delete it)", () => {
            const problem = parkingProblem(d, {
                affinity: {
                    nodeAffinity: {
                        requiredDuringSchedulingIgnoredDuringExecution: {
                            nodeSelectorTerms: [{ matchExpressions: [{ key: "eks.amazonaws.com/compute-type", operator: "NotIn", values: ["fargate"] }] }],
                        },
                    },
                },
            });
            assert.equal(
                problem,
                "cannot park DaemonSet logging/promtail: it has its own required node affinity (spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution), " +
                    "which server-side apply owns as one atomic value, so parking would replace it and rolling back would delete it; " +
                    "stop it through its owner instead (e.g. Helm values) and remove it from vector-fleet:migration (docs/migration.md)",
            );
        });
    });

    describe("the migration target", () => {
        it("refuses a target in the Vector agent's own namespace (it would park the agent on every node)", () => {
            const f = stackConfig("dev", { migration: { phase: "cutover", promtail: { namespace: "vector-system", name: "vector-agent" } } });
            return assert.rejects(runStack(program, { project: "vector-fleet", stack: "dev", ...f }), (e: unknown) => {
                assert.ok(e instanceof ConfigError);
                assert.deepEqual(
                    e.problems.map((p) => `${p.path}: got ${p.value}; expected ${p.expected}`),
                    [
                        "vector-fleet:migration.promtail.namespace: got \"vector-system\"; expected the namespace of the old Promtail DaemonSet, not the Vector agent's own (vector-system): parking a DaemonSet there would stop Vector's agent on every node",
                    ],
                );
                return true;
            });
        });

        const run = async (cluster: SimulatedCluster, hubOutputs: StackOutputs) =>
            runStack(program, { project: "vector-fleet", stack: "dev", ...stackConfig("dev"), stackOutputs: { monitoring: hubOutputs }, cluster });

        it("reads each DaemonSet to park, so a preview (not only up) fails when one is missing", async () => {
            const hub = await sharedHub();
            const present = { "monitoring/promtail": {}, "monitoring/prometheus-node-exporter": {} };
            const ok = await run({ daemonSets: present }, hub.outputs);
            assert.deepEqual(
                (ok.reads ?? [])
                    .filter((r) => r.type === "kubernetes:apps/v1:DaemonSet")
                    .map((r) => r.id)
                    .sort(),
                ["monitoring/prometheus-node-exporter", "monitoring/promtail"],
            );
            await assert.rejects(run({ daemonSets: { "monitoring/promtail": {} } }, hub.outputs), (e: Error) => {
                assert.equal(
                    e.message,
                    "kubernetes:apps/v1:DaemonSet (legacy-agents-node-exporter-target (the node-exporter DaemonSet monitoring/prometheus-node-exporter to park; fix vector-fleet migration.nodeExporter if it is elsewhere)): " +
                        "error: resource 'monitoring/prometheus-node-exporter' does not exist",
                );
                return true;
            });
        });

        it("reads nothing in done: the old objects may already be deleted by hand", async () => {
            const hub = await sharedHub();
            const r = await runStack(program, {
                project: "vector-fleet",
                stack: "dev",
                ...stackConfig("dev", { migration: { phase: "done", ...OLD } }),
                stackOutputs: { monitoring: hub.outputs },
                cluster: { daemonSets: {} },
            });
            assert.deepEqual(
                (r.reads ?? []).filter((x) => x.type === "kubernetes:apps/v1:DaemonSet"),
                [],
            );
            assert.equal(r.resources.filter((x) => x.type === PATCH).length, 2);
        });

        it("fails with the owner's-affinity line when the live DaemonSet has its own required node affinity", async () => {
            const hub = await sharedHub();
            const owned = {
                affinity: {
                    nodeAffinity: {
                        requiredDuringSchedulingIgnoredDuringExecution: {
                            nodeSelectorTerms: [{ matchExpressions: [{ key: "node-role", operator: "In", values: ["worker"] }] }],
                        },
                    },
                },
            };
            await assert.rejects(run({ daemonSets: { "monitoring/promtail": owned, "monitoring/prometheus-node-exporter": {} } }, hub.outputs), (e: Error) => {
                // The SDK prefixes the property it was serializing and rethrows the same error
                // (sdk/nodejs/runtime/rpc.ts); a ResourceError with hideStack is printed without a
                // stack trace, against the read (sdk/nodejs/cmd/run/run.ts).
                assert.match(
                    e.message,
                    /^error serializing property "spec": cannot park DaemonSet monitoring\/promtail: it has its own required node affinity/,
                );
                assert.ok(pulumi.ResourceError.isInstance(e) && e.hideStack);
                return true;
            });
        });
    });

    describe("per stack under mocks", () => {
        let hub: RunResult;
        before(async () => {
            hub = await sharedHub();
        });
        const patches = (r: RunResult) =>
            r.resources
                .filter((x) => x.type === PATCH)
                .map((x) => `${x.name} ${(x.inputs.metadata as { namespace: string; name: string }).namespace}/${(x.inputs.metadata as { name: string }).name}`)
                .sort();

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
            for (const n of [
                "node_cpu_seconds_total",
                "node_memory_MemAvailable_bytes",
                "node_network_receive_bytes_total",
                "node_disk_read_bytes_total",
                "node_load1",
            ]) {
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
        r.resources
            .filter((x) => x.type.startsWith("kubernetes:monitoring.coreos.com/") || x.name.endsWith("-dashboard"))
            .map(
                (x) =>
                    `${String(x.inputs.kind)} ${String((x.inputs.metadata as { namespace: string }).namespace)}/${String((x.inputs.metadata as { name: string }).name)}`,
            )
            .sort();

    it("puts PodMonitors, the alert rules and the dashboard on the hub", async () => {
        const hub = await sharedHub();
        // The signal alerts (issue 19) come with aggregator.signalLogs/tempo: tests/program/signals.test.ts.
        const signals = ["PrometheusRule monitoring/vector-fleet-signals", "ConfigMap monitoring/vector-fleet-signals-dashboard"];
        assert.deepEqual(
            kinds(hub).filter((k) => !signals.includes(k)),
            [
                "ConfigMap monitoring/vector-fleet-dashboard",
                "PodMonitor vector-aggregator/vector-aggregator",
                "PodMonitor vector-system/vector-agent",
                "PrometheusRule monitoring/vector-fleet",
                "PrometheusRule monitoring/vector-fleet-certificates",
            ],
        );
    });

    it("puts only the agent PodMonitor on a source stack, and nothing where monitoring is disabled", async () => {
        assert.deepEqual(kinds(await sharedSource("staging")), ["PodMonitor vector-system/vector-agent"]);
        assert.deepEqual(kinds(await sharedSource("management")), []);
    });
});
