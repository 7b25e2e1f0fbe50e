/**
 * A real Prometheus for tests: series are written as OpenMetrics text with explicit timestamps,
 * turned into TSDB blocks by `promtool tsdb create-blocks-from openmetrics`, and served by a
 * `prometheus` started on that data directory, listening on 127.0.0.1 only.
 *
 * Backfilling before start-up (rather than into a running server, or by remote write, which
 * needs protobuf + snappy) sidesteps the rule that backfilled blocks must not overlap the head
 * block of a running Prometheus: the head is empty when the server opens these blocks, so
 * samples from the last minutes are fine and instant queries at "now" see them.
 *
 * Needs Debian's `prometheus` package (prometheus + promtool on PATH).
 */
import { ChildProcess, execFile, spawn } from "node:child_process";
import { accessSync, closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";

export const INSTALL_HINT = "apt-get install prometheus";

export interface Series {
    name: string;
    labels: Record<string, string>;
    /** [ms since the epoch, value], any order. */
    samples: Array<[number, number]>;
}

function onPath(binary: string, pathVar: string): string | undefined {
    for (const dir of pathVar.split(path.delimiter).filter(Boolean)) {
        const candidate = path.join(dir, binary);
        try {
            accessSync(candidate, constants.X_OK);
            return candidate;
        } catch {
            // not here
        }
    }
    return undefined;
}

export type Tools = { ok: true; prometheus: string; promtool: string } | { ok: false; reason: string };

/** Where prometheus and promtool are, or why the tests that need them must be skipped. */
export function findPrometheusTools(pathVar = process.env.PATH ?? ""): Tools {
    const prometheus = onPath("prometheus", pathVar);
    const promtool = onPath("promtool", pathVar);
    if (prometheus && promtool) return { ok: true, prometheus, promtool };
    const missing = [prometheus ? "" : "prometheus", promtool ? "" : "promtool"].filter(Boolean).join(" and ");
    return { ok: false, reason: `${missing} not found on PATH; install them with \`${INSTALL_HINT}\`` };
}

/**
 * For a describe block whose tests all start a Prometheus: a `before` hook that skips the block,
 * saying why, where prometheus or promtool is not installed (as promtoolOrSkip does for promtool).
 */
export function prometheusOrSkip(): void {
    before(function () {
        const tools = findPrometheusTools();
        if (!tools.ok) {
            console.warn(`    SKIPPED (real Prometheus tests): ${tools.reason}`);
            this.skip();
        }
    });
}

function escapeLabel(v: string): string {
    return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/**
 * OpenMetrics text for the series: one family per metric name (families must be contiguous),
 * each series' samples in time order, timestamps in seconds, and the mandatory `# EOF`.
 */
export function toOpenMetrics(series: Series[]): string {
    const byName = new Map<string, Series[]>();
    for (const s of series) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
    const lines: string[] = [];
    for (const [name, members] of byName) {
        lines.push(`# TYPE ${name} gauge`);
        for (const s of members) {
            const labels = Object.entries(s.labels)
                .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
                .join(",");
            for (const [ms, value] of [...s.samples].sort((a, b) => a[0] - b[0])) {
                lines.push(`${name}{${labels}} ${value} ${(ms / 1000).toFixed(3)}`);
            }
        }
    }
    lines.push("# EOF");
    return lines.join("\n") + "\n";
}

/** A port nothing listens on right now (bind port 0, read it, release it). */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = createServer();
        srv.unref();
        srv.on("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const addr = srv.address();
            const port = typeof addr === "object" && addr ? addr.port : 0;
            srv.close(() => resolve(port));
        });
    });
}

function run(file: string, args: string[], timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
        execFile(file, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
            if (err) reject(new Error(`${path.basename(file)} ${args.join(" ")} failed: ${err.message}\n${stdout}${stderr}`));
            else resolve();
        });
    });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RunningPrometheus {
    url: string;
    /** Kills the server and removes its data directory. Safe to call twice. */
    stop(): Promise<void>;
}

// Servers still running when the test process exits (mocha bailing out, an uncaught error)
// are killed synchronously here, so no Prometheus outlives the tests.
const live = new Set<ChildProcess>();
process.on("exit", () => {
    for (const child of live) child.kill("SIGKILL");
});

/**
 * Backfills `series` (none: an empty TSDB) and starts Prometheus on them; resolves once `/-/ready`
 * answers 200. `remoteWriteReceiver` turns on /api/v1/write (--web.enable-remote-write-receiver).
 */
export async function startPrometheus(series: Series[], opts: { readyTimeoutMs?: number; remoteWriteReceiver?: boolean } = {}): Promise<RunningPrometheus> {
    const tools = findPrometheusTools();
    if (!tools.ok) throw new Error(tools.reason);
    const dir = mkdtempSync(path.join(tmpdir(), "verify-prometheus-"));
    const cleanup = () => rmSync(dir, { recursive: true, force: true });
    try {
        const dataDir = path.join(dir, "data");
        const input = path.join(dir, "series.om");
        writeFileSync(input, toOpenMetrics(series));
        if (series.length > 0) await run(tools.promtool, ["tsdb", "create-blocks-from", "openmetrics", "--quiet", input, dataDir], 20_000);
        // No scrape jobs: the data set is exactly what the test wrote.
        const config = path.join(dir, "prometheus.yml");
        writeFileSync(config, "global:\n  scrape_interval: 1h\nscrape_configs: []\n");

        // The port is free when probed but could be taken before Prometheus binds it: retry.
        for (let attempt = 1; ; attempt++) {
            const port = await freePort();
            const logFile = path.join(dir, `prometheus-${attempt}.log`);
            const log = openSync(logFile, "w");
            const child = spawn(
                tools.prometheus,
                [
                    `--config.file=${config}`,
                    `--storage.tsdb.path=${dataDir}`,
                    `--web.listen-address=127.0.0.1:${port}`,
                    // Retention counts back from the newest block; be generous so nothing is dropped.
                    "--storage.tsdb.retention.time=10y",
                    "--log.level=warn",
                    ...(opts.remoteWriteReceiver ? ["--web.enable-remote-write-receiver"] : []),
                ],
                { stdio: ["ignore", log, log] },
            );
            closeSync(log);
            live.add(child);
            const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
            child.once("exit", () => live.delete(child));
            const url = `http://127.0.0.1:${port}`;
            const stop = async () => {
                if (child.exitCode === null && child.signalCode === null) {
                    child.kill("SIGTERM");
                    // The grace timer is cleared once the server is gone: a pending timer would
                    // keep mocha's process alive for the full 3 s after the last test.
                    let grace: NodeJS.Timeout | undefined;
                    const done = await Promise.race([exited.then(() => true), new Promise<false>((r) => (grace = setTimeout(() => r(false), 3000)))]);
                    clearTimeout(grace);
                    if (!done) {
                        child.kill("SIGKILL");
                        await exited;
                    }
                }
                cleanup();
            };
            const ready = await waitReady(url, exited, opts.readyTimeoutMs ?? 15_000);
            if (ready === "ready") return { url, stop };
            await stop().catch(() => undefined);
            const text = readLog(logFile);
            if (ready === "exited" && /address already in use/.test(text) && attempt < 3) continue;
            throw new Error(`prometheus did not become ready (${ready}):\n${text}`);
        }
    } catch (e) {
        cleanup();
        throw e;
    }
}

function readLog(file: string): string {
    try {
        return readFileSync(file, "utf8").slice(-2000);
    } catch {
        return "(no log)";
    }
}

async function waitReady(url: string, exited: Promise<number | null>, timeoutMs: number): Promise<"ready" | "exited" | "timeout"> {
    let gone = false;
    void exited.then(() => (gone = true));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (gone) return "exited";
        try {
            const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
            await res.text();
            if (res.ok) return "ready";
        } catch {
            // not listening yet
        }
        await sleep(50);
    }
    return "timeout";
}
