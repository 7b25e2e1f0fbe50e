/**
 * The rollout gate's checks (docs/rollout.md): pure PromQL builders and verdicts, one per check,
 * each against a threshold of the stack's `rollout.gate` config. tools/gate/cli.ts runs them.
 */
import { RolloutConfig } from "../../config/stack";
import { formatDuration } from "../shared/duration";
import { Sample } from "../shared/prometheus";
import { eq } from "../shared/selector";

export type Thresholds = RolloutConfig["gate"];

export interface GateTarget {
    cluster: string;
    /** The agents' namespace: restarts and OOM kills are counted for its `vector` containers. */
    agentNamespace: string;
    soakMs: number;
}

export type Verdict = "PASS" | "FAIL" | "NO DATA";

export interface Check {
    id: "delivery" | "latency" | "errors" | "discarded" | "restarts" | "oom-kills";
    title: string;
    query: string;
    /** Turns the query's answer into a verdict and one line saying why. */
    judge: (samples: Sample[]) => { verdict: Verdict; detail: string };
}

const pct = (x: number) => `${(Math.floor(x * 1000) / 10).toFixed(1)}%`;

/**
 * The checks for one cluster over the soak window. Error, discard, restart and OOM counts are
 * `increase()` over the window; a series that does not exist counts as 0 for Vector's error and
 * discard counters (Vector registers them on the first event), never for the heartbeat or for
 * kube-state-metrics, whose absence means the proof is missing, not that all is well.
 */
export function gateChecks(t: GateTarget, th: Thresholds): Check[] {
    const w = formatDuration(t.soakMs);
    const c = eq("cluster", t.cluster);
    const agentPods = `${c},${eq("namespace", t.agentNamespace)},${eq("container", "vector")}`;
    const sent = `sum by (node) (increase(vector_fleet_heartbeat_sent_total{${c}}[${w}]))`;
    const received = `sum by (node) (increase(vector_fleet_heartbeat_received_total{${c}}[${w}]))`;
    const count = (samples: Sample[]) => samples.reduce((n, s) => n + (Number.isFinite(s.value) ? s.value : 0), 0);
    const atMost = (what: string, max: number) => (samples: Sample[]) => {
        const n = Math.round(count(samples));
        return { verdict: (n <= max ? "PASS" : "FAIL") as Verdict, detail: `${n} ${what} in ${w} (at most ${max})` };
    };
    return [
        {
            id: "delivery",
            title: "heartbeat delivery",
            // A node that sent but of which nothing arrived gets 0, not a missing answer.
            query: `(${received} or (${sent} * 0)) / (${sent} > 0)`,
            judge: (samples) => {
                if (samples.length === 0) return { verdict: "NO DATA", detail: `no heartbeat sent by any node of ${t.cluster} in ${w}` };
                const min = th.minDeliveredPercent / 100;
                const worst = [...samples].sort((a, b) => a.value - b.value)[0];
                const bad = samples.filter((s) => !(s.value >= min)).map((s) => `${s.metric.node ?? "?"} ${pct(Math.min(s.value, 1))}`);
                const summary = `${samples.length} node(s), worst ${worst.metric.node ?? "?"} ${pct(Math.min(worst.value, 1))} (at least ${th.minDeliveredPercent}%)`;
                return bad.length === 0 ? { verdict: "PASS", detail: summary } : { verdict: "FAIL", detail: `${summary}; below: ${bad.join(", ")}` };
            },
        },
        {
            id: "latency",
            title: "heartbeat latency p99",
            query: `histogram_quantile(0.99, sum by (le) (increase(vector_fleet_heartbeat_latency_seconds_bucket{${c}}[${w}])))`,
            judge: (samples) => {
                const v = samples[0]?.value;
                if (v === undefined || Number.isNaN(v)) return { verdict: "NO DATA", detail: `no heartbeat of ${t.cluster} arrived in ${w}` };
                const shown = Number.isFinite(v) ? `${v.toFixed(1)}s` : "above the largest bucket";
                return { verdict: v <= th.maxLatencySeconds ? "PASS" : "FAIL", detail: `${shown} (at most ${th.maxLatencySeconds}s)` };
            },
        },
        {
            id: "errors",
            title: "agent component errors",
            query: `sum(increase(vector_component_errors_total{${c},vector_role="agent"}[${w}])) or vector(0)`,
            judge: atMost("errors", th.maxComponentErrors),
        },
        {
            id: "discarded",
            title: "agent events discarded",
            // Intentional discards are filters doing their job (e.g. metrics_enrich's aborts).
            query: `sum(increase(vector_component_discarded_events_total{${c},vector_role="agent",intentional="false"}[${w}])) or vector(0)`,
            judge: atMost("events discarded", th.maxDiscardedEvents),
        },
        {
            id: "restarts",
            title: "agent restarts",
            query: `sum(increase(kube_pod_container_status_restarts_total{${agentPods}}[${w}]))`,
            judge: (samples) =>
                samples.length === 0
                    ? { verdict: "NO DATA", detail: `no kube-state-metrics series for the vector containers in ${t.agentNamespace} of ${t.cluster}` }
                    : atMost("restarts", th.maxRestarts)(samples),
        },
        {
            id: "oom-kills",
            title: "agent OOM kills",
            // The last termination reason stays OOMKilled long after the fact: only containers that
            // also restarted within the window count.
            query:
                `count(max_over_time(kube_pod_container_status_last_terminated_reason{${agentPods},reason="OOMKilled"}[${w}]) == 1` +
                ` and on (namespace, pod, container) increase(kube_pod_container_status_restarts_total{${agentPods}}[${w}]) > 0) or vector(0)`,
            judge: atMost("containers OOM-killed", th.maxOomKills),
        },
    ];
}

export interface CheckResult {
    check: Check;
    verdict: Verdict;
    detail: string;
}

/** Passes only when every check passes: NO DATA is a failure, since the proof is missing. */
export function gatePasses(results: CheckResult[]): boolean {
    return results.every((r) => r.verdict === "PASS");
}

export interface RollbackContext {
    stack: string;
    wave: string;
    /** Every stack file of the wave, this one included. */
    waveStacks: string[];
    /** The deployed commit, when known (GITHUB_SHA in the workflow). */
    commit?: string;
}

/** What to do when the gate fails: which change to revert, and how to put the wave back. */
export function rollbackGuidance(r: RollbackContext): string {
    const commit = r.commit ?? "<deployed commit>";
    const stacks = r.waveStacks.length > 0 ? r.waveStacks : [r.stack];
    return [
        `Rollback: the change under test is ${commit}; stop the rollout here (later waves are not deployed).`,
        `Put wave "${r.wave}" (${stacks.join(", ")}) back on the previous commit:`,
        `  git checkout ${commit}^`,
        ...stacks.map((s) => `  pulumi up --stack ${s} --yes`),
        `Then revert it on main so the next deploy does not bring it back:`,
        `  git revert ${commit}`,
        `See docs/runbooks.md#rollout-gate-failed.`,
    ].join("\n");
}
