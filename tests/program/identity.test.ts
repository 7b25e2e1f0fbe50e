/**
 * Issue 16 item 2: each stack holds only its own secrets. A source stack makes its own key and
 * tokens and exports only public things (its certificate request and the tokens' SHA-256); the hub
 * signs the request and accepts the digests; the source deploys its agent only with what the hub
 * serves (docs/identity.md#deployment-order).
 */
import { strict as assert } from "node:assert";
import { tokenSha256 } from "../../components/identity";
import { NO_OUTPUTS } from "../../tools/render/render";
import { RunResult, SECRET_MARKER, StackOutputs } from "../../tools/render/simulator";
import { find, fixtureSourceOutputs, repoStacks, runHub, runSource, sharedFirstRun, sharedHub, sharedRender, ROOT, FIXTURE_FLEET } from "../support/fleet";

const SECRET = "kubernetes:core/v1:Secret";

/** Every mocked secret value in a text: the simulator marks each with SECRET_MARKER and its resource's name. */
const secretsIn = (text: string) => [...text.matchAll(new RegExp(`${SECRET_MARKER}-[a-z-]+-[a-z0-9-]+-[0-9a-f]{12}`, "g"))].map((m) => m[0]);
const credentials = (r: RunResult) => find(r, SECRET, "vector-agent-credentials").inputs.stringData as Record<string, string>;

describe("each stack holds only its own secrets (issue 16 item 2)", () => {
    describe("the rendered fleet", () => {
        it("a source stack's outputs, resource inputs and StackReference reads carry no other cluster's key or token, and no secret read from the hub", async () => {
            const fleet = await sharedRender(ROOT);
            const stacks = new Map(repoStacks().map((s) => [s.stack, s]));
            const sources = fleet.filter((r) => stacks.get(r.stack)?.role === "source");
            assert.ok(sources.length > 0);
            for (const r of sources) {
                const cluster = String(r.result.outputs.values.cluster);
                const mine = (secret: string) => secret.includes(`-vector-agent-identity-${cluster}-`);
                // Its resource inputs: every secret value is its own identity's.
                const inputs = secretsIn(JSON.stringify(r.result.resources.map((x) => x.inputs)));
                assert.ok(inputs.length > 0, `${r.stack}: its agent holds its own key and token`);
                assert.deepEqual(
                    inputs.filter((x) => !mine(x)),
                    [],
                    `${r.stack}: resource inputs hold another stack's secret`,
                );
                // Its outputs: public only.
                assert.deepEqual(r.result.outputs.secretNames, [], r.stack);
                assert.deepEqual(secretsIn(JSON.stringify(r.result.outputs.values)), [], r.stack);
                // Its StackReference reads: everything the hub exports (a StackReference stores all of it).
                const hub = fleet.find((h) => h.stack === stacks.get(r.stack)!.config["vector-fleet:monitoringStack"]);
                assert.ok(hub, `${r.stack}: its hub renders too`);
                assert.deepEqual(hub.result.outputs.secretNames, [], `${r.stack} would read a secret from ${hub.stack}`);
                assert.deepEqual(secretsIn(JSON.stringify(hub.result.outputs.values)), [], `${hub.stack}'s outputs carry a secret`);
            }
        });

        it("the hub's resources and outputs hold no source cluster's key or token: only their requests and digests", async () => {
            const hub = await sharedHub();
            const own = (secret: string) => secret.includes("-vector-agent-identity-monitoring-") || secret.includes("-vector-fleet-pki-");
            assert.deepEqual(
                secretsIn(JSON.stringify(hub.resources.map((x) => x.inputs))).filter((x) => !own(x)),
                [],
            );
            assert.deepEqual(hub.outputs.secretNames, []);
            const sources = await fixtureSourceOutputs();
            for (const [stack, o] of Object.entries(sources)) {
                assert.deepEqual((hub.outputs.values.agentSignedRequests as Record<string, string>)[stack], o.values.agentCsrPem, stack);
                assert.deepEqual((hub.outputs.values.agentTokenSha256 as Record<string, string[]>)[stack], o.values.agentTokenSha256, stack);
            }
        });
    });

    describe("a source's first deployment (its hub has no outputs yet)", () => {
        it("registers only its own credentials, exports its request and token digest, and says what to run next", async () => {
            const r = await sharedFirstRun(FIXTURE_FLEET, "dev");
            assert.deepEqual(r.resources.map((x) => `${x.type} ${x.name}`).sort(), [
                "pulumi:pulumi:Stack vector-fleet-dev",
                "pulumi:pulumi:StackReference monitoring",
                "random:index/randomPassword:RandomPassword vector-agent-identity-dev-token",
                "tls:index/certRequest:CertRequest vector-agent-identity-dev-csr",
                "tls:index/privateKey:PrivateKey vector-agent-identity-dev-key",
                "vector-fleet:index:AgentCredentials vector-agent-identity-dev",
            ]);
            const csr = find(r, "tls:index/certRequest:CertRequest", "vector-agent-identity-dev-csr");
            assert.deepEqual(csr.inputs.subject, { commonName: "vector-agent.dev", organization: "vector-fleet", organizationalUnit: "dev" });
            assert.deepEqual(find(r, "tls:index/privateKey:PrivateKey", "vector-agent-identity-dev-key").inputs, { algorithm: "ECDSA", ecdsaCurve: "P256" });
            assert.match(String(r.outputs.values.agentCsrPem), /^-----BEGIN CERTIFICATE REQUEST-----/);
            assert.deepEqual(r.outputs.secretNames, []);
            const hashes = r.outputs.values.agentTokenSha256 as string[];
            assert.equal(hashes.length, 1);
            assert.match(hashes[0], /^[0-9a-f]{64}$/);
            assert.deepEqual(r.warnings, [
                'cluster "dev" is not signed yet, so its agents are not deployed: stack "monitoring" has no outputs yet (never deployed): run `pulumi up` on monitoring, then here again (docs/identity.md#deployment-order)',
            ]);
            // Pending parks no old agent: migration phase cutover, yet nothing but the credentials.
            assert.deepEqual(r.outputs.values.parkedLegacyAgents, []);
        });

        it("stays pending while its hub does not list it, naming where to add it", async () => {
            const outputs = structuredClone((await sharedHub()).outputs);
            outputs.values.agentClusters = (outputs.values.agentClusters as string[]).filter((c) => c !== "dev");
            const r = await runSource("dev", outputs);
            assert.ok(!r.resources.some((x) => x.type.startsWith("kubernetes:")));
            assert.match(r.warnings?.[0] ?? "", /does not list cluster "dev" .*append it to vector-fleet:aggregator\.clusters .*then here again/);
        });

        it("stays pending while the hub has signed another request of it (its key was replaced)", async () => {
            const outputs = structuredClone((await sharedHub()).outputs);
            (outputs.values.agentSignedRequests as Record<string, string>).dev =
                "-----BEGIN CERTIFICATE REQUEST-----\nold\n-----END CERTIFICATE REQUEST-----\n";
            const r = await runSource("dev", outputs);
            assert.ok(!r.resources.some((x) => x.type.startsWith("kubernetes:")));
            assert.match(r.warnings?.[0] ?? "", /monitoring has signed another certificate request of this cluster yet: run `pulumi up` on monitoring/);
        });
    });

    describe("the hub with a listed cluster whose stack has no outputs yet", () => {
        let r: RunResult;
        before(async () => {
            r = await runHub({}, undefined, { ...(await fixtureSourceOutputs()), dev: NO_OUTPUTS });
        });

        it("keeps its listeners (ports stay stable) but signs nothing and accepts no token for it", () => {
            assert.ok(r.resources.some((x) => x.name === "vector-fleet-pki-client-ca-dev"));
            assert.ok(!r.resources.some((x) => x.name === "vector-fleet-pki-client-dev"));
            const toml = find(r, "kubernetes:core/v1:ConfigMap", "vector-aggregator-config").inputs.data as Record<string, string>;
            assert.match(toml["vector.toml"], /\[sources\.remote_write_dev\.auth\]\nsource = '''\nfalse\n'''/);
            assert.match(toml["vector.toml"], /\[sources\.agents_dev\]/);
            for (const k of ["agentCertificates", "agentSignedRequests", "agentTokenSha256"])
                assert.equal((r.outputs.values[k] as Record<string, unknown>).dev, undefined, k);
        });

        it("warns with the fix", () => {
            assert.deepEqual(r.warnings, [
                'cluster "dev" is pending: stack "dev" has no outputs yet, so nothing is signed for it and its listeners accept no token; run `pulumi up` on dev, then here again (docs/identity.md#deployment-order)',
            ]);
        });

        it("and the source, reading that hub, stays pending", async () => {
            const source = await runSource("dev", r.outputs);
            assert.ok(!source.resources.some((x) => x.type.startsWith("kubernetes:")));
            assert.match(source.warnings?.[0] ?? "", /has not signed cluster "dev"'s certificate request yet/);
        });
    });

    describe("rotating a cluster's token: the agent switches only once the hub accepts the new one", () => {
        const rotating = { agent: { identity: { tokenGeneration: 1, acceptPreviousToken: true } } };
        let steadyHub: StackOutputs;
        before(async () => {
            steadyHub = (await sharedHub()).outputs;
        });

        it("1. the source makes the new token and exports both digests, but keeps sending the old one the hub accepts", async () => {
            const r = await runSource("dev", steadyHub, rotating);
            const names = r.resources.filter((x) => x.type === "random:index/randomPassword:RandomPassword").map((x) => x.name);
            // Generation 0 keeps its resource name (its value stays put); the new one is -g1.
            assert.deepEqual(names.sort(), ["vector-agent-identity-dev-token", "vector-agent-identity-dev-token-g1"]);
            const [next, previous] = r.outputs.values.agentTokenSha256 as string[];
            assert.deepEqual((steadyHub.values.agentTokenSha256 as Record<string, string[]>).dev, [previous]);
            assert.equal(tokenSha256(credentials(r).remote_write_token), previous);
            assert.notEqual(next, previous);
        });

        it("2. the hub accepts both digests while the source exports both; 3. the source then switches to the new token", async () => {
            const first = await runSource("dev", steadyHub, rotating);
            const hub = await runHub({}, undefined, { ...(await fixtureSourceOutputs()), dev: first.outputs });
            const both = (hub.outputs.values.agentTokenSha256 as Record<string, string[]>).dev;
            assert.deepEqual(both, first.outputs.values.agentTokenSha256);
            const toml = (find(hub, "kubernetes:core/v1:ConfigMap", "vector-aggregator-config").inputs.data as Record<string, string>)["vector.toml"];
            for (const h of both) assert.ok(toml.includes(`digest == "${h}"`), h);
            const switched = await runSource("dev", hub.outputs, rotating);
            assert.equal(tokenSha256(credentials(switched).remote_write_token), both[0]);
            // Other clusters are untouched.
            assert.deepEqual(
                (hub.outputs.values.agentTokenSha256 as Record<string, string[]>).staging,
                (steadyHub.values.agentTokenSha256 as Record<string, string[]>).staging,
            );
        });

        it("4. done: the source drops the previous token, and the hub then accepts the new one only", async () => {
            const done = await runSource("dev", steadyHub, { agent: { identity: { tokenGeneration: 1 } } });
            const names = done.resources.filter((x) => x.type === "random:index/randomPassword:RandomPassword").map((x) => x.name);
            assert.deepEqual(names, ["vector-agent-identity-dev-token-g1"]);
            // Until the hub accepts it, its new token is not sent: pending rather than refused requests.
            assert.ok(!done.resources.some((x) => x.type.startsWith("kubernetes:")));
            assert.match(done.warnings?.[0] ?? "", /has not accepted any of this cluster's tokens yet/);
            const hub = await runHub({}, undefined, { ...(await fixtureSourceOutputs()), dev: done.outputs });
            assert.deepEqual((hub.outputs.values.agentTokenSha256 as Record<string, string[]>).dev, done.outputs.values.agentTokenSha256);
        });
    });
});
