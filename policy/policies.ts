/**
 * The vector-fleet policies. Tests import this module; only `index.ts` builds the PolicyPack
 * (which starts the analyzer's gRPC server), so nothing here has side effects.
 *
 * Resource policies read `args.props`: a `kubernetes:*` resource's inputs, secrets unwrapped.
 * Server-side apply patches (`...Patch` types) are partial objects and are checked only for the
 * fields they set.
 */
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { parse as parseToml } from "smol-toml";
import { unpinnedReason } from "./images";
import { asObject, asString, containersOf, describeObject, Json, knownEntry, kubernetesType, podSpec, selectorMatches, stringMap } from "./k8s";
import { parseQuantity } from "./quantity";
import { findSecrets } from "./secrets";
import { vectorTlsProblems } from "./vector-tls";

// ---- 1. pinned images ---------------------------------------------------------------------------

export const pinnedImages: ResourceValidationPolicy = {
    name: "pinned-images",
    description:
        "Every container and init container image names an explicit version tag other than `latest`, or a digest, " +
        "so a rollout, a rescheduled pod and a rollback all run the image that was reviewed.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Pin the image to a version tag (timberio/vector:0.59.0-distroless-libc) or a digest (repo@sha256:...).",
    validateResource: (args, reportViolation) => {
        const t = kubernetesType(args.type);
        if (!t) return;
        const spec = podSpec(t, args.props);
        if (!spec) return;
        const what = describeObject(t.kind, args.props, args.name);
        for (const c of containersOf(spec)) {
            const image = c.container.image;
            if (image === undefined) {
                // A patch that leaves the image alone is fine; a whole workload without one is not.
                if (!t.patch) reportViolation(`${what}: ${c.role} "${c.name}" has no image; set an image pinned to a version tag or a digest.`);
                continue;
            }
            const ref = typeof image === "string" ? image : String(image);
            const reason = unpinnedReason(ref);
            if (reason) {
                reportViolation(
                    `${what}: ${c.role} "${c.name}" image "${ref}" ${reason}; pin it to an explicit version tag ` +
                        `(e.g. timberio/vector:0.59.0-distroless-libc) or a digest (<repository>@sha256:<digest>).`,
                );
            }
        }
    },
};

// ---- 2. requests and limits ---------------------------------------------------------------------

const RESOURCE_FIELDS = [
    ["requests", "cpu"],
    ["requests", "memory"],
    ["limits", "cpu"],
    ["limits", "memory"],
] as const;

export const resourceRequestsAndLimits: ResourceValidationPolicy = {
    name: "resource-requests-and-limits",
    description:
        "Every container and init container sets CPU and memory requests (the scheduler places pods by them) and limits " +
        "(a runaway Vector cannot starve the node), with each request at most its limit.",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps: "Set resources.requests.cpu/memory and resources.limits.cpu/memory on the container (request <= limit).",
    validateResource: (args, reportViolation) => {
        const t = kubernetesType(args.type);
        // Patches change only the fields they name; the patched object's own resources stay.
        if (!t || t.patch) return;
        const spec = podSpec(t, args.props);
        if (!spec) return;
        const what = describeObject(t.kind, args.props, args.name);
        for (const c of containersOf(spec)) {
            const resources = asObject(c.container.resources) ?? {};
            const missing: string[] = [];
            const invalid: string[] = [];
            for (const [section, key] of RESOURCE_FIELDS) {
                const v = asObject(resources[section])?.[key];
                if (v === undefined || v === null || v === "") missing.push(`${section}.${key}`);
                else if (parseQuantity(v) === undefined) invalid.push(`${section}.${key} "${String(v)}"`);
            }
            if (missing.length > 0) {
                reportViolation(
                    `${what}: ${c.role} "${c.name}" has no resources.${missing.join(", resources.")}; set CPU and memory requests and limits (e.g. requests 100m/128Mi, limits 1/512Mi).`,
                );
            }
            if (invalid.length > 0)
                reportViolation(
                    `${what}: ${c.role} "${c.name}" has invalid quantities ${invalid.join(", ")}; use Kubernetes quantities such as "500m" or "512Mi".`,
                );
            for (const key of ["cpu", "memory"] as const) {
                const request = parseQuantity(asObject(resources.requests)?.[key]);
                const limit = parseQuantity(asObject(resources.limits)?.[key]);
                if (request !== undefined && limit !== undefined && request > limit) {
                    reportViolation(
                        `${what}: ${c.role} "${c.name}" requests more ${key} than its limit, which Kubernetes rejects; lower resources.requests.${key} or raise resources.limits.${key}.`,
                    );
                }
            }
        }
    },
};

// ---- 3. private load balancers -------------------------------------------------------------------

/** The Hetzner cloud controller's annotations (hcloud-cloud-controller-manager, internal/annotation). */
export const HCLOUD_LB_ANNOTATIONS = {
    disablePublicNetwork: "load-balancer.hetzner.cloud/disable-public-network",
    usePrivateIp: "load-balancer.hetzner.cloud/use-private-ip",
} as const;

/** The controller reads these booleans with Go's strconv.ParseBool. */
function parsesTrue(v: unknown): boolean {
    return typeof v === "string" && ["1", "t", "T", "TRUE", "true", "True"].includes(v);
}

export const privateLoadBalancers: ResourceValidationPolicy = {
    name: "private-load-balancers",
    description:
        "A Service of type LoadBalancer gets a Hetzner load balancer without a public interface that reaches its targets " +
        "over the private network: the aggregators must never be reachable from the internet.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
        `Annotate the Service with ${HCLOUD_LB_ANNOTATIONS.disablePublicNetwork}: "true" and ${HCLOUD_LB_ANNOTATIONS.usePrivateIp}: "true" ` +
        "(and pin load-balancer.hetzner.cloud/private-ipv4).",
    validateResource: (args, reportViolation) => {
        const t = kubernetesType(args.type);
        if (!t || t.group !== "core" || t.kind !== "Service") return;
        if (asObject(args.props.spec)?.type !== "LoadBalancer") return;
        const what = describeObject(t.kind, args.props, args.name);
        const annotations = asObject(asObject(args.props.metadata)?.annotations) ?? {};
        const wrong = [
            [HCLOUD_LB_ANNOTATIONS.disablePublicNetwork, "the load balancer keeps a public interface"],
            [HCLOUD_LB_ANNOTATIONS.usePrivateIp, "targets are reached over the nodes' public addresses"],
        ].filter(([key]) => !parsesTrue(annotations[key]));
        for (const [key, consequence] of wrong) {
            const got = annotations[key] === undefined ? "is not set" : `is "${String(annotations[key])}"`;
            reportViolation(`${what} is a public Hetzner load balancer: annotation ${key} ${got}, so ${consequence}; set ${key}: "true".`);
        }
    },
};

// ---- 4. no secret material in ConfigMaps ------------------------------------------------------------

/** ConfigMap keys whose name says they hold a credential (`password`, `tls.key`); `ca.crt` is public. */
const CREDENTIAL_KEY_NAME = /(password|passwd|passphrase|secret|token|api[_-]?key|apikey|credentials?|private[_-]?key)$|\.key$|\.pem$|\.p12$|\.pfx$/i;

function isReferenceValue(v: string): boolean {
    return v.trim() === "" || /^SECRET\[[^\]]+\]$/.test(v.trim()) || /^\$\{[^}]+\}$/.test(v.trim());
}

/** ConfigMap `data` and `binaryData` entries as text; values still unknown in a preview are skipped. */
function configMapEntries(props: Json): [string, string][] {
    const out: [string, string][] = [];
    const data = asObject(props.data) ?? {};
    for (const key of Object.keys(data)) {
        const v = knownEntry(data, key);
        if (typeof v === "string") out.push([key, v]);
    }
    const binary = asObject(props.binaryData) ?? {};
    for (const key of Object.keys(binary)) {
        const v = knownEntry(binary, key);
        if (typeof v === "string") out.push([key, Buffer.from(v, "base64").toString("latin1")]);
    }
    return out;
}

export const noSecretsInConfigMaps: ResourceValidationPolicy = {
    name: "no-secrets-in-configmaps",
    description:
        "ConfigMaps carry no private keys, bearer tokens or credentials: they are readable by anyone who can read the namespace " +
        "and are stored unencrypted. Public CA certificates are fine; Vector reads secrets as SECRET[backend.key] from mounted Secrets.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps: "Move the value into a Kubernetes Secret, mount it, and reference it (Vector: tls.key_file, SECRET[backend.key]).",
    validateResource: (args, reportViolation) => {
        const t = kubernetesType(args.type);
        if (!t || t.group !== "core" || t.kind !== "ConfigMap") return;
        const what = describeObject(t.kind, args.props, args.name);
        for (const [key, text] of configMapEntries(args.props)) {
            if (CREDENTIAL_KEY_NAME.test(key) && !isReferenceValue(text) && !text.includes("BEGIN CERTIFICATE")) {
                reportViolation(`${what}: key "${key}" is named like a credential and holds a literal value; move it into a Secret and mount it.`);
                continue;
            }
            for (const f of findSecrets(text)) {
                reportViolation(
                    `${what}: key "${key}" line ${f.line} contains ${f.what}; move the secret into a Secret and reference it ` +
                        "(Vector: tls.key_file for keys, SECRET[backend.key] for tokens).",
                );
            }
        }
    },
};

// ---- 5. TLS verification in Vector configs ------------------------------------------------------------

export const vectorTlsVerification: ResourceValidationPolicy = {
    name: "vector-tls-verification",
    description:
        "Every Vector source and sink that carries data across the network uses TLS with verification: the vector sink and " +
        "HTTP clients verify the server's certificate and hostname, the vector and prometheus_remote_write sources require " +
        "client certificates from the fleet CA, plain http:// goes only to in-cluster Services, and nothing turns " +
        "tls.verify_certificate or tls.verify_hostname off (except verify_hostname on a loopback endpoint).",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps: "Fix the named option in the Vector config (components/agent/pipeline.ts or components/aggregator/pipeline.ts).",
    validateResource: (args, reportViolation) => {
        const t = kubernetesType(args.type);
        if (!t || t.group !== "core" || t.kind !== "ConfigMap") return;
        const what = describeObject(t.kind, args.props, args.name);
        for (const [key, text] of configMapEntries(args.props)) {
            if (!key.endsWith(".toml")) continue;
            let doc: Json;
            try {
                doc = parseToml(text);
            } catch (e) {
                // Only a file that looks like a Vector config must parse; other TOML is not ours to judge.
                if (key === "vector.toml" || /^\s*\[(sources|sinks)\./m.test(text)) {
                    reportViolation(
                        `${what}: key "${key}" is not valid TOML (${e instanceof Error ? e.message.split("\n")[0] : String(e)}); Vector would refuse it, and its TLS settings cannot be checked.`,
                    );
                }
                continue;
            }
            for (const p of vectorTlsProblems(doc)) reportViolation(`${what}: ${key} [${p.component}] ${p.message}.`);
        }
    },
};

// ---- 6. a PodDisruptionBudget for the aggregators -------------------------------------------------------

/** How the aggregator tier's pods are labelled (components/k8s/common.ts appLabels). */
export const AGGREGATOR_POD_LABELS = { "app.kubernetes.io/name": "vector", "app.kubernetes.io/component": "aggregator" } as const;

function isAggregatorPod(labels: Record<string, string>): boolean {
    return Object.entries(AGGREGATOR_POD_LABELS).every(([k, v]) => labels[k] === v);
}

/** Why a PDB that selects the pods still lets every one of them be evicted, or undefined. */
function pdbLetsAllGo(spec: Json, replicas: number): string | undefined {
    const min = spec.minAvailable;
    const max = spec.maxUnavailable;
    if (min === 0 || min === "0%") return "minAvailable is 0";
    // maxUnavailable 1 is how a single replica stays drainable: a budget that held it would block every drain.
    if (typeof max === "number" && max >= replicas && !(max === 1 && replicas === 1)) return `maxUnavailable ${max} is not below the ${replicas} replicas`;
    if (max === "100%") return "maxUnavailable is 100%";
    if (min === undefined && max === undefined) return "it sets neither minAvailable nor maxUnavailable";
    return undefined;
}

export const aggregatorDisruptionBudget: StackValidationPolicy = {
    name: "aggregator-disruption-budget",
    description:
        "A stack that runs the aggregator StatefulSet also has a PodDisruptionBudget in its namespace whose selector matches " +
        "the aggregator pods, so a node drain cannot evict the replicas below quorum and stall every cluster's logs.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Add a policy/v1 PodDisruptionBudget (minAvailable: quorum) selecting the aggregator pod labels in the same namespace.",
    validateStack: (args, reportViolation) => {
        const kinds = args.resources.map((r) => ({ r, t: kubernetesType(r.type) }));
        const pdbs = kinds.filter(({ t }) => t && !t.patch && t.group === "policy" && t.kind === "PodDisruptionBudget").map(({ r }) => r);
        for (const { r, t } of kinds) {
            if (!t || t.patch || t.group !== "apps" || t.kind !== "StatefulSet") continue;
            const spec = asObject(r.props.spec) ?? {};
            const labels = stringMap(asObject(asObject(spec.template)?.metadata)?.labels);
            if (!isAggregatorPod(labels)) continue;
            const namespace = asString(asObject(r.props.metadata)?.namespace);
            const replicas = typeof spec.replicas === "number" ? spec.replicas : 1;
            const what = describeObject(t.kind, r.props, r.name);
            const matching = pdbs.filter((p) => {
                const selector = asObject(asObject(p.props.spec)?.selector);
                return asString(asObject(p.props.metadata)?.namespace) === namespace && !!selector && selectorMatches(selector, labels);
            });
            if (matching.length === 0) {
                reportViolation(
                    `${what} (aggregators) has no PodDisruptionBudget selecting its pods in namespace ${namespace ?? "(default)"}; ` +
                        "add one with minAvailable at quorum and a selector matching the pod template labels.",
                    r.urn,
                );
                continue;
            }
            const weak = matching.map((p) => [p, pdbLetsAllGo(asObject(p.props.spec) ?? {}, replicas)] as const);
            if (weak.every(([, why]) => why !== undefined)) {
                for (const [p, why] of weak) {
                    reportViolation(
                        `${describeObject("PodDisruptionBudget", p.props, p.name)} selects the pods of ${what} but protects none of them (${why}); set minAvailable to a quorum of the replicas.`,
                        p.urn,
                    );
                }
            }
        }
    },
};

/** Every policy of the pack, in the order the README documents them. */
export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
    pinnedImages,
    resourceRequestsAndLimits,
    privateLoadBalancers,
    noSecretsInConfigMaps,
    vectorTlsVerification,
    aggregatorDisruptionBudget,
];
