/**
 * The contract between the monitoring stack and the agent stacks: what the hub exports, and the
 * checks an agent stack runs on it before registering anything.
 */
import * as net from "node:net";

/** Outputs of the monitoring stack that agent stacks read. */
export const HUB_OUTPUTS = {
    aggregatorAddress: "aggregatorAddress",
    remoteWriteUrl: "remoteWriteUrl",
    caCertPem: "caCertPem",
    agentClusters: "agentClusters",
    agentCertificates: "agentCertificates",
    agentKeys: "agentKeys",
    agentTokens: "agentTokens",
} as const;

/** Outputs that must arrive as secrets; a plain one means the hub leaked it into state in the clear. */
export const HUB_SECRET_OUTPUTS: readonly string[] = [HUB_OUTPUTS.agentKeys, HUB_OUTPUTS.agentTokens];

/** What `StackReference.getOutputDetails` returns. */
export interface OutputDetails {
    value?: unknown;
    secretValue?: unknown;
}

/**
 * Checks the monitoring stack's outputs for this cluster. Returns every problem, each naming
 * the output, what was found and the fix.
 */
export function hubOutputProblems(stack: string, cluster: string, details: Record<string, OutputDetails | undefined>): string[] {
    const problems: string[] = [];
    const value = (k: string) => details[k]?.value ?? details[k]?.secretValue;
    for (const k of Object.values(HUB_OUTPUTS)) {
        if (value(k) === undefined)
            problems.push(
                `stack "${stack}" has no output "${k}"; expected the monitoring stack to export it: run \`pulumi up\` on ${stack} first (it may be an older version)`,
            );
    }
    for (const k of HUB_SECRET_OUTPUTS) {
        if (details[k]?.value !== undefined)
            problems.push(`stack "${stack}" exports "${k}" in plain text; expected a secret output (update the monitoring stack)`);
    }
    const clusters = value(HUB_OUTPUTS.agentClusters);
    if (clusters !== undefined && (!Array.isArray(clusters) || !clusters.includes(cluster))) {
        problems.push(
            `stack "${stack}" issues no credentials for cluster "${cluster}" (it lists ${JSON.stringify(clusters)}); ` +
                `expected "${cluster}" in vector-fleet:aggregator.clusters of ${stack}: add it there and run \`pulumi up\` on ${stack} first`,
        );
    }
    const listed = Array.isArray(clusters) && clusters.includes(cluster);
    for (const k of [
        HUB_OUTPUTS.agentCertificates,
        HUB_OUTPUTS.agentKeys,
        HUB_OUTPUTS.agentTokens,
        HUB_OUTPUTS.aggregatorAddress,
        HUB_OUTPUTS.remoteWriteUrl,
    ]) {
        const m = value(k);
        if (m !== undefined && listed) {
            if (typeof m !== "object" || m === null || typeof (m as Record<string, unknown>)[cluster] !== "string")
                problems.push(
                    `stack "${stack}" output "${k}" has no entry for cluster "${cluster}"; expected a map from cluster name to ${k === HUB_OUTPUTS.aggregatorAddress || k === HUB_OUTPUTS.remoteWriteUrl ? "its own address (each cluster has its own ports: docs/identity.md; update the monitoring stack)" : "PEM or token"}`,
                );
        }
    }
    // Each cluster has its own address and URL; only this cluster's are checked.
    const entry = (k: string) => {
        const m = value(k);
        return typeof m === "object" && m !== null ? (m as Record<string, unknown>)[cluster] : undefined;
    };
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
    return problems;
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
