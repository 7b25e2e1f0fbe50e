/**
 * Issue 19's signals through the real program: off, a stack renders exactly the objects it did
 * before; on, the agent, its Services, the events collector and the hub's signal alerts appear.
 * Holds for any stack files: each case sets the switches it is about itself.
 */
import { strict as assert } from "node:assert";
import { RunResult } from "../../tools/render/simulator";
import { runHub, runSource, sharedHub, stackConfig } from "../support/fleet";

const OFF = { nodeLogs: { enabled: false }, events: { enabled: false }, otlp: { enabled: false } };
const ON = { nodeLogs: { enabled: true }, events: { enabled: true }, otlp: { enabled: true } };

const k8sNames = (r: RunResult) =>
    r.resources
        .filter((x) => x.type.startsWith("kubernetes:"))
        .map((x) => `${x.type.split(":").slice(1).join(":")} ${String((x.inputs.metadata as { name?: string } | undefined)?.name)}`)
        .sort();
const added = (on: RunResult, off: RunResult) => k8sNames(on).filter((n) => !k8sNames(off).includes(n));

describe("signals in the program (issue 19)", () => {
    it("a source stack with every signal on adds the two Services and the events collector's objects, nothing else", async () => {
        const hubOutputs = (await sharedHub()).outputs;
        const off = await runSource("dev", hubOutputs, { agent: { ...OFF } });
        const on = await runSource("dev", hubOutputs, { agent: { ...ON } });
        assert.deepEqual(
            added(on, off),
            [
                "core/v1:ConfigMap vector-agent-events-collector-config",
                "core/v1:Service vector-agent-events",
                "core/v1:Service vector-agent-otlp",
                "core/v1:ServiceAccount vector-agent-events-collector",
                "apps/v1:Deployment vector-agent-events-collector",
                "networking.k8s.io/v1:NetworkPolicy vector-agent-events-collector",
                "rbac.authorization.k8s.io/v1:ClusterRole vector-agent-events-collector",
                "rbac.authorization.k8s.io/v1:ClusterRoleBinding vector-agent-events-collector",
                "rbac.authorization.k8s.io/v1:Role vector-agent-events-collector",
                "rbac.authorization.k8s.io/v1:RoleBinding vector-agent-events-collector",
            ].sort(),
        );
    });

    it("a hub that takes the signals renders their alerts; one that does not, none", async () => {
        const rules = (r: RunResult) =>
            r.resources.filter((x) => x.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule").map((x) => (x.inputs.metadata as { name: string }).name);
        const base = JSON.parse(stackConfig("monitoring").config["vector-fleet:aggregator"]) as Record<string, unknown>;
        const without = await runHub({ aggregator: { ...base, signalLogs: false, tempo: undefined } });
        const withSignals = await runHub({ aggregator: { ...base, signalLogs: true, tempo: { endpoint: "http://tempo.monitoring.svc.cluster.local:4318" } } });
        assert.ok(!rules(without).includes("vector-fleet-signals"));
        assert.ok(rules(withSignals).includes("vector-fleet-signals"));
    });
});
