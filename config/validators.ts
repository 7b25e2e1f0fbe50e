import * as net from "node:net";
import { cpuMillis, memoryBytes } from "./quantity";
import { Schema, str } from "./schema-kit";

/** Hetzner Cloud locations that host servers and load balancers. */
export const HETZNER_LOCATIONS = ["fsn1", "nbg1", "hel1", "ash", "hil", "sin"] as const;
export type HetznerLocation = (typeof HETZNER_LOCATIONS)[number];

/** Hetzner load balancer types (lb11 is the cloud controller's default). */
export const LB_TYPES = ["lb11", "lb21", "lb31"] as const;

/**
 * Names that end up in Kubernetes object names, Vector secret keys and Prometheus label values:
 * a DNS-1123 label kept short so derived names (`vector-agent-<cluster>-client`) stay under 63.
 */
export function dnsLabel(maxLength = 63): Schema<string> {
    return str({
        pattern: /^[a-z]([-a-z0-9]*[a-z0-9])?$/,
        maxLength,
        patternHint: `a DNS label (lowercase letters, digits and '-', starting with a letter, at most ${maxLength} characters)`,
    });
}

export const namespaceName = (): Schema<string> =>
    str({
        pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
        maxLength: 63,
        patternHint: "a Kubernetes namespace name (lowercase letters, digits and '-', at most 63 characters)",
    });

/** Prometheus and Loki label names; `__` is reserved by Prometheus. */
export const labelName = (): Schema<string> =>
    str({
        pattern: /^[a-zA-Z_][a-zA-Z0-9_]*$/,
        maxLength: 63,
        patternHint: "a label name ([a-zA-Z_][a-zA-Z0-9_]*)",
        check: (s) => (s.startsWith("__") ? "a label name not starting with '__' (reserved by Prometheus)" : undefined),
    });

/** A path into a Vector log event, such as `namespace` or `kubernetes.pod_labels.app`. */
export const eventPath = (): Schema<string> =>
    str({
        pattern: /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$/,
        patternHint: 'an event field path such as "namespace" or "kubernetes.pod_name"',
    });

export const url = (schemes: readonly string[] = ["http", "https"]): Schema<string> =>
    str({
        patternHint: `an absolute ${schemes.join(" or ")} URL`,
        check: (s) => {
            try {
                const u = new URL(s);
                if (!schemes.includes(u.protocol.replace(/:$/, ""))) return `a URL with scheme ${schemes.join(" or ")}`;
                if (u.username || u.password) return "a URL without credentials (tokens go in secrets, never in URLs)";
                return undefined;
            } catch {
                return `an absolute ${schemes.join(" or ")} URL`;
            }
        },
    });

export const ipv4 = (opts: { privateOnly?: boolean } = {}): Schema<string> =>
    str({
        patternHint: opts.privateOnly ? "a private IPv4 address (10/8, 172.16/12 or 192.168/16)" : "an IPv4 address",
        check: (s) => {
            if (!net.isIPv4(s)) return "an IPv4 address such as 10.0.64.250";
            if (opts.privateOnly && !isPrivateIPv4(s)) return "a private IPv4 address (10/8, 172.16/12 or 192.168/16)";
            return undefined;
        },
    });

export const cidr = (): Schema<string> =>
    str({
        patternHint: "an IPv4 CIDR such as 10.0.0.0/16",
        check: (s) => (parseCidr(s) ? undefined : "an IPv4 CIDR such as 10.0.0.0/16 (address bits beyond the prefix unset)"),
    });

export function ipToInt(ip: string): number {
    return ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

export function parseCidr(s: string): { base: number; prefix: number } | undefined {
    const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(s);
    if (!m || !net.isIPv4(m[1])) return undefined;
    const prefix = Number(m[2]);
    if (prefix > 32) return undefined;
    const base = ipToInt(m[1]);
    const size = 2 ** (32 - prefix);
    if (base % size !== 0) return undefined;
    return { base, prefix };
}

export function cidrContains(range: string, ip: string): boolean {
    const c = parseCidr(range);
    if (!c || !net.isIPv4(ip)) return false;
    const n = ipToInt(ip);
    return n >= c.base && n < c.base + 2 ** (32 - c.prefix);
}

export function isPrivateIPv4(ip: string): boolean {
    return ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].some((r) => cidrContains(r, ip));
}

// The one quantity parser (Kubernetes' grammar) lives in ./quantity; config/stack.ts reads it from here.
export { cpuMillis, memoryBytes };

export const cpuQuantity = (): Schema<string> =>
    str({
        patternHint: 'a CPU quantity such as "500m" or "2"',
        // Kubernetes takes zero and negative quantities in its grammar; a request or limit of them is no use.
        check: (s) => ((cpuMillis(s) ?? 0) <= 0 ? 'a CPU quantity such as "500m" or "2"' : undefined),
    });

export const memoryQuantity = (): Schema<string> =>
    str({
        patternHint: 'a memory quantity such as "256Mi" or "2Gi"',
        // Whole bytes: "256m" parses (0.256 bytes) but is a typo of "256Mi".
        check: (s) => {
            const bytes = memoryBytes(s) ?? 0;
            return bytes < 1 || !Number.isInteger(bytes) ? 'a memory quantity such as "256Mi" or "2Gi"' : undefined;
        },
    });

/** A container image pinned by tag or digest; `latest` and untagged images are refused. */
function pinnedImageProblem(s: string): string | undefined {
    if (/@sha256:[a-f0-9]{64}$/.test(s)) return undefined;
    const m = /^([a-z0-9.\-_/:]+?):([\w][\w.-]{0,127})$/.exec(s);
    if (!m || m[1].endsWith("/")) return 'an image with an explicit tag or digest, e.g. "timberio/vector:0.59.0-distroless-libc"';
    if (m[2] === "latest" || /^(nightly|edge)/.test(m[2])) return 'a pinned release tag, not a moving one such as "latest" or "nightly"';
    return undefined;
}

export const pinnedImage = (): Schema<string> =>
    str({ patternHint: 'a container image pinned to a version tag or digest, e.g. "timberio/vector:0.59.0-distroless-libc"', check: pinnedImageProblem });

/**
 * A pinned Vector image whose release tag, when it names one, is at least `min`: the rendered
 * pipelines use options older releases refuse at boot (config/versions.ts,
 * MIN_VECTOR_VERSION). A digest names no release, so it is taken on trust.
 */
export const vectorImage = (min: string): Schema<string> =>
    str({
        patternHint: `a Vector image pinned to release ${min} or later, e.g. "timberio/vector:${min}-distroless-libc"`,
        check: (s) => {
            const pinned = pinnedImageProblem(s);
            if (pinned) return pinned;
            const tag = /:(\d+)\.(\d+)\.(\d+)(?:-[\w.-]+)?$/.exec(s);
            if (!tag) return undefined;
            const [, ...got] = tag.map(Number);
            const want = min.split(".").map(Number);
            const older = got.findIndex((g, i) => g !== want[i]);
            if (older >= 0 && got[older] < want[older])
                return `Vector ${min} or later: the rendered configs use options ${tag.slice(1).join(".")} refuses at boot (docs/validation.md)`;
            return undefined;
        },
    });

/**
 * A Kubernetes label key: an optional DNS-subdomain prefix and '/', then a name of at most 63
 * alphanumerics, '-', '_' or '.', starting and ending alphanumeric (apimachinery validation.IsQualifiedName).
 */
export const labelKey = (): Schema<string> =>
    str({
        patternHint: 'a Kubernetes label key such as "release" or "example.com/team"',
        check: (s) => {
            const slash = s.lastIndexOf("/");
            const prefix = slash >= 0 ? s.slice(0, slash) : undefined;
            const name = slash >= 0 ? s.slice(slash + 1) : s;
            const nameOk = name.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name);
            const prefixOk = prefix === undefined || (prefix.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(prefix));
            return nameOk && prefixOk
                ? undefined
                : "a Kubernetes label key: [prefix/]name, name at most 63 of A-Z a-z 0-9 - _ . starting and ending alphanumeric";
        },
    });

/** A Kubernetes label value (apimachinery validation.IsValidLabelValue); empty is allowed there, not here. */
export const labelValue = (): Schema<string> =>
    str({
        maxLength: 63,
        pattern: /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/,
        patternHint: "a Kubernetes label value (at most 63 of A-Z a-z 0-9 - _ . starting and ending alphanumeric)",
    });
