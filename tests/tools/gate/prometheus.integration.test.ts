import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { GATE_EXIT, main } from "../../../tools/gate/cli";
import { findPrometheusTools, RunningPrometheus, Series, startPrometheus } from "../../support/prometheus-server";

const MIN = 60_000;

/** How one cluster misbehaves; everything not named is healthy. */
interface Behaviour {
    /** Heartbeats arriving per minute per node (4 are sent). */
    received?: number;
    /** Heartbeats arriving slowly (between 120 s and 300 s) instead of within a second. */
    slow?: boolean;
    errorsPerMin?: number;
    discardsPerMin?: number;
    /** Restarts of one agent container 10 minutes ago. */
    restarts?: number;
    /** That restart was an OOM kill. */
    oomKilled?: boolean;
    /** Nothing at all: no heartbeat, no kube-state-metrics. */
    silent?: boolean;
}

/** One sample a minute over the last 30 minutes, the newest 15 s ago; `value(i)` for minute i from the start. */
function counter(name: string, labels: Record<string, string>, now: number, value: (i: number) => number): Series {
    const samples: Array<[number, number]> = [];
    for (let i = 0; i <= 30; i++) samples.push([now - 15_000 - (30 - i) * MIN, value(i)]);
    return { name, labels, samples };
}

function cluster(name: string, b: Behaviour, now: number): Series[] {
    if (b.silent) return [];
    const out: Series[] = [];
    for (const node of ["n1", "n2"]) {
        const id = { cluster: name, environment: "development", node };
        out.push(counter("vector_fleet_heartbeat_sent_total", { ...id, host: node, shipper: "vector" }, now, (i) => 4 * i));
        const arriving = node === "n1" ? (b.received ?? 4) : 4;
        // Two replicas share the arrivals.
        out.push(counter("vector_fleet_heartbeat_received_total", { ...id, aggregator_pod: "vector-aggregator-0" }, now, (i) => (arriving / 2) * i));
        out.push(counter("vector_fleet_heartbeat_received_total", { ...id, aggregator_pod: "vector-aggregator-1" }, now, (i) => (arriving / 2) * i));
        for (const [le, fast, slow] of [
            ["1", 4, 0],
            ["120", 4, 0],
            ["300", 4, 4],
            ["+Inf", 4, 4],
        ] as const) {
            const perMin = b.slow ? slow : fast;
            out.push(counter("vector_fleet_heartbeat_latency_seconds_bucket", { ...id, aggregator_pod: "vector-aggregator-0", le }, now, (i) => perMin * i));
        }
        const agent = { ...id, vector_role: "agent", component_id: "aggregator", component_kind: "sink", component_type: "vector" };
        // Old errors and discards: present, but not growing, unless the behaviour says so.
        out.push(
            counter(
                "vector_component_errors_total",
                { ...agent, error_type: "request_failed", stage: "sending" },
                now,
                (i) => 3 + (node === "n1" ? (b.errorsPerMin ?? 0) * i : 0),
            ),
        );
        out.push(
            counter("vector_component_discarded_events_total", { ...agent, intentional: "false" }, now, (i) =>
                node === "n1" ? (b.discardsPerMin ?? 0) * i : 0,
            ),
        );
        // Filters dropping on purpose never count.
        out.push(counter("vector_component_discarded_events_total", { ...agent, component_id: "metrics_enrich", intentional: "true" }, now, (i) => 100 * i));
        const pod = { cluster: name, namespace: "vector-system", pod: `vector-agent-${node}`, container: "vector" };
        const restarts = node === "n1" ? (b.restarts ?? 0) : 0;
        // Two restarts long before the window; the new ones 10 minutes ago.
        out.push(counter("kube_pod_container_status_restarts_total", pod, now, (i) => 2 + (i >= 20 ? restarts : 0)));
        // An OOM kill from before the window stays the last termination reason: it must not count on its own.
        const oom = node === "n2" || (node === "n1" && b.oomKilled === true);
        if (oom) out.push(counter("kube_pod_container_status_last_terminated_reason", { ...pod, reason: "OOMKilled" }, now, () => 1));
    }
    return out;
}

const CLUSTERS: Record<string, Behaviour & { wave?: string; gate?: Record<string, unknown> }> = {
    good: { wave: "canary" },
    lossy: { received: 3, wave: "canary" },
    slow: { slow: true },
    erroring: { errorsPerMin: 1 },
    discarding: { discardsPerMin: 10 },
    restarting: { restarts: 1 },
    oomkilled: { restarts: 1, oomKilled: true, gate: { maxRestarts: 5 } },
    silent: { silent: true },
    lenient: { received: 3, slow: true, errorsPerMin: 1, gate: { minDeliveredPercent: 70, maxLatencySeconds: 300, maxComponentErrors: 100 } },
};

describe("npm run gate against a real Prometheus (Debian's prometheus package, backfilled with promtool)", function () {
    let prom: RunningPrometheus | undefined;
    let root = "";

    before(async function () {
        const tools = findPrometheusTools();
        if (!tools.ok) {
            console.warn(`    SKIPPED (real Prometheus tests): ${tools.reason}`);
            this.skip();
        }
        root = mkdtempSync(path.join(tmpdir(), "vector-fleet-gate-"));
        for (const [name, b] of Object.entries(CLUSTERS)) {
            const config: Record<string, unknown> = {
                "vector-fleet:role": "source",
                "vector-fleet:cluster": name,
                "vector-fleet:environment": "development",
                "vector-fleet:region": "hel1",
                "vector-fleet:monitoringStack": "monitoring",
                "vector-fleet:kubeContext": name,
            };
            if (b.wave || b.gate) config["vector-fleet:rollout"] = { ...(b.wave ? { wave: b.wave } : {}), ...(b.gate ? { gate: b.gate } : {}) };
            writeFileSync(path.join(root, `Pulumi.${name}.yaml`), stringify({ config }));
        }
        const now = Date.now();
        prom = await startPrometheus(Object.entries(CLUSTERS).flatMap(([name, b]) => cluster(name, b, now)));
    });
    after(async () => {
        await prom?.stop();
        if (root) rmSync(root, { recursive: true, force: true });
    });

    async function gate(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
        let stdout = "";
        let stderr = "";
        const code = await main([...args, "--prometheus", prom!.url], {
            stdout: (t) => (stdout += t),
            stderr: (t) => (stderr += t),
            env: { GITHUB_SHA: "abc1234" },
            rootDir: root,
        });
        return { code, stdout, stderr };
    }

    /** The verdict column of each check's line. */
    const verdicts = (stdout: string) =>
        Object.fromEntries(
            stdout
                .split("\n")
                .map((l) => /^ {2}(PASS|FAIL|NO DATA)\s+(.+?) {2}/.exec(l))
                .filter((m): m is RegExpExecArray => m !== null)
                .map((m) => [m[2].trim(), m[1]]),
        );
    const ALL_PASS = {
        "heartbeat delivery": "PASS",
        "heartbeat latency p99": "PASS",
        "agent component errors": "PASS",
        "agent events discarded": "PASS",
        "agent restarts": "PASS",
        "agent OOM kills": "PASS",
    };

    it("passes a healthy cluster on every check (old errors, intentional discards and an old OOM kill do not count)", async () => {
        const r = await gate("--stack", "good");
        assert.equal(r.code, GATE_EXIT.pass, r.stdout + r.stderr);
        assert.deepEqual(verdicts(r.stdout), ALL_PASS);
        assert.match(r.stdout, /heartbeat delivery\s+2 node\(s\), worst n\d 100\.0% \(at least 95%\)/);
        assert.match(r.stdout, /^PASS: the wave may proceed$/m);
        assert.doesNotMatch(r.stdout, /Rollback/);
    });

    for (const [stack, check] of [
        ["lossy", "heartbeat delivery"],
        ["slow", "heartbeat latency p99"],
        ["erroring", "agent component errors"],
        ["discarding", "agent events discarded"],
        ["restarting", "agent restarts"],
        ["oomkilled", "agent OOM kills"],
    ] as const) {
        it(`fails ${stack} on ${check} alone, and says how to roll back`, async () => {
            const r = await gate("--stack", stack);
            assert.equal(r.code, GATE_EXIT.fail, r.stdout + r.stderr);
            assert.deepEqual(verdicts(r.stdout), { ...ALL_PASS, [check]: "FAIL" });
            assert.match(r.stdout, /^FAIL: stop the rollout$/m);
            assert.match(r.stdout, /git checkout abc1234\^/);
            assert.match(r.stdout, new RegExp(`pulumi up --stack ${stack} --yes`));
        });
    }

    it("names the failing node and its share", async () => {
        const r = await gate("--stack", "lossy");
        assert.match(r.stdout, /below: n1 75\.0%/);
    });

    it("lists every stack of the failed wave in the rollback guidance", async () => {
        const r = await gate("--stack", "lossy");
        assert.match(r.stdout, /wave "canary" \(good, lossy\)/);
        assert.match(r.stdout, /pulumi up --stack good --yes\n {2}pulumi up --stack lossy --yes/);
    });

    it("fails a cluster without heartbeats or kube-state-metrics as NO DATA: a missing proof is no proof", async () => {
        const r = await gate("--stack", "silent");
        assert.equal(r.code, GATE_EXIT.fail);
        assert.deepEqual(verdicts(r.stdout), {
            ...ALL_PASS,
            "heartbeat delivery": "NO DATA",
            "heartbeat latency p99": "NO DATA",
            "agent restarts": "NO DATA",
        });
    });

    it("takes each threshold from the stack's rollout.gate config", async () => {
        const r = await gate("--stack", "lenient");
        assert.equal(r.code, GATE_EXIT.pass, r.stdout);
        assert.match(r.stdout, /\(at least 70%\)/);
    });

    it("--soak overrides the stack's window: a restart 10 minutes ago is outside 5m and inside 15m", async () => {
        const r = await gate("--stack", "restarting", "--soak", "5m");
        assert.match(r.stdout, /soak 5m/);
        assert.equal(verdicts(r.stdout)["agent restarts"], "PASS", "the restart 10 minutes ago is outside a 5m window");
        const wide = await gate("--stack", "restarting", "--soak", "15m");
        assert.equal(verdicts(wide.stdout)["agent restarts"], "FAIL");
    });
});
