/**
 * Runs the real program for one stack with Pulumi's mocks standing in for the engine and the
 * providers. Tests and `npm run render` both use it, so what the tests assert is what a
 * newcomer sees in `out/`.
 *
 * Values only a real deployment knows (generated keys, certificates, tokens, cloud ids) come
 * back as clearly marked placeholders; secrets carry a marker so leak checks can find them.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

/** Every mocked secret value contains this marker; finding it in a rendered file is a leak. */
export const SECRET_MARKER = "MOCK-SECRET";

export interface RegisteredResource {
    /** Property paths of inputs that were secret Outputs (e.g. `stringData`). */
    secretPaths: string[];
    type: string;
    name: string;
    /** URN of the parent resource; undefined for the stack itself. */
    parentUrn?: string;
    urn: string;
    custom: boolean;
    inputs: Record<string, unknown>;
    provider?: string;
    /** The resource's `ignoreChanges` option: the engine keeps the old value at these property paths. */
    ignoreChanges?: string[];
}

export interface StackOutputs {
    /** Output values, secrets included (in the clear: keep them in memory only). */
    values: Record<string, unknown>;
    /** Names of the outputs that are secret. */
    secretNames: string[];
}

/** The simulated Hetzner Cloud: what `hcloud.getNetwork` answers. */
export interface SimulatedCloud {
    networks: Record<string, { id: number; ipRange: string }>;
}

export const DEFAULT_CLOUD: SimulatedCloud = {
    networks: { "fleet-private": { id: 4711001, ipRange: "10.0.0.0/16" } },
};

export interface RunOptions {
    project: string;
    stack: string;
    /** `vector-fleet:key` -> value (structured values JSON-encoded, as Pulumi passes them). */
    config: Record<string, string>;
    secretKeys?: string[];
    /** Outputs of other stacks, by the name a StackReference uses. */
    stackOutputs?: Record<string, StackOutputs>;
    cloud?: SimulatedCloud;
}

export interface RunResult {
    resources: RegisteredResource[];
    outputs: StackOutputs;
}

/** A placeholder that names what fills it at deploy time. */
export function placeholder(what: string): string {
    return `<known after deploy: ${what}>`;
}

function mockSecret(kind: string, name: string): string {
    const h = createHash("sha256").update(`${kind}/${name}`).digest("hex").slice(0, 12);
    return `${SECRET_MARKER}-${kind}-${name}-${h}`;
}

function pem(label: string, body: string): string {
    return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

class FleetMocks implements pulumi.runtime.Mocks {
    readonly byKey = new Map<string, RegisteredResource>();
    private nextId = 1;
    constructor(private readonly opts: RunOptions) {}

    call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
        if (args.token === "hcloud:index/getNetwork:getNetwork") {
            const cloud = this.opts.cloud ?? DEFAULT_CLOUD;
            const name = args.inputs.name as string;
            const net = cloud.networks[name];
            if (!net) throw new Error(`hcloud: network "${name}" not found`);
            return { id: net.id, name, ipRange: net.ipRange, labels: {}, deleteProtection: false, exposeRoutesToVswitch: false };
        }
        throw new Error(`the offline simulator has no answer for invoke ${args.token}`);
    }

    newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        const inputs = args.inputs as Record<string, unknown>;
        // hcloud ids are numeric strings; everything else gets a readable one.
        const id = `${this.nextId++}`;
        switch (args.type) {
            case "pulumi:pulumi:StackReference": {
                const ref = inputs.name as string;
                // "monitoring" and "org/vector-fleet/monitoring" name the same rendered stack.
                const found = this.opts.stackOutputs?.[ref] ?? this.opts.stackOutputs?.[ref.split("/").pop() ?? ref];
                if (!found) throw new Error(`stack "${ref}" has not been rendered (is its name right, and was it rendered first?)`);
                return { id: ref, state: { name: ref, outputs: found.values, secretOutputNames: found.secretNames } };
            }
            case "tls:index/privateKey:PrivateKey":
                return {
                    id,
                    state: {
                        ...inputs,
                        privateKeyPem: pem("PRIVATE KEY", mockSecret("private-key", args.name)),
                        privateKeyPemPkcs8: pem("PRIVATE KEY", mockSecret("private-key", args.name)),
                        publicKeyPem: pem("PUBLIC KEY", placeholder(`public key of ${args.name}`)),
                    },
                };
            case "tls:index/selfSignedCert:SelfSignedCert":
            case "tls:index/locallySignedCert:LocallySignedCert":
                return {
                    id,
                    state: {
                        ...inputs,
                        certPem: pem("CERTIFICATE", placeholder(`certificate ${args.name}`)),
                        validityStartTime: placeholder("validity start"),
                        validityEndTime: placeholder("validity end"),
                        readyForRenewal: false,
                    },
                };
            case "tls:index/certRequest:CertRequest":
                return { id, state: { ...inputs, certRequestPem: pem("CERTIFICATE REQUEST", placeholder(`CSR ${args.name}`)) } };
            case "random:index/randomPassword:RandomPassword":
                return { id, state: { ...inputs, result: mockSecret("token", args.name), bcryptHash: placeholder("bcrypt hash") } };
            default:
                return { id: args.custom ? id : "", state: inputs };
        }
    }
}

/** The Pulumi runtime keeps queues it does not declare; wait for them to drain. */
interface RuntimeInternals {
    waitForRPCs(): Promise<void>;
    getMonitor(): { registerResource(req: RegisterRequest, cb: unknown): Promise<void>; readResource(req: RegisterRequest, cb: unknown): Promise<void> } | undefined;
}
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    /** Only on registrations (reads have none). */
    getIgnorechangesList?(): string[];
}
const runtime = pulumi.runtime as unknown as RuntimeInternals;

type StackProgram = () => Promise<Record<string, pulumi.Output<unknown> | unknown> | void>;

/** The run in progress: Pulumi's mock runtime (config, mocks, the stack) is process-global. */
let current: Promise<unknown> = Promise.resolve();

/**
 * Runs `program` as stack `opts.stack`. The program must be a function (never top-level code),
 * so the same module can be run for several stacks in one process. Runs asked for while another
 * is in progress wait for it, so callers that start runs concurrently (a test's early work, a
 * command rendering two trees) cannot mix one stack's config into another's.
 */
export function runStack(program: StackProgram, opts: RunOptions): Promise<RunResult> {
    const run = current.then(() => runStackAlone(program, opts));
    current = run.catch(() => undefined);
    return run;
}

async function runStackAlone(program: StackProgram, opts: RunOptions): Promise<RunResult> {
    pulumi.runtime.setAllConfig(opts.config, opts.secretKeys ?? []);
    const mocks = new FleetMocks(opts);
    await pulumi.runtime.setMocks(mocks, opts.project, opts.stack, false);

    // The mocks API does not pass the parent; the monitor's request has it, so record it there.
    const parents = new Map<string, string>();
    const ignored = new Map<string, string[]>();
    const monitor = runtime.getMonitor();
    if (monitor) {
        // StackReferences are read, not registered; both requests carry the parent.
        for (const method of ["registerResource", "readResource"] as const) {
            const original = monitor[method].bind(monitor);
            monitor[method] = (req, cb) => {
                parents.set(`${req.getType()}::${req.getName()}`, req.getParent());
                const ignore = req.getIgnorechangesList?.() ?? [];
                if (ignore.length > 0) ignored.set(`${req.getType()}::${req.getName()}`, ignore);
                return original(req, cb);
            };
        }
    }
    const recorded: RegisteredResource[] = [];
    const originalNew = mocks.newResource.bind(mocks);
    mocks.newResource = (args) => {
        const result = originalNew(args);
        const secretPaths: string[] = [];
        recorded.push({
            type: args.type,
            name: args.name,
            custom: args.custom ?? true,
            inputs: unwrapSecrets(args.inputs, "", secretPaths) as Record<string, unknown>,
            secretPaths,
            provider: args.provider,
            urn: "",
        });
        return result;
    };

    let exported: Record<string, unknown> = {};
    try {
        await pulumi.runtime.runInPulumiStack(async () => {
            exported = ((await program()) ?? {}) as Record<string, unknown>;
            return exported;
        });
        await runtime.waitForRPCs();
    } catch (e) {
        // The failed stack still registers its outputs: let that reach these mocks, not the next run's.
        await runtime.waitForRPCs().catch(() => undefined);
        // Tests check what had been registered when the program failed (ideally nothing).
        if (e instanceof Error) Object.assign(e, { registered: recorded.map((r) => `${r.type} ${r.name}`) });
        throw e;
    }

    const values: Record<string, unknown> = {};
    const secretNames: string[] = [];
    for (const [k, v] of Object.entries(exported).sort(([a], [b]) => a.localeCompare(b))) {
        const out = pulumi.output(v);
        values[k] = await resolve(out);
        if (await pulumi.isSecret(out)) secretNames.push(k);
    }
    for (const r of recorded) {
        r.parentUrn = parents.get(`${r.type}::${r.name}`) || undefined;
        r.urn = urnOf(opts, r, parents);
        const ignore = ignored.get(`${r.type}::${r.name}`);
        if (ignore) r.ignoreChanges = ignore;
    }
    return { resources: recorded, outputs: { values, secretNames } };
}

function urnOf(opts: RunOptions, r: RegisteredResource, parents: Map<string, string>): string {
    let type = r.type;
    const parent = parents.get(`${r.type}::${r.name}`);
    if (parent) {
        const qualified = parent.split("::")[2];
        type = `${qualified.split("$").pop()}$${type}`;
    }
    return `urn:pulumi:${opts.stack}::${opts.project}::${type}::${r.name}`;
}

/** Pulumi's wire marker for a secret value: `{ [SECRET_SIG_KEY]: SECRET_SIG, value }`. */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Replaces secret wrappers by their values, recording where they were. */
function unwrapSecrets(v: unknown, at: string, found: string[]): unknown {
    if (Array.isArray(v)) return v.map((x, i) => unwrapSecrets(x, `${at}[${i}]`, found));
    if (v !== null && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (o[SECRET_SIG_KEY] === SECRET_SIG) {
            found.push(at);
            return unwrapSecrets(o.value, at, []);
        }
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrapSecrets(x, at ? `${at}.${k}` : k, found)]));
    }
    return v;
}

/** Resolves an Output in a mock run (every value is known: this is not a preview). */
export function resolve<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((res) => o.apply((v) => res(v)));
}
