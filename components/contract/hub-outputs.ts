/**
 * The contract between the monitoring stack and the agent stacks: what each exports for the other
 * (all public), and the checks each runs on the other's outputs before registering anything.
 */
import * as net from "node:net";

/**
 * Outputs of the monitoring stack that agent stacks read. Every one is public: a StackReference
 * stores all of the hub's outputs in the reading stack's state, so the hub exports no secret at
 * all (docs/identity.md#deployment-order).
 */
export const HUB_OUTPUTS = {
    aggregatorAddress: "aggregatorAddress",
    remoteWriteUrl: "remoteWriteUrl",
    caCertPem: "caCertPem",
    agentClusters: "agentClusters",
    /** cluster -> the client certificate the hub signed for it. */
    agentCertificates: "agentCertificates",
    /** cluster -> the certificate request it signed: the source deploys only when it is its own current one. */
    agentSignedRequests: "agentSignedRequests",
    /** cluster -> SHA-256 (lowercase hex) of the remote-write tokens its aggregators accept. */
    agentTokenSha256: "agentTokenSha256",
} as const;

/** Outputs a cluster's own stack exports for its hub: public, like the hub's. */
export const SOURCE_OUTPUTS = {
    /** PEM certificate request of the cluster's own agent key. */
    agentCsrPem: "agentCsrPem",
    /** SHA-256 (lowercase hex) of its tokens, current first, then the previous one during a rotation. */
    agentTokenSha256: "agentTokenSha256",
} as const;

/** What `StackReference.getOutputDetails` returns. */
export interface OutputDetails {
    value?: unknown;
    secretValue?: unknown;
}

/** Lowercase hex SHA-256, as node's digest("hex") and VRL's sha2 (vectordotdev/vrl src/stdlib/sha2.rs: hex::encode) write it. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;

const isCsr = (v: unknown): v is string => typeof v === "string" && v.includes("-----BEGIN CERTIFICATE REQUEST-----");
const isHashList = (v: unknown, min: number): v is string[] =>
    Array.isArray(v) && v.length >= min && v.length <= 2 && v.every((h) => typeof h === "string" && SHA256_HEX.test(h));

/**
 * Where a source stands with its hub: not served yet (and why, with the fix), or signed, with the
 * checked values it deploys with (its own address and remote-write URL, the fleet CA), so the program
 * does not read them through the StackReference again.
 */
export type HubAnswer =
    | { state: "pending"; why: string }
    | {
          state: "signed";
          signedRequest: string;
          certificate: string;
          acceptedSha256: string[];
          /** This cluster's "ip:port" on the aggregators' load balancer. */
          aggregatorAddress: string;
          /** This cluster's https:// remote-write URL, on the same load balancer. */
          remoteWriteUrl: string;
          caCertPem: string;
      };

/**
 * Checks the monitoring stack's outputs for this cluster. Every problem is collected, each naming
 * the output, what was found and the fix; a hub that has not served this cluster yet (never
 * deployed, not listing it, or not having signed its request) is no problem but `pending`.
 */
export function readHubOutputs(
    stack: string,
    cluster: string,
    details: Record<string, OutputDetails | undefined>,
    secretOutputNames: readonly string[] = [],
): { problems: string[]; answer: HubAnswer } {
    const problems: string[] = [];
    const value = (k: string) => details[k]?.value ?? details[k]?.secretValue;
    const upHub = `run \`pulumi up\` on ${stack}, then here again (docs/identity.md#deployment-order)`;
    for (const k of [...secretOutputNames].sort())
        problems.push(
            `stack "${stack}" exports "${k}" as a secret; expected no secret output at all: a StackReference stores every output of ${stack} in this stack's state (update the monitoring stack)`,
        );
    if (Object.values(HUB_OUTPUTS).every((k) => value(k) === undefined))
        return { problems, answer: { state: "pending", why: `stack "${stack}" has no outputs yet (never deployed): ${upHub}` } };
    for (const k of Object.values(HUB_OUTPUTS)) {
        if (value(k) === undefined)
            problems.push(
                `stack "${stack}" has no output "${k}"; expected the monitoring stack to export it: run \`pulumi up\` on ${stack} first (it may be an older version)`,
            );
    }
    const clusters = value(HUB_OUTPUTS.agentClusters);
    if (clusters !== undefined && !Array.isArray(clusters))
        problems.push(`stack "${stack}" output "agentClusters" is ${JSON.stringify(clusters)}; expected a list of cluster names`);
    const listed = Array.isArray(clusters) && clusters.includes(cluster);
    const entry = (k: string) => {
        const m = value(k);
        return typeof m === "object" && m !== null ? (m as Record<string, unknown>)[cluster] : undefined;
    };
    if (listed) {
        for (const k of [HUB_OUTPUTS.aggregatorAddress, HUB_OUTPUTS.remoteWriteUrl]) {
            if (value(k) !== undefined && typeof entry(k) !== "string")
                problems.push(
                    `stack "${stack}" output "${k}" has no entry for cluster "${cluster}"; expected a map from cluster name to its own address (each cluster has its own ports: docs/identity.md; update the monitoring stack)`,
                );
        }
        for (const k of [HUB_OUTPUTS.agentCertificates, HUB_OUTPUTS.agentSignedRequests, HUB_OUTPUTS.agentTokenSha256]) {
            const m = value(k);
            if (m !== undefined && (typeof m !== "object" || m === null || Array.isArray(m)))
                problems.push(`stack "${stack}" output "${k}" is ${JSON.stringify(m)}; expected a map from cluster name to its entry`);
        }
    }
    // Each cluster has its own address and URL; only this cluster's are checked.
    const address = entry(HUB_OUTPUTS.aggregatorAddress);
    const ip = typeof address === "string" ? addressIp(address) : undefined;
    if (address !== undefined && ip === undefined)
        problems.push(
            `stack "${stack}" output "aggregatorAddress" is ${JSON.stringify(address)}; expected "ip:port" with the load balancer's private IPv4 ` +
                `(the agents' NetworkPolicy allows exactly that address)`,
        );
    const url = entry(HUB_OUTPUTS.remoteWriteUrl);
    const host = typeof url === "string" && url.startsWith("https://") ? urlHost(url) : undefined;
    if (url !== undefined && host === undefined) problems.push(`stack "${stack}" output "remoteWriteUrl" is ${JSON.stringify(url)}; expected an https:// URL`);
    else if (host !== undefined && ip !== undefined && host !== ip)
        problems.push(
            `stack "${stack}" output "remoteWriteUrl" points at ${host}, but "aggregatorAddress" at ${ip}; ` +
                `expected both on the aggregators' load balancer (update the monitoring stack)`,
        );
    const ca = value(HUB_OUTPUTS.caCertPem);
    if (ca !== undefined && (typeof ca !== "string" || !ca.includes("-----BEGIN CERTIFICATE-----")))
        problems.push(`stack "${stack}" output "caCertPem" is not a PEM certificate; expected the fleet CA's certificate ("-----BEGIN CERTIFICATE-----...")`);
    const certificate = entry(HUB_OUTPUTS.agentCertificates);
    const signedRequest = entry(HUB_OUTPUTS.agentSignedRequests);
    const accepted = entry(HUB_OUTPUTS.agentTokenSha256);
    if (certificate !== undefined && (typeof certificate !== "string" || !certificate.includes("-----BEGIN CERTIFICATE-----")))
        problems.push(`stack "${stack}" output "agentCertificates" has ${JSON.stringify(certificate)} for "${cluster}"; expected a PEM certificate`);
    if (signedRequest !== undefined && !isCsr(signedRequest))
        problems.push(
            `stack "${stack}" output "agentSignedRequests" has ${JSON.stringify(signedRequest)} for "${cluster}"; expected a PEM certificate request`,
        );
    if (accepted !== undefined && !isHashList(accepted, 0))
        problems.push(
            `stack "${stack}" output "agentTokenSha256" has ${JSON.stringify(accepted)} for "${cluster}"; expected a list of at most 2 SHA-256 digests (64 lowercase hex)`,
        );
    if (!listed)
        return {
            problems,
            answer: {
                state: "pending",
                why:
                    `stack "${stack}" does not list cluster "${cluster}" (it lists ${JSON.stringify(clusters)}): append it to vector-fleet:aggregator.clusters ` +
                    `(and its identity) in ${stack}'s stack file, then ${upHub}`,
            },
        };
    if (typeof certificate !== "string" || !isCsr(signedRequest) || !isHashList(accepted, 0))
        return { problems, answer: { state: "pending", why: `stack "${stack}" has not signed cluster "${cluster}"'s certificate request yet: ${upHub}` } };
    // Each is a problem above when it is not a string; the answer only types what was checked.
    if (typeof address !== "string" || typeof url !== "string" || typeof ca !== "string")
        return { problems, answer: { state: "pending", why: `stack "${stack}" does not give cluster "${cluster}" an address, URL and CA: ${upHub}` } };
    return {
        problems,
        answer: { state: "signed", signedRequest, certificate, acceptedSha256: accepted, aggregatorAddress: address, remoteWriteUrl: url, caCertPem: ca },
    };
}

/**
 * The hub's check of one source cluster's own outputs, before anything is registered: its
 * certificate request and 1-2 token digests, or nothing at all (its stack not deployed yet: the
 * cluster is pending, listeners but no credentials).
 */
export function readSourceOutputs(
    stack: string,
    cluster: string,
    details: Record<string, OutputDetails | undefined>,
    secretOutputNames: readonly string[] = [],
): { problems: string[]; identity?: { csrPem: string; tokenSha256: string[] } } {
    const problems: string[] = [];
    const value = (k: string) => details[k]?.value ?? details[k]?.secretValue;
    // The hub's StackReference stores every output of the source in the hub's state, secret ones too.
    for (const k of [...secretOutputNames].sort())
        problems.push(
            `stack "${stack}" exports "${k}" as a secret; expected no secret output at all: the hub's StackReference would store it in the hub's state (update cluster "${cluster}"'s stack)`,
        );
    const csr = value(SOURCE_OUTPUTS.agentCsrPem);
    const hashes = value(SOURCE_OUTPUTS.agentTokenSha256);
    if (csr === undefined && hashes === undefined) return { problems };
    if (!isCsr(csr))
        problems.push(
            `stack "${stack}" output "agentCsrPem" is ${csr === undefined ? "missing" : JSON.stringify(csr)}; expected cluster "${cluster}"'s PEM certificate request: run \`pulumi up\` on ${stack} (docs/identity.md#deployment-order)`,
        );
    if (!isHashList(hashes, 1))
        problems.push(
            `stack "${stack}" output "agentTokenSha256" is ${hashes === undefined ? "missing" : JSON.stringify(hashes)}; expected 1 or 2 SHA-256 digests (64 lowercase hex) of cluster "${cluster}"'s tokens: run \`pulumi up\` on ${stack} (docs/identity.md#deployment-order)`,
        );
    return problems.length > 0 || !isCsr(csr) || !isHashList(hashes, 1) ? { problems } : { problems, identity: { csrPem: csr, tokenSha256: hashes } };
}

/** The IPv4 of an `ip:port` address, or undefined when it is not one. */
export function addressIp(address: string): string | undefined {
    const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(address);
    if (!m || !net.isIPv4(m[1]) || Number(m[2]) < 1 || Number(m[2]) > 65535) return undefined;
    return m[1];
}

function urlHost(url: string): string | undefined {
    try {
        return new URL(url).hostname || undefined;
    } catch {
        return undefined;
    }
}

/** What `hcloud.getLoadBalancer` says of the aggregators' load balancer. */
export interface FoundLoadBalancer {
    networkId: number;
    networkIp: string;
}

/**
 * Why the load balancer does not serve the pinned private address, or undefined. The hcloud cloud
 * controller attaches a load balancer to a private Network (at the `private-ipv4` annotation's
 * address) only when it runs with that Network configured (HCLOUD_NETWORK); without it the
 * annotation is ignored and the LB gets no private address, or keeps one it had
 * (hetznercloud/hcloud-cloud-controller-manager internal/hcops/load_balancer.go attachToNetwork:
 * `if l.NetworkID == 0 ... return false`). Agents in other clusters dial the pinned address.
 */
export function loadBalancerIpProblem(
    lb: { name: string; network: string; privateIp: string },
    networkId: number,
    found: FoundLoadBalancer,
): string | undefined {
    const fix =
        "run the hcloud cloud controller with the Network (HCLOUD_NETWORK, or the `network` value of its Helm chart); it then moves the LB to the pinned address by itself, and the next `pulumi up` passes (docs/operations.md)";
    if (!found.networkIp || found.networkId !== networkId)
        return `load balancer "${lb.name}" is not in the hcloud Network "${lb.network}" (it has ${found.networkIp ? `${found.networkIp} in network ${found.networkId}` : "no private address"}), so agents cannot reach it at ${lb.privateIp}: ${fix}`;
    if (found.networkIp !== lb.privateIp)
        return `load balancer "${lb.name}" got the private address ${found.networkIp}, not the pinned ${lb.privateIp} that agents dial (the cloud controller ignored load-balancer.hetzner.cloud/private-ipv4): ${fix}`;
    return undefined;
}
