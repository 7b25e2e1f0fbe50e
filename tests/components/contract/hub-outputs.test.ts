/**
 * readHubOutputs' signed answer carries the values a source deploys with, so the program reads
 * them from the checked outputs instead of through its StackReference again.
 */
import { strict as assert } from "node:assert";
import { HUB_OUTPUTS, OutputDetails, readHubOutputs } from "../../../components/contract/hub-outputs";

const CSR = "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n";
const CERT = (who: string) => `-----BEGIN CERTIFICATE-----\n${who}\n-----END CERTIFICATE-----\n`;
const SHA = "a".repeat(64);

/** A hub that serves two clusters, each on its own port of the same load balancer. */
function hubOutputs(overrides: Record<string, unknown> = {}): Record<string, OutputDetails> {
    const values: Record<string, unknown> = {
        [HUB_OUTPUTS.aggregatorAddress]: { dev: "10.0.1.5:6000", staging: "10.0.1.5:6001" },
        [HUB_OUTPUTS.remoteWriteUrl]: { dev: "https://10.0.1.5:9000/api/v1/write", staging: "https://10.0.1.5:9001/api/v1/write" },
        [HUB_OUTPUTS.caCertPem]: CERT("ca"),
        [HUB_OUTPUTS.agentClusters]: ["dev", "staging"],
        [HUB_OUTPUTS.agentCertificates]: { dev: CERT("dev"), staging: CERT("staging") },
        [HUB_OUTPUTS.agentSignedRequests]: { dev: CSR, staging: CSR },
        [HUB_OUTPUTS.agentTokenSha256]: { dev: [SHA], staging: [SHA] },
        ...overrides,
    };
    return Object.fromEntries(Object.entries(values).map(([k, value]) => [k, { value }]));
}

describe("readHubOutputs", () => {
    it("answers signed with this cluster's own address, remote-write URL and the fleet CA", () => {
        for (const cluster of ["dev", "staging"]) {
            const { problems, answer } = readHubOutputs("monitoring", cluster, hubOutputs());
            assert.deepEqual(problems, []);
            const addresses = hubOutputs()[HUB_OUTPUTS.aggregatorAddress].value as Record<string, string>;
            const urls = hubOutputs()[HUB_OUTPUTS.remoteWriteUrl].value as Record<string, string>;
            assert.deepEqual(answer, {
                state: "signed",
                signedRequest: CSR,
                certificate: CERT(cluster),
                acceptedSha256: [SHA],
                aggregatorAddress: addresses[cluster],
                remoteWriteUrl: urls[cluster],
                caCertPem: CERT("ca"),
            });
        }
    });

    it("does not answer signed when this cluster has no address, and names the output", () => {
        const { problems, answer } = readHubOutputs("monitoring", "dev", hubOutputs({ [HUB_OUTPUTS.aggregatorAddress]: { staging: "10.0.1.5:6001" } }));
        assert.equal(answer.state, "pending");
        assert.ok(problems.some((p) => p.includes(`"aggregatorAddress" has no entry for cluster "dev"`)));
    });

    it("does not answer signed when the CA is not a string", () => {
        const { problems, answer } = readHubOutputs("monitoring", "dev", hubOutputs({ [HUB_OUTPUTS.caCertPem]: 42 }));
        assert.equal(answer.state, "pending");
        assert.ok(problems.some((p) => p.includes(`"caCertPem" is not a PEM certificate`)));
    });
});
