/**
 * Pure builders for the aggregator tier's Kubernetes objects.
 */
import * as k8s from "@pulumi/kubernetes";
import type { Input } from "@pulumi/pulumi";
import { appLabels, ContainerResources, namespaceObject, Obj, selectorLabels, serviceAccountObject, vectorProbes, vectorSelfEnv } from "../k8s/common";
import { AGGREGATOR_PATHS, AGGREGATOR_PORTS, agentPortNames, agentPorts, clientCaKey } from "./pipeline";
import T = k8s.types.input;

export interface AggregatorObjectSettings {
    name: string;
    namespace: string;
    image: string;
    replicas: number;
    resources: ContainerResources;
    storage: { size: string; storageClassName: string };
    /** Slots of the clusters that may send (0 = the hub's own, reached in-cluster only). */
    agentSlots: number[];
}

/** Each slot's pair of ports, named for the Service's targetPort. */
function slotPorts(slots: number[]): { name: string; port: number }[] {
    return [...new Set(slots)]
        .sort((a, b) => a - b)
        .flatMap((slot) => {
            const ports = agentPorts(slot);
            const names = agentPortNames(slot);
            return [
                { name: names.vector, port: ports.vector },
                { name: names.remoteWrite, port: ports.remoteWrite },
            ];
        });
}

const VOLUME_CLAIM_TEMPLATE = "data";

export const aggregatorNames = (name: string) => ({
    serviceAccount: name,
    config: `${name}-config`,
    tls: `${name}-tls`,
    statefulSet: name,
    headless: `${name}-headless`,
    service: name,
    loadBalancer: `${name}-lb`,
    pdb: name,
});

/** In-cluster DNS names of the aggregators, for the server certificate and the hub's own agent. */
export function aggregatorDnsNames(name: string, namespace: string): string[] {
    const n = aggregatorNames(name);
    const names: string[] = [];
    for (const svc of [n.service, n.headless]) {
        names.push(svc, `${svc}.${namespace}`, `${svc}.${namespace}.svc`, `${svc}.${namespace}.svc.cluster.local`);
    }
    names.push(`*.${n.headless}.${namespace}.svc.cluster.local`);
    return names;
}

export function aggregatorNamespace(s: AggregatorObjectSettings): Obj<T.core.v1.Namespace> {
    return namespaceObject(s.namespace, "restricted", appLabels("aggregator", s.name));
}

export function aggregatorServiceAccount(s: AggregatorObjectSettings): Obj<T.core.v1.ServiceAccount> {
    // The aggregators never call the Kubernetes API.
    return serviceAccountObject(aggregatorNames(s.name).serviceAccount, s.namespace, appLabels("aggregator", s.name));
}

export function aggregatorConfigMap(s: AggregatorObjectSettings, toml: Input<string>): Obj<T.core.v1.ConfigMap> {
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: aggregatorNames(s.name).config, namespace: s.namespace, labels: appLabels("aggregator", s.name) },
        data: { "vector.toml": toml },
    };
}

export function aggregatorTlsSecret(
    s: AggregatorObjectSettings,
    d: { caCertPem: Input<string>; certPem: Input<string>; keyPem: Input<string>; clientCaPems: Record<string, Input<string>> },
): Obj<T.core.v1.Secret> {
    const clientCas = Object.fromEntries(
        Object.entries(d.clientCaPems)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([c, pem]) => [clientCaKey(c), pem]),
    );
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: aggregatorNames(s.name).tls, namespace: s.namespace, labels: appLabels("aggregator", s.name) },
        type: "kubernetes.io/tls",
        stringData: { "ca.crt": d.caCertPem, "tls.crt": d.certPem, "tls.key": d.keyPem, ...clientCas },
    };
}

export function aggregatorStatefulSet(
    s: AggregatorObjectSettings,
    checksums: { config: Input<string>; credentials: Input<string> },
): Obj<T.apps.v1.StatefulSet> {
    const n = aggregatorNames(s.name);
    const health: T.core.v1.HTTPGetAction = { path: "/health", port: "api", scheme: "HTTP" };
    const selector = selectorLabels("aggregator", s.name);
    return {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: n.statefulSet, namespace: s.namespace, labels: appLabels("aggregator", s.name) },
        spec: {
            replicas: s.replicas,
            serviceName: n.headless,
            // Replicas are interchangeable; starting them together halves recovery time.
            podManagementPolicy: "Parallel",
            // One replica at a time, so a config change never takes the tier down.
            updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } },
            persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
            selector: { matchLabels: selector },
            template: {
                metadata: {
                    labels: appLabels("aggregator", s.name),
                    annotations: {
                        "vector-fleet.dev/config-sha256": checksums.config,
                        "vector-fleet.dev/credentials-sha256": checksums.credentials,
                    },
                },
                spec: {
                    serviceAccountName: n.serviceAccount,
                    automountServiceAccountToken: false,
                    terminationGracePeriodSeconds: 75,
                    affinity: {
                        podAntiAffinity: {
                            requiredDuringSchedulingIgnoredDuringExecution: [
                                { labelSelector: { matchLabels: selector }, topologyKey: "kubernetes.io/hostname" },
                            ],
                        },
                    },
                    // Best effort across zones: Hetzner nodes carry zone labels only when the cloud
                    // controller sets them, and a hard constraint would leave pods Pending without.
                    topologySpreadConstraints: [
                        {
                            maxSkew: 1,
                            topologyKey: "topology.kubernetes.io/zone",
                            whenUnsatisfiable: "ScheduleAnyway",
                            labelSelector: { matchLabels: selector },
                        },
                    ],
                    securityContext: {
                        runAsNonRoot: true,
                        runAsUser: 10001,
                        runAsGroup: 10001,
                        // Makes the PersistentVolume writable for the non-root user.
                        fsGroup: 10001,
                        fsGroupChangePolicy: "OnRootMismatch",
                        seccompProfile: { type: "RuntimeDefault" },
                    },
                    containers: [
                        {
                            name: "vector",
                            image: s.image,
                            args: ["--config", AGGREGATOR_PATHS.configFile],
                            env: [...vectorSelfEnv(), { name: "VECTOR_LOG", value: "info" }],
                            ports: [
                                ...slotPorts(s.agentSlots).map((p) => ({ name: p.name, containerPort: p.port, protocol: "TCP" })),
                                { name: "api", containerPort: AGGREGATOR_PORTS.api, protocol: "TCP" },
                                { name: "metrics", containerPort: AGGREGATOR_PORTS.metrics, protocol: "TCP" },
                            ],
                            resources: { requests: { ...s.resources.requests }, limits: { ...s.resources.limits } },
                            securityContext: {
                                readOnlyRootFilesystem: true,
                                allowPrivilegeEscalation: false,
                                privileged: false,
                                capabilities: { drop: ["ALL"] },
                            },
                            ...vectorProbes(health, 60),
                            volumeMounts: [
                                { name: "config", mountPath: AGGREGATOR_PATHS.configDir, readOnly: true },
                                { name: "tls", mountPath: AGGREGATOR_PATHS.tlsDir, readOnly: true },
                                { name: "data", mountPath: AGGREGATOR_PATHS.dataDir },
                            ],
                        },
                    ],
                    volumes: [
                        { name: "config", configMap: { name: n.config } },
                        { name: "tls", secret: { secretName: n.tls, defaultMode: 0o440 } },
                    ],
                },
            },
            volumeClaimTemplates: [
                {
                    // Used only for claims created from here on at the size of the day they
                    // were created; later sizes are patched onto the claims (see
                    // AGGREGATOR_STATEFULSET_IGNORE_CHANGES).
                    metadata: { name: VOLUME_CLAIM_TEMPLATE, labels: selector },
                    spec: {
                        accessModes: ["ReadWriteOnce"],
                        storageClassName: s.storage.storageClassName,
                        resources: { requests: { storage: s.storage.size } },
                    },
                },
            ],
        },
    };
}

/**
 * Fields of the StatefulSet the program never changes after creation. pulumi-kubernetes replaces a
 * StatefulSet whose `.spec.volumeClaimTemplates` changes (provider/pkg/provider/diff.go, the
 * statefulSet forceNew list), delete-first because it is named, taking every replica down at once;
 * and the StatefulSet controller never applies a template change to existing claims anyway. Pulumi
 * keeps an ignored property at its old value (pulumi/pulumi pkg/resource/deploy/step_generator.go,
 * processIgnoreChanges), so the templates stay as created and the claims are resized instead
 * (aggregatorVolumeClaimPatches).
 */
export const AGGREGATOR_STATEFULSET_IGNORE_CHANGES = ["spec.volumeClaimTemplates"];

/** The claim the StatefulSet controller makes for `ordinal`: `<template>-<statefulset>-<ordinal>` (kubernetes/kubernetes pkg/controller/statefulset/stateful_set_utils.go, getPersistentVolumeClaimName). */
export function aggregatorClaimName(name: string, ordinal: number): string {
    return `${VOLUME_CLAIM_TEMPLATE}-${aggregatorNames(name).statefulSet}-${ordinal}`;
}

/**
 * One server-side apply patch per replica's claim, setting only its size: an in-place resize that
 * the CSI driver performs online when the StorageClass has allowVolumeExpansion (hcloud-volumes
 * does). Kubernetes refuses a smaller size than the claim has (ValidatePersistentVolumeClaimUpdate),
 * so storage only grows. The patch forces past the controller's ownership of the field
 * (`pulumi.com/patchForce`); deleting a patch (scaling in) leaves the claim as it is.
 */
export function aggregatorVolumeClaimPatches(s: AggregatorObjectSettings): Obj<T.core.v1.PersistentVolumeClaimPatch>[] {
    return Array.from({ length: s.replicas }, (_, ordinal) => ({
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: {
            name: aggregatorClaimName(s.name, ordinal),
            namespace: s.namespace,
            annotations: { "pulumi.com/patchForce": "true" },
        },
        spec: { resources: { requests: { storage: s.storage.size } } },
    }));
}

export function aggregatorPodDisruptionBudget(s: AggregatorObjectSettings): Obj<T.policy.v1.PodDisruptionBudget> {
    return {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: { name: aggregatorNames(s.name).pdb, namespace: s.namespace, labels: appLabels("aggregator", s.name) },
        spec: {
            // One replica at a time, never a number tied to the replica count: minAvailable = quorum
            // equals the replica count at 1 and 2 replicas, which leaves no disruption allowed and
            // blocks every node drain. From 3 replicas on, one at a time also keeps the quorum.
            maxUnavailable: 1,
            // A replica that is not Ready serves nothing; letting a drain evict it keeps a
            // crash-looping pod from holding a node hostage (policy/v1, GA in Kubernetes 1.31).
            unhealthyPodEvictionPolicy: "AlwaysAllow",
            selector: { matchLabels: selectorLabels("aggregator", s.name) },
        },
    };
}

const servicePorts = (slots: number[]): T.core.v1.ServicePort[] =>
    slotPorts(slots).map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: "TCP" }));

/** Stable DNS per replica for the StatefulSet. */
export function aggregatorHeadlessService(s: AggregatorObjectSettings): Obj<T.core.v1.Service> {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: aggregatorNames(s.name).headless, namespace: s.namespace, labels: appLabels("aggregator", s.name) },
        spec: { clusterIP: "None", publishNotReadyAddresses: true, selector: selectorLabels("aggregator", s.name), ports: servicePorts(s.agentSlots) },
    };
}

/** The in-cluster address, used by the hub's own agent. */
export function aggregatorService(s: AggregatorObjectSettings): Obj<T.core.v1.Service> {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: aggregatorNames(s.name).service, namespace: s.namespace, labels: appLabels("aggregator", s.name) },
        spec: { type: "ClusterIP", selector: selectorLabels("aggregator", s.name), ports: servicePorts(s.agentSlots) },
    };
}

export interface LoadBalancerSettings {
    name: string;
    type: string;
    location: string;
    privateIp: Input<string>;
}

/**
 * The private Hetzner load balancer: targets over the private network, no public interface,
 * a pinned private address that other clusters' agents dial. least_connections because agents
 * hold long-lived HTTP/2 connections: round robin of new connections would pile up on one target.
 *
 * externalTrafficPolicy Local: a node forwards NodePort traffic only to a replica on itself and
 * keeps the client's address (kubernetes/api core/v1 types.go, ServiceExternalTrafficPolicyLocal).
 * With Cluster, kube-proxy masquerades the hop to another node, and Cilium gives such traffic the
 * `remote-node` identity, which no NetworkPolicy ipBlock matches: the aggregators' ingress policy
 * dropped the load balancer's connections. The cloud controller's default health check is TCP on
 * each target's NodePort (hcloud-cloud-controller-manager internal/hcops/load_balancer.go), which
 * fails on nodes without a replica under Local, so the load balancer only uses nodes that have one.
 */
export function aggregatorLoadBalancerService(s: AggregatorObjectSettings, lb: LoadBalancerSettings): Obj<T.core.v1.Service> {
    const a = "load-balancer.hetzner.cloud";
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: {
            name: aggregatorNames(s.name).loadBalancer,
            namespace: s.namespace,
            labels: appLabels("aggregator", s.name),
            annotations: {
                [`${a}/name`]: lb.name,
                [`${a}/type`]: lb.type,
                [`${a}/location`]: lb.location,
                [`${a}/use-private-ip`]: "true",
                [`${a}/disable-public-network`]: "true",
                [`${a}/private-ipv4`]: lb.privateIp,
                [`${a}/algorithm-type`]: "least_connections",
            },
        },
        // Only the source clusters' ports: the hub's own agent (slot 0) stays in-cluster, and each
        // port is one of the load balancer type's limited services (config/stack.ts LB_MAX_SERVICES).
        spec: {
            type: "LoadBalancer",
            externalTrafficPolicy: "Local",
            selector: selectorLabels("aggregator", s.name),
            ports: servicePorts(s.agentSlots.filter((slot) => slot > 0)),
        },
    };
}
