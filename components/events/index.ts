/**
 * Kubernetes events, once per cluster (issue 19 item 2; docs/signals-events.md).
 *
 * Vector has no events source. One OpenTelemetry Collector (the `k8s` distribution) watches the
 * events API with the k8s_objects receiver in watch mode and sends each event over OTLP to the
 * agent on its own node (a Service with internalTrafficPolicy Local), which gives it the cluster's
 * identity and ships it with the pod logs: same mTLS path, same disk buffer, same Loki.
 *
 * Once per cluster: two replicas, and only the holder of one Lease watches (the collector's
 * k8s_leader_elector extension, client-go leader election; the receiver's `k8s_leader_elector`
 * option). A node's loss costs the lease duration, not a reschedule. Its grants: get/list/watch on
 * events cluster-wide, and get/update on its own Lease (create on leases) in its own namespace,
 * which is what client-go's LeaseLock calls (Get, Create, Update). Resuming: with no
 * resource_version configured the receiver lists once to learn the current version and watches
 * from there (k8sobjectsreceiver README, `resource_version`), so a new leader sends no backlog;
 * events between the old leader's loss and the new one's start are not sent.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { Obj, sha256 } from "../k8s/common";
import { dnsEgress, NetworkPolicy } from "../k8s/network-policies";
import { agentEventsServiceName, eventsCollectorLabels, eventsCollectorNames, eventsCollectorSelector } from "../contract/signals";

import T = k8s.types.input;

export interface EventsCollectorSettings {
    /** Name of the agent instance the events go to; every object is named from it. */
    agent: string;
    namespace: string;
    image: string;
    /** The agent's events Service port (gRPC). */
    grpcPort: number;
}

export const eventsNames = (agent: string) => ({
    ...eventsCollectorNames(agent),
    /** The agents' Service the collector sends to (components/agent/signals.ts agentSignalServices). */
    agentService: agentEventsServiceName(agent),
});

/** Two pods: one watches (the Lease holder), the other takes over within LEASE.duration. */
export const EVENTS_REPLICAS = 2;

/** client-go's defaults, which the extension also uses; spelled out so the docs and the Lease agree. */
export const LEASE = { duration: "15s", renewDeadline: "10s", retryPeriod: "2s" } as const;

/** Port of the collector's health_check extension, probed by the kubelet. */
export const EVENTS_HEALTH_PORT = 13133;

export const eventsLabels = (s: Pick<EventsCollectorSettings, "agent">) => eventsCollectorLabels(s.agent);
/** The collector pods' stable labels: its Deployment's selector, and the agent policy's peer. */
export const eventsSelectorLabels = eventsCollectorSelector;
const selector = (s: Pick<EventsCollectorSettings, "agent">) => eventsCollectorSelector(s.agent);

/** The collector's own config. Component names are the 0.144+ ones (`otlp_grpc`; `otlp` is a deprecated alias). */
export function eventsCollectorConfig(s: EventsCollectorSettings): Record<string, unknown> {
    const n = eventsNames(s.agent);
    return {
        extensions: {
            health_check: { endpoint: `\${env:POD_IP}:${EVENTS_HEALTH_PORT}` },
            k8s_leader_elector: {
                auth_type: "serviceAccount",
                lease_name: n.name,
                lease_namespace: s.namespace,
                lease_duration: LEASE.duration,
                renew_deadline: LEASE.renewDeadline,
                retry_period: LEASE.retryPeriod,
            },
        },
        receivers: {
            k8s_objects: {
                auth_type: "serviceAccount",
                // Only the Lease holder watches: two replicas, one stream of events.
                k8s_leader_elector: "k8s_leader_elector",
                // Watch only; no resource_version: start at the current version, never replay the backlog.
                objects: [{ name: "events", mode: "watch" }],
            },
        },
        processors: {
            memory_limiter: { check_interval: "1s", limit_percentage: 80, spike_limit_percentage: 20 },
            batch: { timeout: "5s", send_batch_size: 512 },
        },
        exporters: {
            otlp_grpc: {
                endpoint: `${n.agentService}.${s.namespace}.svc.cluster.local:${s.grpcPort}`,
                // Node-local plain gRPC: the agent's listener has no TLS; the hop to the hub is mTLS.
                tls: { insecure: true },
                retry_on_failure: { enabled: true, max_elapsed_time: "10m" },
                sending_queue: { enabled: true, queue_size: 5000 },
            },
        },
        service: {
            extensions: ["health_check", "k8s_leader_elector"],
            pipelines: { logs: { receivers: ["k8s_objects"], processors: ["memory_limiter", "batch"], exporters: ["otlp_grpc"] } },
        },
    };
}

export function eventsServiceAccount(s: EventsCollectorSettings): Obj<T.core.v1.ServiceAccount> {
    return {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: eventsNames(s.agent).name, namespace: s.namespace, labels: eventsLabels(s) },
        automountServiceAccountToken: false,
    };
}

/** get/list/watch on events, in both API groups that serve them, and nothing else. */
export function eventsClusterRole(s: EventsCollectorSettings): Obj<T.rbac.v1.ClusterRole> {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: eventsNames(s.agent).name, labels: eventsLabels(s) },
        rules: [
            { apiGroups: [""], resources: ["events"], verbs: ["get", "list", "watch"] },
            { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["get", "list", "watch"] },
        ],
    };
}

export function eventsClusterRoleBinding(s: EventsCollectorSettings): Obj<T.rbac.v1.ClusterRoleBinding> {
    const n = eventsNames(s.agent);
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: n.name, labels: eventsLabels(s) },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: n.name },
        subjects: [{ kind: "ServiceAccount", name: n.name, namespace: s.namespace }],
    };
}

/** The Lease the replicas elect a watcher with: its own namespace, its own name. */
export function eventsLeaseRole(s: EventsCollectorSettings): Obj<T.rbac.v1.Role> {
    const n = eventsNames(s.agent);
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { name: n.name, namespace: s.namespace, labels: eventsLabels(s) },
        rules: [
            // create cannot be limited by name (the object does not exist yet when it is checked).
            { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
            { apiGroups: ["coordination.k8s.io"], resources: ["leases"], resourceNames: [n.name], verbs: ["get", "update"] },
        ],
    };
}

export function eventsLeaseRoleBinding(s: EventsCollectorSettings): Obj<T.rbac.v1.RoleBinding> {
    const n = eventsNames(s.agent);
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: n.name, namespace: s.namespace, labels: eventsLabels(s) },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: n.name },
        subjects: [{ kind: "ServiceAccount", name: n.name, namespace: s.namespace }],
    };
}

export function eventsConfigMap(s: EventsCollectorSettings, yaml: string): Obj<T.core.v1.ConfigMap> {
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: eventsNames(s.agent).config, namespace: s.namespace, labels: eventsLabels(s) },
        data: { "config.yaml": yaml },
    };
}

export function eventsDeployment(s: EventsCollectorSettings, configChecksum: string): Obj<T.apps.v1.Deployment> {
    const n = eventsNames(s.agent);
    const health: T.core.v1.HTTPGetAction = { path: "/", port: EVENTS_HEALTH_PORT, scheme: "HTTP" };
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: n.name, namespace: s.namespace, labels: eventsLabels(s) },
        spec: {
            // Two pods, one watcher: the Lease decides which (eventsCollectorConfig).
            replicas: EVENTS_REPLICAS,
            // A rollout replaces one pod at a time, so a Lease holder or its successor is always up.
            strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
            selector: { matchLabels: selector(s) },
            template: {
                metadata: { labels: eventsLabels(s), annotations: { "vector-fleet.dev/config-sha256": configChecksum } },
                spec: {
                    serviceAccountName: n.name,
                    automountServiceAccountToken: true,
                    securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } },
                    containers: [
                        {
                            name: "otelcol",
                            image: s.image,
                            args: ["--config=/etc/otelcol/config.yaml"],
                            env: [{ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }],
                            ports: [{ name: "health", containerPort: EVENTS_HEALTH_PORT, protocol: "TCP" }],
                            resources: { requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } },
                            securityContext: {
                                runAsNonRoot: true,
                                readOnlyRootFilesystem: true,
                                allowPrivilegeEscalation: false,
                                privileged: false,
                                capabilities: { drop: ["ALL"] },
                            },
                            livenessProbe: { httpGet: health, periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 3 },
                            readinessProbe: { httpGet: health, periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 2 },
                            volumeMounts: [{ name: "config", mountPath: "/etc/otelcol", readOnly: true }],
                        },
                    ],
                    volumes: [{ name: "config", configMap: { name: n.config } }],
                },
            },
        },
    };
}

/** Out: DNS, the API server, the agents' events port (node addresses, so the port only). In: nothing. */
export function eventsNetworkPolicy(s: EventsCollectorSettings, apiServer: { cidrs: string[]; ports: number[] }): NetworkPolicy {
    const n = eventsNames(s.agent);
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: n.name, namespace: s.namespace, labels: eventsLabels(s) },
        spec: {
            podSelector: { matchLabels: selector(s) },
            policyTypes: ["Ingress", "Egress"],
            ingress: [],
            egress: [
                dnsEgress(),
                { to: apiServer.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: apiServer.ports.map((port) => ({ protocol: "TCP", port })) },
                { ports: [{ protocol: "TCP", port: s.grpcPort }] },
            ],
        },
    };
}

export interface KubernetesEventsArgs {
    /** The stack's explicit Kubernetes provider. Required: never the ambient default, which could be any cluster. */
    provider: k8s.Provider;
    /** Which agent the events go to, its namespace, the image and the agent's events port. Required: the collector has nowhere else to send. */
    settings: EventsCollectorSettings;
    /**
     * API server endpoints for the collector's NetworkPolicy.
     * @default none: no NetworkPolicy, as for the agent when networkPolicy.enabled is false.
     */
    networkPolicy?: { apiServer: { cidrs: string[]; ports: number[] } };
}

/**
 * The collector's config as the ConfigMap holds it, each distinct config written once per process:
 * `yaml`'s stringify of it is most of the component's cost, and a render of a fleet writes the same
 * config for every cluster with the same settings. The text depends on the config alone.
 */
const collectorYamls = new Map<string, string>();
const COLLECTOR_YAMLS_KEPT = 100;

export function eventsCollectorYaml(s: EventsCollectorSettings): string {
    const config = eventsCollectorConfig(s);
    const key = JSON.stringify(config);
    let yaml = collectorYamls.get(key);
    if (yaml === undefined) {
        yaml = stringify(config, { lineWidth: 0 });
        if (collectorYamls.size >= COLLECTOR_YAMLS_KEPT) collectorYamls.clear();
        collectorYamls.set(key, yaml);
    }
    return yaml;
}

/** The events collector and its grants; the program creates it beside the agent when `agent.events.enabled`. */
export class KubernetesEvents extends pulumi.ComponentResource {
    constructor(name: string, args: KubernetesEventsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vector-fleet:index:KubernetesEvents", name, {}, opts);
        const s = args.settings;
        const child = { parent: this, provider: args.provider };
        const yaml = eventsCollectorYaml(s);
        const sa = new k8s.core.v1.ServiceAccount(`${name}-serviceaccount`, eventsServiceAccount(s), child);
        const role = new k8s.rbac.v1.ClusterRole(`${name}-clusterrole`, eventsClusterRole(s), child);
        const binding = new k8s.rbac.v1.ClusterRoleBinding(`${name}-clusterrolebinding`, eventsClusterRoleBinding(s), { ...child, dependsOn: [role, sa] });
        const leaseRole = new k8s.rbac.v1.Role(`${name}-lease-role`, eventsLeaseRole(s), child);
        const leaseBinding = new k8s.rbac.v1.RoleBinding(`${name}-lease-rolebinding`, eventsLeaseRoleBinding(s), { ...child, dependsOn: [leaseRole, sa] });
        const cm = new k8s.core.v1.ConfigMap(`${name}-config`, eventsConfigMap(s, yaml), child);
        new k8s.apps.v1.Deployment(`${name}-deployment`, eventsDeployment(s, sha256(yaml)), { ...child, dependsOn: [cm, binding, leaseBinding] });
        if (args.networkPolicy) new k8s.networking.v1.NetworkPolicy(`${name}-networkpolicy`, eventsNetworkPolicy(s, args.networkPolicy.apiServer), child);
        this.registerOutputs({});
    }
}
