import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { AGENT_NAME } from "../contract/fleet";

/** Lowercase hex SHA-256 of a token: what the hub's aggregators compare (docs/identity.md). */
export function tokenSha256(token: string): string {
    return createHash("sha256").update(token, "utf8").digest("hex");
}

export interface AgentCredentialsArgs {
    /** The cluster whose agents use these credentials. Required: it names the certificate's subject. */
    cluster: string;
    /**
     * The current remote-write token's generation.
     * @default 0 : generation 0 keeps the first token's resource name, so its value stays put.
     */
    tokenGeneration?: number;
    /**
     * Keep the previous generation's token (a rotation in progress: the hub accepts both).
     * @default false : only the current token exists.
     */
    acceptPreviousToken?: boolean;
    /**
     * Organisation in the certificate request's subject.
     * @default "vector-fleet" : only informative; nothing checks it.
     */
    organization?: string;
}

/**
 * A cluster's own agent credentials, created in the cluster's own stack: a private key and a
 * certificate request for the hub to sign, and the remote-write token(s). The key and the tokens
 * never leave this stack's state (except into this cluster's Kubernetes Secret); what the hub
 * needs is public: the request and the tokens' SHA-256 (docs/identity.md#deployment-order).
 */
export class AgentCredentials extends pulumi.ComponentResource {
    /** Secret. */
    readonly keyPem: pulumi.Output<string>;
    /** Public: the hub signs it with this cluster's client CA. */
    readonly csrPem: pulumi.Output<string>;
    /** Secret, newest first: the current token, then the previous one during a rotation. */
    readonly tokens: pulumi.Output<string>[];
    /** Public, in the order of `tokens`: what the hub's aggregators accept. */
    readonly tokenSha256: pulumi.Output<string[]>;
    /** The same, one Output per token: a new token's digest is unknown in a preview, the previous one's is not. */
    readonly tokenSha256Each: pulumi.Output<string>[];

    constructor(name: string, args: AgentCredentialsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vector-fleet:index:AgentCredentials", name, {}, opts);
        const child = { parent: this };
        const organization = args.organization ?? "vector-fleet";
        const key = new tls.PrivateKey(`${name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
        const csr = new tls.CertRequest(
            `${name}-csr`,
            {
                privateKeyPem: key.privateKeyPem,
                subject: { commonName: `${AGENT_NAME}.${args.cluster}`, organization, organizationalUnit: args.cluster },
            },
            child,
        );
        // Stable across updates (no keepers). Generation 0 keeps the original resource name.
        const tokenOf = (generation: number) =>
            new random.RandomPassword(
                `${name}-token${generation === 0 ? "" : `-g${generation}`}`,
                { length: 48, special: false },
                { ...child, additionalSecretOutputs: ["result"] },
            );
        const generation = args.tokenGeneration ?? 0;
        const generations = [generation, ...(args.acceptPreviousToken && generation > 0 ? [generation - 1] : [])];
        this.tokens = generations.map((g) => pulumi.secret(tokenOf(g).result));
        this.keyPem = pulumi.secret(key.privateKeyPem);
        this.csrPem = csr.certRequestPem;
        // A 48-character alphanumeric token has ~285 bits: its SHA-256 reveals nothing usable.
        this.tokenSha256Each = this.tokens.map((t) => pulumi.unsecret(t.apply(tokenSha256)));
        this.tokenSha256 = pulumi.all(this.tokenSha256Each);
        this.registerOutputs({ csrPem: this.csrPem, tokenSha256: this.tokenSha256 });
    }
}
