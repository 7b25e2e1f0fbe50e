import { strict as assert } from "node:assert";
import { parse as parseToml } from "smol-toml";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig } from "../../config";
import { RunResult, SECRET_MARKER, runStack } from "../../tools/render/simulator";
import { dig, find, parentName, program, runHub, runSource, sharedHub, sharedSource, stackConfig } from "../support/fleet";
import { VectorAgent } from "../../components/agent";
import { tokenSha256 } from "../../components/identity";
import * as k8s from "@pulumi/kubernetes";

const CM = "kubernetes:core/v1:ConfigMap";
const SECRET = "kubernetes:core/v1:Secret";

/** ConfigMap data keys contain dots ("vector.toml"), so they are read directly, not through dig. */
function data(r: RunResult, type: string, name: string): Record<string, string> {
    const res = find(r, type, name);
    return (res.inputs.data ?? res.inputs.stringData) as Record<string, string>;
}

function agentToml(r: RunResult, component = "vector-agent"): Record<string, unknown> {
    return parseToml(data(r, CM, `${component}-config`)["vector.toml"]);
}

describe("program under mocks", () => {
    let hub: RunResult;
    before(async () => {
        hub = await sharedHub();
    });

    describe("monitoring stack (hub)", () => {
        it("registers the aggregator tier, the PKI and its own agent, each child parented to its component", () => {
            const components = hub.resources
                .filter((r) => r.type.startsWith("vector-fleet:"))
                .map((r) => `${r.type} ${r.name}`)
                .sort();
            assert.deepEqual(components, [
                "vector-fleet:index:AgentCredentials vector-agent-identity-monitoring",
                "vector-fleet:index:FleetPki vector-fleet-pki",
                "vector-fleet:index:VectorAgent vector-agent",
                "vector-fleet:index:VectorAggregator vector-aggregator",
                "vector-fleet:index:VectorSelfMonitoring vector-monitoring",
            ]);
            for (const r of hub.resources.filter((x) => x.type.startsWith("kubernetes:") && x.custom)) {
                const parent = parentName(r);
                assert.ok(["vector-agent", "vector-aggregator", "vector-monitoring"].includes(parent ?? ""), `${r.name} has parent ${parent}`);
                assert.ok(r.name.startsWith(`${parent}-`), `${r.name} is not named from its component ${parent}`);
                assert.equal(r.provider?.includes("k8s-monitoring"), true, `${r.name} does not use the stack's explicit provider`);
                assert.equal(typeof dig(r.inputs, "metadata.name"), "string", `${r.name} has no metadata.name`);
            }
            // Its own agent's key, request and token under its own credentials, like any cluster's; the rest is the PKI's.
            for (const r of hub.resources.filter((x) => x.type.startsWith("tls:") || x.type.startsWith("random:"))) {
                const own = r.name.startsWith("vector-agent-identity-monitoring-");
                assert.equal(parentName(r), own ? "vector-agent-identity-monitoring" : "vector-fleet-pki", r.name);
            }
        });

        it("issues one client certificate and one token per agent cluster, its own included", () => {
            const certs = hub.resources
                .filter((r) => r.type === "tls:index/locallySignedCert:LocallySignedCert")
                .map((r) => r.name)
                .sort();
            assert.deepEqual(certs, [
                "vector-fleet-pki-client-dev",
                "vector-fleet-pki-client-management",
                "vector-fleet-pki-client-monitoring",
                "vector-fleet-pki-client-staging",
                "vector-fleet-pki-server",
            ]);
            // No token is made for another cluster: the hub's only token is its own agent's.
            const tokens = hub.resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword");
            assert.deepEqual(
                tokens.map((t) => t.name),
                ["vector-agent-identity-monitoring-token"],
            );
            for (const t of tokens) assert.deepEqual(t.inputs, { length: 48, special: false });
            // Nor a key: the PKI's keys are its CAs' and the server's.
            const keys = hub.resources.filter((r) => r.type === "tls:index/privateKey:PrivateKey").map((r) => r.name);
            assert.deepEqual(
                keys.filter((k) => k.includes("-client-") && !k.includes("-client-ca-")),
                [],
            );
        });

        it("gives the server certificate the load balancer's private IP and the in-cluster names, valid 1 year, renewed 30 days early", () => {
            const csr = find(hub, "tls:index/certRequest:CertRequest", "vector-fleet-pki-server-csr");
            assert.deepEqual(csr.inputs.ipAddresses, ["10.0.64.250"]);
            assert.ok((csr.inputs.dnsNames as string[]).includes("vector-aggregator.vector-aggregator.svc.cluster.local"));
            const cert = find(hub, "tls:index/locallySignedCert:LocallySignedCert", "vector-fleet-pki-server");
            assert.equal(cert.inputs.validityPeriodHours, 8760);
            assert.equal(cert.inputs.earlyRenewalHours, 720);
            assert.deepEqual(cert.inputs.allowedUses, ["digital_signature", "key_encipherment", "server_auth"]);
            const client = find(hub, "tls:index/locallySignedCert:LocallySignedCert", "vector-fleet-pki-client-dev");
            assert.deepEqual(client.inputs.allowedUses, ["digital_signature", "key_encipherment", "client_auth"]);
            const ca = find(hub, "tls:index/selfSignedCert:SelfSignedCert", "vector-fleet-pki-ca");
            assert.equal(ca.inputs.isCaCertificate, true);
        });

        it("exports the private address, remote-write URL, CA and what it signed and accepts, and no secret at all", () => {
            const o = hub.outputs;
            // Each source cluster its own port pair on the load balancer, in aggregator.clusters order
            // (management, dev, staging); the hub's own agent stays in-cluster and is not listed.
            assert.deepEqual(o.values.aggregatorAddress, { management: "10.0.64.250:6001", dev: "10.0.64.250:6002", staging: "10.0.64.250:6003" });
            assert.deepEqual(o.values.remoteWriteUrl, {
                management: "https://10.0.64.250:9202/api/v1/write",
                dev: "https://10.0.64.250:9203/api/v1/write",
                staging: "https://10.0.64.250:9204/api/v1/write",
            });
            assert.deepEqual(o.values.agentClusters, ["dev", "management", "monitoring", "staging"]);
            assert.deepEqual(o.secretNames, []);
            for (const k of ["agentCertificates", "agentSignedRequests", "agentTokenSha256"])
                assert.deepEqual(Object.keys(o.values[k] as object).sort(), ["dev", "management", "monitoring", "staging"], k);
        });

        it("points its own agent at the in-cluster Service, not the load balancer", () => {
            const toml = agentToml(hub);
            assert.deepEqual(dig(toml, "sinks.aggregator.routing.endpoints"), ["https://vector-aggregator.vector-aggregator.svc.cluster.local:6000"]);
            assert.equal(dig(toml, "sinks.prometheus.endpoint"), "https://vector-aggregator.vector-aggregator.svc.cluster.local:9201/api/v1/write");
        });

        it("accepts on each cluster's remote-write source exactly the token digests it exports, and keeps no token", () => {
            const toml = parseToml(data(hub, CM, "vector-aggregator-config")["vector.toml"]);
            const accepted = hub.outputs.values.agentTokenSha256 as Record<string, string[]>;
            for (const c of ["dev", "management", "monitoring", "staging"]) {
                const auth = dig(toml, `sources.remote_write_${c}.auth.source`) as string;
                assert.deepEqual(
                    [...auth.matchAll(/"([0-9a-f]{64})"/g)].map((m) => m[1]),
                    accepted[c],
                    c,
                );
            }
            assert.equal(dig(toml, "secret"), undefined);
            assert.ok(!hub.resources.some((r) => r.type === SECRET && r.name === "vector-aggregator-tokens"));
        });

        it("refuses a pinned load balancer IP outside the hcloud Network", async () => {
            await assert.rejects(
                runHub({}, { networks: { "fleet-private": { id: 1, ipRange: "10.1.0.0/16" } } }),
                /privateIp: got "10.0.64.250", which is outside the hcloud Network "fleet-private" \(10.1.0.0\/16\)/,
            );
        });

        it("revokes a cluster when it leaves the list: its CA, certificate and listeners go, its digests with them", async () => {
            const agg = JSON.parse(stackConfig("monitoring").config["vector-fleet:aggregator"]);
            const { dev: _dev, ...identities } = agg.identities ?? {};
            void _dev;
            const r = await runHub({ aggregator: { ...agg, clusters: ["management", "staging"], identities } });
            // Its client CA (which alone signs its certificate) and its listeners go; no one else's change.
            assert.ok(!r.resources.some((x) => x.name.includes("-client-ca-dev") || x.name === "vector-fleet-pki-client-dev"));
            assert.ok(!r.resources.some((x) => x.type === "pulumi:pulumi:StackReference" && x.name === "dev"));
            const toml = parseToml(data(r, CM, "vector-aggregator-config")["vector.toml"]);
            assert.equal(dig(toml, "sources.remote_write_dev"), undefined);
            assert.equal(dig(toml, "sources.agents_dev"), undefined);
            assert.deepEqual(Object.keys(r.outputs.values.agentTokenSha256 as object).sort(), ["management", "monitoring", "staging"]);
            const before = parseToml(data(hub, CM, "vector-aggregator-config")["vector.toml"]);
            // (Its port moves: it came after dev in the list, docs/identity.md#ports-and-the-load-balancer.)
            assert.deepEqual(dig(toml, "sources.remote_write_staging.auth"), dig(before, "sources.remote_write_staging.auth"));
        });
    });

    describe("agent stacks", () => {
        for (const stack of ["dev", "staging", "management"]) {
            it(`${stack}: dials the exact private address the hub exports, with its CA, the certificate the hub signed and its own key and token`, async () => {
                const r = await sharedSource(stack);
                const toml = agentToml(r);
                assert.deepEqual(dig(toml, "sinks.aggregator.routing.endpoints"), [
                    `https://${(hub.outputs.values.aggregatorAddress as Record<string, string>)[stack]}`,
                ]);
                assert.equal(dig(toml, "sinks.prometheus.endpoint"), (hub.outputs.values.remoteWriteUrl as Record<string, string>)[stack]);
                assert.equal(dig(toml, "sinks.prometheus.auth.token"), "SECRET[agent.remote_write_token]");
                assert.equal(data(r, CM, "vector-agent-config")["ca.crt"], hub.outputs.values.caCertPem);
                const creds = data(r, SECRET, "vector-agent-credentials");
                assert.equal(creds["tls.crt"], (hub.outputs.values.agentCertificates as Record<string, string>)[stack]);
                // Its own key and token, made in its own stack (components/identity): the hub never had them.
                assert.match(creds["tls.key"], new RegExp(`vector-agent-identity-${stack}-key`));
                assert.ok(
                    (hub.outputs.values.agentTokenSha256 as Record<string, string[]>)[stack].includes(tokenSha256(creds.remote_write_token)),
                    "the token it sends is one the hub accepts",
                );
                assert.deepEqual(find(r, SECRET, "vector-agent-credentials").secretPaths, ["stringData"]);
                assert.equal(dig(toml, "transforms.logs_enrich.source") !== undefined, true);
                assert.match(dig(toml, "transforms.logs_enrich.source") as string, new RegExp(`\\.cluster = "${stack}"`));
            });
        }

        it("reads no secret through the StackReference: every output of the hub is public", async () => {
            let checked = false;
            await runStack(
                async () => {
                    const ref = new pulumi.StackReference("monitoring");
                    for (const k of Object.keys(hub.outputs.values)) assert.equal(await pulumi.isSecret(ref.getOutput(k)), false, k);
                    checked = true;
                    return {};
                },
                { project: "vector-fleet", stack: "dev", config: {}, stackOutputs: { monitoring: hub.outputs } },
            );
            assert.ok(checked);
        });

        it("fails with a clear message when the hub lacks an output", async () => {
            const outputs = structuredClone(hub.outputs);
            delete outputs.values.remoteWriteUrl;
            await assert.rejects(runSource("dev", outputs), /stack "monitoring" has no output "remoteWriteUrl"/);
        });

        it("refuses a hub that exports any secret: the StackReference would store it in this stack's state", async () => {
            const outputs = structuredClone(hub.outputs);
            outputs.values.agentKeys = { dev: "key" };
            outputs.secretNames = ["agentKeys"];
            await assert.rejects(runSource("dev", outputs), /exports "agentKeys" as a secret; expected no secret output at all/);
        });
    });

    /** What the simulator had registered when the program failed. */
    const registeredAt = (e: unknown) => (e as { registered?: string[] }).registered ?? [];

    it("refuses invalid config before registering any resource", async () => {
        await assert.rejects(runStack(program, { project: "vector-fleet", stack: "dev", ...stackConfig("dev", { region: "mars" }) }), (e: unknown) => {
            assert.ok(e instanceof ConfigError);
            assert.match(e.message, /vector-fleet:region: got "mars"/);
            assert.ok(!registeredAt(e).some((r) => !r.startsWith("pulumi:pulumi:Stack")), registeredAt(e).join(", "));
            return true;
        });
    });

    it("refuses broken hub outputs having registered only the StackReference", async () => {
        const outputs = structuredClone(hub.outputs);
        delete outputs.values.caCertPem;
        await assert.rejects(runSource("staging", outputs), (e: unknown) => {
            assert.deepEqual(registeredAt(e), ["pulumi:pulumi:Stack vector-fleet-staging", "pulumi:pulumi:StackReference monitoring"]);
            return true;
        });
    });

    it("never puts a secret into a ConfigMap, a non-Secret object or a plain output", async () => {
        const runs = [hub, await sharedSource("dev")];
        for (const r of runs) {
            for (const res of r.resources) {
                if (res.type === SECRET) continue;
                const text = JSON.stringify(res.inputs);
                const isPki = res.type.startsWith("tls:");
                if (!isPki) assert.ok(!text.includes(SECRET_MARKER), `${res.type} ${res.name} carries a secret value`);
                if (res.type.startsWith("kubernetes:")) assert.deepEqual(res.secretPaths, [], `${res.name} has secret inputs`);
            }
            for (const [k, v] of Object.entries(r.outputs.values)) {
                if (!r.outputs.secretNames.includes(k))
                    assert.ok(!JSON.stringify(v ?? null).includes(SECRET_MARKER), `output ${k} is plain but carries a secret`);
            }
        }
    });

    it("lets two agents live in one stack without colliding", async () => {
        const cfg = parseStackConfig({
            values: stackConfig("dev").config,
            isSecret: () => false,
            project: "vector-fleet",
            stack: "dev",
        });
        const r = await runStack(
            async () => {
                const provider = new k8s.Provider("k8s", { context: "dev" });
                const common = {
                    provider,
                    cluster: cfg.cluster,
                    aggregatorAddress: "10.0.64.250:6000",
                    remoteWriteUrl: "https://10.0.64.250:9201/api/v1/write",
                    caCertPem: "ca",
                    clientCertPem: "crt",
                    clientKeyPem: pulumi.secret("key"),
                    remoteWriteToken: pulumi.secret("token"),
                };
                new VectorAgent("agent-a", { ...common, ...cfg.agent, namespace: "vector-a" });
                new VectorAgent("agent-b", { ...common, ...cfg.agent, namespace: "vector-b" });
                return {};
            },
            { project: "vector-fleet", stack: "dev", config: {} },
        );
        const objects = r.resources.filter((x) => x.type.startsWith("kubernetes:") && x.custom && x.type !== "pulumi:providers:kubernetes");
        const keys = objects.map((o) => `${o.type} ${dig(o.inputs, "metadata.namespace") ?? ""}/${dig(o.inputs, "metadata.name")}`);
        assert.equal(new Set(keys).size, keys.length, `colliding objects: ${keys.join(", ")}`);
        const ds = objects.filter((o) => o.type === "kubernetes:apps/v1:DaemonSet");
        assert.notDeepEqual(dig(ds[0].inputs, "spec.selector"), dig(ds[1].inputs, "spec.selector"));
    });
});
