import { strict as assert } from "node:assert";
import {
    agentClusterRole,
    agentClusterRoleBinding,
    agentConfigMap,
    agentDaemonSet,
    agentNames,
    agentNamespace,
    AgentObjectSettings,
    agentSecret,
    agentServiceAccount,
} from "../../../components/agent/manifests";
import { AGENT_PATHS, AGENT_PORTS, AgentPipelineSettings, buildAgentPipeline } from "../../../components/agent/pipeline";
import { selectorLabels, sha256 } from "../../../components/k8s/common";
import { toToml } from "../../../components/vector/toml";
import { arr, at, isObj, json, Json, obj, str } from "../../support/json";
import { snapshots } from "../../support/snapshot";

const matchSnapshot = snapshots(__filename);

// ---- fixtures ---------------------------------------------------------------------------------

const SETTINGS: AgentObjectSettings = {
    name: "vector-agent",
    namespace: "vector-system",
    image: "timberio/vector:0.59.0-distroless-libc",
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
    kubeletScrape: true,
};
const CHECKSUMS = { config: "c0ffee", credentials: "d00d" };

const PIPELINE: AgentPipelineSettings = {
    cluster: { name: "dev", environment: "development", region: "hel1" },
    namespace: "vector-system",
    excludedNamespaces: [],
    hostMetrics: { collectors: ["cpu", "memory"], scrapeIntervalSecs: 30 },
    maxMergedLineBytes: 131072,
    kubelet: { enabled: true, scrapeIntervalSecs: 30 },
    extraLabels: {},
    buffers: { logsMaxBytes: 268435488, metricsMaxEvents: 50_000 },
    aggregatorEndpoint: "https://10.0.64.250:6000",
    remoteWriteUrl: "https://10.0.64.250:9201/api/v1/write",
};

const SECRET_DATA = { clientCertPem: "-----BEGIN CERTIFICATE-----\nc\n", clientKeyPem: "-----BEGIN PRIVATE KEY-----\nk\n", remoteWriteToken: "t0ken" };

/** Every object of one agent instance, as components/agent/index.ts creates them. */
function allObjects(s: AgentObjectSettings) {
    return [
        agentNamespace(s),
        agentServiceAccount(s),
        agentClusterRole(s),
        agentClusterRoleBinding(s),
        agentConfigMap(s, "toml", "ca"),
        agentSecret(s, SECRET_DATA),
        agentDaemonSet(s, CHECKSUMS),
    ];
}
const CLUSTER_SCOPED = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding"]);

const podSpec = (s = SETTINGS) => obj(at(json(agentDaemonSet(s, CHECKSUMS)), "spec", "template", "spec"));
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
const volume = (name: string, s = SETTINGS) => {
    const v = arr(podSpec(s).volumes)
        .map((x) => obj(x))
        .find((x) => x.name === name);
    assert.ok(v, `no volume ${name}`);
    return v;
};
/** Is `path` the directory `dir` or below it (by path segment, not by string prefix)? */
const within = (path: string, dir: string) => path === dir || path.startsWith(dir.endsWith("/") ? dir : `${dir}/`);

// ---- names and small objects ------------------------------------------------------------------

describe("agent objects", () => {
    it("derives every object name and the host data dir from the instance name", () => {
        assert.deepEqual(agentNames("vector-agent"), {
            serviceAccount: "vector-agent",
            clusterRole: "vector-agent",
            config: "vector-agent-config",
            secret: "vector-agent-credentials",
            daemonSet: "vector-agent",
            hostDataDir: "/var/lib/vector-fleet/vector-agent",
        });
    });

    it("puts the agent in a privileged namespace (host paths, host network)", () => {
        const ns = json(agentNamespace(SETTINGS));
        matchSnapshot("namespace.yaml", ns);
        for (const mode of ["enforce", "warn", "audit"]) assert.equal(at(ns, "metadata", "labels", `pod-security.kubernetes.io/${mode}`), "privileged");
    });

    it("creates a service account that mounts no token by itself", () => {
        const sa = json(agentServiceAccount(SETTINGS));
        matchSnapshot("serviceaccount.yaml", sa);
        assert.equal(at(sa, "automountServiceAccountToken"), false);
    });

    it("grants read access to pods, namespaces and nodes, plus get nodes/metrics for the kubelet scrape", () => {
        const role = json(agentClusterRole(SETTINGS));
        matchSnapshot("clusterrole.yaml", role);
        assert.deepEqual(arr(at(role, "rules"))[1], { apiGroups: [""], resources: ["nodes/metrics"], verbs: ["get"] });
    });

    it("without the kubelet scrape, has no nodes/metrics rule", () => {
        const rules = arr(at(json(agentClusterRole({ ...SETTINGS, kubeletScrape: false })), "rules"));
        assert.deepEqual(rules, [{ apiGroups: [""], resources: ["namespaces", "nodes", "pods"], verbs: ["get", "list", "watch"] }]);
    });

    it("never grants write verbs, secrets, nodes/proxy or nodes/stats", () => {
        for (const kubeletScrape of [true, false]) {
            for (const r of arr(at(json(agentClusterRole({ ...SETTINGS, kubeletScrape })), "rules"))) {
                const rule = obj(r);
                for (const v of arr(rule.verbs)) assert.ok(["get", "list", "watch"].includes(str(v)), `verb ${v}`);
                for (const res of arr(rule.resources)) assert.ok(!["secrets", "nodes/proxy", "nodes/stats", "*"].includes(str(res)), `resource ${res}`);
            }
        }
    });

    it("binds the cluster role to the agent's service account in its namespace", () => {
        const binding = json(agentClusterRoleBinding(SETTINGS));
        matchSnapshot("clusterrolebinding.yaml", binding);
        assert.deepEqual(at(binding, "subjects"), [{ kind: "ServiceAccount", name: "vector-agent", namespace: "vector-system" }]);
    });

    it("ships the config and the public CA in a ConfigMap", () => {
        const cm = json(agentConfigMap(SETTINGS, 'data_dir = "/x"\n', "-----BEGIN CERTIFICATE-----\n"));
        matchSnapshot("configmap.yaml", cm);
        assert.deepEqual(at(cm, "data"), { "ca.crt": "-----BEGIN CERTIFICATE-----\n", "vector.toml": 'data_dir = "/x"\n' });
    });

    it("keeps the client certificate, key and remote-write token in a Secret, under the names the config reads", () => {
        const secret = json(agentSecret(SETTINGS, SECRET_DATA));
        matchSnapshot("secret.yaml", secret);
        assert.deepEqual(Object.keys(obj(at(secret, "stringData"))).sort(), ["remote_write_token", "tls.crt", "tls.key"]);
        // Those names are what the pipeline's paths and SECRET[agent.<key>] reference.
        assert.equal(AGENT_PATHS.clientCert, `${AGENT_PATHS.secretsDir}/tls.crt`);
        assert.equal(AGENT_PATHS.clientKey, `${AGENT_PATHS.secretsDir}/tls.key`);
        assert.equal(AGENT_PATHS.caFile, `${AGENT_PATHS.configDir}/ca.crt`);
        assert.equal(AGENT_PATHS.configFile, `${AGENT_PATHS.configDir}/vector.toml`);
    });
});

// ---- the DaemonSet ----------------------------------------------------------------------------

describe("agent DaemonSet", () => {
    it("is the full expected object", () => {
        matchSnapshot("daemonset.yaml", json(agentDaemonSet(SETTINGS, CHECKSUMS)));
    });

    describe("the metrics port listens on the node's address only", () => {
        const pipeline = () => buildAgentPipeline(PIPELINE);
        const init = () => obj(arr(at(json(agentDaemonSet(SETTINGS, CHECKSUMS)), "spec", "template", "spec", "initContainers"))[0]);

        it("the exporter address is SECRET[node.ip], from a declared directory backend at the path the init container writes", () => {
            const c = pipeline();
            const exporter = c.sinks.internal_metrics_exporter as { address: string };
            assert.equal(exporter.address, `SECRET[node.ip]:${AGENT_PORTS.metrics}`);
            // Vector collects SECRET[backend.key] with this pattern from the raw config text and
            // replaces it before the TOML is parsed (vectordotdev/vector src/config/loading/secret.rs,
            // COLLECTOR and ConfigBuilderLoader::prepare), so a socket address can carry one.
            const collector = /SECRET\[([A-Za-z0-9_-]+)\.([A-Za-z0-9_./-]+)\]/;
            const [, backend, key] = collector.exec(exporter.address)!;
            assert.deepEqual(c.secret![backend], { type: "directory", path: AGENT_PATHS.nodeAddressDir, remove_trailing_whitespace: true });
            assert.match(str(arr(init().command)[2]), new RegExp(`> ${AGENT_PATHS.nodeAddressDir}/${key}$`));
        });

        it("the file holds status.hostIP (the node's InternalIP), which the downward API gives as an env var only", () => {
            const env = arr(init().env).map((e) => obj(e));
            assert.deepEqual(env, [{ name: "NODE_IP", valueFrom: { fieldRef: { fieldPath: "status.hostIP" } } }]);
            assert.deepEqual(
                mounts().find((m) => m.mountPath === AGENT_PATHS.nodeAddressDir),
                { name: "node-address", mountPath: AGENT_PATHS.nodeAddressDir, readOnly: true },
            );
            assert.deepEqual(volume("node-address").emptyDir, { medium: "Memory", sizeLimit: "1Mi" });
        });

        it("no listener of the agent binds every address", () => {
            const c = pipeline();
            assert.ok(!JSON.stringify(c).includes("0.0.0.0"), "an agent listener on 0.0.0.0");
            assert.equal(c.api.address, `127.0.0.1:${AGENT_PORTS.api}`);
        });
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

    it("points PROCFS_ROOT and SYSFS_ROOT at read-only mounts of the host's /proc and /sys", () => {
        const env = Object.fromEntries(arr(container().env).map((e) => [str(obj(e).name), obj(e).value ?? null]));
        for (const [variable, hostPath] of [
            ["PROCFS_ROOT", "/proc"],
            ["SYSFS_ROOT", "/sys"],
        ]) {
            const mountPath = str(env[variable], variable);
            const m = mounts().find((x) => x.mountPath === mountPath);
            assert.ok(m, `${variable}=${mountPath} is not mounted`);
            assert.equal(m.readOnly, true);
            assert.deepEqual(volume(m.name).hostPath, { path: hostPath, type: "Directory" });
        }
    });

    it("mounts the host's /var/log/pods, /proc and /sys read-only, at the paths Vector expects, and nothing of /var/lib but its data dir", () => {
        const hostMounts = mounts()
            .map((m) => ({ ...m, host: volume(m.name).hostPath }))
            .filter((m) => isObj(m.host) && m.name !== "data")
            .map((m) => [str(obj(m.host).path), m.mountPath, m.readOnly]);
        assert.deepEqual(hostMounts, [
            ["/var/log/pods", "/var/log/pods", true],
            ["/proc", "/host/proc", true],
            ["/sys", "/host/sys", true],
        ]);
    });

    it("writes only to the data dir, which is Vector's data_dir and lies under no read-only mount", () => {
        const all = mounts();
        const writable = all.filter((m) => !m.readOnly);
        assert.deepEqual(writable, [{ name: "data", mountPath: AGENT_PATHS.dataDir, readOnly: false }]);
        assert.equal(buildAgentPipeline(PIPELINE).data_dir, AGENT_PATHS.dataDir);
        for (const ro of all.filter((m) => m.readOnly)) {
            assert.ok(!within(AGENT_PATHS.dataDir, ro.mountPath), `${AGENT_PATHS.dataDir} is under read-only ${ro.mountPath}`);
            assert.ok(!within(ro.mountPath, AGENT_PATHS.dataDir), `read-only ${ro.mountPath} is under the data dir`);
        }
        assert.equal(container().securityContext && obj(container().securityContext).readOnlyRootFilesystem, true);
    });

    it("keeps the data dir per instance on the host, created when missing", () => {
        assert.deepEqual(volume("data").hostPath, { path: "/var/lib/vector-fleet/vector-agent", type: "DirectoryOrCreate" });
        assert.deepEqual(volume("data", { ...SETTINGS, name: "other" }).hostPath, { path: "/var/lib/vector-fleet/other", type: "DirectoryOrCreate" });
    });

    it("mounts every volume exactly once, at distinct paths", () => {
        const all = mounts();
        const vols = arr(podSpec().volumes).map((v) => str(obj(v).name));
        assert.deepEqual([...all.map((m) => m.name)].sort(), [...vols].sort());
        assert.equal(new Set(all.map((m) => m.mountPath)).size, all.length);
    });

    it("mounts what the pipeline reads: config file, CA, client cert/key, secret backend and service-account token", () => {
        const c = buildAgentPipeline(PIPELINE);
        const byPath = new Map(mounts().map((m) => [m.mountPath, m]));
        assert.deepEqual(container().args, ["--config", AGENT_PATHS.configFile]);
        assert.deepEqual(volume(str(byPath.get(AGENT_PATHS.configDir)?.name)).configMap, { name: "vector-agent-config" });
        assert.deepEqual(volume(str(byPath.get(AGENT_PATHS.secretsDir)?.name)).secret, { secretName: "vector-agent-credentials", defaultMode: 0o400 });
        assert.equal(c.secret?.agent.path, AGENT_PATHS.secretsDir);
        // The service-account token (for the kubelet scrape and the API) comes from the automount.
        assert.equal(podSpec().automountServiceAccountToken, true);
        assert.equal(c.secret?.serviceaccount.path, "/var/run/secrets/kubernetes.io/serviceaccount");
    });

    it("probes /health on the API port, on loopback where the API listens", () => {
        const api = buildAgentPipeline(PIPELINE).api.address;
        assert.equal(api, `127.0.0.1:${AGENT_PORTS.api}`);
        for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
            assert.deepEqual(at(container(), probe, "httpGet"), { path: "/health", port: AGENT_PORTS.api, host: "127.0.0.1", scheme: "HTTP" }, probe);
        }
    });

    it("tolerates every taint and runs as system-node-critical", () => {
        const spec = podSpec();
        // An Exists toleration without key or effect matches every taint.
        assert.deepEqual(spec.tolerations, [{ operator: "Exists" }]);
        assert.equal(spec.priorityClassName, "system-node-critical");
    });

    it("rolls out by rolling update", () => {
        assert.deepEqual(at(json(agentDaemonSet(SETTINGS, CHECKSUMS)), "spec", "updateStrategy"), {
            type: "RollingUpdate",
            rollingUpdate: { maxUnavailable: "10%" },
        });
    });

    it("takes its resources from the settings", () => {
        const resources = { requests: { cpu: "250m", memory: "300Mi" }, limits: { cpu: "2", memory: "1Gi" } };
        const s = { ...SETTINGS, resources };
        assert.deepEqual(container(s).resources, resources);
        // Copied, not aliased: a later change to the settings does not leak into the object.
        const ds = agentDaemonSet(s, CHECKSUMS);
        resources.limits.memory = "9Gi";
        assert.equal(at(json(ds), "spec", "template", "spec", "containers", 0, "resources", "limits", "memory"), "1Gi");
    });

    it("gives Vector more than its 60 s graceful shutdown before the kill", () => {
        const grace = podSpec().terminationGracePeriodSeconds;
        assert.equal(typeof grace, "number");
        assert.ok((grace as number) > 60, `terminationGracePeriodSeconds ${grace}`);
    });

    it("runs with no capabilities, no privilege escalation, read-only root and the RuntimeDefault seccomp profile", () => {
        assert.deepEqual(podSpec().securityContext, { seccompProfile: { type: "RuntimeDefault" } });
        const sc = obj(container().securityContext);
        assert.deepEqual(sc.capabilities, { drop: ["ALL"] });
        assert.equal(sc.allowPrivilegeEscalation, false);
        assert.equal(sc.privileged, false);
        assert.equal(sc.readOnlyRootFilesystem, true);
    });

    it("shares the node's network (host_metrics network counters, kubelet on loopback) with cluster DNS", () => {
        assert.equal(podSpec().hostNetwork, true);
        assert.equal(podSpec().dnsPolicy, "ClusterFirstWithHostNet");
    });

    it("runs the configured image", () => {
        assert.equal(container({ ...SETTINGS, image: "timberio/vector:0.58.0-distroless-libc" }).image, "timberio/vector:0.58.0-distroless-libc");
    });

    it("selects its pods by stable labels that the pod template carries", () => {
        const ds = json(agentDaemonSet(SETTINGS, CHECKSUMS));
        const selector = obj(at(ds, "spec", "selector", "matchLabels"));
        const podLabels = obj(at(ds, "spec", "template", "metadata", "labels"));
        assert.deepEqual(selector, selectorLabels("agent", "vector-agent"));
        for (const [k, v] of Object.entries(selector)) assert.equal(podLabels[k], v, k);
    });
});

// ---- checksums --------------------------------------------------------------------------------

describe("agent checksum annotations", () => {
    // As components/agent/index.ts computes them.
    const configSum = (p: AgentPipelineSettings, ca: string) => sha256(toToml(buildAgentPipeline(p)), ca);
    const credentialsSum = (d: typeof SECRET_DATA) => sha256(d.clientCertPem, d.clientKeyPem, d.remoteWriteToken);
    const annotations = (p: AgentPipelineSettings, ca: string, d: typeof SECRET_DATA) =>
        obj(at(json(agentDaemonSet(SETTINGS, { config: configSum(p, ca), credentials: credentialsSum(d) })), "spec", "template", "metadata", "annotations"));

    it("carries the config and credentials checksums on the pod template", () => {
        assert.deepEqual(annotations(PIPELINE, "ca", SECRET_DATA), {
            "vector-fleet.dev/config-sha256": configSum(PIPELINE, "ca"),
            "vector-fleet.dev/credentials-sha256": credentialsSum(SECRET_DATA),
        });
    });

    it("stays the same for the same inputs (no needless rollouts)", () => {
        assert.deepEqual(annotations(PIPELINE, "ca", SECRET_DATA), annotations({ ...PIPELINE }, "ca", { ...SECRET_DATA }));
    });

    it("changes the config checksum, and only it, when the pipeline or the CA changes", () => {
        const base = annotations(PIPELINE, "ca", SECRET_DATA);
        const changes: [string, AgentPipelineSettings, string][] = [
            ["excluded namespaces", { ...PIPELINE, excludedNamespaces: ["kube-system"] }, "ca"],
            ["extra labels", { ...PIPELINE, extraLabels: { team: "x" } }, "ca"],
            ["aggregator endpoint", { ...PIPELINE, aggregatorEndpoint: "https://10.0.64.251:6000" }, "ca"],
            ["CA", PIPELINE, "rotated ca"],
        ];
        for (const [what, p, ca] of changes) {
            const next = annotations(p, ca, SECRET_DATA);
            assert.notEqual(next["vector-fleet.dev/config-sha256"], base["vector-fleet.dev/config-sha256"], what);
            assert.equal(next["vector-fleet.dev/credentials-sha256"], base["vector-fleet.dev/credentials-sha256"], what);
        }
    });

    it("changes the credentials checksum, and only it, when the certificate, key or token changes", () => {
        const base = annotations(PIPELINE, "ca", SECRET_DATA);
        for (const key of ["clientCertPem", "clientKeyPem", "remoteWriteToken"] as const) {
            const next = annotations(PIPELINE, "ca", { ...SECRET_DATA, [key]: `${SECRET_DATA[key]}x` });
            assert.notEqual(next["vector-fleet.dev/credentials-sha256"], base["vector-fleet.dev/credentials-sha256"], key);
            assert.equal(next["vector-fleet.dev/config-sha256"], base["vector-fleet.dev/config-sha256"], key);
        }
    });

    it("separates the hashed parts, so moving bytes between them changes the digest", () => {
        assert.notEqual(sha256("ab", "c"), sha256("a", "bc"));
        assert.match(sha256("x"), /^[0-9a-f]{64}$/);
    });
});

// ---- instances --------------------------------------------------------------------------------

describe("two agent instances", () => {
    const a: AgentObjectSettings = { ...SETTINGS, name: "vector-agent", namespace: "vector-system" };
    const b: AgentObjectSettings = { ...SETTINGS, name: "vector-agent-canary", namespace: "vector-canary", ports: { api: 8687, metrics: 9599 } };

    const identities = (s: AgentObjectSettings) =>
        allObjects(s).map((o) => {
            const m = obj(json(o.metadata));
            return `${o.kind}/${CLUSTER_SCOPED.has(str(json(o.kind))) ? "" : str(m.namespace)}/${str(m.name)}`;
        });

    it("produce no colliding object names, even in the same namespace (the Namespace object aside)", () => {
        const ia = identities(a);
        const ib = identities(b);
        assert.equal(new Set(ia).size, ia.length);
        assert.deepEqual(
            ia.filter((x) => ib.includes(x)),
            [],
        );
        const sameNs = identities({ ...b, namespace: a.namespace }).filter((x) => !x.startsWith("Namespace/"));
        assert.deepEqual(
            sameNs.filter((x) => ia.includes(x)),
            [],
        );
    });

    it("never select each other's pods", () => {
        const podLabels = (s: AgentObjectSettings) => obj(at(json(agentDaemonSet(s, CHECKSUMS)), "spec", "template", "metadata", "labels"));
        const selects = (sel: Record<string, Json>, labels: Record<string, Json>) => Object.entries(sel).every(([k, v]) => labels[k] === v);
        const selA = obj(at(json(agentDaemonSet(a, CHECKSUMS)), "spec", "selector", "matchLabels"));
        const selB = obj(at(json(agentDaemonSet(b, CHECKSUMS)), "spec", "selector", "matchLabels"));
        assert.ok(selects(selA, podLabels(a)) && selects(selB, podLabels(b)));
        assert.ok(!selects(selA, podLabels(b)) && !selects(selB, podLabels(a)));
    });

    it("keep separate host data dirs, neither inside the other", () => {
        const da = str(obj(volume("data", a).hostPath).path);
        const db = str(obj(volume("data", b).hostPath).path);
        assert.ok(!within(da, db) && !within(db, da), `${da} vs ${db}`);
    });

    // Was a bug: manifests.ts:138 puts the agent on the host network and pipeline.ts:31-36/163/268 bind fixed
    // ports (API 127.0.0.1:8686, exporter 0.0.0.0:9598, also declared as containerPort = hostPort 9598).
    // agentNames() keeps host data dirs per instance "so two agents on one node never share
    // checkpoints or buffers", but a second instance on the same node cannot bind (or even be
    // scheduled next to) the first: the host ports must be per instance too.
    it("do not collide on host ports when both run on one node", () => {
        const hostPorts = (s: AgentObjectSettings) => arr(container(s).ports).map((p) => obj(p).containerPort);
        assert.deepEqual(
            hostPorts(a).filter((p) => hostPorts(b).includes(p)),
            [],
        );
        const probePort = (s: AgentObjectSettings) => at(container(s), "livenessProbe", "httpGet", "port");
        assert.notEqual(probePort(a), probePort(b));
    });
});

describe("agent objects: metadata", () => {
    it("every object has a name, and a namespace when it is namespaced", () => {
        for (const kubeletScrape of [true, false]) {
            for (const o of allObjects({ ...SETTINGS, kubeletScrape })) {
                const m = obj(json(o.metadata));
                assert.ok(str(m.name).length > 0, str(json(o.kind)));
                if (CLUSTER_SCOPED.has(str(json(o.kind)))) assert.equal(m.namespace, undefined, `${o.kind} is cluster-scoped`);
                else assert.equal(m.namespace, "vector-system", `${o.kind} ${m.name}`);
                assert.ok(isObj(m.labels) && m.labels["app.kubernetes.io/instance"] === "vector-agent", `${o.kind} labels`);
            }
        }
    });

    it("keeps key material out of the ConfigMap (only the config and the public CA)", () => {
        const cm = json(agentConfigMap(SETTINGS, toToml(buildAgentPipeline(PIPELINE)), "-----BEGIN CERTIFICATE-----\n"));
        assert.deepEqual(Object.keys(obj(at(cm, "data"))).sort(), ["ca.crt", "vector.toml"]);
        assert.doesNotMatch(JSON.stringify(cm), /PRIVATE KEY|t0ken/);
    });
});
