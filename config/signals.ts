/**
 * Config of the signals beyond pod logs and metrics (issue 19): node logs from journald, Kubernetes
 * events, and OTLP (traces, plus logs and metrics that arrive over OTLP). Each is off by default, so
 * a stack that does not name them renders exactly as before.
 *
 * Agent side (every stack): `agent.nodeLogs`, `agent.events`, `agent.otlp`.
 * Hub side: `aggregator.signalLogs` (node logs, events and OTLP logs get a `job` Loki label) and
 * `aggregator.tempo` (the traces' destination).
 */
import { VECTOR_JOURNALD_IMAGE, OTEL_COLLECTOR_IMAGE } from "./versions";
import { bool, int, INVALID, list, obj, oneOf, opt, Problem, Schema, str } from "./schema-kit";
import { pinnedImage, url, vectorImage } from "./validators";

/** Vector refuses a disk buffer below this size; repeated from stack.ts to keep the import one-way. */
const MIN_DISK_BUFFER_BYTES = 268435488;
const GiB = 1024 * 1024 * 1024;

/**
 * Where journald keeps the journal on the node: /var/log/journal when Storage=persistent (or auto
 * with the directory present), /run/log/journal when volatile. One of the two, mounted read-only.
 */
export const JOURNAL_DIRECTORIES = ["/var/log/journal", "/run/log/journal"] as const;

/**
 * A systemd unit name as journald's `_SYSTEMD_UNIT` holds it. Vector appends `.service` to a name
 * without a dot (vectordotdev/vector src/sources/journald.rs fixup_unit), so both forms are taken.
 */
const unitName = () =>
    str({
        pattern: /^[A-Za-z0-9:_.\\@-]+$/,
        maxLength: 256,
        patternHint: 'a systemd unit name such as "kubelet" or "containerd.service"',
    });

/**
 * The `_SYSTEMD_UNIT` value a configured unit name matches: Vector appends `.service` to a name
 * without a dot (vectordotdev/vector src/sources/journald.rs fixup_unit), so "kubelet" means
 * "kubelet.service" and "init.scope" stays as it is.
 */
export function journalUnit(name: string): string {
    return name.includes(".") ? name : `${name}.service`;
}

/** Default units: what a Kubernetes node's own logs are (the kernel comes by transport, below). */
export const DEFAULT_JOURNAL_UNITS = ["containerd.service", "kubelet.service"];

/**
 * A Vector image that can run the journald source: a release's `-debian` tag, or a digest (taken on
 * trust). Moving tags such as `latest-debian` are refused like `latest`.
 */
function journaldImage(): Schema<string> {
    const base = vectorImage("0.58.0");
    return str({
        patternHint: 'a Vector release\'s -debian image, e.g. "timberio/vector:0.59.0-debian"',
        check: (img) => {
            const problems: Problem[] = [];
            if (base.parse(img, "", { problems, secret: false }) === INVALID) return problems[0]?.expected;
            if (/@sha256:[a-f0-9]{64}$/.test(img) || /:\d+\.\d+\.\d+-debian$/.test(img)) return undefined;
            return 'an image with journalctl: a release\'s -debian variant such as "timberio/vector:0.59.0-debian" (the distroless and alpine images have no systemd, vectordotdev/vector distribution/docker/; latest-debian moves)';
        },
    });
}

export const nodeLogsSchema = obj({
    enabled: opt(bool(), false, 'Ship the node\'s journal (kubelet, containerd, the kernel) to Loki as streams of their own (job="node-journal").'),
    image: opt(
        journaldImage(),
        VECTOR_JOURNALD_IMAGE,
        "Agent image while node logs are on. The journald source runs `journalctl`, which the distroless images lack; the official `-debian` variant installs systemd (vectordotdev/vector distribution/docker/debian/Dockerfile). Must name the same release as agent.image.",
    ),
    journalDirectory: opt(
        oneOf(JOURNAL_DIRECTORIES),
        "/var/log/journal",
        "The node's journal: /var/log/journal (persistent) or /run/log/journal (volatile, when the node's journald keeps no files on disk). Mounted read-only at the same path.",
    ),
    units: opt(list(unitName(), { unique: true }), DEFAULT_JOURNAL_UNITS, "Units whose entries are shipped; empty ships every unit (mind the volume)."),
    excludeUnits: opt(
        list(unitName(), { unique: true }),
        [],
        "Units never shipped, even when `units` is empty; a unit may not be in both lists (Vector refuses it).",
    ),
    kernel: opt(bool(), true, "Also ship the kernel's messages (journal field _TRANSPORT=kernel: OOM kills, disk and network errors)."),
    sinceNow: opt(
        bool(),
        true,
        "On the very first start (no checkpoint yet) begin at the journal's end instead of replaying the current boot. After that the checkpoint in the agent's data dir decides.",
    ),
});

export const eventsSchema = obj({
    enabled: opt(
        bool(),
        false,
        'Ship Kubernetes events to Loki (job="kubernetes-events") through one OpenTelemetry Collector per cluster (docs/signals-events.md).',
    ),
    image: opt(pinnedImage(), OTEL_COLLECTOR_IMAGE, "OpenTelemetry Collector image with the k8sobjects receiver (the `k8s` distribution has it)."),
    grpcPort: opt(int(1024, 65535, "port"), 4319, "Node port of the agent's OTLP gRPC listener for events (host network: it must be free on every node)."),
    httpPort: opt(int(1024, 65535, "port"), 4320, "Node port of the same listener's HTTP side, which Vector requires though the collector sends gRPC."),
});

export const otlpSchema = obj({
    enabled: opt(
        bool(),
        false,
        "An OTLP endpoint (gRPC and HTTP) on every node's agent: traces go to Tempo, metrics to Prometheus and logs to Loki, through the aggregators (docs/signals-otlp.md).",
    ),
    grpcPort: opt(int(1024, 65535, "port"), 4317, "Node port of OTLP gRPC (4317 is OTLP's own)."),
    httpPort: opt(int(1024, 65535, "port"), 4318, "Node port of OTLP HTTP (4318 is OTLP's own)."),
});

export const tempoSchema = obj({
    endpoint: opt(url(), "http://tempo-distributor.monitoring.svc.cluster.local:4318", "Tempo's OTLP HTTP receiver (base URL; /v1/traces is appended)."),
    bufferMaxBytes: opt(int(MIN_DISK_BUFFER_BYTES, 512 * GiB, "bytes"), GiB, "Disk buffer in front of Tempo, on the replica's volume."),
});

/** Versions named by two image tags, when both name one; undefined when either is a digest. */
function releaseOf(image: string): string | undefined {
    return /:(\d+\.\d+\.\d+)(?:-[\w.-]+)?$/.exec(image)?.[1];
}

interface AgentSignals {
    image: string;
    nodeLogs: { enabled: boolean; image: string; units: string[]; excludeUnits: string[] };
    events: { enabled: boolean; grpcPort: number; httpPort: number };
    otlp: { enabled: boolean; grpcPort: number; httpPort: number };
}

/**
 * What an agent's signals need from the aggregators that receive them, as [hub key, what is
 * missing] pairs: the logs of node journals, events and OTLP need `signalLogs` (the `job` label),
 * OTLP traces need `tempo`. Used for the hub's own agent (config/stack.ts) and, across stack
 * files, for every source and its hub (config/fleet.ts).
 */
export function signalsTheHubLacks(
    agent: Pick<AgentSignals, "nodeLogs" | "events" | "otlp">,
    hub: { signalLogs: boolean; tempo?: unknown },
    who: string,
    /** The hub's file when it is another stack's, named in the fix; none for the hub's own agent. */
    hubFile?: string,
): { key: "signalLogs" | "tempo"; value: string; expected: string }[] {
    const where = hubFile ? ` in ${hubFile}` : "";
    const out: { key: "signalLogs" | "tempo"; value: string; expected: string }[] = [];
    const sends = (["nodeLogs", "events", "otlp"] as const).filter((sig) => agent[sig].enabled);
    if (sends.length > 0 && !hub.signalLogs)
        out.push({
            key: "signalLogs",
            value: "false",
            expected: `true${where} while ${who} sends ${sends.join(", ")}: their logs need the job label (docs/signals-node-logs.md)`,
        });
    if (agent.otlp.enabled && hub.tempo === undefined)
        out.push({
            key: "tempo",
            value: "nothing",
            expected: `a Tempo endpoint${where} while ${who} takes OTLP traces (agent.otlp.enabled): the aggregators would drop them`,
        });
    return out;
}

/**
 * Cross-field rules of the agent's signals, at `path` (`vector-fleet:agent`). `reserved` are the
 * host ports the agent already binds (API, metrics).
 */
export function agentSignalProblems(a: AgentSignals, path: string, reserved: Record<string, number>): Problem[] {
    const problems: Problem[] = [];
    if (a.nodeLogs.enabled) {
        const excluded = a.nodeLogs.excludeUnits.map(journalUnit);
        const both = a.nodeLogs.units.filter((u) => excluded.includes(journalUnit(u)));
        // vectordotdev/vector src/sources/journald.rs build(): DuplicatedUnit, and DuplicatedMatches
        // once both lists are merged into _SYSTEMD_UNIT matches (after fixup_unit).
        for (const u of both)
            problems.push({
                path: `${path}.nodeLogs.excludeUnits`,
                value: JSON.stringify(u),
                expected: "a unit not also listed in nodeLogs.units (Vector refuses a unit in both lists)",
            });
        const want = releaseOf(a.image);
        const got = releaseOf(a.nodeLogs.image);
        if (want && got && want !== got)
            problems.push({
                path: `${path}.nodeLogs.image`,
                value: JSON.stringify(a.nodeLogs.image),
                expected: `an image of the agent's release ${want} (agent.image is ${JSON.stringify(a.image)}), e.g. "timberio/vector:${want}-debian"`,
            });
    }
    const ports: [string, number][] = Object.entries(reserved).map(([k, v]) => [`the agent's ${k} port`, v]);
    for (const signal of ["otlp", "events"] as const) {
        if (!a[signal].enabled) continue;
        for (const which of ["grpcPort", "httpPort"] as const) {
            const p = a[signal][which];
            const clash = ports.find(([, q]) => q === p);
            if (clash)
                problems.push({
                    path: `${path}.${signal}.${which}`,
                    value: String(p),
                    expected: `a port other than ${clash[0]} (${p}): every listener of the host-network agent needs its own`,
                });
            ports.push([`${signal}.${which}`, p]);
        }
    }
    return problems;
}
