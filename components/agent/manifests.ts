/**
 * Pure builders for the agent's Kubernetes objects. Nothing here talks to Pulumi: given the same
 * settings they return the same objects, and the tests check them whole.
 */
import * as k8s from "@pulumi/kubernetes";
import type { Input } from "@pulumi/pulumi";
import { appLabels, ContainerResources, namespaceObject, Obj, selectorLabels, serviceAccountObject, vectorProbes, vectorSelfEnv } from "../k8s/common";
import { AGENT_PATHS, AGENT_PORTS, AgentPorts } from "./pipeline";

import T = k8s.types.input;

export interface AgentObjectSettings {
    /** Component name; every object is named from it. */
    name: string;
    namespace: string;
    image: string;
    resources: ContainerResources;
    /** Scrape the kubelet: grants nodes/metrics and mounts the service-account token for it. */
    kubeletScrape: boolean;
    /** Host ports of the API and metrics; must match the pipeline's. Default AGENT_PORTS. */
    ports?: AgentPorts;
}

export const agentNames = (name: string) => ({
    serviceAccount: name,
    clusterRole: name,
    config: `${name}-config`,
    secret: `${name}-credentials`,
    daemonSet: name,
    /** Per-instance host directory, so two agents on one node never share checkpoints or buffers. */
    hostDataDir: `/var/lib/vector-fleet/${name}`,
});

/**
 * The agent reads host paths and shares the node's network (docs/agent.md, "Why the agent runs
 * as root with the host network"), which only the privileged Pod Security level admits.
 */
export function agentNamespace(s: AgentObjectSettings): Obj<T.core.v1.Namespace> {
    return namespaceObject(s.namespace, "privileged", appLabels("agent", s.name));
}

export function agentServiceAccount(s: AgentObjectSettings): Obj<T.core.v1.ServiceAccount> {
    // The DaemonSet's pod mounts the token explicitly; nothing else using this account gets one.
    return serviceAccountObject(agentNames(s.name).serviceAccount, s.namespace, appLabels("agent", s.name));
}

/**
 * Least privilege: kubernetes_logs lists and watches pods, namespaces and nodes for metadata;
 * the kubelet authorises /metrics/cadvisor as `get nodes/metrics`. nodes/proxy is deliberately
 * not granted (its GET reaches the kubelet's exec endpoints), nor nodes/stats (unused).
 */
export function agentClusterRole(s: AgentObjectSettings): Obj<T.rbac.v1.ClusterRole> {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: agentNames(s.name).clusterRole, labels: appLabels("agent", s.name) },
        rules: [
            { apiGroups: [""], resources: ["namespaces", "nodes", "pods"], verbs: ["get", "list", "watch"] },
            ...(s.kubeletScrape ? [{ apiGroups: [""], resources: ["nodes/metrics"], verbs: ["get"] }] : []),
        ],
    };
}

export function agentClusterRoleBinding(s: AgentObjectSettings): Obj<T.rbac.v1.ClusterRoleBinding> {
    const n = agentNames(s.name);
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: n.clusterRole, labels: appLabels("agent", s.name) },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: n.clusterRole },
        subjects: [{ kind: "ServiceAccount", name: n.serviceAccount, namespace: s.namespace }],
    };
}

/** Config and the aggregators' CA certificate: public material only. */
export function agentConfigMap(s: AgentObjectSettings, toml: Input<string>, caPem: Input<string>): Obj<T.core.v1.ConfigMap> {
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: agentNames(s.name).config, namespace: s.namespace, labels: appLabels("agent", s.name) },
        data: { "ca.crt": caPem, "vector.toml": toml },
    };
}

/** Inputs, so secret Outputs stay secret all the way into the Secret object. */
export interface AgentSecretData {
    clientCertPem: Input<string>;
    clientKeyPem: Input<string>;
    remoteWriteToken: Input<string>;
}

export function agentSecret(s: AgentObjectSettings, d: AgentSecretData): Obj<T.core.v1.Secret> {
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: agentNames(s.name).secret, namespace: s.namespace, labels: appLabels("agent", s.name) },
        type: "Opaque",
        stringData: { "tls.crt": d.clientCertPem, "tls.key": d.clientKeyPem, [AGENT_PATHS.tokenKey]: d.remoteWriteToken },
    };
}

const ro = (name: string, mountPath: string): T.core.v1.VolumeMount => ({ name, mountPath, readOnly: true });

/**
 * Writes the node's address into a file at pod start, for Vector's SECRET[node.ip]: the downward
 * API offers status.hostIP as an environment variable only (not in a downwardAPI volume), Vector
 * 0.57+ does not interpolate ${VAR}, and the Vector image is distroless (no shell). Pinned like
 * every image; a registry mirror must carry it too.
 */
export const NODE_ADDRESS_IMAGE = "busybox:1.37.0";

function nodeAddressInitContainer(): T.core.v1.Container {
    return {
        name: "node-address",
        image: NODE_ADDRESS_IMAGE,
        // Refuses to start Vector without an address rather than let it bind to ":9598".
        command: ["/bin/sh", "-c", `test -n "$NODE_IP" && printf '%s' "$NODE_IP" > ${AGENT_PATHS.nodeAddressDir}/ip`],
        env: [{ name: "NODE_IP", valueFrom: { fieldRef: { fieldPath: "status.hostIP" } } }],
        resources: { requests: { cpu: "10m", memory: "8Mi" }, limits: { cpu: "100m", memory: "16Mi" } },
        securityContext: {
            runAsUser: 65534,
            runAsGroup: 65534,
            runAsNonRoot: true,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            privileged: false,
            capabilities: { drop: ["ALL"] },
        },
        volumeMounts: [{ name: "node-address", mountPath: AGENT_PATHS.nodeAddressDir }],
    };
}

/**
 * The DaemonSet. `checksums` are annotations on the pod template: when the config or the
 * credentials change, the pods roll (Vector does not reload certificates on its own, vector#10877).
 */
export function agentDaemonSet(s: AgentObjectSettings, checksums: { config: Input<string>; credentials: Input<string> }): Obj<T.apps.v1.DaemonSet> {
    const n = agentNames(s.name);
    const ports = s.ports ?? AGENT_PORTS;
    const health: T.core.v1.HTTPGetAction = { path: "/health", port: ports.api, host: "127.0.0.1", scheme: "HTTP" };
    return {
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: { name: n.daemonSet, namespace: s.namespace, labels: appLabels("agent", s.name) },
        spec: {
            selector: { matchLabels: selectorLabels("agent", s.name) },
            // 10% of nodes at a time (at least one): a bad release is caught early on big clusters
            // without making small ones wait node by node.
            updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "10%" } },
            template: {
                metadata: {
                    labels: appLabels("agent", s.name),
                    annotations: {
                        "vector-fleet.dev/config-sha256": checksums.config,
                        "vector-fleet.dev/credentials-sha256": checksums.credentials,
                    },
                },
                spec: {
                    serviceAccountName: n.serviceAccount,
                    automountServiceAccountToken: true,
                    // host_metrics reads network counters of the namespace it runs in, and the
                    // kubelet is scraped on loopback: both need the node's network.
                    hostNetwork: true,
                    dnsPolicy: "ClusterFirstWithHostNet",
                    priorityClassName: "system-node-critical",
                    // Every node, whatever its taints: a node without an agent is a node without logs.
                    tolerations: [{ operator: "Exists" }],
                    // Vector's graceful shutdown limit is 60 s; give it that and a margin to flush.
                    terminationGracePeriodSeconds: 75,
                    securityContext: { seccompProfile: { type: "RuntimeDefault" } },
                    initContainers: [nodeAddressInitContainer()],
                    containers: [
                        {
                            name: "vector",
                            image: s.image,
                            args: ["--config", AGENT_PATHS.configFile],
                            env: [
                                ...vectorSelfEnv(),
                                { name: "PROCFS_ROOT", value: "/host/proc" },
                                { name: "SYSFS_ROOT", value: "/host/sys" },
                                { name: "VECTOR_LOG", value: "info" },
                            ],
                            ports: [{ name: "metrics", containerPort: ports.metrics, protocol: "TCP" }],
                            resources: { requests: { ...s.resources.requests }, limits: { ...s.resources.limits } },
                            // Root without capabilities: pod log files are root-owned 0640 (readable by
                            // their owner without CAP_DAC_OVERRIDE), and the data dir is created by the kubelet as root.
                            securityContext: {
                                runAsUser: 0,
                                runAsGroup: 0,
                                runAsNonRoot: false,
                                readOnlyRootFilesystem: true,
                                allowPrivilegeEscalation: false,
                                privileged: false,
                                capabilities: { drop: ["ALL"] },
                            },
                            ...vectorProbes(health, 30),
                            volumeMounts: [
                                ro("config", AGENT_PATHS.configDir),
                                ro("credentials", AGENT_PATHS.secretsDir),
                                { name: "data", mountPath: AGENT_PATHS.dataDir },
                                ro("node-address", AGENT_PATHS.nodeAddressDir),
                                // kubernetes_logs reads /var/log/pods only (vectordotdev/vector
                                // src/sources/kubernetes_logs/path_helpers.rs, K8S_LOGS_DIR); under
                                // containerd the files there are the logs themselves, not links
                                // into /var/lib, which holds kubelet keys and every pod's Secrets.
                                ro("var-log-pods", "/var/log/pods"),
                                ro("procfs", "/host/proc"),
                                ro("sysfs", "/host/sys"),
                            ],
                        },
                    ],
                    volumes: [
                        { name: "config", configMap: { name: n.config } },
                        { name: "credentials", secret: { secretName: n.secret, defaultMode: 0o400 } },
                        { name: "data", hostPath: { path: n.hostDataDir, type: "DirectoryOrCreate" } },
                        // A file of a few bytes: memory-backed, so nothing of it touches the node's disk.
                        { name: "node-address", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
                        { name: "var-log-pods", hostPath: { path: "/var/log/pods", type: "Directory" } },
                        { name: "procfs", hostPath: { path: "/proc", type: "Directory" } },
                        { name: "sysfs", hostPath: { path: "/sys", type: "Directory" } },
                    ],
                },
            },
        },
    };
}
