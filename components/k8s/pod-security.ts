/**
 * Pod Security admission's checks for the baseline and restricted levels, as the admission
 * controller applies them (kubernetes/kubernetes staging/src/k8s.io/pod-security-admission/policy/
 * check_<id>.go; each rule below names its file). The fleet's namespaces enforce with
 * `enforce-version: latest`, so every check of the newest release we know is applied, including
 * those added after Kubernetes 1.32 (marked `since`).
 *
 * Pure: a pod spec in, the IDs and reasons of the checks it fails out. The tests run it over every
 * rendered namespace and the pod templates it holds; nothing here is deployed.
 */
import type * as k8s from "@pulumi/kubernetes";

export type Level = "privileged" | "baseline" | "restricted";

/** The plain (resolved) pod spec fields the checks read. */
type PodSpec = k8s.types.output.core.v1.PodSpec;
type Container = k8s.types.output.core.v1.Container;
type SecurityContext = k8s.types.output.core.v1.SecurityContext;
type PodSecurityContext = k8s.types.output.core.v1.PodSecurityContext;

export interface PodSecurityCheck {
    /** The check's ID in pod-security-admission (check_<id>.go). */
    id: string;
    level: Exclude<Level, "privileged">;
    /** Kubernetes minor version that introduced it, when later than 1.0. */
    since?: string;
    /** Why the pod fails, or undefined when it passes. */
    check(pod: PodSpec, annotations: Record<string, string>): string | undefined;
}

/** Every container the policy visits: init, regular and ephemeral (policy/visitor.go, visitContainers). */
function containers(pod: PodSpec): Container[] {
    return [...(pod.initContainers ?? []), ...(pod.containers ?? []), ...((pod.ephemeralContainers ?? []) as unknown as Container[])];
}

function failing(pod: PodSpec, bad: (c: Container, sc: SecurityContext | undefined) => boolean, what: string): string | undefined {
    const names = containers(pod)
        .filter((c) => bad(c, c.securityContext))
        .map((c) => c.name);
    return names.length > 0 ? `container(s) ${names.join(", ")} ${what}` : undefined;
}

/** check_capabilities_baseline.go: capabilities_allowed_1_0. */
export const BASELINE_CAPABILITIES = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/** check_seLinuxOptions.go: the container types baseline admits (container_engine_t since 1.31). */
const SELINUX_TYPES = ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"];

/** check_sysctls.go: the safe sysctls, cumulative up to the newest version step (1.32: tcp_rmem/wmem). */
const SAFE_SYSCTLS = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
];

/** check_restrictedVolumes.go: the volume sources restricted admits. */
export const RESTRICTED_VOLUME_TYPES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

const seccompType = (sc: SecurityContext | PodSecurityContext | undefined) => sc?.seccompProfile?.type;

export const POD_SECURITY_CHECKS: PodSecurityCheck[] = [
    // ---- baseline ----
    {
        id: "hostNamespaces",
        level: "baseline",
        check: (pod) => {
            const on = (["hostNetwork", "hostPID", "hostIPC"] as const).filter((f) => pod[f] === true);
            return on.length > 0 ? `${on.join(", ")} must not be true` : undefined;
        },
    },
    { id: "privileged", level: "baseline", check: (pod) => failing(pod, (_c, sc) => sc?.privileged === true, "must not set securityContext.privileged=true") },
    {
        id: "capabilities_baseline",
        level: "baseline",
        check: (pod) =>
            failing(pod, (_c, sc) => (sc?.capabilities?.add ?? []).some((c) => !BASELINE_CAPABILITIES.includes(c)), "add capabilities beyond the default set"),
    },
    {
        id: "hostPathVolumes",
        level: "baseline",
        check: (pod) => {
            const names = (pod.volumes ?? []).filter((v) => v.hostPath !== undefined && v.hostPath !== null).map((v) => v.name);
            return names.length > 0 ? `hostPath volume(s) ${names.join(", ")}` : undefined;
        },
    },
    {
        id: "hostPorts",
        level: "baseline",
        check: (pod) =>
            failing(pod, (c) => (c.ports ?? []).some((p) => (p.hostPort ?? 0) !== 0), "use hostPort (with hostNetwork, every containerPort is one)"),
    },
    {
        id: "appArmorProfile",
        level: "baseline",
        check: (pod, annotations) => {
            const bad = (t: string | undefined) => t !== undefined && t !== "RuntimeDefault" && t !== "Localhost";
            const badAnnotation = Object.entries(annotations).some(
                ([k, v]) => k.startsWith("container.apparmor.security.beta.kubernetes.io/") && v !== "runtime/default" && !v.startsWith("localhost/"),
            );
            if (bad(pod.securityContext?.appArmorProfile?.type) || badAnnotation) return "an Unconfined AppArmor profile";
            return failing(pod, (_c, sc) => bad(sc?.appArmorProfile?.type), "set an Unconfined AppArmor profile");
        },
    },
    {
        id: "seLinuxOptions",
        level: "baseline",
        check: (pod) => {
            const bad = (o: { type?: string; user?: string; role?: string } | undefined) =>
                o !== undefined && (!SELINUX_TYPES.includes(o.type ?? "") || (o.user ?? "") !== "" || (o.role ?? "") !== "");
            if (bad(pod.securityContext?.seLinuxOptions)) return "pod seLinuxOptions outside the container types, or with a user or role";
            return failing(pod, (_c, sc) => bad(sc?.seLinuxOptions), "set seLinuxOptions outside the container types, or a user or role");
        },
    },
    {
        id: "procMount",
        level: "baseline",
        check: (pod) => failing(pod, (_c, sc) => sc?.procMount !== undefined && sc.procMount !== "Default", "set a procMount other than Default"),
    },
    {
        id: "seccompProfile_baseline",
        level: "baseline",
        check: (pod) => {
            if (seccompType(pod.securityContext) === "Unconfined") return "the pod's seccomp profile is Unconfined";
            return failing(pod, (_c, sc) => seccompType(sc) === "Unconfined", "set seccompProfile Unconfined");
        },
    },
    {
        id: "sysctls",
        level: "baseline",
        check: (pod) => {
            const bad = (pod.securityContext?.sysctls ?? []).map((s) => s.name).filter((n) => !SAFE_SYSCTLS.includes(n));
            return bad.length > 0 ? `unsafe sysctl(s) ${bad.join(", ")}` : undefined;
        },
    },
    {
        id: "windowsHostProcess",
        level: "baseline",
        check: (pod) =>
            pod.securityContext?.windowsOptions?.hostProcess === true
                ? "windowsOptions.hostProcess must not be true"
                : failing(pod, (_c, sc) => sc?.windowsOptions?.hostProcess === true, "set windowsOptions.hostProcess=true"),
    },
    {
        id: "hostProbesAndHostLifecycle",
        level: "baseline",
        since: "1.34",
        check: (pod) =>
            failing(
                pod,
                (c) =>
                    [c.livenessProbe, c.readinessProbe, c.startupProbe, c.lifecycle?.postStart, c.lifecycle?.preStop].some(
                        (h) => (h?.httpGet?.host ?? "") !== "" || (h?.tcpSocket?.host ?? "") !== "",
                    ),
                "set a host on a probe or lifecycle handler",
            ),
    },
    // ---- restricted ----
    {
        id: "restrictedVolumes",
        level: "restricted",
        check: (pod) => {
            const bad = (pod.volumes ?? [])
                .filter(
                    (v) =>
                        !Object.keys(v).some(
                            (k) => k !== "name" && RESTRICTED_VOLUME_TYPES.includes(k) && (v as unknown as Record<string, unknown>)[k] !== undefined,
                        ),
                )
                .map((v) => v.name);
            return bad.length > 0 ? `volume(s) ${bad.join(", ")} of a type restricted does not allow` : undefined;
        },
    },
    {
        id: "allowPrivilegeEscalation",
        level: "restricted",
        check: (pod) => failing(pod, (_c, sc) => sc?.allowPrivilegeEscalation !== false, "must set securityContext.allowPrivilegeEscalation=false"),
    },
    {
        id: "runAsNonRoot",
        level: "restricted",
        check: (pod) => {
            const podLevel = pod.securityContext?.runAsNonRoot;
            return failing(pod, (_c, sc) => (sc?.runAsNonRoot ?? podLevel) !== true, "must set runAsNonRoot=true (pod or container)");
        },
    },
    {
        id: "runAsUser",
        level: "restricted",
        check: (pod) => {
            if (pod.securityContext?.runAsUser === 0) return "the pod runs as uid 0";
            return failing(pod, (_c, sc) => sc?.runAsUser === 0, "set runAsUser=0");
        },
    },
    {
        id: "seccompProfile_restricted",
        level: "restricted",
        check: (pod) => {
            const ok = (t: string | undefined) => t === "RuntimeDefault" || t === "Localhost";
            const podLevel = seccompType(pod.securityContext);
            return failing(pod, (_c, sc) => !ok(seccompType(sc) ?? podLevel), "must set seccompProfile RuntimeDefault or Localhost (pod or container)");
        },
    },
    {
        id: "capabilities_restricted",
        level: "restricted",
        check: (pod) =>
            failing(
                pod,
                (_c, sc) => !(sc?.capabilities?.drop ?? []).includes("ALL") || (sc?.capabilities?.add ?? []).some((c) => c !== "NET_BIND_SERVICE"),
                "must drop ALL capabilities and add none but NET_BIND_SERVICE",
            ),
    },
];

/**
 * What the API server does to a pod before admission sees it, where it matters to a check: with
 * hostNetwork, a container port's hostPort defaults to its containerPort (kubernetes/kubernetes
 * pkg/apis/core/v1/defaults.go, SetDefaults_Pod).
 */
export function defaulted(pod: PodSpec): PodSpec {
    if (pod.hostNetwork !== true) return pod;
    const withHostPorts = (cs: Container[] | undefined) =>
        cs?.map((c) => ({ ...c, ports: c.ports?.map((p) => ({ ...p, hostPort: p.hostPort ?? p.containerPort })) }));
    return { ...pod, initContainers: withHostPorts(pod.initContainers)!, containers: withHostPorts(pod.containers)! };
}

/** `<check id>: <reason>` for every check of `level` (and the levels below it) the pod fails. */
export function podSecurityViolations(level: Level, pod: PodSpec, annotations: Record<string, string> = {}): string[] {
    if (level === "privileged") return [];
    const p = defaulted(pod);
    const applies = POD_SECURITY_CHECKS.filter((c) => c.level === "baseline" || level === "restricted");
    return applies.flatMap((c) => {
        const why = c.check(p, annotations);
        return why === undefined ? [] : [`${c.id}: ${why}`];
    });
}

/** The strictest level that admits every one of the pods. */
export function strictestAdmittingLevel(pods: Array<{ spec: PodSpec; annotations?: Record<string, string> }>): Level {
    for (const level of ["restricted", "baseline"] as const)
        if (pods.every((p) => podSecurityViolations(level, p.spec, p.annotations).length === 0)) return level;
    return "privileged";
}
