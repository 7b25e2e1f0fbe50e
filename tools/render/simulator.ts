/**
 * Runs the real program for one stack with Pulumi's mocks standing in for the engine and the
 * providers. Tests and `npm run render` both use it, so what the tests assert is what a
 * newcomer sees in `out/`.
 *
 * Values only a real deployment knows (generated keys, certificates, tokens, cloud ids) come
 * back as clearly marked placeholders; secrets carry a marker so leak checks can find them.
 */
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import * as pulumi from "@pulumi/pulumi";
import { cidrContains } from "../../config/validators";
import { sortedKeys } from "./sorted-keys";

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
    /** URNs the registration depended on (dependsOn and input dependencies). */
    dependencies?: string[];
    /** The resource option `ignoreChanges`: input paths the engine keeps at their old values on update. */
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
    /**
     * What `hcloud.getLoadBalancer` finds, by name. A name not listed is the LB the cloud
     * controller made for a registered Service of that `load-balancer.hetzner.cloud/name`,
     * at its `private-ipv4` in the Network containing it (a controller configured with the Network).
     */
    loadBalancers?: Record<string, { networkId: number; networkIp: string }>;
}

/**
 * The simulated cluster: what `Resource.get` reads find. A real preview runs these reads against
 * the cluster, and a read of a missing object fails it with "resource '<id>' does not exist"
 * (pulumi/pulumi pkg/resource/deploy/step.go, ReadStep; pulumi-kubernetes answers a 404 or an
 * unknown kind with an empty read, provider/pkg/provider/provider.go Read). The render cannot
 * know the cluster: by default everything read exists; tests say what does not.
 */
export interface SimulatedCluster {
    /** CustomResourceDefinitions by name; undefined: every CRD read exists. */
    crds?: string[];
    /** DaemonSets by "namespace/name", with their live pod spec; undefined: every DaemonSet read exists, with an empty pod spec. */
    daemonSets?: Record<string, Record<string, unknown>>;
    /** Namespaces by name; undefined: every Namespace read exists. */
    namespaces?: string[];
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
    cluster?: SimulatedCluster;
    /**
     * What pulumi.getOrganization() returns. Under mocks it is whatever setMocks is given, and
     * getOrganization() throws on the default "" (@pulumi/pulumi runtime/settings.js); the DIY
     * backend names every stack's organization "organization", so that is the default here.
     */
    organization?: string;
}

export const DEFAULT_ORGANIZATION = "organization";

export interface RunResult {
    resources: RegisteredResource[];
    /** What the program read with `Resource.get` (type and id); not managed, so not in `resources`. */
    reads?: { type: string; name: string; id: string }[];
    outputs: StackOutputs;
    /**
     * What the program logged with pulumi.log.warn: without an engine the SDK prints it with
     * console.warn as "warning: [runtime] ..." (@pulumi/pulumi log/index.js); kept here instead.
     */
    warnings?: string[];
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
            const name = (args.inputs as { name: string }).name;
            const net = cloud.networks[name];
            if (!net) throw new Error(`hcloud: network "${name}" not found`);
            return { id: net.id, name, ipRange: net.ipRange, labels: {}, deleteProtection: false, exposeRoutesToVswitch: false };
        }
        if (args.token === "hcloud:index/getLoadBalancer:getLoadBalancer") {
            const cloud = this.opts.cloud ?? DEFAULT_CLOUD;
            const name = (args.inputs as { name: string }).name;
            const given = cloud.loadBalancers?.[name];
            const pinned = this.lbServices.get(name);
            const net = Object.values(cloud.networks).find((n) => pinned !== undefined && cidrContains(n.ipRange, pinned));
            const lb = given ?? (pinned !== undefined ? { networkIp: net ? pinned : "", networkId: net?.id ?? 0 } : undefined);
            if (!lb) throw new Error(`hcloud: load balancer "${name}" not found`);
            return {
                id: 4712001,
                name,
                ...lb,
                ipv4: "",
                ipv6: "",
                location: "fsn1",
                loadBalancerType: "lb11",
                networkZone: "eu-central",
                labels: {},
                deleteProtection: false,
                algorithms: [],
                services: [],
                targets: [],
            };
        }
        throw new Error(`the offline simulator has no answer for invoke ${args.token}`);
    }

    /** LoadBalancer Services registered so far: hcloud LB name -> pinned private IPv4. */
    private readonly lbServices = new Map<string, string>();

    /** A `Resource.get`: answered from the simulated cluster, failing as the engine does when absent. */
    read(args: pulumi.runtime.MockResourceArgs & { id: string }): pulumi.runtime.MockResourceResult {
        const c = this.opts.cluster ?? {};
        const missing = () => new Error(`${args.type} (${args.name}): error: resource '${args.id}' does not exist`);
        const [ns, name] = args.id.includes("/") ? args.id.split("/") : [undefined, args.id];
        switch (args.type) {
            case "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition":
                if (c.crds && !c.crds.includes(args.id)) throw missing();
                return { id: args.id, state: { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: args.id } } };
            case "kubernetes:core/v1:Namespace":
                if (c.namespaces && !c.namespaces.includes(args.id)) throw missing();
                return { id: args.id, state: { apiVersion: "v1", kind: "Namespace", metadata: { name: args.id } } };
            case "kubernetes:apps/v1:DaemonSet": {
                const pod = c.daemonSets ? c.daemonSets[args.id] : {};
                if (pod === undefined) throw missing();
                return {
                    id: args.id,
                    state: { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name, namespace: ns }, spec: { template: { spec: pod } } },
                };
            }
            default:
                throw new Error(`the offline simulator has no answer for a read of ${args.type} ${args.id}`);
        }
    }

    newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        if (args.id && args.type !== "pulumi:pulumi:StackReference") return this.read({ ...args, id: args.id });
        const inputs = args.inputs as Record<string, unknown>;
        if (args.type === "kubernetes:core/v1:Service") {
            const a = (inputs.metadata as { annotations?: Record<string, string> } | undefined)?.annotations ?? {};
            const lbName = a["load-balancer.hetzner.cloud/name"];
            if (lbName) this.lbServices.set(lbName, a["load-balancer.hetzner.cloud/private-ipv4"] ?? "");
        }
        // hcloud ids are numeric strings; everything else gets a readable one.
        const id = `${this.nextId++}`;
        switch (args.type) {
            case "pulumi:pulumi:StackReference": {
                const ref = inputs.name as string;
                // Rendered stacks are this run's organization and project: "<org>/vector-fleet/dev"
                // is the rendered "dev"; another organization's or project's stack is not.
                const [org, project, stack] = ref.split("/");
                const ours = stack !== undefined && org === (this.opts.organization ?? DEFAULT_ORGANIZATION) && project === this.opts.project;
                const found = this.opts.stackOutputs?.[ref] ?? (ours ? this.opts.stackOutputs?.[stack] : undefined);
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

/**
 * Every resource of a simulated run registers without aliases. An alias tells the engine which
 * resource of the stack's earlier state a registration continues (a rename, a new parent or type);
 * a render has no earlier state, and nothing here records them (tools/render/replacement.ts: the
 * render cannot see aliases). Yet they were a sixth of a fleet render's garbage:
 * @pulumi/kubernetes gives most of its resources aliases to their older API groups (a DaemonSet
 * is also `apps/v1beta2` and `extensions/v1beta1`), and the SDK turns each into a URN with a chain
 * of Outputs in the Resource constructor (resource.js collapseAliasToUrn, which an engine that
 * takes alias specs never reads) and into protobuf alias specs for the request. A stack
 * transformation (runtime/stack.js registerStackTransformation) runs in that constructor before
 * either, and reaches every resource of the stack. The deployed program registers its aliases as
 * before: only runs through this simulator (the render, the tests) leave them out.
 */
const withoutAliases: pulumi.ResourceTransformation = ({ props, opts }) =>
    opts.aliases === undefined ? undefined : { props, opts: { ...opts, aliases: undefined } };

/** The Pulumi runtime keeps queues it does not declare; wait for them to drain. */
interface RuntimeInternals {
    waitForRPCs(): Promise<void>;
    getMonitor(): MockMonitorInternals | undefined;
}
type Callback = (err: unknown, response: unknown) => void;
/** What @pulumi/pulumi/runtime/mocks.js's MockMonitor is, besides the methods replaced below. */
interface MockMonitorInternals {
    registerResource(req: RegisterRequest, cb: Callback): Promise<void>;
    readResource(req: RegisterRequest, cb: Callback): Promise<void>;
    /** By URN, what `pulumi:pulumi:getResource` invokes answer from. */
    resources: Map<string, { urn: string; id: string | null; state: unknown }>;
}
/** A protobuf Struct as the runtime reads one: only its toJavaScript. */
interface StructLike {
    toJavaScript(): Record<string, unknown>;
}
/** A request's protobuf Struct, as the runtime's deserializeProperties takes it. */
type RequestStruct = Parameters<typeof pulumi.runtime.deserializeProperties>[0];
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getProvider(): string;
    /** registerResource requests. */
    getCustom?(): boolean;
    getObject?(): RequestStruct;
    getImportid?(): string;
    getIgnorechangesList?(): string[];
    /** readResource requests. */
    getProperties?(): RequestStruct;
    getId?(): string;
    getDependenciesList?(): string[];
}
const runtime = pulumi.runtime as unknown as RuntimeInternals;

// Outputs or plain values: both are unknown to the runner, which resolves whatever it gets.
type StackProgram = () => Promise<Record<string, unknown> | void>;

/** Errors runs have thrown: their leftover unhandled rejections belong to no later run. */
const thrown = new WeakSet<object>();

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
    await pulumi.runtime.setMocks(mocks, opts.project, opts.stack, false, opts.organization ?? DEFAULT_ORGANIZATION);

    // The mocks API does not pass the parent; the monitor's request has it, so record it there.
    const parents = new Map<string, string>();
    // What each registration waited for (dependsOn, expanded to a component's children, and the
    // resources its inputs came from), as URNs.
    const dependencies = new Map<string, string[]>();
    const ignoreChanges = new Map<string, string[]>();
    const monitor = runtime.getMonitor();
    if (monitor) {
        answerWithoutProtobuf(monitor, mocks, (req) => {
            // StackReferences are read, not registered; both requests carry the parent.
            parents.set(`${req.getType()}::${req.getName()}`, req.getParent());
            dependencies.set(`${req.getType()}::${req.getName()}`, req.getDependenciesList?.() ?? []);
            const ignored = req.getIgnorechangesList?.() ?? [];
            if (ignored.length > 0) ignoreChanges.set(`${req.getType()}::${req.getName()}`, ignored);
        });
    }
    const recorded: RegisteredResource[] = [];
    const reads: RunResult["reads"] = [];
    const originalNew = mocks.newResource.bind(mocks);
    // What fails a real run besides the program's own promise: a read the engine could not do
    // (the engine fails the step), and an error nobody awaited, e.g. thrown in an apply that feeds
    // a resource's inputs (the language host's unhandledRejection handler reports it and the run
    // fails: pulumi/pulumi sdk/nodejs/cmd/run/run.ts).
    const failures: unknown[] = [];
    const onUnhandled = (reason: unknown) => {
        // The runtime leaves a second, unobserved rejection of an error a run already threw
        // (tools/render/failures.ts); it may surface during the next run and is not that run's.
        if (!(reason !== null && typeof reason === "object" && thrown.has(reason))) failures.push(reason);
    };
    process.on("unhandledRejection", onUnhandled);
    const warnings: string[] = [];
    plainRequests = monitor !== undefined;
    const consoleWarn = console.warn;
    console.warn = (...args: unknown[]) => {
        const m = /^warning: \[runtime\] ([\s\S]*)$/.exec(args.map(String).join(" "));
        if (m) warnings.push(m[1]);
        else consoleWarn(...args);
    };
    mocks.newResource = (args) => {
        let result: pulumi.runtime.MockResourceResult;
        try {
            result = originalNew(args);
        } catch (e) {
            if (args.id) failures.push(e);
            throw e;
        }
        // Reads (an id to read, and not a StackReference, which Pulumi also reads) manage nothing.
        if (args.id && args.type !== "pulumi:pulumi:StackReference") {
            reads.push({ type: args.type, name: args.name, id: args.id });
            return result;
        }
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
            pulumi.runtime.registerStackTransformation(withoutAliases);
            exported = (await program()) ?? {};
            return exported;
        });
        await runtime.waitForRPCs();
        // Unhandled rejections are reported after the microtask queue drains.
        await new Promise((r) => setImmediate(r));
        if (failures.length > 0) throw failures[0];
    } catch (e) {
        // The failed stack still registers its outputs: let that reach these mocks, not the next run's.
        await runtime.waitForRPCs().catch(() => undefined);
        // Tests check what had been registered when the program failed (ideally nothing).
        if (e instanceof Error) Object.assign(e, { registered: recorded.map((r) => `${r.type} ${r.name}`) });
        if (e !== null && typeof e === "object") thrown.add(e);
        throw e;
    } finally {
        process.off("unhandledRejection", onUnhandled);
        plainRequests = false;
        console.warn = consoleWarn;
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
        r.dependencies = dependencies.get(`${r.type}::${r.name}`) ?? [];
        const ignored = ignoreChanges.get(`${r.type}::${r.name}`);
        if (ignored) r.ignoreChanges = ignored;
        r.urn = urnOf(opts, r, parents);
    }
    return { resources: recorded, reads, outputs: { values, secretNames }, warnings };
}

/**
 * Pulumi's MockMonitor answers each registration and read as the engine would over gRPC: it turns
 * the resulting state into a protobuf Struct (`Struct.fromJavaScript`), which the runtime turns
 * straight back into JavaScript (`toJavaScript` in rpc.js deserializeProperties). Across a fleet
 * render that round trip, and the garbage it leaves, was a tenth of the time per cluster. These
 * replacements do what @pulumi/pulumi runtime/mocks.js (3.248) does, in the same order, but hand
 * the runtime the state as a Struct-shaped object holding what the Struct would have given back:
 * the same values, with every map's keys in the order a protobuf Struct yields them (sorted, which
 * `jspb.Map` does on every iteration). Requests are still built and read as the SDK builds them.
 * The response needs only what the runtime reads of it (runtime/resource.js: getUrn, getId,
 * getObject or getProperties, getPropertydependenciesMap, getResult), as the SDK's own
 * engine-less path answers with a plain object of those getters too.
 */
function answerWithoutProtobuf(monitor: MockMonitorInternals, mocks: FleetMocks, seen: (req: RegisterRequest) => void): void {
    requestsWithoutProtobuf();
    const urnFor = (parent: string, type: string, name: string) => {
        const qualified = parent ? `${parent.split("::")[2].split("$").pop()}$${type}` : type;
        return `urn:pulumi:${pulumi.runtime.getStack()}::${pulumi.runtime.getProject()}::${qualified}::${name}`;
    };
    const answer = async (req: RegisterRequest, args: pulumi.runtime.MockResourceArgs, cb: Callback, read: boolean) => {
        try {
            const result = mocks.newResource(args);
            const urn = urnFor(req.getParent(), req.getType(), req.getName());
            // Serialised and in a Struct's key order in one copy; the runtime copies it again as it reads it.
            const plain = serializedPlain(result.state);
            const state = (plain !== NOT_PLAIN ? plain : asStruct(await pulumi.runtime.serializeProperties("", result.state))) as Record<string, unknown>;
            monitor.resources.set(urn, { urn, id: result.id ?? null, state });
            const struct: StructLike = { toJavaScript: () => state };
            const id = result.id || "";
            cb(
                null,
                read
                    ? { getUrn: () => urn, getProperties: () => struct }
                    : { getUrn: () => urn, getId: () => id, getObject: () => struct, getPropertydependenciesMap: () => undefined, getResult: () => 0 },
            );
        } catch (err) {
            cb(err, undefined);
        }
    };
    monitor.registerResource = (req, cb) => {
        seen(req);
        const args = {
            type: req.getType(),
            name: req.getName(),
            inputs: pulumi.runtime.deserializeProperties(req.getObject!()),
            provider: req.getProvider(),
            custom: req.getCustom!(),
            id: req.getImportid!(),
        };
        return answer(req, args, cb, false);
    };
    monitor.readResource = (req, cb) => {
        seen(req);
        const args = {
            type: req.getType(),
            name: req.getName(),
            inputs: pulumi.runtime.deserializeProperties(req.getProperties!()),
            provider: req.getProvider(),
            custom: true,
            id: req.getId!(),
        };
        return answer(req, args, cb, true);
    };
}

/** The protobuf modules exactly as @pulumi/pulumi loads them (its own copy of google-protobuf). */
const sdkRequire = createRequire(require.resolve("@pulumi/pulumi/runtime/resource.js"));
type StructModule = typeof import("google-protobuf/google/protobuf/struct_pb");
type ResourceProto = typeof import("@pulumi/pulumi/proto/resource_pb");
/** Where a RegisterResourceRequest keeps the plain Struct it was given, instead of its protobuf field. */
const PLAIN_OBJECT = Symbol("plain registration object");
/** Answered `true` by a Struct that holds plain data. */
const IS_PLAIN = Symbol("plain struct");
let requestsInstalled = false;
/** True while a run is in progress: only its registrations take the plain path. */
let plainRequests = false;
let realFromJavaScript: StructModule["Struct"]["fromJavaScript"] | undefined;

/**
 * The request side of the round trip answerWithoutProtobuf cuts. For every registration the SDK
 * turns the resource's serialised inputs into a protobuf Struct (`Struct.fromJavaScript` in
 * @pulumi/pulumi runtime/resource.js, 3.248), stores it in the request as a protobuf array
 * (`setObject`, which calls the Struct's toArray) and the monitor above reads it straight back
 * (`getObject().toJavaScript()`): about 5 ms per cluster of a fleet render, with its garbage.
 * While a run is in progress, a Struct of plain data is a plainStruct instead, and a registration
 * request keeps it as it is (getObject returns it). Outside a run (a test using protobuf itself)
 * everything is as the SDK has it. Nothing in this process sends a request over the wire: the
 * monitor is the mock (runStack). The serialisation that feeds the Struct is cut the same way
 * (plainInputs).
 */
function requestsWithoutProtobuf(): void {
    if (requestsInstalled) return;
    requestsInstalled = true;
    const { Struct } = sdkRequire("google-protobuf/google/protobuf/struct_pb") as StructModule;
    const { RegisterResourceRequest } = sdkRequire("@pulumi/pulumi/proto/resource_pb") as ResourceProto;
    const real = Struct.fromJavaScript.bind(Struct);
    realFromJavaScript = real;
    Struct.fromJavaScript = (obj) => (plainRequests ? plainStruct(obj) : real(obj));
    type Request = InstanceType<typeof RegisterResourceRequest> & { [PLAIN_OBJECT]?: InstanceType<typeof Struct> };
    const proto = RegisterResourceRequest.prototype as Request;
    // The SDK's own methods, called with the request as `this` as the prototype would call them.
    const setObject = Reflect.get<Request, "setObject">(proto, "setObject");
    const getObject = Reflect.get<Request, "getObject">(proto, "getObject");
    proto.setObject = function (this: Request, value) {
        if (value !== undefined && (value as unknown as Record<symbol, unknown>)[IS_PLAIN] === true) {
            this[PLAIN_OBJECT] = value;
            return this;
        }
        delete this[PLAIN_OBJECT];
        return setObject.call(this, value);
    };
    proto.getObject = function (this: Request) {
        return this[PLAIN_OBJECT] ?? getObject.call(this);
    };
    plainInputs();
}

/** @pulumi/pulumi runtime/rpc.js serializeResourceProperties (3.248): the inputs, and the resources each depends on. */
export type SerializeResourceProperties = (
    label: string,
    props: Record<string, unknown>,
    opts?: object,
) => Promise<[Record<string, unknown>, Map<string, Set<unknown>>]>;

/** @pulumi/pulumi runtime/rpc.js serializeProperty (3.248): one value, adding the resources it depends on to `deps`. */
export type SerializeProperty = (ctx: string, prop: unknown, deps: Set<unknown>, opts?: object) => Promise<unknown>;

/**
 * The inputs' side of a registration without a promise per value. The SDK serialises each input
 * (`serializeResourceProperties` in runtime/rpc.js, called by prepareResource in
 * runtime/resource.js) with an async walk that awaits every nested value: a DaemonSet's spec is a
 * few hundred promises, and their garbage was the largest allocation of a fleet render. Here plain
 * data is copied as serializedPlain copies it (what that walk gives for plain data, its maps' keys
 * sorted, which the plainStruct the inputs go into does anyway), and only what is not plain data
 * (an Output, a Promise, a Resource, an Asset, a class instance) is handed to the SDK's own
 * `serializeProperty`, in the walk's order with the walk's set of dependencies, so dependencies,
 * secrets and unknowns are the SDK's. Lists and maps around such values are walked as the SDK
 * walks them (undefined left out of maps, null in lists), and an error is reported as
 * serializeFilteredProperties reports it, naming the input.
 */
export function plainInputsFirst(serializeProperty: SerializeProperty): SerializeResourceProperties {
    const walk = async (ctx: string, v: unknown, deps: Set<unknown>, opts: object | undefined): Promise<unknown> => {
        const plain = serializedPlain(v);
        return plain !== NOT_PLAIN ? plain : around(ctx, v, deps, opts);
    };
    // A value that is not plain data: a list or map holding some, or one for the SDK.
    const around = async (ctx: string, v: unknown, deps: Set<unknown>, opts: object | undefined): Promise<unknown> => {
        if (Array.isArray(v)) {
            const out: unknown[] = [];
            for (let i = 0; i < v.length; i++) {
                const c = await walk(`${ctx}[${i}]`, v[i], deps, opts);
                out.push(c === undefined ? null : c);
            }
            return out;
        }
        if (isPlainObject(v)) {
            const out: Record<string, unknown> = {};
            for (const k of Object.keys(v)) {
                const c = await walk(`${ctx}.${k}`, v[k], deps, opts);
                if (c !== undefined) out[k] = c;
            }
            return out;
        }
        return serializeProperty(ctx, v, deps, opts);
    };
    return async (label, props, opts) => {
        const result: Record<string, unknown> = {};
        const dependencies = new Map<string, Set<unknown>>();
        for (const k of Object.keys(props)) {
            if (k === "id" || k === "urn") continue;
            const deps = new Set<unknown>();
            const plain = serializedPlain(props[k]);
            if (plain !== NOT_PLAIN) {
                if (plain === undefined) continue;
                if (plain !== null && typeof plain === "object") ownCopies.add(plain);
                result[k] = plain;
                dependencies.set(k, deps);
                continue;
            }
            let v: unknown;
            try {
                v = await around(`${label}.${k}`, props[k], deps, opts);
            } catch (err) {
                // As serializeFilteredProperties: the same error (the runtime dedupes reports by identity), its input named.
                if (err instanceof Error) {
                    err.message = `error serializing property "${k}": ${err.message}`;
                    throw err;
                }
                throw new Error(`error serializing property "${k}": ${String(err)}`, { cause: err });
            }
            if (v === undefined) continue;
            // Not added to ownCopies: what the SDK serialised keeps its key order, which structCopy sorts.
            result[k] = v;
            dependencies.set(k, deps);
        }
        return [result, dependencies];
    };
}

/** Puts plainInputsFirst in the SDK's place while a run is in progress (requestsWithoutProtobuf says why only then). */
function plainInputs(): void {
    const rpc = sdkRequire("@pulumi/pulumi/runtime/rpc.js") as {
        serializeResourceProperties: SerializeResourceProperties;
        serializeProperty: SerializeProperty;
    };
    const real = rpc.serializeResourceProperties.bind(rpc);
    const fast = plainInputsFirst(rpc.serializeProperty.bind(rpc));
    rpc.serializeResourceProperties = (label, props, opts) => (plainRequests ? fast(label, props, opts) : real(label, props, opts));
}

/**
 * A protobuf Struct of `obj` as the runtime reads one back: it holds a copy of the data with every
 * map's keys in the order a Struct gives them (sorted), which is all its toJavaScript returns (the
 * first reader gets the copy, later ones a fresh copy each, as from a real Struct). Anything else
 * asked of it (a nested use, an invoke's or the stack outputs' request, which call its toArray) is
 * answered by the real Struct, built from the copy on first use. Data a real Struct refuses
 * (undefined, functions, class instances) goes to the real fromJavaScript at once, so it throws
 * where it threw.
 */
export function plainStruct(obj: Record<string, unknown>): InstanceType<StructModule["Struct"]> {
    const { Struct } = sdkRequire("google-protobuf/google/protobuf/struct_pb") as StructModule;
    const real = realFromJavaScript ?? Struct.fromJavaScript.bind(Struct);
    const plain = structCopyOfInputs(obj);
    if (plain === NOT_PLAIN) return real(obj as Record<string, never>);
    let built: InstanceType<typeof Struct> | undefined;
    let handedOut = false;
    const toJavaScript = () => {
        if (handedOut) return asStruct(plain);
        handedOut = true;
        return plain;
    };
    return new Proxy(Object.create(Struct.prototype) as InstanceType<typeof Struct>, {
        get(_, key) {
            if (key === "toJavaScript") return toJavaScript;
            if (key === IS_PLAIN) return true;
            built ??= real(asStruct(plain) as Record<string, never>);
            const v = Reflect.get(built, key) as unknown;
            return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(built) : v;
        },
    });
}

/**
 * What a protobuf Struct round trip gives back of `v` (as asStruct), or NOT_PLAIN where
 * google-protobuf's Value.fromJavaScript would throw (undefined, a function, a symbol, a bigint,
 * an array hole) or read more than own keys (an object that is not a plain one).
 */
const structCopy = (v: unknown): unknown => plainCopy(v, false);

export const NOT_PLAIN = Symbol("not plain data");

/**
 * The copies plainInputsFirst made of a registration's inputs. They are already what structCopy
 * would make of them (sorted, plain, nothing a Struct refuses) and nothing else holds them (the
 * SDK only hands them to Struct.fromJavaScript), so the registration's Struct keeps them as they
 * are instead of copying each input a second time.
 */
const ownCopies = new WeakSet<object>();

/** structCopy of a registration's inputs, keeping the inputs plainInputsFirst already copied. */
function structCopyOfInputs(obj: Record<string, unknown>): unknown {
    if (obj === null || typeof obj !== "object" || Array.isArray(obj)) return structCopy(obj);
    if (!plainPrototype(obj)) return NOT_PLAIN;
    const out: Record<string, unknown> = {};
    for (const k of sortedKeys(obj)) {
        const v = obj[k];
        const c = v !== null && typeof v === "object" && ownCopies.has(v) ? v : structCopy(v);
        if (c === NOT_PLAIN) return NOT_PLAIN;
        out[k] = c;
    }
    return out;
}

/**
 * What the runtime's serializeProperties (rpc.js serializeProperty) makes of plain data, without a
 * promise per value: primitives as they are, functions dropped, undefined left out of maps and
 * null in lists; maps get their keys in the order a protobuf Struct gives them back (asStruct).
 * Anything else (an Output, a Promise, a Resource, an Asset, the unknown marker) is NOT_PLAIN, and
 * the caller hands the whole state to the runtime instead.
 */
export const serializedPlain = (v: unknown): unknown => plainCopy(v, true);

/**
 * An object whose own keys are all there is to it (what a JSON or YAML parser, or an object
 * literal, makes), and that no Pulumi type check would claim.
 */
function isPlainObject(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && plainPrototype(v) && !Object.keys(v).some(pulumiMarker);
}

/** An object literal's prototype, or none: not an array, a class instance or a proxy of one. */
function plainPrototype(v: object): boolean {
    const proto = Object.getPrototypeOf(v) as unknown;
    return proto === Object.prototype || proto === null;
}

/**
 * The SDK recognises its types by a true member named `__pulumi...` (utils.js isInstance:
 * `__pulumiOutput`, `__pulumiAsset`, `__pulumiCustomResource`, ...), so an object literal carrying
 * one is the SDK's to serialise, not plain data.
 */
const pulumiMarker = (k: string) => k.charCodeAt(0) === 95 && k.startsWith("__pulumi");

/**
 * The one walk behind both: a copy of plain data with its map keys sorted, NOT_PLAIN for anything
 * else. They differ only on undefined and functions, which the runtime's serialisation drops
 * (`serialize`: left out of maps, null in lists) and a Struct refuses.
 */
function plainCopy(v: unknown, serialize: boolean): unknown {
    if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
    if (v === undefined || typeof v === "function") return serialize ? undefined : NOT_PLAIN;
    if (Array.isArray(v)) {
        const out: unknown[] = [];
        // By index, not for..of: a hole reads as undefined either way.
        for (let i = 0; i < v.length; i++) {
            const c = plainCopy(v[i], serialize);
            if (c === NOT_PLAIN) return NOT_PLAIN;
            out.push(c === undefined ? null : c);
        }
        return out;
    }
    if (typeof v !== "object" || !plainPrototype(v)) return NOT_PLAIN;
    const out: Record<string, unknown> = {};
    for (const k of sortedKeys(v)) {
        if (pulumiMarker(k)) return NOT_PLAIN;
        const c = plainCopy((v as Record<string, unknown>)[k], serialize);
        if (c === NOT_PLAIN) return NOT_PLAIN;
        if (c !== undefined) out[k] = c;
    }
    return out;
}

/**
 * A value as a protobuf Struct round trip returns it: a fresh copy whose maps have their keys
 * inserted in sorted order (google-protobuf's jspb.Map sorts its keys when iterated).
 */
export function asStruct(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(asStruct);
    if (v !== null && typeof v === "object") {
        const o = v as Record<string, unknown>;
        const copy: Record<string, unknown> = {};
        for (const k of sortedKeys(o)) copy[k] = asStruct(o[k]);
        return copy;
    }
    return v;
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
        const out: Record<string, unknown> = {};
        for (const k of Object.keys(o)) {
            const x = unwrapSecrets(o[k], at ? `${at}.${k}` : k, found);
            // An own "__proto__" key stays a key (an assignment would set the prototype).
            if (k === "__proto__") Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
            else out[k] = x;
        }
        return out;
    }
    return v;
}

/** Resolves an Output in a mock run (every value is known: this is not a preview). */
export function resolve<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((res) => o.apply((v) => res(v)));
}
