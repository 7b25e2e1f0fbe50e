/**
 * Pod Security admission over everything the fleet renders: each namespace's enforce level must
 * admit every pod template placed in it, by the checks the admission controller applies
 * (components/k8s/pod-security.ts, after kubernetes/kubernetes
 * staging/src/k8s.io/pod-security-admission/policy/check_*.go), and it must be the strictest level
 * that does, so no namespace is looser than its pods need.
 */
import { strict as assert } from "node:assert";
import type * as k8s from "@pulumi/kubernetes";
import { Level, podSecurityViolations, POD_SECURITY_CHECKS, strictestAdmittingLevel } from "../../../components/k8s/pod-security";
import { RenderedStack } from "../../../tools/render/render";
import { sharedRender } from "../../support/fleet";

type PodSpec = k8s.types.output.core.v1.PodSpec;
type Meta = { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };

interface Placed {
    id: string;
    namespace: string;
    spec: PodSpec;
    annotations: Record<string, string>;
}

const WORKLOADS = ["DaemonSet", "StatefulSet", "Deployment", "ReplicaSet", "Job"];

function placedPods(r: RenderedStack): Placed[] {
    return r.result.resources
        .filter((x) => x.custom && x.type.startsWith("kubernetes:") && !x.type.endsWith("Patch"))
        .filter((x) => WORKLOADS.includes(String(x.inputs.kind)))
        .map((x) => {
            const meta = x.inputs.metadata as Meta;
            const template = (x.inputs.spec as { template: { metadata?: Meta; spec: PodSpec } }).template;
            return {
                id: `${String(x.inputs.kind)} ${meta.namespace}/${meta.name}`,
                namespace: meta.namespace ?? "default",
                spec: template.spec,
                annotations: template.metadata?.annotations ?? {},
            };
        });
}

function namespaces(r: RenderedStack): Array<{ name: string; labels: Record<string, string> }> {
    return r.result.resources
        .filter((x) => x.type === "kubernetes:core/v1:Namespace")
        .map((x) => {
            const meta = x.inputs.metadata as Meta;
            return { name: meta.name!, labels: meta.labels ?? {} };
        });
}

describe("Pod Security admission: every namespace admits the pods it holds", () => {
    let fleet: RenderedStack[];
    before(async () => {
        fleet = await sharedRender();
    });

    it("checks at least one namespace and one pod template per stack", () => {
        for (const r of fleet) {
            assert.ok(namespaces(r).length > 0, r.stack);
            assert.ok(placedPods(r).length > 0, r.stack);
        }
    });

    it("every pod template lands in a namespace the stack creates, which enforces (and warns and audits) a level", () => {
        for (const r of fleet) {
            const ns = new Map(namespaces(r).map((n) => [n.name, n.labels]));
            for (const p of placedPods(r)) {
                const labels = ns.get(p.namespace);
                assert.ok(labels, `${r.stack}: ${p.id} is in a namespace the stack does not create`);
                const level = labels["pod-security.kubernetes.io/enforce"];
                assert.ok(["privileged", "baseline", "restricted"].includes(level), `${r.stack}: ${p.namespace} enforces ${level}`);
                assert.equal(labels["pod-security.kubernetes.io/warn"], level);
                assert.equal(labels["pod-security.kubernetes.io/audit"], level);
            }
        }
    });

    it("each namespace's enforce level admits every pod template in it, and is the strictest level that does", () => {
        const problems: string[] = [];
        for (const r of fleet) {
            const pods = placedPods(r);
            for (const n of namespaces(r)) {
                const level = n.labels["pod-security.kubernetes.io/enforce"] as Level;
                const here = pods.filter((p) => p.namespace === n.name);
                for (const p of here)
                    for (const v of podSecurityViolations(level, p.spec, p.annotations)) problems.push(`${r.stack}: ${p.id} fails ${level}: ${v}`);
                if (here.length > 0) {
                    const strictest = strictestAdmittingLevel(here);
                    if (strictest !== level) problems.push(`${r.stack}: namespace ${n.name} enforces ${level}, but its pods pass ${strictest}`);
                }
            }
        }
        assert.deepEqual(problems, []);
    });

    it("the aggregators pass restricted; the agent needs privileged, for exactly its host access", () => {
        const hub = fleet.find((r) => r.stack === "monitoring")!;
        const agg = placedPods(hub).find((p) => p.id.startsWith("StatefulSet"))!;
        assert.deepEqual(podSecurityViolations("restricted", agg.spec), []);
        const agent = placedPods(hub).find((p) => p.id.startsWith("DaemonSet"))!;
        const ids = podSecurityViolations("baseline", agent.spec).map((v) => v.split(":")[0]);
        // hostProbesAndHostLifecycle: the probes dial 127.0.0.1 explicitly (the API listens on loopback only).
        assert.deepEqual(ids, ["hostNamespaces", "hostPathVolumes", "hostPorts", "hostProbesAndHostLifecycle"]);
    });

    describe("the checks bite, each for its own field", () => {
        const good: PodSpec = {
            securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
                {
                    name: "c",
                    image: "i:1",
                    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                    ports: [{ containerPort: 80 }],
                },
            ],
            volumes: [{ name: "cfg", configMap: { name: "x" } }],
        } as unknown as PodSpec;
        const sc = (s: object): PodSpec => ({
            ...good,
            containers: [{ ...good.containers[0], securityContext: { ...good.containers[0].securityContext, ...s } }],
        });
        const cases: Array<[string, PodSpec, Level, string]> = [
            [
                "hostNetwork (no ports, so no defaulted hostPort)",
                { ...good, hostNetwork: true, containers: [{ name: "c", image: "i:1" }] } as unknown as PodSpec,
                "baseline",
                "hostNamespaces",
            ],
            ["hostPID", { ...good, hostPID: true }, "baseline", "hostNamespaces"],
            ["a privileged container", sc({ privileged: true }), "baseline", "privileged"],
            ["NET_RAW added", sc({ capabilities: { drop: ["ALL"], add: ["NET_RAW"] } }), "baseline", "capabilities_baseline"],
            ["a hostPath volume", { ...good, volumes: [{ name: "h", hostPath: { path: "/" } }] } as PodSpec, "baseline", "hostPathVolumes"],
            [
                "a hostPort",
                { ...good, containers: [{ ...good.containers[0], ports: [{ containerPort: 80, hostPort: 80 }] }] } as PodSpec,
                "baseline",
                "hostPorts",
            ],
            ["an Unconfined AppArmor profile", sc({ appArmorProfile: { type: "Unconfined" } }), "baseline", "appArmorProfile"],
            ["an SELinux type outside the container types", sc({ seLinuxOptions: { type: "spc_t" } }), "baseline", "seLinuxOptions"],
            ["an Unmasked procMount", sc({ procMount: "Unmasked" }), "baseline", "procMount"],
            ["an Unconfined seccomp profile", sc({ seccompProfile: { type: "Unconfined" } }), "baseline", "seccompProfile_baseline"],
            [
                "an unsafe sysctl",
                { ...good, securityContext: { ...good.securityContext, sysctls: [{ name: "kernel.msgmax", value: "1" }] } },
                "baseline",
                "sysctls",
            ],
            ["a Windows host process", sc({ windowsOptions: { hostProcess: true } }), "baseline", "windowsHostProcess"],
            [
                "a probe host (1.34+)",
                { ...good, containers: [{ ...good.containers[0], livenessProbe: { httpGet: { host: "10.0.0.1", port: 80 } } }] } as PodSpec,
                "baseline",
                "hostProbesAndHostLifecycle",
            ],
            [
                "a hostPath-free but non-restricted volume (nfs)",
                { ...good, volumes: [{ name: "n", nfs: { server: "s", path: "/" } }] } as PodSpec,
                "restricted",
                "restrictedVolumes",
            ],
            ["allowPrivilegeEscalation unset", sc({ allowPrivilegeEscalation: undefined }), "restricted", "allowPrivilegeEscalation"],
            ["runAsNonRoot false on the container", sc({ runAsNonRoot: false }), "restricted", "runAsNonRoot"],
            ["uid 0 on the container", sc({ runAsUser: 0 }), "restricted", "runAsUser"],
            ["no seccomp profile anywhere", { ...good, securityContext: { runAsNonRoot: true } } as PodSpec, "restricted", "seccompProfile_restricted"],
            ["capabilities not dropped", sc({ capabilities: {} }), "restricted", "capabilities_restricted"],
            [
                "NET_BIND_SERVICE beside another added capability",
                sc({ capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE", "CHOWN"] } }),
                "restricted",
                "capabilities_restricted",
            ],
        ];

        it("a well-formed restricted pod passes every check", () => {
            assert.deepEqual(podSecurityViolations("restricted", good), []);
            assert.equal(strictestAdmittingLevel([{ spec: good }]), "restricted");
        });

        for (const [what, pod, level, id] of cases) {
            it(`${level} refuses ${what} (${id})`, () => {
                assert.deepEqual(
                    podSecurityViolations(level, pod).map((v) => v.split(":")[0]),
                    [id],
                );
                assert.deepEqual(podSecurityViolations("privileged", pod), []);
            });
        }

        it("with hostNetwork a containerPort is a hostPort, as the API server defaults it", () => {
            const ids = podSecurityViolations("baseline", { ...good, hostNetwork: true }).map((v) => v.split(":")[0]);
            assert.deepEqual(ids, ["hostNamespaces", "hostPorts"]);
        });

        it("has a case for every check it implements", () => {
            assert.deepEqual([...new Set(cases.map((c) => c[3]))].sort(), POD_SECURITY_CHECKS.map((c) => c.id).sort());
        });
    });
});
