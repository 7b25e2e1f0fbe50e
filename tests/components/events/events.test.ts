import { strict as assert } from "node:assert";
import * as k8s from "@pulumi/kubernetes";
import {
    eventsClusterRole,
    eventsCollectorConfig,
    eventsCollectorYaml,
    eventsDeployment,
    eventsLeaseRole,
    eventsLeaseRoleBinding,
    eventsNames,
    eventsNetworkPolicy,
    EventsCollectorSettings,
} from "../../../components/events";

import { parse } from "yaml";

import T = k8s.types.input;

const S: EventsCollectorSettings = {
    agent: "vector-agent",
    namespace: "vector-system",
    image: "otel/opentelemetry-collector-k8s:0.161.0@sha256:2fed8ff024bdb42473890724fa0833bd31e16197aa4790d8e0be3829f87f0de1",
    grpcPort: 4319,
};

describe("Kubernetes events collector (issue 19)", () => {
    it("writes the ConfigMap's YAML of its own settings' config, also when another config was written before", () => {
        const other = { ...S, grpcPort: 4320 };
        for (const s of [S, other, S, other]) assert.deepEqual(parse(eventsCollectorYaml(s)), eventsCollectorConfig(s));
        assert.notEqual(eventsCollectorYaml(S), eventsCollectorYaml(other));
    });

    it("is granted get/list/watch on events and nothing else", () => {
        const rules = eventsClusterRole(S).rules as T.rbac.v1.PolicyRule[];
        for (const r of rules) {
            assert.deepEqual(r.resources, ["events"]);
            assert.deepEqual(r.verbs, ["get", "list", "watch"]);
        }
        assert.deepEqual(
            rules.map((r) => r.apiGroups),
            [[""], ["events.k8s.io"]],
        );
    });

    it("watches once per cluster: of two replicas only the Lease holder's receiver runs", () => {
        const spec = eventsDeployment(S, "sum").spec as T.apps.v1.DeploymentSpec;
        assert.ok((spec.replicas as number) >= 2, "a standby takes over within the lease duration");
        // A rollout never leaves no pod to hold the Lease.
        assert.deepEqual(spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
        // open-telemetry/opentelemetry-collector-contrib extension/k8sleaderelector README: a receiver
        // that names the extension in `k8s_leader_elector` starts only while its pod holds the Lease,
        // and the extension must be enabled in service.extensions.
        const c = eventsCollectorConfig(S) as {
            extensions: { k8s_leader_elector: { lease_name: string; lease_namespace: string; auth_type: string } };
            receivers: { k8s_objects: { k8s_leader_elector: string } };
            service: { extensions: string[] };
        };
        assert.equal(c.receivers.k8s_objects.k8s_leader_elector, "k8s_leader_elector");
        assert.ok(c.service.extensions.includes("k8s_leader_elector"));
        assert.deepEqual(c.extensions.k8s_leader_elector.lease_namespace, "vector-system");
        assert.equal(c.extensions.k8s_leader_elector.auth_type, "serviceAccount");
    });

    it("may write only its own Lease, in its own namespace: what client-go's LeaseLock calls (Get, Create, Update)", () => {
        const role = eventsLeaseRole(S);
        const lease = eventsCollectorConfig(S) as { extensions: { k8s_leader_elector: { lease_name: string } } };
        assert.equal(role.kind, "Role", "namespaced: no lease elsewhere");
        assert.equal(role.metadata?.namespace, "vector-system");
        const rules = role.rules as T.rbac.v1.PolicyRule[];
        for (const r of rules) assert.deepEqual([r.apiGroups, r.resources], [["coordination.k8s.io"], ["leases"]]);
        // kubernetes/client-go tools/leaderelection/resourcelock/leaselock.go: Get, Create, Update.
        // RBAC cannot limit create by name (kubernetes/kubernetes plugin/pkg/auth/authorizer/rbac), so only get/update are.
        assert.deepEqual(
            rules.map((r) => [r.verbs, r.resourceNames]),
            [
                [["create"], undefined],
                [["get", "update"], [lease.extensions.k8s_leader_elector.lease_name]],
            ],
        );
        const binding = eventsLeaseRoleBinding(S);
        assert.deepEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata?.name });
    });

    it("watches from the current version (no resource_version: no backlog after a restart) and sends to its node's agent", () => {
        const c = eventsCollectorConfig(S) as {
            receivers: { k8s_objects: { objects: Record<string, unknown>[] } };
            exporters: { otlp_grpc: { endpoint: string } };
            service: { pipelines: { logs: { receivers: string[]; exporters: string[] } } };
        };
        // open-telemetry/opentelemetry-collector-contrib receiver/k8sobjectsreceiver README: without
        // resource_version, watch mode lists once for the current version and watches from there.
        assert.deepEqual(c.receivers.k8s_objects.objects, [{ name: "events", mode: "watch" }]);
        assert.equal(c.exporters.otlp_grpc.endpoint, `${eventsNames("vector-agent").agentService}.vector-system.svc.cluster.local:4319`);
        assert.deepEqual(c.service.pipelines.logs.receivers, ["k8s_objects"]);
    });

    it("runs as a non-root, read-only, capability-free container", () => {
        const pod = (eventsDeployment(S, "sum").spec as T.apps.v1.DeploymentSpec).template as T.core.v1.PodTemplateSpec;
        const c = (pod.spec as T.core.v1.PodSpec).containers as T.core.v1.Container[];
        assert.deepEqual(
            c.map((x) => x.securityContext),
            [{ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ["ALL"] } }],
        );
    });

    it("may reach DNS, the API server and the agents' events port, and nothing may reach it", () => {
        const p = eventsNetworkPolicy(S, { cidrs: ["10.0.0.0/24"], ports: [6443] });
        const spec = p.spec as T.networking.v1.NetworkPolicySpec;
        assert.deepEqual(spec.ingress, []);
        const egress = spec.egress as T.networking.v1.NetworkPolicyEgressRule[];
        assert.deepEqual(egress.slice(1), [
            { to: [{ ipBlock: { cidr: "10.0.0.0/24" } }], ports: [{ protocol: "TCP", port: 6443 }] },
            { ports: [{ protocol: "TCP", port: 4319 }] },
        ]);
    });
});
