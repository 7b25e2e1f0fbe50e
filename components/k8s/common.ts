import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** A container's requests and limits, as Kubernetes quantities ("500m", "512Mi"). */
export interface ContainerResources {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
}

export type Obj<T> = T & { metadata: k8s.types.input.meta.v1.ObjectMeta & { name: string } };

/** The recommended labels every object of the fleet carries, by the part of the fleet it belongs to. */
export function fleetLabels(component: "agent" | "aggregator" | "monitoring"): Record<string, string> {
    return {
        "app.kubernetes.io/name": "vector",
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": "vector-fleet",
        "app.kubernetes.io/managed-by": "pulumi",
    };
}

/** fleetLabels plus `instance`: the component's name, so two instances never select each other's pods. */
export function appLabels(component: "agent" | "aggregator", instance: string): Record<string, string> {
    return { ...fleetLabels(component), "app.kubernetes.io/instance": instance };
}

/** The subset of appLabels that is stable for the life of a workload (selectors are immutable). */
export function selectorLabels(component: "agent" | "aggregator", instance: string): Record<string, string> {
    const l = appLabels(component, instance);
    return {
        "app.kubernetes.io/name": l["app.kubernetes.io/name"],
        "app.kubernetes.io/component": l["app.kubernetes.io/component"],
        "app.kubernetes.io/instance": l["app.kubernetes.io/instance"],
    };
}

export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

/** A namespace with Pod Security Admission enforcing (and warning at) the given level. */
export function namespaceObject(name: string, level: PodSecurityLevel, labels: Record<string, string>): Obj<k8s.types.input.core.v1.Namespace> {
    return {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
            name,
            labels: {
                ...labels,
                "pod-security.kubernetes.io/enforce": level,
                "pod-security.kubernetes.io/enforce-version": "latest",
                "pod-security.kubernetes.io/warn": level,
                "pod-security.kubernetes.io/audit": level,
            },
        },
    };
}

/**
 * A ServiceAccount that hands no token to its pods by default: a pod that calls the API (the agent)
 * asks for one in its own spec, every other pod goes without.
 */
export function serviceAccountObject(name: string, namespace: string, labels: Record<string, string>): Obj<k8s.types.input.core.v1.ServiceAccount> {
    return { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace, labels }, automountServiceAccountToken: false };
}

/** SHA-256 over the given parts, for checksum annotations that roll pods when content changes. */
export function sha256(...parts: string[]): string {
    const h = createHash("sha256");
    for (const p of parts) h.update(p).update("\0");
    return h.digest("hex");
}

/**
 * A checksum annotation over credentials. A digest of high-entropy keys and tokens reveals
 * nothing about them; marking it plain keeps the workload readable in previews while still
 * rolling its pods when a credential rotates.
 */
export function credentialsChecksum(...parts: pulumi.Input<string>[]): pulumi.Output<string> {
    return pulumi.unsecret(pulumi.all(parts).apply((values) => sha256(...values)));
}

/** The pod identity Vector reads from its environment (`kubernetes_logs` needs the node name). */
export function vectorSelfEnv(): k8s.types.input.core.v1.EnvVar[] {
    const fieldEnv = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
    return [
        fieldEnv("VECTOR_SELF_NODE_NAME", "spec.nodeName"),
        fieldEnv("VECTOR_SELF_POD_NAME", "metadata.name"),
        fieldEnv("VECTOR_SELF_POD_NAMESPACE", "metadata.namespace"),
    ];
}

/**
 * Probes against Vector's `/health`. A startup probe holds the others off while Vector loads
 * (longer for aggregators, which replay disk buffers); then liveness restarts a hung process
 * after a minute and readiness takes it out of Services within 15 s.
 */
export function vectorProbes(
    health: k8s.types.input.core.v1.HTTPGetAction,
    startupFailureThreshold: number,
): Pick<k8s.types.input.core.v1.Container, "startupProbe" | "livenessProbe" | "readinessProbe"> {
    return {
        startupProbe: { httpGet: health, periodSeconds: 2, failureThreshold: startupFailureThreshold, timeoutSeconds: 2 },
        livenessProbe: { httpGet: health, periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 3 },
        readinessProbe: { httpGet: health, periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 2 },
    };
}
