/**
 * Issue 16 item 3, on the CA side: rotating one cluster's client CA with an overlap, and revoking
 * one cluster, each touching no other cluster. Two runs of the real program under the test mocks
 * are compared; nothing here pins the tests' fleet to exactly its clusters.
 */
import { strict as assert } from "node:assert";
import { parse as parseToml } from "smol-toml";
import { clientCaKey, identityComponentIds } from "../../components/aggregator";
import { RunResult } from "../../tools/render/simulator";
import { dig, find, runHub, sharedHub, stackConfig } from "../support/fleet";

const SECRET = "kubernetes:core/v1:Secret";
const CM = "kubernetes:core/v1:ConfigMap";
const SIGNED = "tls:index/locallySignedCert:LocallySignedCert";
const SELF_SIGNED = "tls:index/selfSignedCert:SelfSignedCert";
const PKI = "vector-fleet-pki";

/**
 * The certificates Vector trusts from a `ca_file`: it cuts the file at every "-----BEGIN " and
 * parses a certificate from each, then adds every one to the listener's verify store
 * (vectordotdev/vector lib/vector-core/src/tls/settings.rs: load_authorities splits at each
 * PEM_START_MARKER; the TLS context adds each authority with X509StoreBuilder::add_cert and
 * set_verify_cert_store). So a client certificate issued by any certificate of the file is
 * accepted, not only by the first.
 */
function vectorAuthorities(caFile: string): string[] {
    const starts = [...caFile.matchAll(/-----BEGIN /g)].map((m) => m.index);
    return starts.map((start) => {
        const end = caFile.indexOf("-----END CERTIFICATE-----", start);
        assert.ok(end > start, `no certificate end after offset ${start}`);
        return caFile.slice(start, end + "-----END CERTIFICATE-----".length) + "\n";
    });
}

/** A certificate chains to a listener's CA file when its issuer (what signed it) is one of the file's authorities. */
function chainsTo(r: RunResult, certName: string, caFile: string): boolean {
    return vectorAuthorities(caFile).includes(find(r, SIGNED, certName).inputs.caCertPem as string);
}

const tlsData = (r: RunResult) => find(r, SECRET, "vector-aggregator-tls").inputs.stringData as Record<string, string>;
/** The token digests the hub accepts per cluster (the tokens themselves live in each cluster's own stack). */
const tokens = (r: RunResult) => r.outputs.values.agentTokenSha256 as Record<string, string[]>;
/** The certificate request the hub signs per cluster: made with the key in the cluster's own stack. */
const signedRequests = (r: RunResult) => r.outputs.values.agentSignedRequests as Record<string, string>;
const aggregatorToml = (r: RunResult) => parseToml((find(r, CM, "vector-aggregator-config").inputs.data as Record<string, string>)["vector.toml"]);
const credentialsAnnotation = (r: RunResult) =>
    dig(find(r, "kubernetes:apps/v1:StatefulSet", "vector-aggregator-statefulset").inputs, "spec.template.metadata.annotations") as Record<string, string>;

/** Every PKI resource the hub holds for one cluster (its CAs of any generation and its certificate), by name: URN and inputs. */
function credentialsOf(r: RunResult, cluster: string): Record<string, { urn: string; inputs: unknown }> {
    const c = cluster.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const mine = new RegExp(`^${PKI}-(client-ca-${c}(-g\\d+)?(-key)?|client-${c})$`);
    return Object.fromEntries(
        r.resources
            .filter((x) => mine.test(x.name))
            .sort((a, b) => a.name.localeCompare(b.name))
            .map((x) => [x.name, { urn: x.urn, inputs: x.inputs }]),
    );
}

/** The load balancer's ports, by port name. */
function lbPorts(r: RunResult): Record<string, number> {
    const ports = dig(find(r, "kubernetes:core/v1:Service", "vector-aggregator-loadbalancer").inputs, "spec.ports") as { name: string; port: number }[];
    return Object.fromEntries(ports.map((p) => [p.name, p.port]));
}

/** Everything the hub holds for one cluster: credentials, trusted CA file, accepted token digests, the request it signs, listeners (with their ports), public address. */
function clusterView(r: RunResult, cluster: string) {
    const ids = identityComponentIds(cluster);
    const toml = aggregatorToml(r);
    return {
        credentials: credentialsOf(r, cluster),
        caFile: tlsData(r)[clientCaKey(cluster)],
        token: tokens(r)[cluster],
        request: signedRequests(r)[cluster],
        logsListener: dig(toml, `sources.${ids.logsSource}`),
        metricsListener: dig(toml, `sources.${ids.metricsSource}`),
        address: (r.outputs.values.aggregatorAddress as Record<string, string>)[cluster],
        certificate: (r.outputs.values.agentCertificates as Record<string, string>)[cluster],
    };
}

function hubAggregator(): { clusters: string[]; identities: Record<string, Record<string, unknown>> } & Record<string, unknown> {
    return JSON.parse(stackConfig("monitoring").config["vector-fleet:aggregator"]);
}

/** The hub with one listed cluster's client CA at `generation`, the previous one trusted or not. */
function rotated(cluster: string, generation: number, acceptPrevious: boolean): Promise<RunResult> {
    const agg = hubAggregator();
    const identities = { ...agg.identities, [cluster]: { ...agg.identities[cluster], clientCaGeneration: generation, acceptPreviousClientCa: acceptPrevious } };
    return runHub({ aggregator: { ...agg, identities } });
}

describe("client CA rotation and revocation (program under mocks)", () => {
    let original: RunResult;
    let during: RunResult;
    let done: RunResult;
    /** A listed cluster (not the hub's own): the first one, whichever the tests' fleet lists. */
    let rotating: string;
    let others: string[];
    before(async () => {
        original = await sharedHub();
        rotating = hubAggregator().clusters[0];
        others = (original.outputs.values.agentClusters as string[]).filter((c) => c !== rotating);
        during = await rotated(rotating, 1, true);
        done = await rotated(rotating, 1, false);
    });

    it("generation 0 keeps the first CA's resource names and a CA file of one certificate, so no existing CA is replaced", () => {
        for (const c of original.outputs.values.agentClusters as string[]) {
            find(original, SELF_SIGNED, `${PKI}-client-ca-${c}`);
            find(original, "tls:index/privateKey:PrivateKey", `${PKI}-client-ca-${c}-key`);
            assert.equal(vectorAuthorities(tlsData(original)[clientCaKey(c)]).length, 1, c);
            assert.ok(chainsTo(original, `${PKI}-client-${c}`, tlsData(original)[clientCaKey(c)]), c);
        }
        assert.ok(!original.resources.some((x) => /-client-ca-.*-g\d+$/.test(x.name)));
    });

    it("during the overlap the cluster's listeners trust the new CA and the old one; its new certificate is signed by the new CA, its old one still chains", () => {
        const caFile = tlsData(during)[clientCaKey(rotating)];
        const authorities = vectorAuthorities(caFile);
        assert.equal(authorities.length, 2);
        const cert = find(during, SIGNED, `${PKI}-client-${rotating}`);
        // Current first: the generation that signs the certificate handed out now.
        assert.equal(cert.inputs.caCertPem, authorities[0]);
        assert.match(String(cert.inputs.caPrivateKeyPem), new RegExp(`${PKI}-client-ca-${rotating}-g1-key`));
        // The certificate the cluster's agent still has (issued original the rotation) chains to the old CA in the file.
        assert.ok(chainsTo(original, `${PKI}-client-${rotating}`, caFile));
        assert.equal(find(original, SIGNED, `${PKI}-client-${rotating}`).inputs.caCertPem, authorities[1]);
        // Each generation its own subject: the verifier never has two CAs of one name to pick from.
        const subjects = [`${PKI}-client-ca-${rotating}`, `${PKI}-client-ca-${rotating}-g1`].map((n) =>
            dig(find(during, SELF_SIGNED, n).inputs, "subject.commonName"),
        );
        assert.equal(new Set(subjects).size, 2);
        // Both listeners of the cluster read that one file.
        const ids = identityComponentIds(rotating);
        const toml = aggregatorToml(during);
        for (const source of [ids.logsSource, ids.metricsSource])
            assert.equal(dig(toml, `sources.${source}.tls.ca_file`), `/etc/vector/tls/${clientCaKey(rotating)}`);
        // The hub hands out the new certificate: the cluster's stack picks it up on its next `pulumi up`.
        assert.equal(
            (during.outputs.values.agentCertificates as Record<string, string>)[rotating],
            (done.outputs.values.agentCertificates as Record<string, string>)[rotating],
        );
    });

    it("after the overlap only the new CA is trusted and the old CA is deleted, so the old certificate is refused", () => {
        const caFile = tlsData(done)[clientCaKey(rotating)];
        assert.equal(vectorAuthorities(caFile).length, 1);
        assert.ok(chainsTo(done, `${PKI}-client-${rotating}`, caFile));
        assert.ok(!chainsTo(original, `${PKI}-client-${rotating}`, caFile));
        const names = done.resources.map((x) => x.name);
        assert.ok(!names.includes(`${PKI}-client-ca-${rotating}`) && !names.includes(`${PKI}-client-ca-${rotating}-key`));
        assert.ok(names.includes(`${PKI}-client-ca-${rotating}-g1`));
    });

    it("rolls the aggregators at each step: the credentials checksum follows the CA file (Vector's vector source does not reload certificates)", () => {
        // vectordotdev/vector src/sources/vector/mod.rs passes no TLS reloader to run_grpc_server_with_routes:
        // a listener keeps the CA file it read at start, so only a new pod trusts a new bundle.
        const sums = [original, during, done].map((r) => credentialsAnnotation(r)["vector-fleet.dev/credentials-sha256"]);
        assert.equal(new Set(sums).size, 3, sums.join(", "));
    });

    it("exports both CAs' expiry during the overlap and only the current one's after", () => {
        const certificates = (r: RunResult) =>
            (
                dig(find(r, "kubernetes:monitoring.coreos.com/v1:PrometheusRule", "vector-monitoring-certificate-rules").inputs, "spec.groups") as {
                    rules: { labels?: { certificate?: string; cluster?: string } }[];
                }[]
            )[0].rules
                .filter((rule) => rule.labels?.cluster === rotating && rule.labels.certificate?.startsWith("client-ca-"))
                .map((rule) => rule.labels!.certificate)
                .sort();
        assert.deepEqual(certificates(original), [`client-ca-${rotating}`]);
        assert.deepEqual(certificates(during), [`client-ca-${rotating}`, `client-ca-${rotating}-g1`]);
        assert.deepEqual(certificates(done), [`client-ca-${rotating}-g1`]);
    });

    it("changes no other cluster's CA, certificate, request, token, port or listener, and not the rotating cluster's request or token", () => {
        assert.ok(others.length > 0);
        for (const run of [during, done]) {
            for (const c of others) assert.deepEqual(clusterView(run, c), clusterView(original, c), c);
            assert.deepEqual(lbPorts(run), lbPorts(original));
            // The cluster's key and token live in its own stack: a CA rotation re-signs the same request.
            assert.equal(signedRequests(run)[rotating], signedRequests(original)[rotating]);
            assert.deepEqual(tokens(run)[rotating], tokens(original)[rotating]);
            assert.equal(clusterView(run, rotating).address, clusterView(original, rotating).address);
        }
    });

    describe("revoking the last listed cluster", () => {
        let revoked: RunResult;
        let gone: string;
        before(async () => {
            const agg = hubAggregator();
            gone = agg.clusters[agg.clusters.length - 1];
            const { [gone]: _gone, ...identities } = agg.identities;
            void _gone;
            revoked = await runHub({ aggregator: { ...agg, clusters: agg.clusters.slice(0, -1), identities } });
        });

        it("leaves every other cluster's credentials (URNs and inputs), CA file, token, ports and listeners identical", () => {
            const kept = (original.outputs.values.agentClusters as string[]).filter((c) => c !== gone);
            assert.deepEqual(revoked.outputs.values.agentClusters, kept);
            for (const c of kept) assert.deepEqual(clusterView(revoked, c), clusterView(original, c), c);
            const ports = lbPorts(original);
            const goneSlot = hubAggregator().clusters.length;
            for (const [portName, port] of Object.entries(lbPorts(revoked))) assert.equal(port, ports[portName], portName);
            assert.deepEqual(
                Object.keys(ports).filter((n) => !(n in lbPorts(revoked))),
                [`vector-${goneSlot}`, `remote-write-${goneSlot}`],
            );
        });

        it("removes the cluster's sources, CA, certificate, token and load balancer ports", () => {
            assert.deepEqual(credentialsOf(revoked, gone), {});
            assert.ok(!(clientCaKey(gone) in tlsData(revoked)));
            assert.ok(!(gone in tokens(revoked)));
            const ids = identityComponentIds(gone);
            const sources = dig(aggregatorToml(revoked), "sources") as Record<string, unknown>;
            assert.ok(!(ids.logsSource in sources) && !(ids.metricsSource in sources));
            for (const output of ["aggregatorAddress", "remoteWriteUrl", "agentCertificates", "agentSignedRequests", "agentTokenSha256"])
                assert.ok(!(gone in (revoked.outputs.values[output] as Record<string, unknown>)), output);
        });
    });
});
