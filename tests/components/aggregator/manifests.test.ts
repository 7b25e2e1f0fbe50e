import { strict as assert } from "node:assert";
import {
    aggregatorConfigMap,
    aggregatorDnsNames,
    aggregatorHeadlessService,
    aggregatorLoadBalancerService,
    aggregatorNames,
    aggregatorNamespace,
    AggregatorObjectSettings,
    aggregatorPodDisruptionBudget,
    aggregatorService,
    aggregatorServiceAccount,
    aggregatorStatefulSet,
    aggregatorTlsSecret,
    LoadBalancerSettings,
} from "../../../components/aggregator/manifests";
import { quorum } from "../../../components/contract/fleet";
import {
    AGGREGATOR_PATHS,
    AGGREGATOR_PORTS,
    agentPortNames,
    AggregatorPipelineSettings,
    buildAggregatorPipeline,
} from "../../../components/aggregator/pipeline";
import { selectorLabels, sha256 } from "../../../components/k8s/common";
import { toToml } from "../../../components/vector/toml";
import { memoryBytes } from "../../../config/quantity";
import { arr, at, json, Json, obj, str } from "../../support/json";
import { snapshots } from "../../support/snapshot";

const matchSnapshot = snapshots(__filename);

// ---- fixtures ---------------------------------------------------------------------------------

const SETTINGS: AggregatorObjectSettings = {
    name: "vector-aggregator",
    namespace: "vector-aggregator",
    image: "timberio/vector:0.59.0-distroless-libc",
    replicas: 3,
    resources: { requests: { cpu: "1", memory: "8Gi" }, limits: { cpu: "4", memory: "8Gi" } },
    storage: { size: "10Gi", storageClassName: "hcloud-volumes" },
    agentSlots: [0, 1],
};
const LB: LoadBalancerSettings = { name: "vector-aggregator", type: "lb11", location: "fsn1", privateIp: "10.0.64.250" };
const CHECKSUMS = { config: "c0ffee", credentials: "d00d" };
const TLS = {
    caCertPem: "-----BEGIN CERTIFICATE-----\nca\n",
    certPem: "-----BEGIN CERTIFICATE-----\ncrt\n",
    keyPem: "-----BEGIN PRIVATE KEY-----\nk\n",
    clientCaPems: { dev: "-----BEGIN CERTIFICATE-----\ndev-ca\n" },
};

const PIPELINE: AggregatorPipelineSettings = {
    cluster: { name: "monitoring", environment: "production", region: "fsn1" },
    loki: { endpoint: "http://loki-gateway.monitoring.svc.cluster.local", labels: { cluster: "cluster" } },
    prometheusRemoteWriteUrl: "http://prometheus-operated.monitoring.svc.cluster.local:9090/api/v1/write",
    sampling: { "kube-system": 10 },
    dedupeCacheEvents: 10_000,
    buffers: { lokiMaxBytes: 1073741824, prometheusMaxBytes: 2147483648 },
    agents: [
        { name: "dev", slot: 1 },
        { name: "monitoring", slot: 0 },
    ],
};

const LABELS = {
    "app.kubernetes.io/name": "vector",
    "app.kubernetes.io/component": "aggregator",
    "app.kubernetes.io/instance": "vector-aggregator",
    "app.kubernetes.io/part-of": "vector-fleet",
    "app.kubernetes.io/managed-by": "pulumi",
};
const SELECTOR = { "app.kubernetes.io/name": "vector", "app.kubernetes.io/component": "aggregator", "app.kubernetes.io/instance": "vector-aggregator" };
const SERVICE_PORTS = [
    { name: "vector", port: 6000, targetPort: "vector", protocol: "TCP" },
    { name: "remote-write", port: 9201, targetPort: "remote-write", protocol: "TCP" },
    { name: "vector-1", port: 6001, targetPort: "vector-1", protocol: "TCP" },
    { name: "remote-write-1", port: 9202, targetPort: "remote-write-1", protocol: "TCP" },
];
/** The load balancer carries only the source clusters' ports (slot > 0). */
const LB_PORTS = SERVICE_PORTS.slice(2);

/** Every object of one aggregator instance, as components/aggregator/index.ts creates them. */
function allObjects(s: AggregatorObjectSettings) {
    return [
        aggregatorNamespace(s),
        aggregatorServiceAccount(s),
        aggregatorConfigMap(s, "toml"),
        aggregatorTlsSecret(s, TLS),
        aggregatorHeadlessService(s),
        aggregatorService(s),
        aggregatorPodDisruptionBudget(s),
        aggregatorStatefulSet(s, CHECKSUMS),
        aggregatorLoadBalancerService(s, LB),
    ];
}

const sts = (s = SETTINGS) => json(aggregatorStatefulSet(s, CHECKSUMS));
const podSpec = (s = SETTINGS) => obj(at(sts(s), "spec", "template", "spec"));
const container = (s = SETTINGS) => obj(at(podSpec(s), "containers", 0));
interface Mount {
    name: string;
    mountPath: string;
    readOnly: boolean;
}
const mounts = (s = SETTINGS): Mount[] =>
    arr(container(s).volumeMounts).map((m) => {
        const o = obj(m);
        return { name: str(o.name), mountPath: str(o.mountPath), readOnly: o.readOnly === true };
    });
const within = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);

// ---- helpers ----------------------------------------------------------------------------------

describe("aggregator names and DNS", () => {
    it("derives every object name from the instance name", () => {
        assert.deepEqual(aggregatorNames("vector-aggregator"), {
            serviceAccount: "vector-aggregator",
            config: "vector-aggregator-config",
            tls: "vector-aggregator-tls",
            statefulSet: "vector-aggregator",
            headless: "vector-aggregator-headless",
            service: "vector-aggregator",
            loadBalancer: "vector-aggregator-lb",
            pdb: "vector-aggregator",
        });
    });

    it("lists the in-cluster DNS names of the Service, the headless Service and each replica", () => {
        assert.deepEqual(aggregatorDnsNames("vector-aggregator", "observability"), [
            "vector-aggregator",
            "vector-aggregator.observability",
            "vector-aggregator.observability.svc",
            "vector-aggregator.observability.svc.cluster.local",
            "vector-aggregator-headless",
            "vector-aggregator-headless.observability",
            "vector-aggregator-headless.observability.svc",
            "vector-aggregator-headless.observability.svc.cluster.local",
            "*.vector-aggregator-headless.observability.svc.cluster.local",
        ]);
    });

    it("covers the name the hub's own agent dials (<service>.<namespace>.svc.cluster.local)", () => {
        const names = aggregatorDnsNames(SETTINGS.name, SETTINGS.namespace);
        assert.ok(names.includes(`${aggregatorNames(SETTINGS.name).service}.${SETTINGS.namespace}.svc.cluster.local`));
        // A replica's own name (<pod>.<headless>...) is matched by the single-label wildcard.
        assert.ok(names.includes(`*.${aggregatorNames(SETTINGS.name).headless}.${SETTINGS.namespace}.svc.cluster.local`));
    });

    it("computes the quorum (majority) for 1, 2, 3 and 5 replicas", () => {
        assert.deepEqual([1, 2, 3, 5].map(quorum), [1, 2, 2, 3]);
    });
});

// ---- small objects ----------------------------------------------------------------------------

describe("aggregator objects", () => {
    it("puts the aggregators in a namespace enforcing the restricted Pod Security level", () => {
        const ns = json(aggregatorNamespace(SETTINGS));
        matchSnapshot("namespace.yaml", ns);
        for (const mode of ["enforce", "warn", "audit"]) assert.equal(at(ns, "metadata", "labels", `pod-security.kubernetes.io/${mode}`), "restricted");
    });

    it("creates a service account without an API token", () => {
        assert.deepEqual(aggregatorServiceAccount(SETTINGS), {
            apiVersion: "v1",
            kind: "ServiceAccount",
            metadata: { name: "vector-aggregator", namespace: "vector-aggregator", labels: LABELS },
            automountServiceAccountToken: false,
        });
    });

    it("ships the config in a ConfigMap", () => {
        assert.deepEqual(json(aggregatorConfigMap(SETTINGS, 'data_dir = "/x"\n')), {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "vector-aggregator-config", namespace: "vector-aggregator", labels: LABELS },
            data: { "vector.toml": 'data_dir = "/x"\n' },
        });
    });

    it("keeps the CA, server certificate and key in a kubernetes.io/tls Secret, under the names the config reads", () => {
        assert.deepEqual(json(aggregatorTlsSecret(SETTINGS, TLS)), {
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "vector-aggregator-tls", namespace: "vector-aggregator", labels: LABELS },
            type: "kubernetes.io/tls",
            stringData: { "ca.crt": TLS.caCertPem, "tls.crt": TLS.certPem, "tls.key": TLS.keyPem, "client-ca-dev.crt": TLS.clientCaPems.dev },
        });
        assert.equal(AGGREGATOR_PATHS.caFile, `${AGGREGATOR_PATHS.tlsDir}/ca.crt`);
        assert.equal(AGGREGATOR_PATHS.certFile, `${AGGREGATOR_PATHS.tlsDir}/tls.crt`);
        assert.equal(AGGREGATOR_PATHS.keyFile, `${AGGREGATOR_PATHS.tlsDir}/tls.key`);
    });

    it("keeps no token at all: the config holds each cluster's token digests, no SECRET[...] reference", () => {
        const pipeline = { ...PIPELINE, agents: PIPELINE.agents.map((a) => ({ ...a, tokenSha256: ["0".repeat(64)] })) };
        assert.doesNotMatch(toToml(buildAggregatorPipeline(pipeline)), /SECRET\[/);
        assert.deepEqual(
            allObjects(SETTINGS)
                .map((o) => obj(json(o)))
                .filter((o) => o.kind === "Secret")
                .map((o) => at(o, "metadata", "name")),
            ["vector-aggregator-tls"],
        );
    });
});

// ---- the StatefulSet --------------------------------------------------------------------------

describe("aggregator StatefulSet", () => {
    it("is the full expected object", () => {
        matchSnapshot("statefulset.yaml", sts());
    });

    it("runs the configured number of replicas", () => {
        for (const replicas of [1, 2, 3, 5]) assert.equal(at(sts({ ...SETTINGS, replicas }), "spec", "replicas"), replicas);
    });

    it("claims a volume per replica with the configured size and storage class, mounted as Vector's data dir", () => {
        const s = { ...SETTINGS, storage: { size: "50Gi", storageClassName: "fast" } };
        const claims = arr(at(sts(s), "spec", "volumeClaimTemplates"));
        assert.equal(claims.length, 1);
        assert.equal(at(claims[0], "metadata", "name"), "data");
        assert.deepEqual(at(claims[0], "spec"), { accessModes: ["ReadWriteOnce"], storageClassName: "fast", resources: { requests: { storage: "50Gi" } } });
        const data = mounts(s).find((m) => m.name === "data");
        assert.deepEqual(data, { name: "data", mountPath: buildAggregatorPipeline(PIPELINE).data_dir, readOnly: false });
        // The claim provides the volume: no pod volume of the same name.
        assert.ok(!arr(podSpec(s).volumes).some((v) => obj(v).name === "data"));
    });

    it("keeps the claims when the StatefulSet is scaled down or deleted (buffers are data)", () => {
        assert.deepEqual(at(sts(), "spec", "persistentVolumeClaimRetentionPolicy"), { whenDeleted: "Retain", whenScaled: "Retain" });
    });

    it("never schedules two replicas on one node, and spreads them across zones when it can", () => {
        const spec = podSpec();
        assert.deepEqual(at(spec, "affinity", "podAntiAffinity", "requiredDuringSchedulingIgnoredDuringExecution"), [
            { labelSelector: { matchLabels: SELECTOR }, topologyKey: "kubernetes.io/hostname" },
        ]);
        assert.equal(at(spec, "topologySpreadConstraints", 0, "whenUnsatisfiable"), "ScheduleAnyway");
    });

    it("runs as non-root with a read-only root filesystem, no capabilities and the RuntimeDefault seccomp profile (restricted PSS)", () => {
        const pod = obj(podSpec().securityContext);
        assert.equal(pod.runAsNonRoot, true);
        assert.ok(typeof pod.runAsUser === "number" && pod.runAsUser > 0);
        assert.deepEqual(pod.seccompProfile, { type: "RuntimeDefault" });
        const c = obj(container().securityContext);
        assert.equal(c.readOnlyRootFilesystem, true);
        assert.equal(c.allowPrivilegeEscalation, false);
        assert.equal(c.privileged, false);
        assert.deepEqual(c.capabilities, { drop: ["ALL"] });
        // Restricted forbids host namespaces and host paths.
        const spec = podSpec();
        for (const k of ["hostNetwork", "hostPID", "hostIPC"]) assert.ok(!spec[k], k);
        for (const v of arr(spec.volumes)) assert.ok(!("hostPath" in obj(v)), JSON.stringify(v));
    });

    it("probes /health on the named api port, which is where the pipeline's API listens", () => {
        for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
            assert.deepEqual(at(container(), probe, "httpGet"), { path: "/health", port: "api", scheme: "HTTP" }, probe);
        }
        const api = arr(container().ports)
            .map((p) => obj(p))
            .find((p) => p.name === "api");
        assert.deepEqual(api, { name: "api", containerPort: AGGREGATOR_PORTS.api, protocol: "TCP" });
        assert.equal(buildAggregatorPipeline(PIPELINE).api.address, `0.0.0.0:${AGGREGATOR_PORTS.api}`);
    });

    it("exposes the ports the pipeline listens on", () => {
        const c = buildAggregatorPipeline(PIPELINE);
        const ports = Object.fromEntries(arr(container().ports).map((p) => [str(obj(p).name), obj(p).containerPort]));
        const port = (address: string) => Number(address.split(":").pop());
        for (const a of PIPELINE.agents) {
            const agents = c.sources[`agents_${a.name}`];
            const rw = c.sources[`remote_write_${a.name}`];
            assert.ok(agents.type === "vector" && rw.type === "prometheus_remote_write");
            const names = agentPortNames(a.slot);
            assert.equal(ports[names.vector], port(agents.address), a.name);
            assert.equal(ports[names.remoteWrite], port(rw.address), a.name);
        }
        const exporter = c.sinks.internal_metrics_exporter;
        assert.ok(exporter.type === "prometheus_exporter");
        assert.equal(ports.metrics, port(exporter.address));
    });

    it("mounts what the pipeline reads: config file and TLS files, read-only; only the data dir is writable", () => {
        const c = buildAggregatorPipeline(PIPELINE);
        const all = mounts();
        assert.deepEqual(container().args, ["--config", AGGREGATOR_PATHS.configFile]);
        assert.ok(within(AGGREGATOR_PATHS.configFile, AGGREGATOR_PATHS.configDir));
        assert.deepEqual(
            all.filter((m) => m.readOnly).map((m) => m.mountPath),
            [AGGREGATOR_PATHS.configDir, AGGREGATOR_PATHS.tlsDir],
        );
        assert.deepEqual(
            all.filter((m) => !m.readOnly).map((m) => m.mountPath),
            [c.data_dir],
        );
        for (const ro of all.filter((m) => m.readOnly)) assert.ok(!within(c.data_dir, ro.mountPath) && !within(ro.mountPath, c.data_dir), ro.mountPath);
        assert.equal(new Set(all.map((m) => m.mountPath)).size, all.length);
        // Secrets are group-readable for the fsGroup, not world-readable.
        for (const name of ["tls"]) {
            const v = obj(arr(podSpec().volumes).find((x) => obj(x).name === name));
            assert.equal(at(v, "secret", "defaultMode"), 0o440);
        }
    });

    it("gives Vector its node, pod name and namespace from the downward API", () => {
        const env = arr(container().env).map((e) => obj(e));
        const field = (name: string) =>
            at(
                obj(
                    env.find((e) => e.name === name),
                    name,
                ),
                "valueFrom",
                "fieldRef",
                "fieldPath",
            );
        assert.equal(field("VECTOR_SELF_NODE_NAME"), "spec.nodeName");
        assert.equal(field("VECTOR_SELF_POD_NAME"), "metadata.name");
        assert.equal(field("VECTOR_SELF_POD_NAMESPACE"), "metadata.namespace");
    });

    it("takes resources and image from the settings and outlasts Vector's 60 s shutdown", () => {
        const resources = { requests: { cpu: "2", memory: "4Gi" }, limits: { cpu: "8", memory: "16Gi" } };
        const c = container({ ...SETTINGS, resources, image: "timberio/vector:0.58.0-distroless-libc" });
        assert.deepEqual(c.resources, resources);
        assert.equal(c.image, "timberio/vector:0.58.0-distroless-libc");
        const grace = podSpec().terminationGracePeriodSeconds;
        assert.ok(typeof grace === "number" && grace > 60, `terminationGracePeriodSeconds ${grace}`);
    });

    it("selects its pods by stable labels that the pod template carries", () => {
        const selector = obj(at(sts(), "spec", "selector", "matchLabels"));
        assert.deepEqual(selector, selectorLabels("aggregator", "vector-aggregator"));
        const podLabels = obj(at(sts(), "spec", "template", "metadata", "labels"));
        for (const [k, v] of Object.entries(selector)) assert.equal(podLabels[k], v, k);
    });
});

// ---- QoS --------------------------------------------------------------------------------------

describe("aggregator memory: requested as much as it may use", () => {
    type Q = Record<string, string | undefined>;
    type C = { resources?: { requests?: Q; limits?: Q } };
    const bytes = (q: string | undefined) => (q === undefined ? undefined : memoryBytes(q));
    /**
     * The kubelet's QoS classes (kubernetes/kubernetes pkg/apis/core/helper/qos/qos.go ComputePodQOS;
     * kubernetes.io/docs/concepts/workloads/pods/pod-qos): Guaranteed when every container sets
     * limits for cpu and memory and its requests (defaulting to the limits) equal them;
     * BestEffort when no container sets any; Burstable otherwise.
     */
    function qosClass(containers: C[]): "Guaranteed" | "Burstable" | "BestEffort" {
        let any = false;
        let guaranteed = true;
        for (const c of containers) {
            const req = c.resources?.requests ?? {};
            const lim = c.resources?.limits ?? {};
            for (const r of ["cpu", "memory"]) {
                if (req[r] !== undefined || lim[r] !== undefined) any = true;
                if (lim[r] === undefined || bytes(req[r] ?? lim[r]) !== bytes(lim[r])) guaranteed = false;
            }
        }
        return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
    }
    const containers = () => arr(at(sts(), "spec", "template", "spec", "containers")).map((c) => c as unknown as C);

    it("requests exactly its memory limit in every container, so it never uses memory it did not request", () => {
        for (const c of containers()) assert.equal(bytes(c.resources?.requests?.memory), bytes(c.resources?.limits?.memory));
    });

    it("is Burstable only through CPU: the same pod with the CPU request at its limit is Guaranteed", () => {
        assert.equal(qosClass(containers()), "Burstable");
        const pinned = containers().map((c) => ({
            resources: { requests: { ...c.resources?.requests, cpu: c.resources?.limits?.cpu }, limits: c.resources?.limits },
        }));
        assert.equal(qosClass(pinned), "Guaranteed");
    });

    it("the rule bites: the old 2Gi request under an 8Gi limit is Burstable for memory", () => {
        const old = [{ resources: { requests: { cpu: "4", memory: "2Gi" }, limits: { cpu: "4", memory: "8Gi" } } }];
        assert.equal(qosClass(old), "Burstable");
        assert.equal(qosClass([{}]), "BestEffort");
    });
});

// ---- PDB and Services -------------------------------------------------------------------------

describe("aggregator PodDisruptionBudget", () => {
    /**
     * The disruption controller's arithmetic (kubernetes/kubernetes pkg/controller/disruption/disruption.go,
     * getExpectedPodCount and updatePdbStatus; field semantics in kubernetes/api policy/v1/types.go):
     * an integer minAvailable is the desired healthy count itself; an integer maxUnavailable gives
     * desired = expected (the StatefulSet's replicas) - maxUnavailable. The eviction API allows an
     * eviction while disruptionsAllowed = max(0, currentHealthy - desired) is above zero.
     */
    function disruptionsAllowed(spec: { minAvailable?: Json; maxUnavailable?: Json }, replicas: number, healthy: number): number {
        const min = spec.minAvailable;
        const max = spec.maxUnavailable;
        assert.ok((min === undefined) !== (max === undefined), "policy/v1: minAvailable and maxUnavailable are mutually exclusive");
        assert.ok(typeof (min ?? max) === "number", "this model covers integer budgets only");
        const desired = typeof min === "number" ? min : replicas - (max as number);
        return Math.max(0, healthy - desired);
    }

    for (const replicas of [1, 2, 3, 4, 5]) {
        it(`lets a node drain evict one of ${replicas} healthy replica(s), and never two at once from 3 replicas on`, () => {
            const spec = obj(at(json(aggregatorPodDisruptionBudget({ ...SETTINGS, replicas })), "spec"));
            assert.ok(disruptionsAllowed(spec, replicas, replicas) >= 1, "a drain must always be possible");
            // Once one replica is out, a further voluntary eviction would have to leave a quorum.
            if (disruptionsAllowed(spec, replicas, replicas - 1) > 0) assert.ok(replicas - 2 >= quorum(replicas));
            if (replicas >= 3) assert.ok(replicas - disruptionsAllowed(spec, replicas, replicas) >= quorum(replicas));
        });
    }

    it("is the full expected object: one replica at a time, and a replica that is not Ready may always go", () => {
        assert.deepEqual(json(aggregatorPodDisruptionBudget(SETTINGS)), {
            apiVersion: "policy/v1",
            kind: "PodDisruptionBudget",
            metadata: { name: "vector-aggregator", namespace: "vector-aggregator", labels: LABELS },
            spec: { maxUnavailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow", selector: { matchLabels: SELECTOR } },
        });
    });

    it("the old budget (minAvailable = quorum) is what the rule refuses at 1 and 2 replicas", () => {
        for (const replicas of [1, 2]) assert.equal(disruptionsAllowed({ minAvailable: quorum(replicas) }, replicas, replicas), 0);
    });
});

describe("aggregator Services", () => {
    it("has a headless Service for stable per-replica DNS, including not-ready replicas", () => {
        assert.deepEqual(json(aggregatorHeadlessService(SETTINGS)), {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "vector-aggregator-headless", namespace: "vector-aggregator", labels: LABELS },
            spec: { clusterIP: "None", publishNotReadyAddresses: true, selector: SELECTOR, ports: SERVICE_PORTS },
        });
        assert.equal(at(sts(), "spec", "serviceName"), aggregatorNames(SETTINGS.name).headless);
    });

    it("has a ClusterIP Service for the hub's own agent", () => {
        assert.deepEqual(json(aggregatorService(SETTINGS)), {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "vector-aggregator", namespace: "vector-aggregator", labels: LABELS },
            spec: { type: "ClusterIP", selector: SELECTOR, ports: SERVICE_PORTS },
        });
    });

    it("targets container ports by names the StatefulSet declares", () => {
        const names = new Set(arr(container().ports).map((p) => str(obj(p).name)));
        for (const svc of [aggregatorService(SETTINGS), aggregatorHeadlessService(SETTINGS), aggregatorLoadBalancerService(SETTINGS, LB)]) {
            for (const p of arr(at(json(svc), "spec", "ports"))) assert.ok(names.has(str(obj(p).targetPort)), JSON.stringify(p));
        }
    });

    it("has a private Hetzner load balancer: private network only, pinned private IPv4, named, typed and located", () => {
        assert.deepEqual(json(aggregatorLoadBalancerService(SETTINGS, { name: "fleet-lb", type: "lb21", location: "nbg1", privateIp: "10.0.64.9" })), {
            apiVersion: "v1",
            kind: "Service",
            metadata: {
                name: "vector-aggregator-lb",
                namespace: "vector-aggregator",
                labels: LABELS,
                annotations: {
                    "load-balancer.hetzner.cloud/name": "fleet-lb",
                    "load-balancer.hetzner.cloud/type": "lb21",
                    "load-balancer.hetzner.cloud/location": "nbg1",
                    "load-balancer.hetzner.cloud/use-private-ip": "true",
                    "load-balancer.hetzner.cloud/disable-public-network": "true",
                    "load-balancer.hetzner.cloud/private-ipv4": "10.0.64.9",
                    "load-balancer.hetzner.cloud/algorithm-type": "least_connections",
                },
            },
            spec: { type: "LoadBalancer", externalTrafficPolicy: "Local", selector: SELECTOR, ports: LB_PORTS },
        });
    });

    it("writes boolean annotations as the strings Kubernetes requires", () => {
        const annotations = obj(at(json(aggregatorLoadBalancerService(SETTINGS, LB)), "metadata", "annotations"));
        for (const v of Object.values(annotations)) assert.equal(typeof v, "string");
        assert.equal(annotations["load-balancer.hetzner.cloud/disable-public-network"], "true");
        assert.equal(annotations["load-balancer.hetzner.cloud/use-private-ip"], "true");
    });
});

// ---- checksums --------------------------------------------------------------------------------

describe("aggregator checksum annotations", () => {
    // As components/aggregator/index.ts computes them.
    const configSum = (p: AggregatorPipelineSettings) => sha256(toToml(buildAggregatorPipeline(p)));
    const credentialsSum = (tls: typeof TLS) => sha256(tls.caCertPem, tls.certPem, tls.keyPem);
    const annotations = (p: AggregatorPipelineSettings, tls: typeof TLS) =>
        obj(
            at(
                json(aggregatorStatefulSet(SETTINGS, { config: configSum(p), credentials: credentialsSum(tls) })),
                "spec",
                "template",
                "metadata",
                "annotations",
            ),
        );

    it("carries the config and credentials checksums on the pod template", () => {
        assert.deepEqual(annotations(PIPELINE, TLS), {
            "vector-fleet.dev/config-sha256": configSum(PIPELINE),
            "vector-fleet.dev/credentials-sha256": credentialsSum(TLS),
        });
    });

    it("stays the same for the same inputs", () => {
        assert.deepEqual(annotations(PIPELINE, TLS), annotations({ ...PIPELINE }, { ...TLS }));
    });

    it("changes the config checksum, and only it, when the pipeline changes", () => {
        const base = annotations(PIPELINE, TLS);
        const changes: [string, AggregatorPipelineSettings][] = [
            ["sampling", { ...PIPELINE, sampling: { "kube-system": 20 } }],
            ["agent clusters", { ...PIPELINE, agents: [...PIPELINE.agents, { name: "staging", slot: 2 }] }],
            ["loki tenant", { ...PIPELINE, loki: { ...PIPELINE.loki, tenantId: "t" } }],
            ["dedupe cache", { ...PIPELINE, dedupeCacheEvents: 20_000 }],
            // A token's digest is in the config itself: a rotation rolls the pods through it.
            ["token digest", { ...PIPELINE, agents: PIPELINE.agents.map((a) => ({ ...a, tokenSha256: ["1".repeat(64)] })) }],
        ];
        for (const [what, p] of changes) {
            const next = annotations(p, TLS);
            assert.notEqual(next["vector-fleet.dev/config-sha256"], base["vector-fleet.dev/config-sha256"], what);
            assert.equal(next["vector-fleet.dev/credentials-sha256"], base["vector-fleet.dev/credentials-sha256"], what);
        }
    });

    it("changes the credentials checksum, and only it, when the CA, certificate or key changes", () => {
        const base = annotations(PIPELINE, TLS);
        const changes: [string, typeof TLS][] = [
            ["CA", { ...TLS, caCertPem: "other" }],
            ["certificate", { ...TLS, certPem: "other" }],
            ["key", { ...TLS, keyPem: "other" }],
        ];
        for (const [what, tls] of changes) {
            const next = annotations(PIPELINE, tls);
            assert.notEqual(next["vector-fleet.dev/credentials-sha256"], base["vector-fleet.dev/credentials-sha256"], what);
            assert.equal(next["vector-fleet.dev/config-sha256"], base["vector-fleet.dev/config-sha256"], what);
        }
    });
});

// ---- instances and metadata -------------------------------------------------------------------

describe("two aggregator instances", () => {
    const a: AggregatorObjectSettings = { ...SETTINGS, name: "vector-aggregator" };
    const b: AggregatorObjectSettings = { ...SETTINGS, name: "vector-aggregator-canary" };

    const identities = (s: AggregatorObjectSettings) =>
        allObjects(s)
            .filter((o) => o.kind !== "Namespace")
            .map((o) => {
                const m = obj(json(o.metadata));
                return `${str(json(o.kind))}/${str(m.namespace)}/${str(m.name)}`;
            });

    it("produce no colliding object names in the same namespace", () => {
        const ia = identities(a);
        const ib = identities(b);
        assert.equal(new Set(ia).size, ia.length);
        assert.deepEqual(
            ia.filter((x) => ib.includes(x)),
            [],
        );
    });

    it("never select each other's pods (StatefulSet, PDB, Services, anti-affinity)", () => {
        const podLabels = (s: AggregatorObjectSettings) => obj(at(sts(s), "spec", "template", "metadata", "labels"));
        const selects = (sel: Json, labels: Record<string, Json>) => Object.entries(obj(sel)).every(([k, v]) => labels[k] === v);
        for (const [mine, other] of [
            [a, b],
            [b, a],
        ]) {
            const selectors = [
                at(sts(mine), "spec", "selector", "matchLabels"),
                at(json(aggregatorPodDisruptionBudget(mine)), "spec", "selector", "matchLabels"),
                at(json(aggregatorService(mine)), "spec", "selector"),
                at(json(aggregatorHeadlessService(mine)), "spec", "selector"),
                at(json(aggregatorLoadBalancerService(mine, LB)), "spec", "selector"),
                at(podSpec(mine), "affinity", "podAntiAffinity", "requiredDuringSchedulingIgnoredDuringExecution", 0, "labelSelector", "matchLabels"),
            ];
            for (const sel of selectors) {
                assert.ok(selects(sel, podLabels(mine)), `${mine.name} does not select its own pods`);
                assert.ok(!selects(sel, podLabels(other)), `${mine.name} selects ${other.name}'s pods`);
            }
        }
    });

    it("get distinct volume claims (claim names derive from the StatefulSet name) and DNS names", () => {
        assert.notEqual(at(sts(a), "metadata", "name"), at(sts(b), "metadata", "name"));
        const dnsA = aggregatorDnsNames(a.name, a.namespace);
        assert.deepEqual(
            aggregatorDnsNames(b.name, b.namespace).filter((n) => dnsA.includes(n)),
            [],
        );
    });
});

describe("aggregator objects: metadata", () => {
    it("every object has a name and a namespace (the Namespace object aside)", () => {
        for (const o of allObjects(SETTINGS)) {
            const m = obj(json(o.metadata));
            const kind = str(json(o.kind));
            assert.ok(str(m.name).length > 0, kind);
            if (kind === "Namespace") assert.equal(m.namespace, undefined);
            else assert.equal(m.namespace, "vector-aggregator", `${kind} ${m.name}`);
            assert.deepEqual(m.labels && obj(m.labels)["app.kubernetes.io/instance"], "vector-aggregator", `${kind} labels`);
        }
    });

    it("keeps key material out of the ConfigMap", () => {
        const cm = json(aggregatorConfigMap(SETTINGS, toToml(buildAggregatorPipeline(PIPELINE))));
        assert.deepEqual(Object.keys(obj(at(cm, "data"))), ["vector.toml"]);
        assert.doesNotMatch(JSON.stringify(cm), /PRIVATE KEY|dev-token|mon-token/);
    });
});
