import { strict as assert } from "node:assert";
import { parse as parseToml } from "smol-toml";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig } from "../../config";
import { RunResult, SECRET_MARKER, runStack } from "../../tools/render/simulator";
import { dig, find, parentName, program, runHub, runSource, sharedHub, sharedSource, stackConfig } from "../support/fleet";
import { VectorAgent } from "../../components/agent";
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
            for (const r of hub.resources.filter((x) => x.type.startsWith("tls:") || x.type.startsWith("random:"))) {
                assert.equal(parentName(r), "vector-fleet-pki");
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
            const tokens = hub.resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword");
            assert.deepEqual(tokens.map((t) => t.name).sort(), (hub.outputs.values.agentClusters as string[]).map((c) => `vector-fleet-pki-token-${c}`).sort());
            for (const t of tokens) assert.deepEqual(t.inputs, { length: 48, special: false });
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

        it("exports the private address, remote-write URL and CA in plain text, keys and tokens only as secrets", () => {
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
            assert.deepEqual(o.secretNames.sort(), ["agentKeys", "agentTokens"]);
            assert.deepEqual(Object.keys(o.values.agentTokens as object).sort(), ["dev", "management", "monitoring", "staging"]);
        });

        it("points its own agent at the in-cluster Service, not the load balancer", () => {
            const toml = agentToml(hub);
            assert.deepEqual(dig(toml, "sinks.aggregator.routing.endpoints"), ["https://vector-aggregator.vector-aggregator.svc.cluster.local:6000"]);
            assert.equal(dig(toml, "sinks.prometheus.endpoint"), "https://vector-aggregator.vector-aggregator.svc.cluster.local:9201/api/v1/write");
        });

        it("accepts the remote-write token of every listed cluster through the secret backend", () => {
            const toml = parseToml(data(hub, CM, "vector-aggregator-config")["vector.toml"]);
            // Each cluster's source accepts its own token and no other.
            for (const c of ["dev", "management", "monitoring", "staging"]) {
                const auth = dig(toml, `sources.remote_write_${c}.auth.source`) as string;
                assert.deepEqual(
                    [...auth.matchAll(/SECRET\[tokens\.([^\]]+)\]/g)].map((m) => m[1]),
                    [c],
                );
            }
            const tokens = find(hub, SECRET, "vector-aggregator-tokens");
            assert.deepEqual(Object.keys(tokens.inputs.stringData as object).sort(), ["dev", "management", "monitoring", "staging"]);
            assert.deepEqual(tokens.secretPaths, ["stringData"]);
        });

        it("refuses a pinned load balancer IP outside the hcloud Network", async () => {
            await assert.rejects(
                runHub({}, { networks: { "fleet-private": { id: 1, ipRange: "10.1.0.0/16" } } }),
                /privateIp: got "10.0.64.250", which is outside the hcloud Network "fleet-private" \(10.1.0.0\/16\)/,
            );
        });

        it("rotates one cluster's token with an overlap: both generations accepted, the agent gets the new one, others untouched", async () => {
            const agg = JSON.parse(stackConfig("monitoring").config["vector-fleet:aggregator"]);
            const identities = { ...agg.identities, dev: { ...agg.identities.dev, tokenGeneration: 1, acceptPreviousToken: true } };
            const r = await runHub({ aggregator: { ...agg, identities } });
            const names = r.resources
                .filter((x) => x.type === "random:index/randomPassword:RandomPassword")
                .map((x) => x.name)
                .sort();
            assert.ok(names.includes("vector-fleet-pki-token-dev") && names.includes("vector-fleet-pki-token-dev-g1"), names.join(", "));
            assert.ok(names.includes("vector-fleet-pki-token-staging") && !names.some((n) => n.startsWith("vector-fleet-pki-token-staging-g")));
            const tokens = find(r, SECRET, "vector-aggregator-tokens");
            assert.deepEqual(Object.keys(tokens.inputs.stringData as object).sort(), ["dev", "dev.previous", "management", "monitoring", "staging"]);
            const toml = parseToml(data(r, CM, "vector-aggregator-config")["vector.toml"]);
            assert.match(dig(toml, "sources.remote_write_dev.auth.source") as string, /tokens\.dev\]" \|\| .*tokens\.dev\.previous\]/);
            // The rotation done: the previous generation's resource, and its acceptance, are gone.
            const done = await runHub({ aggregator: { ...agg, identities: { ...identities, dev: { ...identities.dev, acceptPreviousToken: false } } } });
            const after = done.resources.filter((x) => x.type === "random:index/randomPassword:RandomPassword").map((x) => x.name);
            assert.ok(after.includes("vector-fleet-pki-token-dev-g1") && !after.includes("vector-fleet-pki-token-dev"));
            assert.ok(!data(done, CM, "vector-aggregator-config")["vector.toml"].includes("previous"));
        });

        it("revokes a cluster's token when it leaves the list", async () => {
            const agg = JSON.parse(stackConfig("monitoring").config["vector-fleet:aggregator"]);
            const { dev: _dev, ...identities } = agg.identities ?? {};
            void _dev;
            const r = await runHub({ aggregator: { ...agg, clusters: ["management", "staging"], identities } });
            assert.equal(
                r.resources.some((x) => x.name === "vector-fleet-pki-token-dev"),
                false,
            );
            const toml = data(r, CM, "vector-aggregator-config")["vector.toml"];
            assert.ok(!toml.includes("tokens.dev"));
        });
    });

    describe("agent stacks", () => {
        for (const stack of ["dev", "staging", "management"]) {
            it(`${stack}: dials the exact private address the hub exports, with its CA and its own credentials`, async () => {
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
                assert.equal(creds["tls.key"], (hub.outputs.values.agentKeys as Record<string, string>)[stack]);
                assert.equal(creds.remote_write_token, (hub.outputs.values.agentTokens as Record<string, string>)[stack]);
                assert.deepEqual(find(r, SECRET, "vector-agent-credentials").secretPaths, ["stringData"]);
                assert.equal(dig(toml, "transforms.logs_enrich.source") !== undefined, true);
                assert.match(dig(toml, "transforms.logs_enrich.source") as string, new RegExp(`\\.cluster = "${stack}"`));
            });
        }

        it("keeps the hub's keys and tokens secret through the StackReference", async () => {
            let checked = false;
            await runStack(
                async () => {
                    const ref = new pulumi.StackReference("monitoring");
                    assert.equal(await pulumi.isSecret(ref.requireOutput("agentTokens")), true);
                    assert.equal(await pulumi.isSecret(ref.requireOutput("agentKeys")), true);
                    assert.equal(await pulumi.isSecret(ref.requireOutput("caCertPem")), false);
                    checked = true;
                    return {};
                },
                { project: "vector-fleet", stack: "dev", config: {}, stackOutputs: { monitoring: hub.outputs } },
            );
            assert.ok(checked);
        });

        it("fails before registering anything when the hub lists no credentials for the cluster", async () => {
            const outputs = structuredClone(hub.outputs);
            outputs.values.agentClusters = ["management", "staging"];
            delete (outputs.values.agentTokens as Record<string, string>).dev;
            await assert.rejects(runSource("dev", outputs), (e: Error) => {
                assert.match(e.message, /issues no credentials for cluster "dev"/);
                assert.match(e.message, /vector-fleet:aggregator\.clusters of monitoring/);
                return true;
            });
        });

        it("fails with a clear message when the hub lacks an output", async () => {
            const outputs = structuredClone(hub.outputs);
            delete outputs.values.remoteWriteUrl;
            await assert.rejects(runSource("dev", outputs), /stack "monitoring" has no output "remoteWriteUrl"/);
        });

        it("refuses a hub that exports tokens in plain text", async () => {
            const outputs = structuredClone(hub.outputs);
            outputs.secretNames = ["agentKeys"];
            await assert.rejects(runSource("dev", outputs), /exports "agentTokens" in plain text/);
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
