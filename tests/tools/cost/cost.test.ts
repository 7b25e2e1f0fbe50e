import { strict as assert } from "node:assert";
import {
    clusterTotal,
    costReport,
    formatCpu,
    formatMemory,
    LEGACY_CHART_DEFAULTS,
    parseCpu,
    parseMemory,
    parseQuantity,
    podResources,
    stackCost,
    workloads,
} from "../../../tools/cost/cost";
import type { RegisteredResource } from "../../../tools/render/simulator";
import { sharedHub } from "../../support/fleet";

const MI = 2 ** 20;
const GI = 2 ** 30;

function k8s(type: string, inputs: Record<string, unknown>): RegisteredResource {
    return { type, name: String((inputs.metadata as { name?: string } | undefined)?.name ?? "x"), custom: true, inputs, secretPaths: [], urn: "" };
}

function pod(containers: unknown[], extra: Record<string, unknown> = {}) {
    return { template: { spec: { containers, ...extra } } };
}

const agent = k8s("kubernetes:apps/v1:DaemonSet", {
    kind: "DaemonSet",
    metadata: { name: "agent", namespace: "vector-system" },
    spec: pod([{ resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } } }]),
});
const aggregators = k8s("kubernetes:apps/v1:StatefulSet", {
    kind: "StatefulSet",
    metadata: { name: "agg", namespace: "vector-aggregator" },
    spec: {
        replicas: 3,
        ...pod([{ resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "4", memory: "8Gi" } } }], {
            affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname" }] } },
        }),
        volumeClaimTemplates: [{ spec: { resources: { requests: { storage: "20Gi" } } } }],
    },
});

describe("cost: Kubernetes quantities", () => {
    it("reads CPU in millicores and memory in bytes, binary and decimal suffixes alike", () => {
        assert.equal(parseCpu("100m"), 100);
        assert.equal(parseCpu("1"), 1000);
        assert.equal(parseCpu("0.5"), 500);
        assert.equal(parseCpu(2), 2000);
        assert.equal(parseMemory("128Mi"), 128 * MI);
        assert.equal(parseMemory("2Gi"), 2 * GI);
        assert.equal(parseMemory("1G"), 1e9);
        assert.equal(parseMemory("500M"), 5e8);
        assert.equal(parseMemory("1e3"), 1000);
        assert.equal(parseQuantity("1.5Ki"), 1536);
        assert.throws(() => parseQuantity("lots"), /not a Kubernetes quantity/);
    });

    it("prints small CPU in millicores and memory in MiB, larger in cores and GiB", () => {
        assert.deepEqual([formatCpu(50), formatCpu(1000), formatCpu(1100)], ["50m", "1", "1.1"]);
        assert.deepEqual([formatMemory(96 * MI), formatMemory(2 * GI), formatMemory(2176 * MI)], ["96 MiB", "2 GiB", "2.13 GiB"]);
    });
});

describe("cost: a pod's effective requests and limits", () => {
    it("adds up its containers", () => {
        const p = podResources({
            containers: [
                { resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } } },
                { resources: { requests: { cpu: "50m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } } },
            ],
        });
        assert.deepEqual(p, { requests: { cpu: 150, bytes: 96 * MI }, limits: { cpu: 300, bytes: 192 * MI }, unlimited: [] });
    });

    it("takes the largest init container when it asks for more than the containers together", () => {
        const p = podResources({
            containers: [{ resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "100m", memory: "64Mi" } } }],
            initContainers: [{ resources: { requests: { cpu: "500m", memory: "16Mi" }, limits: { cpu: "500m", memory: "16Mi" } } }],
        });
        assert.deepEqual(p.requests, { cpu: 500, bytes: 64 * MI });
    });

    it("counts sidecar init containers with the containers", () => {
        const p = podResources({
            containers: [{ resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "100m", memory: "64Mi" } } }],
            initContainers: [{ restartPolicy: "Always", resources: { requests: { cpu: "10m", memory: "8Mi" }, limits: { cpu: "10m", memory: "8Mi" } } }],
        });
        assert.deepEqual(p.requests, { cpu: 110, bytes: 72 * MI });
    });

    it("defaults a missing request to the limit and reports a missing limit", () => {
        const p = podResources({ containers: [{ resources: { limits: { cpu: "250m" } } }] });
        assert.deepEqual(p.requests, { cpu: 250, bytes: 0 });
        assert.deepEqual(p.unlimited, ["memory"]);
        assert.deepEqual(podResources({ containers: [{}] }).unlimited, ["cpu", "memory"]);
    });
});

describe("cost: workloads and sums", () => {
    it("counts a DaemonSet once per node and a StatefulSet's replicas once per cluster, with their volumes", () => {
        const c = stackCost("hub", [agent, aggregators]);
        assert.deepEqual(c.perNode, { requests: { cpu: 100, bytes: 128 * MI }, limits: { cpu: 1000, bytes: 512 * MI } });
        assert.deepEqual(c.perCluster, { requests: { cpu: 3000, bytes: 6 * GI }, limits: { cpu: 12000, bytes: 24 * GI }, storageBytes: 60 * GI });
        assert.deepEqual(c.busiestNode.requests, { cpu: 1100, bytes: 128 * MI + 2 * GI }, "anti-affinity: one aggregator per node");
        assert.deepEqual(clusterTotal(c, 10).requests, { cpu: 4000, bytes: 1280 * MI + 6 * GI });
    });

    it("puts every replica of a workload without anti-affinity on the busiest node", () => {
        const packed = k8s("kubernetes:apps/v1:Deployment", {
            kind: "Deployment",
            metadata: { name: "d", namespace: "n" },
            spec: { replicas: 2, ...pod([{ resources: { requests: { cpu: "1" }, limits: { cpu: "1" } } }]) },
        });
        assert.equal(stackCost("s", [packed]).busiestNode.requests.cpu, 2000);
    });

    it("ignores server-side apply patches of objects the program does not own, and non-workloads", () => {
        const patch = k8s("kubernetes:apps/v1:DaemonSetPatch", {
            kind: "DaemonSet",
            metadata: { name: "promtail", namespace: "monitoring" },
            spec: pod([{ resources: { requests: { cpu: "1" } } }]),
        });
        const cm = k8s("kubernetes:core/v1:ConfigMap", { kind: "ConfigMap", metadata: { name: "c" } });
        assert.deepEqual(
            workloads([patch, cm, agent]).map((w) => w.name),
            ["agent"],
        );
    });

    it("counts the hub's real aggregators and agent from the program's render", async () => {
        const c = stackCost("monitoring", (await sharedHub()).resources);
        const sts = c.workloads.find((w) => w.kind === "StatefulSet");
        assert.ok(sts && sts.onePerNode && sts.replicas === 3, "three aggregators, one per node");
        assert.equal(c.perCluster.requests.cpu, sts.replicas * sts.pod.requests.cpu);
        assert.ok(c.workloads.some((w) => w.kind === "DaemonSet" && w.placement === "every node"));
        assert.deepEqual(c.unlimited, [], "every container the program deploys has limits");
    });
});

describe("cost: report", () => {
    const text = costReport([stackCost("hub", [agent, aggregators])], [3]);

    it("shows per-node and per-cluster sums and the cluster total for a node count", () => {
        assert.ok(text.includes("| hub | 100m CPU, 128 MiB | 1 CPU, 512 MiB | 3 CPU, 6 GiB (limits 12 CPU, 24 GiB) | 60 GiB | 1.1 CPU, 2.13 GiB |"), text);
        assert.ok(text.includes("| hub | 3.3 CPU, 6.38 GiB |"), "3 nodes: 3 agents and 3 aggregators");
    });

    it("cites the legacy charts' empty defaults and keeps the seed's figures as a claim", () => {
        for (const d of LEGACY_CHART_DEFAULTS) {
            assert.equal(d.defaultResources, "{}");
            assert.ok(text.includes(d.source), d.source);
        }
        assert.ok(text.includes("200m CPU, 158 MiB"), "the commented-out examples, summed");
        assert.match(text, /seed claim.*a claim, not a measurement/);
        assert.match(text, /requests above are a scheduling reservation/);
    });
});
