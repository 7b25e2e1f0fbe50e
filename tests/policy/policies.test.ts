/**
 * The policy pack (policy/): every policy over every resource the program registers for each
 * stack (no violations), then over deliberately broken copies of those resources (the expected
 * violation, naming the object and the fix). Once through the CLI's own policy runner:
 * tests/policy/runner.integration.test.ts.
 */
import { strict as assert } from "node:assert";
import {
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
    unknownCheckingProxy,
} from "@pulumi/policy";
import { parse as parseToml, stringify as toToml } from "smol-toml";
import { RenderedStack } from "../../tools/render/render";
import { RegisteredResource } from "../../tools/render/simulator";
import { unpinnedReason } from "../../policy/images";
import {
    aggregatorDisruptionBudget,
    noSecretsInConfigMaps,
    pinnedImages,
    policies,
    privateLoadBalancers,
    resourceRequestsAndLimits,
    vectorTlsVerification,
} from "../../policy/policies";
import { parseQuantity } from "../../policy/quantity";
import { findSecrets } from "../../policy/secrets";
import { FIXTURE_FLEET, sharedRender } from "../support/fleet";

type Props = Record<string, unknown>;
/** Mutable plain JSON, for breaking copies of registered objects. */
type JsonObject = Record<string, unknown>;

// ---- engine-shaped arguments ----------------------------------------------------------------------

const OPTIONS: PolicyResourceOptions = {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
};

/** The pack must not depend on @pulumi/kubernetes classes; the engine's helpers need them. */
function noTypedAccess(): never {
    throw new Error("policies filter on args.type; isType/asType would need @pulumi/kubernetes loaded in the pack");
}

/** What the policy analyzer passes a resource policy: props deserialized and behind the unknown-checking proxy. */
function resourceArgs(r: Pick<RegisteredResource, "type" | "name" | "urn">, props: Props): ResourceValidationArgs {
    return {
        type: r.type,
        name: r.name,
        urn: r.urn,
        props: unknownCheckingProxy(structuredClone(props)),
        opts: OPTIONS,
        stackTags: new Map(),
        isType: noTypedAccess,
        asType: noTypedAccess,
        getConfig: <T extends object>() => ({}) as T,
        notApplicable: (reason?: string) => {
            throw new Error(`notApplicable(${reason ?? ""})`);
        },
    };
}

function stackArgs(resources: RegisteredResource[]): StackValidationArgs {
    const byUrn = new Map<string, PolicyResource>();
    const list = resources.map((r): PolicyResource => {
        const p: PolicyResource = {
            type: r.type,
            name: r.name,
            urn: r.urn,
            props: unknownCheckingProxy(structuredClone(r.inputs)),
            opts: { ...OPTIONS, ...(r.parentUrn ? { parent: r.parentUrn } : {}) },
            dependencies: [],
            propertyDependencies: {},
            isType: noTypedAccess,
            asType: noTypedAccess,
        };
        byUrn.set(r.urn, p);
        return p;
    });
    list.forEach((p, i) => {
        const parent = resources[i].parentUrn && byUrn.get(resources[i].parentUrn ?? "");
        if (parent) p.parent = parent;
    });
    return {
        resources: list,
        stackTags: new Map(),
        getConfig: <T extends object>() => ({}) as T,
        notApplicable: (reason?: string) => {
            throw new Error(`notApplicable(${reason ?? ""})`);
        },
    };
}

async function check(policy: ResourceValidationPolicy, r: Pick<RegisteredResource, "type" | "name" | "urn">, props: Props): Promise<string[]> {
    const found: string[] = [];
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : policy.validateResource ? [policy.validateResource] : [];
    for (const v of validations) await v(resourceArgs(r, props), (message) => found.push(message));
    return found;
}

async function checkStack(policy: StackValidationPolicy, resources: RegisteredResource[]): Promise<{ message: string; urn?: string }[]> {
    const found: { message: string; urn?: string }[] = [];
    await policy.validateStack(stackArgs(resources), (message, urn) => found.push({ message, ...(urn ? { urn } : {}) }));
    return found;
}

const isResourcePolicy = (p: ResourceValidationPolicy | StackValidationPolicy): p is ResourceValidationPolicy => "validateResource" in p;
const isStackPolicy = (p: ResourceValidationPolicy | StackValidationPolicy): p is StackValidationPolicy => "validateStack" in p;

// ---- the fleet, rendered once per process (shared with other test files) ---------------------------

let fleet: RenderedStack[];
let repoFleet: RenderedStack[];

function stack(name: string): RegisteredResource[] {
    const s = fleet.find((x) => x.stack === name);
    if (!s) throw new Error(`stack ${name} was not rendered`);
    return s.result.resources;
}

/** A registered Kubernetes object by type and metadata.name, with a deep copy of its inputs to break. */
function object(stackName: string, type: string, name: string): { r: RegisteredResource; props: JsonObject } {
    const r = stack(stackName).find((x) => x.type === type && (x.inputs.metadata as { name?: string } | undefined)?.name === name);
    if (!r) throw new Error(`no ${type} ${name} in ${stackName}`);
    return { r, props: structuredClone(r.inputs) };
}

function at(o: unknown, ...keys: (string | number)[]): JsonObject {
    let v: unknown = o;
    for (const k of keys) v = (v as Record<string | number, unknown>)[k];
    assert.ok(v !== null && typeof v === "object", `no object at ${keys.join(".")}`);
    return v as JsonObject;
}

const STS = "kubernetes:apps/v1:StatefulSet";
const DS = "kubernetes:apps/v1:DaemonSet";
const SVC = "kubernetes:core/v1:Service";
const CM = "kubernetes:core/v1:ConfigMap";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";

/** Edits a ConfigMap's vector.toml as data and writes it back. */
function withToml(props: JsonObject, edit: (doc: JsonObject) => void): JsonObject {
    const data = at(props, "data");
    const doc = parseToml(data["vector.toml"] as string) as JsonObject;
    edit(doc);
    data["vector.toml"] = toToml(doc);
    return props;
}

describe("policy pack", () => {
    before(async function () {
        this.timeout(60_000);
        // Read-only: every variation below is a structuredClone.
        // The tests' fleet, whose stacks the variations below name; the repository's own is walked too.
        [fleet, repoFleet] = await Promise.all([sharedRender(FIXTURE_FLEET), sharedRender()]);
    });

    describe("the program as it is", () => {
        it("passes every resource policy on every resource of every stack the repository has", async () => {
            const found: string[] = [];
            for (const s of repoFleet) {
                for (const r of s.result.resources) {
                    for (const p of policies.filter(isResourcePolicy)) {
                        for (const m of await check(p, r, r.inputs)) found.push(`${s.stack} ${p.name} ${r.urn}: ${m}`);
                    }
                }
            }
            assert.deepEqual(found, []);
        });

        it("passes the stack policy on every stack the repository has", async () => {
            for (const s of repoFleet) {
                for (const p of policies.filter(isStackPolicy)) assert.deepEqual(await checkStack(p, s.result.resources), [], `${s.stack} ${p.name}`);
            }
        });

        it("covers what the policies target, so passing means something", () => {
            for (const s of repoFleet) {
                const toml = s.result.resources.filter((r) => r.type === CM && typeof (r.inputs.data as Props | undefined)?.["vector.toml"] === "string");
                assert.ok(toml.length >= 1, `${s.stack} has no Vector config`);
                assert.ok(
                    s.result.resources.some((r) => r.type === DS),
                    `${s.stack} has no agent DaemonSet`,
                );
            }
            const hubs = repoFleet.filter((s) => s.result.resources.some((r) => r.type === STS)).map((s) => s.result.resources);
            assert.ok(hubs.length > 0, "no stack renders the aggregators");
            for (const hub of hubs) {
                assert.ok(hub.some((r) => r.type === SVC && (r.inputs.spec as Props).type === "LoadBalancer"));
                assert.ok(hub.some((r) => r.type === PDB));
            }
            // What the variations below start from, in the tests' fleet.
            const hub = stack("monitoring");
            assert.ok(hub.some((r) => r.type === STS));
            assert.ok(hub.some((r) => r.type === SVC && (r.inputs.spec as Props).type === "LoadBalancer"));
            assert.ok(hub.some((r) => r.type === PDB));
            assert.ok(
                stack("dev").some((r) => r.type === "kubernetes:apps/v1:DaemonSetPatch"),
                "dev parks the legacy agents with patches",
            );
            // The agent ConfigMap ships the (public) CA certificate beside the config.
            const ca = object("monitoring", CM, "vector-agent-config").props;
            assert.match(String(at(ca, "data")["ca.crt"]), /BEGIN CERTIFICATE/);
            // Secrets hold private keys in the clear here, as the engine hands them over: only ConfigMaps are judged.
            const tls = object("monitoring", "kubernetes:core/v1:Secret", "vector-aggregator-tls").props;
            assert.match(String(at(tls, "stringData")["tls.key"]), /BEGIN PRIVATE KEY/);
        });

        it("feeds no Pulumi secret into a ConfigMap (the engine unwraps secrets, so the policy cannot see the marker)", () => {
            for (const s of repoFleet) {
                for (const r of s.result.resources.filter((x) => x.type === CM)) assert.deepEqual(r.secretPaths, [], `${s.stack} ${r.name}`);
            }
        });

        it("declares its policies mandatory, with unique names and descriptions", () => {
            assert.ok(policies.length > 0);
            assert.equal(new Set(policies.map((p) => p.name)).size, policies.length);
            for (const p of policies) {
                assert.equal(p.enforcementLevel, "mandatory", p.name);
                assert.ok(p.description.length > 60, p.name);
            }
        });
    });

    describe("pinned-images", () => {
        it("rejects `latest` on the aggregators, naming the StatefulSet, the container and the fix", async () => {
            const { r, props } = object("monitoring", STS, "vector-aggregator");
            at(props, "spec", "template", "spec", "containers", 0).image = "timberio/vector:latest";
            const [m, ...rest] = await check(pinnedImages, r, props);
            assert.deepEqual(rest, []);
            assert.match(
                m,
                /^StatefulSet vector-aggregator\/vector-aggregator: container "vector" image "timberio\/vector:latest" uses the floating tag `latest`/,
            );
            assert.match(m, /pin it to an explicit version tag .* or a digest/);
        });

        it("rejects an image without a tag, also behind a registry port, and an unpinned init container", async () => {
            const { r, props } = object("dev", DS, "vector-agent");
            const spec = at(props, "spec", "template", "spec");
            at(spec, "containers", 0).image = "registry.example.com:5000/timberio/vector";
            spec.initContainers = [{ name: "wait", image: "busybox", resources: at(spec, "containers", 0).resources }];
            const found = await check(pinnedImages, r, props);
            assert.equal(found.length, 2);
            assert.match(found[0], /^DaemonSet vector-system\/vector-agent: initContainer "wait" image "busybox" has no tag/);
            assert.match(found[1], /container "vector" image "registry.example.com:5000\/timberio\/vector" has no tag/);
        });

        it("accepts digests, even with a tag beside them, and rejects a malformed one", () => {
            const digest = `sha256:${"a".repeat(64)}`;
            assert.equal(unpinnedReason(`timberio/vector@${digest}`), undefined);
            assert.equal(unpinnedReason(`timberio/vector:latest@${digest}`), undefined);
            assert.equal(unpinnedReason("registry:5000/timberio/vector:0.59.0-distroless-libc"), undefined);
            assert.match(unpinnedReason("timberio/vector@sha256:abc") ?? "", /malformed digest/);
            assert.match(unpinnedReason("timberio/vector:") ?? "", /empty tag/);
            assert.match(unpinnedReason("timberio/vector:LATEST") ?? "", /latest/);
        });

        it("checks images a DaemonSetPatch sets, and nothing else of it", async () => {
            const r = stack("dev").find((x) => x.type === "kubernetes:apps/v1:DaemonSetPatch");
            assert.ok(r);
            assert.deepEqual(await check(pinnedImages, r, r.inputs), []);
            const props = structuredClone(r.inputs) as JsonObject;
            at(props, "spec", "template", "spec").containers = [{ name: "promtail" }, { name: "sidecar", image: "grafana/promtail:latest" }];
            const found = await check(pinnedImages, r, props);
            assert.equal(found.length, 1);
            assert.match(found[0], /^DaemonSet monitoring\/(promtail|node-exporter): container "sidecar" image "grafana\/promtail:latest"/);
            // Requests and limits belong to the patched object, not the patch.
            assert.deepEqual(await check(resourceRequestsAndLimits, r, props), []);
        });
    });

    describe("resource-requests-and-limits", () => {
        it("names each missing request or limit of the agent's container", async () => {
            const { r, props } = object("staging", DS, "vector-agent");
            const resources = at(props, "spec", "template", "spec", "containers", 0, "resources");
            delete at(resources, "limits").memory;
            delete resources.requests;
            const found = await check(resourceRequestsAndLimits, r, props);
            assert.equal(found.length, 1);
            assert.match(
                found[0],
                /^DaemonSet vector-system\/vector-agent: container "vector" has no resources.requests.cpu, resources.requests.memory, resources.limits.memory; set CPU and memory requests and limits/,
            );
        });

        it("requires them on init containers too", async () => {
            const { r, props } = object("monitoring", STS, "vector-aggregator");
            at(props, "spec", "template", "spec").initContainers = [{ name: "init-data", image: "busybox:1.36" }];
            const found = await check(resourceRequestsAndLimits, r, props);
            assert.equal(found.length, 1);
            assert.match(
                found[0],
                /StatefulSet vector-aggregator\/vector-aggregator: initContainer "init-data" has no resources.requests.cpu, resources.requests.memory, resources.limits.cpu, resources.limits.memory/,
            );
        });

        it("rejects a request above its limit and a quantity Kubernetes cannot parse", async () => {
            const { r, props } = object("monitoring", STS, "vector-aggregator");
            const resources = at(props, "spec", "template", "spec", "containers", 0, "resources");
            at(resources, "requests").cpu = "6";
            at(resources, "limits").memory = "lots";
            const found = await check(resourceRequestsAndLimits, r, props);
            assert.equal(found.length, 2);
            assert.match(found[0], /has invalid quantities limits.memory "lots"/);
            assert.match(found[1], /requests more cpu than its limit, which Kubernetes rejects; lower resources.requests.cpu or raise resources.limits.cpu/);
        });

        it("parses Kubernetes quantities", () => {
            assert.equal(parseQuantity("500m"), 0.5);
            assert.equal(parseQuantity("2"), 2);
            assert.equal(parseQuantity("512Mi"), 512 * 2 ** 20);
            assert.equal(parseQuantity("1e3"), 1000);
            assert.equal(parseQuantity("1.5Gi"), 1.5 * 2 ** 30);
            assert.equal(parseQuantity("12Q"), undefined);
            assert.equal(parseQuantity("-1"), undefined);
        });
    });

    describe("private-load-balancers", () => {
        it("rejects the aggregators' load balancer without disable-public-network", async () => {
            const { r, props } = object("monitoring", SVC, "vector-aggregator-lb");
            delete at(props, "metadata", "annotations")["load-balancer.hetzner.cloud/disable-public-network"];
            const found = await check(privateLoadBalancers, r, props);
            assert.deepEqual(found, [
                "Service vector-aggregator/vector-aggregator-lb is a public Hetzner load balancer: annotation load-balancer.hetzner.cloud/disable-public-network is not set, " +
                    'so the load balancer keeps a public interface; set load-balancer.hetzner.cloud/disable-public-network: "true".',
            ]);
        });

        it("rejects use-private-ip set to false, and accepts every spelling of true the controller parses", async () => {
            const { r, props } = object("monitoring", SVC, "vector-aggregator-lb");
            const annotations = at(props, "metadata", "annotations");
            annotations["load-balancer.hetzner.cloud/use-private-ip"] = "false";
            const [m] = await check(privateLoadBalancers, r, props);
            assert.match(m, /annotation load-balancer.hetzner.cloud\/use-private-ip is "false", so targets are reached over the nodes' public addresses/);
            for (const yes of ["1", "t", "True", "TRUE"]) {
                annotations["load-balancer.hetzner.cloud/use-private-ip"] = yes;
                assert.deepEqual(await check(privateLoadBalancers, r, props), [], yes);
            }
        });

        it("leaves Services that are not load balancers alone", async () => {
            const { r, props } = object("monitoring", SVC, "vector-aggregator");
            assert.equal(at(props, "spec").type, "ClusterIP");
            assert.deepEqual(await check(privateLoadBalancers, r, props), []);
        });
    });

    describe("no-secrets-in-configmaps", () => {
        const token = "q7Zr2Lk9Vw3Xp8Ty4Nm6Bc1Hd5Fg0Js2";

        it("rejects a private key next to the CA certificate, without printing it", async () => {
            const { r, props } = object("dev", CM, "vector-agent-config");
            const data = at(props, "data");
            data["ca.crt"] = `${String(data["ca.crt"])}-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBx\n-----END EC PRIVATE KEY-----\n`;
            const found = await check(noSecretsInConfigMaps, r, props);
            assert.equal(found.length, 1);
            assert.match(
                found[0],
                /^ConfigMap vector-system\/vector-agent-config: key "ca.crt" line 4 contains a PEM private key; move the secret into a Secret/,
            );
            assert.ok(!found[0].includes("MHcCAQEEIBx"));
        });

        it("rejects a remote-write token written into the Vector config instead of SECRET[...]", async () => {
            const { r, props } = object("dev", CM, "vector-agent-config");
            withToml(props, (doc) => {
                at(doc, "sinks", "prometheus", "auth").token = token;
            });
            const found = await check(noSecretsInConfigMaps, r, props);
            assert.equal(found.length, 1);
            assert.match(
                found[0],
                /key "vector.toml" line \d+ contains a literal value for "token"; move the secret into a Secret and reference it \(Vector: .*SECRET\[backend.key\]/,
            );
            assert.ok(!found[0].includes(token));
        });

        it("rejects a bearer token in the aggregators' auth rule", async () => {
            const { r, props } = object("monitoring", CM, "vector-aggregator-config");
            const data = at(props, "data");
            data["vector.toml"] = String(data["vector.toml"]).replace('starts_with(auth, "Bearer ")', `auth == "Bearer ${token}"`);
            const found = await check(noSecretsInConfigMaps, r, props);
            assert.equal(found.length, 1);
            assert.match(found[0], /^ConfigMap vector-aggregator\/vector-aggregator-config: key "vector.toml" line \d+ contains a bearer token written out/);
        });

        it("rejects credential-named keys, passwords in URLs and keys hidden in binaryData", async () => {
            const { r, props } = object("monitoring", CM, "vector-agent-config");
            const data = at(props, "data");
            data.password = "hunter2";
            data["loki.url"] = "https://vector:s3cret@loki.example.com/loki/api/v1/push";
            props.binaryData = { "client.pem": Buffer.from("-----BEGIN PRIVATE KEY-----\nabc\n").toString("base64") };
            const found = await check(noSecretsInConfigMaps, r, props);
            assert.equal(found.length, 3);
            assert.match(found[0], /key "password" is named like a credential and holds a literal value; move it into a Secret/);
            assert.match(found[1], /key "loki.url" line 1 contains a password in a URL/);
            assert.match(found[2], /key "client.pem" is named like a credential/);
        });

        it("tells references and public material from secrets", () => {
            const ok = [
                'token = "SECRET[agent.remote_write_token]"',
                "password: ${LOKI_PASSWORD}",
                'key_file = "/etc/vector/secrets/tls.key"',
                "secretName: vector-agent-credentials",
                "[secret.agent]",
                "-----BEGIN CERTIFICATE-----",
                'strategy = "bearer"',
                'includes(["Bearer SECRET[tokens.dev]"], .headers.authorization)',
            ];
            for (const line of ok) assert.deepEqual(findSecrets(line), [], line);
            assert.equal(findSecrets('api_key: "0123456789abcdef"')[0].what, 'a literal value for "api_key"');
            assert.equal(findSecrets("AKIAABCDEFGHIJKLMNOP")[0].what, "an AWS access key id");
        });

        it("skips a value a preview cannot know yet and still checks the rest", async () => {
            const { r, props } = object("monitoring", CM, "vector-agent-config");
            const data = at(props, "data");
            // The engine's marker for an unknown string: the CA does not exist before the first `up`.
            data["ca.crt"] = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
            assert.deepEqual(await check(noSecretsInConfigMaps, r, props), []);
            data.extra = "-----BEGIN RSA PRIVATE KEY-----";
            assert.equal((await check(noSecretsInConfigMaps, r, props)).length, 1);
            assert.deepEqual(await check(vectorTlsVerification, r, props), []);
        });
    });

    describe("vector-tls-verification", () => {
        async function agentProblems(edit: (doc: JsonObject) => void): Promise<string[]> {
            const { r, props } = object("dev", CM, "vector-agent-config");
            return check(vectorTlsVerification, r, withToml(props, edit));
        }
        async function aggregatorProblems(edit: (doc: JsonObject) => void): Promise<string[]> {
            const { r, props } = object("monitoring", CM, "vector-aggregator-config");
            return check(vectorTlsVerification, r, withToml(props, edit));
        }

        it("rejects an agent that stops verifying the aggregators' certificate", async () => {
            const found = await agentProblems((doc) => {
                at(doc, "sinks", "aggregator", "tls").verify_certificate = false;
            });
            assert.deepEqual(found, [
                "ConfigMap vector-system/vector-agent-config: vector.toml [sinks.aggregator] sets tls.verify_certificate = false, so any server can impersonate " +
                    "https://10.0.64.250:6002; remove it (Vector verifies by default) and point tls.ca_file at the issuing CA.",
            ]);
        });

        it("rejects a vector sink without tls.enabled, whatever its endpoint's scheme", async () => {
            const found = await agentProblems((doc) => {
                delete at(doc, "sinks", "aggregator", "tls").enabled;
            });
            assert.equal(found.length, 1);
            assert.match(found[0], /\[sinks.aggregator\] \(vector sink\) sends to https:\/\/10.0.64.250:6002 without TLS; set tls.enabled = true/);
        });

        it("rejects remote write that skips hostname verification or goes out over http://", async () => {
            const found = await agentProblems((doc) => {
                const sink = at(doc, "sinks", "prometheus");
                at(sink, "tls").verify_hostname = false;
                sink.endpoint = "http://10.0.64.250:9201/api/v1/write";
            });
            assert.equal(found.length, 2);
            assert.match(
                found[0],
                /\[sinks.prometheus\] sets tls.verify_hostname = false while dialling http:\/\/10.0.64.250:9201\/api\/v1\/write, so a certificate issued for any other name/,
            );
            assert.match(
                found[1],
                /\[sinks.prometheus\] \(prometheus_remote_write\) sends data in clear text to http:\/\/10.0.64.250:9201\/api\/v1\/write, outside the cluster; use https:\/\//,
            );
        });

        it("allows verify_hostname = false only where the endpoint is loopback (the kubelet scrape)", async () => {
            assert.deepEqual(await agentProblems(() => undefined), []);
            const found = await agentProblems((doc) => {
                at(doc, "sources", "kubelet_cadvisor").endpoints = ["https://10.0.1.7:10250/metrics/cadvisor"];
            });
            assert.equal(found.length, 1);
            assert.match(found[0], /\[sources.kubelet_cadvisor\] sets tls.verify_hostname = false while dialling https:\/\/10.0.1.7:10250/);
        });

        it("requires mutual TLS on the aggregators' listeners", async () => {
            const found = await aggregatorProblems((doc) => {
                at(doc, "sources", "agents_dev", "tls").verify_certificate = false;
                delete at(doc, "sources", "remote_write_dev").tls;
            });
            assert.equal(found.length, 3);
            assert.match(found[0], /\[sources.agents_dev\] sets tls.verify_certificate = false, so clients need no valid certificate/);
            assert.match(
                found[1],
                /\[sources.agents_dev\] \(vector source\) accepts data from the network without mutual TLS; set tls.verify_certificate = true \(require client certificates\)\.$/,
            );
            assert.match(
                found[2],
                /\[sources.remote_write_dev\] \(prometheus_remote_write source\) accepts data from the network without mutual TLS; set tls.enabled = true, tls.verify_certificate = true .*, tls.ca_file .*, tls.crt_file, tls.key_file\.$/,
            );
        });

        it("lets Loki be plain http only inside the cluster, and never unverified over https", async () => {
            assert.deepEqual(await aggregatorProblems(() => undefined), []);
            const outside = await aggregatorProblems((doc) => {
                at(doc, "sinks", "loki").endpoint = "http://loki.example.com";
            });
            assert.equal(outside.length, 1);
            assert.match(outside[0], /\[sinks.loki\] \(loki\) sends data in clear text to http:\/\/loki.example.com/);
            const unverified = await aggregatorProblems((doc) => {
                const loki = at(doc, "sinks", "loki");
                loki.endpoint = "https://loki.example.com";
                loki.tls = { verify_certificate: false };
            });
            assert.equal(unverified.length, 1);
            assert.match(unverified[0], /\[sinks.loki\] sets tls.verify_certificate = false, so any server can impersonate https:\/\/loki.example.com/);
        });

        it("rejects a Vector config that is not TOML", async () => {
            const { r, props } = object("staging", CM, "vector-agent-config");
            at(props, "data")["vector.toml"] = "[sinks.aggregator\ntype = ";
            const found = await check(vectorTlsVerification, r, props);
            assert.equal(found.length, 1);
            assert.match(found[0], /key "vector.toml" is not valid TOML .*; Vector would refuse it, and its TLS settings cannot be checked\./);
        });
    });

    describe("aggregator-disruption-budget", () => {
        const hubWithout = (type: string) => stack("monitoring").filter((r) => r.type !== type);
        const withPdb = (edit: (pdb: JsonObject) => void) => {
            const { r, props } = object("monitoring", PDB, "vector-aggregator");
            edit(props);
            return [...hubWithout(PDB), { ...r, inputs: props }];
        };

        it("reports the aggregator StatefulSet when no PodDisruptionBudget exists", async () => {
            const sts = object("monitoring", STS, "vector-aggregator").r;
            const found = await checkStack(aggregatorDisruptionBudget, hubWithout(PDB));
            assert.deepEqual(found, [
                {
                    message:
                        "StatefulSet vector-aggregator/vector-aggregator (aggregators) has no PodDisruptionBudget selecting its pods in namespace vector-aggregator; " +
                        "add one with minAvailable at quorum and a selector matching the pod template labels.",
                    urn: sts.urn,
                },
            ]);
        });

        it("does not count a budget that selects other pods or lives in another namespace", async () => {
            const otherPods = await checkStack(
                aggregatorDisruptionBudget,
                withPdb((p) => (at(p, "spec", "selector", "matchLabels")["app.kubernetes.io/component"] = "agent")),
            );
            assert.equal(otherPods.length, 1);
            const otherNs = await checkStack(
                aggregatorDisruptionBudget,
                withPdb((p) => (at(p, "metadata").namespace = "vector-system")),
            );
            assert.equal(otherNs.length, 1);
            assert.match(otherNs[0].message, /has no PodDisruptionBudget selecting its pods in namespace vector-aggregator/);
        });

        it("matches selectors written as expressions", async () => {
            const found = await checkStack(
                aggregatorDisruptionBudget,
                withPdb((p) => {
                    at(p, "spec").selector = {
                        matchExpressions: [
                            { key: "app.kubernetes.io/component", operator: "In", values: ["aggregator"] },
                            { key: "app.kubernetes.io/instance", operator: "Exists" },
                        ],
                    };
                }),
            );
            assert.deepEqual(found, []);
        });

        it("reports a budget that protects no replica", async () => {
            const found = await checkStack(
                aggregatorDisruptionBudget,
                withPdb((p) => (at(p, "spec").minAvailable = 0)),
            );
            assert.equal(found.length, 1);
            assert.match(
                found[0].message,
                /^PodDisruptionBudget vector-aggregator\/vector-aggregator selects the pods of StatefulSet vector-aggregator\/vector-aggregator but protects none of them \(minAvailable is 0\); set minAvailable to a quorum/,
            );
        });
    });
});
