import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { AGGREGATOR_NAME } from "../contract/fleet";

/** Validity figures: leaf certificates follow the seed's cert-manager settings (1 year, renewed 30 days early). */
export const PKI_VALIDITY = {
    leafHours: 365 * 24,
    leafEarlyRenewalHours: 30 * 24,
    /**
     * The CA lives longer than its leaves: replacing it needs every agent stack updated after the
     * monitoring stack (docs/tls.md, "Rotating credentials"), so it should happen rarely and on purpose.
     */
    caHours: 5 * 365 * 24,
    caEarlyRenewalHours: 90 * 24,
} as const;

export const SERVER_USES = ["digital_signature", "key_encipherment", "server_auth"];
export const CLIENT_USES = ["digital_signature", "key_encipherment", "client_auth"];
export const CA_USES = ["cert_signing", "crl_signing", "digital_signature"];

export interface FleetPkiArgs {
    /** Agent clusters that get a client CA of their own (and so their listeners). Required; may be empty. */
    agentClusters: string[];
    /**
     * Per agent cluster, the certificate request of the cluster's own key (made in its own stack,
     * components/identity), which its client CA signs. A listed cluster without one is pending:
     * its CA exists, nothing is signed. Required; may be empty.
     */
    certRequests: Record<string, pulumi.Input<string>>;
    /** DNS names the aggregators answer to (in-cluster Service names). Required. */
    serverDnsNames: string[];
    /** IP addresses the aggregators answer to: the load balancer's private IP. Required. */
    serverIpAddresses: pulumi.Input<string>[];
    /**
     * Per cluster, its current client CA generation and whether the previous CA is still trusted
     * (a CA rotation in progress).
     * @default generation 0 and no previous CA for every cluster: generation 0 keeps the first CA's resource names.
     */
    clientCaGenerations?: Record<string, { generation: number; keepPrevious: boolean }>;
    /**
     * Organisation in certificate subjects.
     * @default "vector-fleet" : only informative; nothing checks it.
     */
    organization?: string;
}

export interface ClusterCredentials {
    /**
     * What this cluster's listeners trust: the CA of this cluster alone, which signs only this
     * cluster's client certificate. That is what binds a connection to a cluster
     * (docs/identity.md), and what cuts one cluster off without touching the others. During a CA
     * rotation, a bundle: the current generation's PEM, then the previous one's
     * (clientCaBundle), so certificates of either generation are accepted.
     */
    clientCaPem: pulumi.Output<string>;
    /** The cluster's certificate, once it has a request to sign; its key stays in its own stack. */
    certPem?: pulumi.Output<string>;
}

/**
 * The client CA generations a cluster has: the current one, which signs its certificate, and
 * while `keepPrevious` the one before, still trusted so certificates it signed keep working.
 * Generation 0 has no previous one.
 */
export function clientCaGenerationsOf(g: { generation: number; keepPrevious: boolean }): { current: number; previous?: number } {
    return g.keepPrevious && g.generation > 0 ? { current: g.generation, previous: g.generation - 1 } : { current: g.generation };
}

/**
 * Suffix of a generation's resource and certificate names: none for generation 0, so the first
 * CA keeps the names it had before generations existed (its URN, so its key, stays put).
 */
export const generationSuffix = (generation: number) => (generation === 0 ? "" : `-g${generation}`);

/**
 * A trust bundle: the PEMs one after the other, each ending in a newline, the current first.
 * Vector adds every certificate of a `ca_file` to the verify store (vectordotdev/vector
 * lib/vector-core/src/tls/settings.rs, load_authorities and X509StoreBuilder::add_cert), so a
 * client certificate signed by any of them is accepted.
 */
export function clientCaBundle(pems: string[]): string {
    return pems.map((p) => (p.endsWith("\n") ? p : `${p}\n`)).join("");
}

/**
 * The fleet's PKI: a CA, the aggregators' server certificate, and per agent cluster a client CA
 * that signs the certificate request the cluster made with its own key. No agent key or token is
 * made or held here (docs/identity.md#deployment-order).
 */
export class FleetPki extends pulumi.ComponentResource {
    readonly caCertPem: pulumi.Output<string>;
    readonly serverCertPem: pulumi.Output<string>;
    readonly serverKeyPem: pulumi.Output<string>;
    readonly clients: Record<string, ClusterCredentials>;
    /** Every certificate's not-after (RFC 3339), for the expiry alert; cluster unset = the hub's. */
    readonly expiries: { certificate: string; cluster?: string; notAfter: pulumi.Output<string> }[];

    constructor(name: string, args: FleetPkiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vector-fleet:index:FleetPki", name, {}, opts);
        const child = { parent: this };
        const organization = args.organization ?? "vector-fleet";
        const key = (n: string) => new tls.PrivateKey(n, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);

        const caKey = key(`${name}-ca-key`);
        const ca = new tls.SelfSignedCert(
            `${name}-ca`,
            {
                privateKeyPem: caKey.privateKeyPem,
                subject: { commonName: `${organization} CA`, organization },
                isCaCertificate: true,
                validityPeriodHours: PKI_VALIDITY.caHours,
                earlyRenewalHours: PKI_VALIDITY.caEarlyRenewalHours,
                allowedUses: CA_USES,
            },
            child,
        );
        const sign = (
            n: string,
            keyPem: pulumi.Output<string>,
            req: Omit<tls.CertRequestArgs, "privateKeyPem">,
            uses: string[],
            by: { keyPem: pulumi.Output<string>; certPem: pulumi.Output<string> } = { keyPem: caKey.privateKeyPem, certPem: ca.certPem },
        ) => {
            const csr = new tls.CertRequest(`${n}-csr`, { ...req, privateKeyPem: keyPem }, child);
            return new tls.LocallySignedCert(
                n,
                {
                    certRequestPem: csr.certRequestPem,
                    caPrivateKeyPem: by.keyPem,
                    caCertPem: by.certPem,
                    validityPeriodHours: PKI_VALIDITY.leafHours,
                    earlyRenewalHours: PKI_VALIDITY.leafEarlyRenewalHours,
                    allowedUses: uses,
                },
                child,
            );
        };

        const serverKey = key(`${name}-server-key`);
        const server = sign(
            `${name}-server`,
            serverKey.privateKeyPem,
            {
                subject: { commonName: args.serverDnsNames[0] ?? AGGREGATOR_NAME, organization },
                dnsNames: args.serverDnsNames,
                ipAddresses: args.serverIpAddresses,
            },
            SERVER_USES,
        );

        this.clients = {};
        this.expiries = [
            { certificate: "ca", notAfter: ca.validityEndTime },
            { certificate: "server", notAfter: server.validityEndTime },
        ];
        for (const cluster of [...args.agentClusters].sort()) {
            const clientCaOf = (generation: number) => {
                const suffix = generationSuffix(generation);
                const caKeyOf = key(`${name}-client-ca-${cluster}${suffix}-key`);
                const cert = new tls.SelfSignedCert(
                    `${name}-client-ca-${cluster}${suffix}`,
                    {
                        privateKeyPem: caKeyOf.privateKeyPem,
                        // Each generation its own subject, so no verifier has two CAs of one name to choose between.
                        subject: { commonName: `${organization} client CA ${cluster}${suffix}`, organization, organizationalUnit: cluster },
                        isCaCertificate: true,
                        validityPeriodHours: PKI_VALIDITY.caHours,
                        earlyRenewalHours: PKI_VALIDITY.caEarlyRenewalHours,
                        allowedUses: CA_USES,
                    },
                    child,
                );
                return { certificate: `client-ca-${cluster}${suffix}`, keyPem: caKeyOf.privateKeyPem, certPem: cert.certPem, notAfter: cert.validityEndTime };
            };
            const caGenerations = clientCaGenerationsOf(args.clientCaGenerations?.[cluster] ?? { generation: 0, keepPrevious: false });
            const currentCa = clientCaOf(caGenerations.current);
            const previousCa = caGenerations.previous === undefined ? undefined : clientCaOf(caGenerations.previous);
            const trusted = previousCa ? [currentCa, previousCa] : [currentCa];
            this.expiries.push(...trusted.map((ca) => ({ certificate: ca.certificate, cluster, notAfter: ca.notAfter })));
            this.clients[cluster] = { clientCaPem: pulumi.all(trusted.map((ca) => ca.certPem)).apply(clientCaBundle) };
            const request = args.certRequests[cluster];
            if (request === undefined) continue;
            // The one place that decides which CA signs this cluster's certificate: the current generation's.
            const cert = new tls.LocallySignedCert(
                `${name}-client-${cluster}`,
                {
                    certRequestPem: request,
                    caPrivateKeyPem: currentCa.keyPem,
                    caCertPem: currentCa.certPem,
                    validityPeriodHours: PKI_VALIDITY.leafHours,
                    earlyRenewalHours: PKI_VALIDITY.leafEarlyRenewalHours,
                    allowedUses: CLIENT_USES,
                },
                child,
            );
            this.expiries.push({ certificate: `client-${cluster}`, cluster, notAfter: cert.validityEndTime });
            this.clients[cluster].certPem = cert.certPem;
        }
        this.caCertPem = ca.certPem;
        this.serverCertPem = server.certPem;
        this.serverKeyPem = pulumi.secret(serverKey.privateKeyPem);
        this.registerOutputs({ caCertPem: this.caCertPem });
    }
}
