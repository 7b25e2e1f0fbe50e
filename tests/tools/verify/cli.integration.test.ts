/** The verify CLI as a child process, and against a real Prometheus and a fake Loki. */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { startEarly } from "../../support/early";
import { FakeLoki, FakeLokiData, startFakeLoki } from "../../support/fake-loki";
import { findPrometheusTools, freePort, RunningPrometheus, Series, startPrometheus } from "../../support/prometheus-server";
import { ROOT, Run, verify } from "../../support/verify-run";

const MIN = 60_000;
const NS = 1_000_000n;
const TOKEN = "cli-test-token-5f2c";
const SAMPLED = ["--sampled", "kube-system=10,ingress-nginx=5"];

/** `node --import tsx tools/verify/main.ts ARGS` from the repo root, as `npm run verify -- ARGS` runs it. */
function verifyChild(args: string[], env: Record<string, string> = {}): Promise<Run> {
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("VERIFY_")));
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", "tools/verify/main.ts", ...args], {
            cwd: ROOT,
            env: { ...base, ...env },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(() => {
            child.kill("SIGKILL");
            reject(new Error(`verify ${args.join(" ")} did not exit within 15 s\n${stdout}${stderr}`));
        }, 15_000);
        child.on("error", reject);
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr });
        });
    });
}

function load(labels: Record<string, string>, now: number): Series {
    const samples: Array<[number, number]> = [];
    for (let t = now - 10_000; t >= now - 59 * MIN; t -= MIN) samples.push([t, 0.5]);
    return { name: "node_load1", labels, samples };
}

/** dev: three nodes on both sides. drift: w2 missing via Vector. */
function fleet(now: number): Series[] {
    const out: Series[] = [];
    for (const n of ["w1", "w2", "w3"]) {
        out.push(load({ cluster: "dev", node: n, shipper: "vector" }, now));
        out.push(load({ cluster: "dev", job: "node-exporter", instance: `${n}:9100` }, now));
        out.push(load({ cluster: "drift", job: "node-exporter", node: n }, now));
        if (n !== "w2") out.push(load({ cluster: "drift", node: n, shipper: "vector" }, now));
    }
    return out;
}

/** Canned answers keyed by the exact queries verify sends (spelled out here on purpose). */
function logs(now: number): FakeLokiData {
    const ns = (counts: Record<string, number>) => Object.entries(counts).map(([namespace, value]) => ({ metric: { namespace }, value }));
    const fresh = (cluster: string) => [{ stream: { cluster, namespace: "default" }, entries: [[BigInt(now - 3000) * NS, "hello"] as [bigint, string]] }];
    return {
        vectors: {
            'sum by (namespace) (count_over_time({cluster="dev", shipper="vector"}[1h]))': ns({ default: 1000, "kube-system": 100, "ingress-nginx": 200 }),
            'sum by (namespace) (count_over_time({cluster="dev", job=~".*promtail.*"}[1h]))': ns({ default: 1000, "kube-system": 1000, "ingress-nginx": 1000 }),
            'sum by (namespace) (count_over_time({cluster="drift", shipper="vector"}[1h]))': ns({ default: 700 }),
            'sum by (namespace) (count_over_time({cluster="drift", job=~".*promtail.*"}[1h]))': ns({ default: 1000 }),
        },
        streams: { '{cluster="dev", shipper="vector"}': fresh("dev"), '{cluster="drift", shipper="vector"}': fresh("drift") },
    };
}

/** The one child-process run (~0.3 s of tsx start-up), started with the mocha run: see tests/support/early.ts. */
const childRun = startEarly(async () => {
    const port = await freePort();
    const r = await verifyChild(["--stack", "dev", "--loki", "http://127.0.0.1:1", "--json"], { VERIFY_PROMETHEUS_URL: `http://127.0.0.1:${port}` });
    return { port, r };
});

interface Servers {
    prom: RunningPrometheus;
    loki: FakeLoki;
    dir: string;
    tokenFile: string;
    wrongTokenFile: string;
}

/**
 * Prometheus (backfill + start-up, ~0.2 s of waiting) and the fake Loki, started with the mocha
 * run. Every check here allows minutes of staleness, so data made then is still fresh when these
 * tests run. Without the prometheus package: the reason, and the tests skip with it.
 */
const servers = startEarly(
    async (): Promise<Servers | { missing: string }> => {
        const tools = findPrometheusTools();
        if (!tools.ok) return { missing: tools.reason };
        const now = Date.now();
        const dir = mkdtempSync(path.join(tmpdir(), "verify-cli-"));
        try {
            const tokenFile = path.join(dir, "token");
            const wrongTokenFile = path.join(dir, "wrong");
            writeFileSync(tokenFile, `${TOKEN}\n`);
            writeFileSync(wrongTokenFile, "not-the-token\n");
            const prom = await startPrometheus(fleet(now));
            const loki = await startFakeLoki(logs(now), { token: TOKEN }).catch(async (e: unknown) => {
                await prom.stop();
                throw e;
            });
            return { prom, loki, dir, tokenFile, wrongTokenFile };
        } catch (e) {
            rmSync(dir, { recursive: true, force: true });
            throw e;
        }
    },
    async (s) => {
        if ("missing" in s) return;
        await s.prom.stop();
        await s.loki.stop();
        rmSync(s.dir, { recursive: true, force: true });
    },
);

/**
 * The --timeout case only waits, so it runs early too, as soon as the servers are up; undefined when
 * they are skipped. In a child process, with 3 s: run in this process, its timers shared the event
 * loop with the tests running meanwhile, and a tick they held up for seconds let the 1 s timeout
 * fire on a Prometheus query Prometheus had answered (CI, under load), so the run failed on the
 * wrong service.
 */
const timeoutRun = startEarly(async () => {
    const s = await servers();
    if ("missing" in s) return undefined;
    const hanging = await startFakeLoki({}, { hang: true });
    try {
        return await verifyChild(["--stack", "dev", "--prometheus", s.prom.url, "--loki", hanging.url, "--timeout", "3s"]);
    } finally {
        await hanging.stop();
    }
});

describe("verify CLI (real Prometheus, child process)", () => {
    it("tools/verify/main.ts as a child process passes argv, environment and the repo root to main, and its streams and exit code back", async () => {
        const { port, r } = await childRun();
        assert.equal(r.code, 3, r.stderr);
        assert.match(r.stderr, /querying Prometheus: nodes via vector\.\.\. failed \(\d+ ms\)/);
        assert.match(r.stderr, new RegExp(`verify: cannot connect to Prometheus at http://127\\.0\\.0\\.1:${port}: connection refused`));
        // The cluster comes from Pulumi.dev.yaml under the repo root.
        const doc = JSON.parse(r.stdout) as { verdict: string; exitCode: number; cluster: string; error: { kind: string; service: string } };
        assert.deepEqual([doc.verdict, doc.exitCode, doc.cluster, doc.error.kind, doc.error.service], ["ERROR", 3, "dev", "refused", "Prometheus"]);
    });

    describe("against a real Prometheus and a fake Loki (Loki is not packaged here)", function () {
        let prom: RunningPrometheus | undefined;
        let loki: FakeLoki | undefined;
        let tokenFile = "";
        let wrongTokenFile = "";

        before(async function () {
            const s = await servers();
            if ("missing" in s) {
                console.warn(`    SKIPPED (real Prometheus tests): ${s.missing}`);
                this.skip();
            }
            ({ prom, loki, tokenFile, wrongTokenFile } = s);
        });

        const urls = () => ["--prometheus", prom!.url, "--loki", loki!.url];

        it("PARITY, exit 0: cluster from Pulumi.dev.yaml, progress on stderr, report on stdout, token sent and never shown", async () => {
            const before = loki!.requests.length;
            const r = await verify(["--stack", "dev", ...urls(), "--token-file", tokenFile, ...SAMPLED]);
            assert.equal(r.code, 0, r.stdout + r.stderr);
            assert.match(r.stdout, /^Vector parity for cluster "dev" \(stack dev\), window 1h, at /);
            assert.match(r.stdout, /^ {2}nodes via vector {11}3$/m);
            assert.match(r.stdout, /^ {2}kube-system +100 +1000 +0\.100 +0\.100 \(1\/10\) +0\.0% +ok$/m);
            assert.match(r.stdout, /^ {2}ingress-nginx +200 +1000 +0\.200 +0\.200 \(1\/5\) +0\.0% +ok$/m);
            assert.match(r.stdout, /^ {2}newest vector log line +(?:\d+m)?\d+s ago +ok$/m);
            assert.match(r.stdout, /\nVERDICT: PARITY\n$/);
            for (const step of [
                "Prometheus: nodes via vector",
                "Prometheus: nodes via node-exporter",
                "Prometheus: newest vector sample",
                "Loki: lines per namespace via vector",
                "Loki: lines per namespace via promtail",
                "Loki: newest vector log line",
            ]) {
                assert.match(r.stderr, new RegExp(`querying ${step}\\.\\.\\. done \\(\\d+ ms\\)\\n`));
            }
            assert.ok(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN), "the token is never printed");
            const seen = loki!.requests.slice(before);
            assert.equal(seen.length, 3);
            assert.ok(seen.every((q) => q.authorization === `Bearer ${TOKEN}`));
        });

        it("takes the URLs from VERIFY_PROMETHEUS_URL and VERIFY_LOKI_URL", async () => {
            const r = await verify(["--stack", "dev", "--token-file", tokenFile, "--quiet", ...SAMPLED], {
                VERIFY_PROMETHEUS_URL: prom!.url,
                VERIFY_LOKI_URL: loki!.url,
            });
            assert.equal(r.code, 0, r.stdout + r.stderr);
            assert.equal(r.stderr, "", "--quiet: no progress");
        });

        it("NO PARITY, exit 1, as JSON: node missing via vector and a namespace drifting", async () => {
            const r = await verify(["--cluster", "drift", ...urls(), "--token-file", tokenFile, "--json"]);
            assert.equal(r.code, 1, r.stdout + r.stderr);
            const doc = JSON.parse(r.stdout) as {
                verdict: string;
                exitCode: number;
                cluster: string;
                hostMetrics: { missingViaVector: string[]; viaNodeExporter: string[] };
                logs: { namespaces: Array<{ namespace: string; ratio: number; status: string }> };
                reasons: string[];
            };
            assert.equal(doc.verdict, "NO PARITY");
            assert.equal(doc.exitCode, 1);
            assert.equal(doc.cluster, "drift");
            assert.deepEqual(doc.hostMetrics.missingViaVector, ["w2"]);
            assert.deepEqual(doc.hostMetrics.viaNodeExporter, ["w1", "w2", "w3"]);
            assert.deepEqual(
                doc.logs.namespaces.map((n) => [n.namespace, n.ratio, n.status]),
                [["default", 0.7, "drift"]],
            );
            assert.equal(doc.reasons.length, 2);
        });

        it("NO DATA, exit 3, for a cluster nobody ships from", async () => {
            const r = await verify(["--cluster", "ghost", ...urls(), "--token-file", tokenFile]);
            assert.equal(r.code, 3, r.stdout + r.stderr);
            assert.match(
                r.stdout,
                /Queries run:\n {2}\[Prometheus\] nodes via vector: count by \(node\) \(last_over_time\(node_load1\{cluster="ghost",shipper="vector"\}\[1h\]\)\)/,
            );
            assert.match(r.stdout, /VERDICT: NO DATA\n {2}- no data at all for cluster "ghost"/);
        });

        it("exit 3 with 'bad credentials' when Loki answers 401", async () => {
            const r = await verify(["--stack", "dev", ...urls(), "--token-file", wrongTokenFile]);
            assert.equal(r.code, 3, r.stdout + r.stderr);
            assert.match(r.stderr, /querying Loki: lines per namespace via vector\.\.\. failed/);
            assert.match(
                r.stderr,
                /verify: Loki at http:\/\/127\.0\.0\.1:\d+ answered HTTP 401 Unauthorized: bad credentials \(the bearer token from --token-file was refused\)/,
            );
            assert.ok(!r.stderr.includes("not-the-token"));
            assert.equal(r.stdout, "", "no report when a query failed");
        });

        it("exit 3 with 'connection refused' when nothing listens at the Loki URL (JSON error on stdout with --json)", async () => {
            const port = await freePort();
            const r = await verify(["--stack", "dev", "--prometheus", prom!.url, "--loki", `http://127.0.0.1:${port}`, "--json"]);
            assert.equal(r.code, 3, r.stdout + r.stderr);
            assert.match(r.stderr, /verify: cannot connect to Loki at http:\/\/127\.0\.0\.1:\d+: connection refused/);
            const doc = JSON.parse(r.stdout) as { verdict: string; error: { kind: string; service: string } };
            assert.deepEqual([doc.verdict, doc.error.kind, doc.error.service], ["ERROR", "refused", "Loki"]);
        });

        it("exit 3 with 'timeout' when Loki does not answer within --timeout", async () => {
            const r = (await timeoutRun())!;
            assert.equal(r.code, 3, r.stdout + r.stderr);
            assert.match(r.stderr, /verify: Loki at http:\/\/127\.0\.0\.1:\d+ did not answer within 3 s \(timeout\)/);
        });
    });
});
