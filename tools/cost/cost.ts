/**
 * What the fleet reserves and may use: CPU and memory requests and limits of every pod the program
 * deploys, from the rendered Kubernetes objects, per stack and per node, beside what the agents it
 * replaces (Promtail, node-exporter) ask for by default. Pure: `npm run cost` feeds it a render.
 *
 * Requests are what the scheduler reserves on a node; limits are caps (CPU is throttled above its
 * limit, memory is OOM-killed). Neither is usage: a node's real footprint depends on its log volume.
 */
import { parseQuantity as parseKubernetesQuantity } from "../../config/quantity";
import type { RegisteredResource } from "../render/simulator";
import { markdownTable } from "../shared/markdown";

export interface Amounts {
    /** millicores */
    cpu: number;
    bytes: number;
}

const ZERO: Amounts = { cpu: 0, bytes: 0 };

/**
 * A quantity of a rendered object ("100m", "1.5", "128Mi", "1e3", "2G") in base units (cores,
 * bytes), by the one parser of Kubernetes' grammar (config/quantity.ts); a JSON number as is.
 * Throws on anything else: the render holds only what the program wrote, so a bad one is a bug.
 */
export function parseQuantity(q: string | number, scale = 0): number {
    if (typeof q === "number") return q * 10 ** scale;
    const value = parseKubernetesQuantity(q.trim(), scale);
    if (value === undefined) throw new Error(`not a Kubernetes quantity: ${JSON.stringify(q)}`);
    return value;
}

export function parseCpu(q: string | number): number {
    return Math.round(parseQuantity(q, 3));
}

export function parseMemory(q: string | number): number {
    return Math.round(parseQuantity(q));
}

interface ResourceList {
    cpu?: string | number;
    memory?: string | number;
}
interface Container {
    name?: string;
    resources?: { requests?: ResourceList; limits?: ResourceList };
    restartPolicy?: string;
}
interface PodSpec {
    containers?: Container[];
    initContainers?: Container[];
    affinity?: { podAntiAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { topologyKey?: string }[] } };
}

export interface PodResources {
    requests: Amounts;
    limits: Amounts;
    /** Resources for which some container sets no limit: the pod's limit is then the node. */
    unlimited: ("cpu" | "memory")[];
}

function containerAmounts(c: Container): { requests: Amounts; limits: Amounts; unlimited: Set<"cpu" | "memory"> } {
    const lim = c.resources?.limits ?? {};
    const req = c.resources?.requests ?? {};
    // Kubernetes defaults a missing request to the limit when only the limit is set.
    const pick = (k: "cpu" | "memory", parse: (q: string | number) => number) => ({
        request: req[k] !== undefined ? parse(req[k]) : lim[k] !== undefined ? parse(lim[k]) : 0,
        limit: lim[k] !== undefined ? parse(lim[k]) : undefined,
    });
    const cpu = pick("cpu", parseCpu);
    const mem = pick("memory", parseMemory);
    const unlimited = new Set<"cpu" | "memory">();
    if (cpu.limit === undefined) unlimited.add("cpu");
    if (mem.limit === undefined) unlimited.add("memory");
    return { requests: { cpu: cpu.request, bytes: mem.request }, limits: { cpu: cpu.limit ?? 0, bytes: mem.limit ?? 0 }, unlimited };
}

const add = (a: Amounts, b: Amounts): Amounts => ({ cpu: a.cpu + b.cpu, bytes: a.bytes + b.bytes });
const max = (a: Amounts, b: Amounts): Amounts => ({ cpu: Math.max(a.cpu, b.cpu), bytes: Math.max(a.bytes, b.bytes) });
const times = (a: Amounts, n: number): Amounts => ({ cpu: a.cpu * n, bytes: a.bytes * n });

/**
 * A pod's effective requests and limits as the scheduler computes them: the sum over its containers
 * (sidecar init containers, restartPolicy Always, included), or the largest ordinary init container
 * if that is more, since init containers run one at a time before the others start.
 */
export function podResources(spec: PodSpec): PodResources {
    const unlimited = new Set<"cpu" | "memory">();
    let reqSum = ZERO;
    let limSum = ZERO;
    let reqInit = ZERO;
    let limInit = ZERO;
    const sidecars = (spec.initContainers ?? []).filter((c) => c.restartPolicy === "Always");
    for (const c of [...(spec.containers ?? []), ...sidecars]) {
        const a = containerAmounts(c);
        reqSum = add(reqSum, a.requests);
        limSum = add(limSum, a.limits);
        a.unlimited.forEach((u) => unlimited.add(u));
    }
    for (const c of (spec.initContainers ?? []).filter((x) => x.restartPolicy !== "Always")) {
        const a = containerAmounts(c);
        reqInit = max(reqInit, a.requests);
        limInit = max(limInit, a.limits);
    }
    return { requests: max(reqSum, reqInit), limits: max(limSum, limInit), unlimited: [...unlimited].sort() };
}

export interface Workload {
    kind: "DaemonSet" | "StatefulSet" | "Deployment";
    namespace: string;
    name: string;
    /** DaemonSet pods run once on every node; the others have a replica count per cluster. */
    placement: "every node" | "per cluster";
    replicas: number;
    pod: PodResources;
    /** Volume claimed per replica (StatefulSet volumeClaimTemplates). */
    storageBytesPerReplica: number;
    /** Required pod anti-affinity on the node: at most one replica per node. */
    onePerNode: boolean;
}

interface K8sObject {
    kind?: string;
    metadata?: { name?: string; namespace?: string };
    spec?: {
        replicas?: number;
        template?: { spec?: PodSpec };
        volumeClaimTemplates?: { spec?: { resources?: { requests?: { storage?: string } } } }[];
    };
}

/**
 * The workloads a stack deploys, from its registered resources. Server-side apply patches
 * (the parked Promtail and node-exporter DaemonSets) change objects the program does not own and
 * are not counted.
 */
export function workloads(resources: readonly RegisteredResource[]): Workload[] {
    const out: Workload[] = [];
    for (const r of resources) {
        if (!r.type.startsWith("kubernetes:") || !r.custom || r.type.endsWith("Patch")) continue;
        const o = r.inputs as K8sObject;
        if (o.kind !== "DaemonSet" && o.kind !== "StatefulSet" && o.kind !== "Deployment") continue;
        const spec = o.spec?.template?.spec ?? {};
        const storage = (o.spec?.volumeClaimTemplates ?? []).reduce((a, t) => a + parseMemory(t.spec?.resources?.requests?.storage ?? 0), 0);
        out.push({
            kind: o.kind,
            namespace: o.metadata?.namespace ?? "default",
            name: o.metadata?.name ?? r.name,
            placement: o.kind === "DaemonSet" ? "every node" : "per cluster",
            // Kubernetes' default when replicas is unset.
            replicas: o.kind === "DaemonSet" ? 1 : (o.spec?.replicas ?? 1),
            pod: podResources(spec),
            storageBytesPerReplica: storage,
            onePerNode: (spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).some(
                (t) => t.topologyKey === "kubernetes.io/hostname",
            ),
        });
    }
    return out.sort((a, b) => a.kind.localeCompare(b.kind) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

export interface StackCost {
    stack: string;
    workloads: Workload[];
    /** Every node: the DaemonSets. */
    perNode: { requests: Amounts; limits: Amounts };
    /** Once per cluster, whatever its size: replicas x pod of StatefulSets and Deployments. */
    perCluster: { requests: Amounts; limits: Amounts; storageBytes: number };
    /** The most one node can carry: its DaemonSet pods plus one pod of every replicated workload. */
    busiestNode: { requests: Amounts; limits: Amounts };
    unlimited: string[];
}

export function stackCost(stack: string, resources: readonly RegisteredResource[]): StackCost {
    const ws = workloads(resources);
    const perNode = { requests: ZERO, limits: ZERO };
    const perCluster = { requests: ZERO, limits: ZERO, storageBytes: 0 };
    const busiest = { requests: ZERO, limits: ZERO };
    const unlimited: string[] = [];
    for (const w of ws) {
        for (const u of w.pod.unlimited) unlimited.push(`${w.kind} ${w.namespace}/${w.name}: no ${u} limit`);
        if (w.placement === "every node") {
            perNode.requests = add(perNode.requests, w.pod.requests);
            perNode.limits = add(perNode.limits, w.pod.limits);
        } else {
            perCluster.requests = add(perCluster.requests, times(w.pod.requests, w.replicas));
            perCluster.limits = add(perCluster.limits, times(w.pod.limits, w.replicas));
            perCluster.storageBytes += w.storageBytesPerReplica * w.replicas;
            // Without anti-affinity several replicas may share a node; count them all there.
            const here = w.onePerNode ? 1 : w.replicas;
            busiest.requests = add(busiest.requests, times(w.pod.requests, here));
            busiest.limits = add(busiest.limits, times(w.pod.limits, here));
        }
    }
    return {
        stack,
        workloads: ws,
        perNode,
        perCluster,
        busiestNode: { requests: add(perNode.requests, busiest.requests), limits: add(perNode.limits, busiest.limits) },
        unlimited,
    };
}

/** A cluster of `nodes` nodes: DaemonSets on each, the replicated workloads once. */
export function clusterTotal(c: StackCost, nodes: number): { requests: Amounts; limits: Amounts } {
    return { requests: add(times(c.perNode.requests, nodes), c.perCluster.requests), limits: add(times(c.perNode.limits, nodes), c.perCluster.limits) };
}

/** Below one core in millicores ("50m"), above in cores ("1.1"). */
export function formatCpu(milli: number): string {
    return milli < 1000 ? `${milli}m` : `${Number((milli / 1000).toFixed(3))}`;
}

/** Below one GiB in MiB ("384 MiB"), above in GiB ("2.13 GiB"). */
export function formatMemory(bytes: number): string {
    return bytes < 2 ** 30 ? `${Math.round(bytes / 2 ** 20)} MiB` : `${Number((bytes / 2 ** 30).toFixed(2))} GiB`;
}

const pair = (a: Amounts) => `${formatCpu(a.cpu)} CPU, ${formatMemory(a.bytes)}`;

/** What a chart ships as its default `resources`, and where that was read. */
export interface ChartDefaults {
    agent: string;
    chart: string;
    /** values.yaml as read, with the commit of the stored copy. */
    source: string;
    version: string;
    /** The default `resources:` value: `{}` means none are set. */
    defaultResources: string;
    /** The example the chart leaves commented out under `resources:` (not applied). */
    commentedExample: { requests: Amounts; limits: Amounts };
}

export const LEGACY_CHART_DEFAULTS: readonly ChartDefaults[] = [
    {
        agent: "Promtail",
        chart: "grafana/helm-charts charts/promtail",
        source: "charts/promtail/values.yaml @ 01708a39ac1ac9be858a6262fad1e0162433a403",
        version: "Chart.yaml stored at 004126799b8b: chart 6.15.5, appVersion 2.9.3",
        defaultResources: "{}",
        commentedExample: { requests: { cpu: 100, bytes: 128 * 2 ** 20 }, limits: { cpu: 200, bytes: 128 * 2 ** 20 } },
    },
    {
        agent: "node-exporter",
        chart: "prometheus-community/helm-charts charts/prometheus-node-exporter",
        source: "charts/prometheus-node-exporter/values.yaml @ 019319902ead75961fe5f71213777f1500725a6e",
        version: "Chart.yaml stored at 02293d182c5c: chart 4.45.3, appVersion 1.9.1",
        defaultResources: "{}",
        commentedExample: { requests: { cpu: 100, bytes: 30 * 2 ** 20 }, limits: { cpu: 200, bytes: 50 * 2 ** 20 } },
    },
];

/** The seed design document's comparison table: a claim, never measured here. */
export const SEED_CLAIM = {
    source: 'shared/seed, "Cost and Performance Benefits"',
    legacy: "~500MB memory and ~200m CPU per node (Promtail + Node Exporter)",
    vector: "~150MB memory and ~100m CPU per node",
};

/** The cost report printed by `npm run cost` and kept in docs/performance.md. */
export function costReport(stacks: readonly StackCost[], exampleNodes: readonly number[] = [3, 10, 50]): string {
    const parts: string[] = [];
    const rows = stacks.map((c) => [
        c.stack,
        pair(c.perNode.requests),
        pair(c.perNode.limits),
        c.perCluster.requests.cpu + c.perCluster.requests.bytes === 0 ? "none" : `${pair(c.perCluster.requests)} (limits ${pair(c.perCluster.limits)})`,
        c.perCluster.storageBytes === 0 ? "none" : formatMemory(c.perCluster.storageBytes),
        pair(c.busiestNode.requests),
    ]);
    parts.push(
        `### Per stack\n\nDaemonSet pods run on every node; StatefulSet and Deployment replicas once per cluster. ` +
            `"Busiest node" adds one pod of each replicated workload to the node's DaemonSet pods (the aggregators' required anti-affinity keeps their replicas on different nodes).\n\n` +
            markdownTable(["stack", "every node: requests", "every node: limits", "once per cluster: requests", "volumes", "busiest node: requests"], rows),
    );
    const wrows = stacks.flatMap((c) =>
        c.workloads.map((w) => [
            c.stack,
            `${w.kind} ${w.namespace}/${w.name}`,
            w.placement === "every node" ? "1 per node" : `${w.replicas} per cluster${w.onePerNode ? ", at most 1 per node" : ""}`,
            pair(w.pod.requests),
            pair(w.pod.limits) + (w.pod.unlimited.length ? ` (no ${w.pod.unlimited.join("/")} limit)` : ""),
            w.storageBytesPerReplica ? `${formatMemory(w.storageBytesPerReplica)} each` : "",
        ]),
    );
    parts.push(`### Workloads\n\n${markdownTable(["stack", "workload", "placement", "pod requests", "pod limits", "volume"], wrows)}`);
    const trows = stacks.map((c) => [c.stack, ...exampleNodes.map((n) => pair(clusterTotal(c, n).requests))]);
    parts.push(`### Cluster totals (requests) by node count\n\n${markdownTable(["stack", ...exampleNodes.map((n) => `${n} nodes`)], trows)}`);

    const agents = stacks.flatMap((c) => c.workloads.filter((w) => w.placement === "every node").map((w) => ({ stack: c.stack, w })));
    const crow = agents.map(({ stack, w }) => [`Vector agent (${stack})`, pair(w.pod.requests), pair(w.pod.limits), "rendered by this program"]);
    const example = LEGACY_CHART_DEFAULTS.reduce(
        (a, d) => ({ requests: add(a.requests, d.commentedExample.requests), limits: add(a.limits, d.commentedExample.limits) }),
        { requests: ZERO, limits: ZERO },
    );
    crow.push(
        ...LEGACY_CHART_DEFAULTS.map((d) => [
            `${d.agent}, chart default`,
            `none (\`resources: ${d.defaultResources}\`)`,
            "none",
            `${d.chart}: ${d.source}; ${d.version}`,
        ]),
        [
            "Promtail + node-exporter, the charts' commented-out examples",
            pair(example.requests),
            pair(example.limits),
            "not applied by default: each chart leaves them as a comment",
        ],
        ["Promtail + node-exporter, seed claim", SEED_CLAIM.legacy, "", `${SEED_CLAIM.source}; a claim, not a measurement`],
        ["Vector, seed claim", SEED_CLAIM.vector, "", `${SEED_CLAIM.source}; a claim, not a measurement`],
    );
    parts.push(
        `### Per node, beside the agents Vector replaces\n\n` +
            markdownTable(["agent", "requests", "limits", "source"], crow) +
            `\nBoth charts ship \`resources: {}\`: out of the box Promtail and node-exporter reserve nothing and are capped by nothing (BestEffort pods, first to be evicted under memory pressure), ` +
            `so there is no default per-node figure to compare with. The seed's ~500 MB vs ~150 MB is usage it asserts, not requests; the Vector agent's requests above are a scheduling reservation and its limits a cap. ` +
            `What a node really spends depends on its log volume and must be measured on a cluster (e.g. \`container_memory_working_set_bytes\` of the pods in the \`parallel\` migration phase, where both run side by side and their costs add up).\n`,
    );
    if (stacks.some((c) => c.unlimited.length > 0))
        parts.push(`Containers without limits: ${stacks.flatMap((c) => c.unlimited.map((u) => `${c.stack}: ${u}`)).join("; ")}.\n`);
    return parts.join("\n");
}
