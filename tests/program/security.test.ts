/**
 * Walks everything the fleet renders (every object of every stack, every stack output, every file
 * written to out/) and proves the security properties SECURITY.md claims. Mocked secrets carry
 * SECRET_MARKER, so finding the marker anywhere but in a Secret is a leak.
 */
import { strict as assert } from "node:assert";
import { parse as parseToml } from "smol-toml";
import { RenderedStack } from "../../tools/render/render";
import { RegisteredResource, SECRET_MARKER } from "../../tools/render/simulator";
import { sharedRender } from "../support/fleet";

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);
const get = (x: unknown, ...path: string[]): unknown => path.reduce<unknown>((v, k) => (isObj(v) ? v[k] : undefined), x);

function k8sObjects(r: RenderedStack): RegisteredResource[] {
    return r.result.resources.filter((x) => x.custom && x.type.startsWith("kubernetes:") && !x.type.startsWith("pulumi:providers:"));
}
const kind = (x: RegisteredResource) => x.type.split(":").pop()!;
const id = (x: RegisteredResource) => `${kind(x)} ${String(get(x.inputs, "metadata", "namespace") ?? "")}/${String(get(x.inputs, "metadata", "name"))}`;

/** Every place in a value that contains the marker, as dotted paths. */
function markerPaths(x: unknown, path = ""): string[] {
    if (typeof x === "string") return x.includes(SECRET_MARKER) ? [path || "."] : [];
    if (Array.isArray(x)) return x.flatMap((v, i) => markerPaths(v, `${path}[${i}]`));
    if (isObj(x)) return Object.entries(x).flatMap(([k, v]) => markerPaths(v, path ? `${path}.${k}` : k));
    return [];
}

interface Workload {
    id: string;
    pod: Obj;
    containers: Obj[];
}
function workloads(r: RenderedStack): Workload[] {
    return k8sObjects(r)
        .filter((x) => ["DaemonSet", "StatefulSet", "Deployment"].includes(kind(x)) && !x.type.endsWith("Patch"))
        .map((x) => {
            const pod = get(x.inputs, "spec", "template", "spec") as Obj;
            return { id: id(x), pod, containers: [...((pod.initContainers as Obj[] | undefined) ?? []), ...(pod.containers as Obj[])] };
        });
}

function vectorConfigs(r: RenderedStack): Array<[string, Obj]> {
    return k8sObjects(r)
        .filter((x) => kind(x) === "ConfigMap" && isObj(get(x.inputs, "data")) && typeof get(x.inputs, "data", "vector.toml") === "string")
        .map((x) => [id(x), parseToml(get(x.inputs, "data", "vector.toml") as string) as Obj]);
}

describe("security: a walk over everything the fleet renders", () => {
    let fleet: RenderedStack[];
    before(async () => {
        fleet = await sharedRender();
    });
    const each = (fn: (r: RenderedStack) => void) => () => {
        // Whatever stacks the repository has; a hub among them renders both tiers, so no walk is vacuous.
        assert.ok(
            fleet.some((r) => r.result.resources.some((x) => x.type === "vector-fleet:index:VectorAggregator")),
            "no stack renders the aggregators",
        );
        for (const r of fleet) fn(r);
    };

    describe("secrets", () => {
        it(
            "no secret value in any object but a Secret: no ConfigMap, no env literal, no annotation, no CRD",
            each((r) => {
                for (const x of k8sObjects(r)) {
                    if (kind(x) === "Secret") continue;
                    assert.deepEqual(markerPaths(x.inputs), [], `${r.stack}: ${id(x)} carries a secret value`);
                    assert.deepEqual(x.secretPaths, [], `${r.stack}: ${id(x)} has secret inputs`);
                }
            }),
        );

        it(
            "the TLS keys and the remote-write token are in Secrets, and only there, as secret inputs",
            each((r) => {
                const secrets = k8sObjects(r).filter((x) => kind(x) === "Secret");
                const holding = secrets.flatMap((x) => markerPaths(x.inputs).map((p) => `${id(x)} ${p}`));
                const agent = [
                    "Secret vector-system/vector-agent-credentials stringData.remote_write_token",
                    "Secret vector-system/vector-agent-credentials stringData.tls.key",
                ];
                // A hub also holds its server key; no other cluster's token (its aggregators compare digests).
                const expected =
                    r.result.outputs.values.role === "hub" ? [...agent, "Secret vector-aggregator/vector-aggregator-tls stringData.tls.key"] : agent;
                assert.deepEqual(holding.sort(), expected.sort(), r.stack);
                for (const s of secrets) assert.deepEqual(s.secretPaths, ["stringData"], `${r.stack}: ${id(s)} is not a secret input`);
            }),
        );

        it(
            "no container takes a credential from an env literal; Vector reads them from mounted files",
            each((r) => {
                for (const w of workloads(r)) {
                    for (const c of w.containers) {
                        for (const e of (c.env as Obj[] | undefined) ?? []) {
                            assert.ok(
                                !/TOKEN|KEY|PASSWORD|SECRET|CREDENTIAL/i.test(String(e.name)) || e.value === undefined,
                                `${r.stack}: ${w.id} env ${String(e.name)} is a literal`,
                            );
                        }
                    }
                }
            }),
        );

        it(
            "no stack exports a secret (a StackReference stores every output in the reader's state), and no output carries one",
            each((r) => {
                const { values, secretNames } = r.result.outputs;
                for (const [k, v] of Object.entries(values)) {
                    if (!secretNames.includes(k)) assert.deepEqual(markerPaths(v), [], `${r.stack}: output ${k} is plain but carries a secret`);
                }
                assert.deepEqual(secretNames, [], r.stack);
            }),
        );

        it(
            "no file written to out/ contains a secret; Secrets appear with their keys and redacted values",
            each((r) => {
                for (const [name, content] of Object.entries(r.files)) assert.ok(!content.includes(SECRET_MARKER), `${r.stack}/${name}`);
                assert.match(r.files["manifests.yaml"], /remote_write_token: "<redacted: \d+ bytes, known after deploy>"/);
                assert.doesNotMatch(r.files["outputs.json"], /\[secret\]/, r.stack);
            }),
        );
    });

    describe("TLS", () => {
        it(
            "every connection between clusters is TLS with the certificate verified; the listeners demand client certificates",
            each((r) => {
                for (const [where, cfg] of vectorConfigs(r)) {
                    for (const [section, types] of [
                        ["sinks", ["vector", "prometheus_remote_write"]],
                        ["sources", ["vector", "prometheus_remote_write"]],
                    ] as const) {
                        for (const [name, c] of Object.entries((cfg[section] as Obj | undefined) ?? {})) {
                            if (!isObj(c) || !(types as readonly string[]).includes(String(c.type))) continue;
                            const tls = get(c, "tls");
                            const at = `${r.stack}: ${where} ${section}.${name}`;
                            // The aggregators' own remote write to an in-cluster Prometheus is the one plain-HTTP hop (SECURITY.md).
                            if (section === "sinks" && c.type === "prometheus_remote_write" && String(c.endpoint).startsWith("http://")) {
                                assert.ok(String(c.endpoint).includes(".svc.cluster.local"), `${at}: plain HTTP outside the cluster`);
                                continue;
                            }
                            assert.ok(isObj(tls), `${at}: no TLS`);
                            assert.equal(tls.verify_certificate, true, `${at}: certificate not verified`);
                            assert.ok(tls.ca_file && tls.crt_file && tls.key_file, `${at}: CA, certificate and key must all be set`);
                            if (section === "sinks") {
                                assert.equal(tls.verify_hostname, true, `${at}: hostname not verified`);
                                const endpoints = c.type === "vector" ? (get(c, "routing", "endpoints") as string[]) : [String(c.endpoint)];
                                for (const e of endpoints) assert.match(e, /^https:\/\//, `${at}: ${e}`);
                            } else {
                                assert.equal(tls.enabled, true, `${at}: listener without TLS`);
                            }
                        }
                    }
                }
            }),
        );

        it(
            "verification is never switched off, except the kubelet's hostname (its serving certificate does not name 127.0.0.1)",
            each((r) => {
                for (const [where, cfg] of vectorConfigs(r)) {
                    const offs: string[] = [];
                    for (const section of ["sources", "sinks"]) {
                        for (const [name, c] of Object.entries((cfg[section] as Obj | undefined) ?? {})) {
                            const tls = get(c, "tls");
                            if (!isObj(tls)) continue;
                            if (tls.verify_certificate === false) offs.push(`${section}.${name}.verify_certificate`);
                            if (tls.verify_hostname === false) offs.push(`${section}.${name}.verify_hostname`);
                        }
                    }
                    assert.deepEqual(offs, where.includes("agent") ? ["sources.kubelet_cadvisor.verify_hostname"] : [], `${r.stack}: ${where}`);
                }
            }),
        );
    });

    describe("pod hardening", () => {
        it(
            "every container: no privilege, no escalation, all capabilities dropped, read-only root, requests and limits",
            each((r) => {
                for (const w of workloads(r)) {
                    assert.deepEqual(get(w.pod, "securityContext", "seccompProfile"), { type: "RuntimeDefault" }, `${r.stack}: ${w.id}`);
                    for (const c of w.containers) {
                        const at = `${r.stack}: ${w.id} ${String(c.name)}`;
                        assert.deepEqual(
                            {
                                privileged: get(c, "securityContext", "privileged"),
                                allowPrivilegeEscalation: get(c, "securityContext", "allowPrivilegeEscalation"),
                                readOnlyRootFilesystem: get(c, "securityContext", "readOnlyRootFilesystem"),
                                drop: get(c, "securityContext", "capabilities", "drop"),
                                add: get(c, "securityContext", "capabilities", "add"),
                            },
                            { privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, drop: ["ALL"], add: undefined },
                            at,
                        );
                        for (const k of ["requests", "limits"])
                            for (const res of ["cpu", "memory"]) assert.ok(get(c, "resources", k, res), `${at}: no ${k}.${res}`);
                    }
                }
            }),
        );

        it("aggregators: non-root, no service-account token, in a namespace that enforces the restricted Pod Security level", () => {
            const hub = fleet.find((r) => r.stack === "monitoring")!;
            const agg = workloads(hub).find((w) => w.id.startsWith("StatefulSet"))!;
            assert.equal(get(agg.pod, "securityContext", "runAsNonRoot"), true);
            assert.equal(agg.pod.automountServiceAccountToken, false);
            assert.equal(agg.pod.hostNetwork, undefined);
            const ns = k8sObjects(hub).find((x) => id(x) === "Namespace /vector-aggregator")!;
            assert.equal(get(ns.inputs, "metadata", "labels", "pod-security.kubernetes.io/enforce"), "restricted");
        });

        it(
            "agents: the documented exceptions only: root without capabilities, host network, host paths read-only but the data dir, a token for the API",
            each((r) => {
                const agent = workloads(r).find((w) => w.id.startsWith("DaemonSet"))!;
                const c = agent.containers.find((x) => x.name === "vector")!;
                // The init container that writes the node's address runs as nobody, with no host path.
                for (const other of agent.containers.filter((x) => x !== c))
                    assert.equal(get(other, "securityContext", "runAsNonRoot"), true, String(other.name));
                assert.equal(get(c, "securityContext", "runAsUser"), 0);
                assert.equal(agent.pod.hostNetwork, true);
                assert.equal(agent.pod.hostPID, undefined);
                assert.equal(agent.pod.automountServiceAccountToken, true);
                const hostPaths = new Set(((agent.pod.volumes as Obj[]) ?? []).filter((v) => v.hostPath).map((v) => String(v.name)));
                const writable = ((c.volumeMounts as Obj[]) ?? [])
                    .filter((m) => hostPaths.has(String(m.name)) && m.readOnly !== true)
                    .map((m) => String(m.mountPath));
                assert.deepEqual(writable, ["/vector-data-dir"], `${r.stack}: writable host paths`);
                const ns = k8sObjects(r).find((x) => id(x) === "Namespace /vector-system")!;
                assert.equal(get(ns.inputs, "metadata", "labels", "pod-security.kubernetes.io/enforce"), "privileged");
            }),
        );

        it(
            "service-account tokens are mounted only where used: no ServiceAccount automounts, only the agent pod and the events collector ask",
            each((r) => {
                for (const x of k8sObjects(r).filter((o) => kind(o) === "ServiceAccount"))
                    assert.equal(get(x.inputs, "automountServiceAccountToken"), false, id(x));
                const asking = workloads(r)
                    .filter((w) => w.pod.automountServiceAccountToken !== false)
                    .map((w) => w.id);
                // The events collector (agent.events) is the one other reader of the API: events only.
                assert.deepEqual(
                    asking.filter((w) => w !== "Deployment vector-system/vector-agent-events-collector"),
                    ["DaemonSet vector-system/vector-agent"],
                );
            }),
        );
    });
});
