/**
 * Shared by the monitoring tests: locating and running promtool, writing YAML to a temp dir, and
 * the metric contract every expression must stay within.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";

export const PROMTOOL_MISSING = "promtool not found on PATH: skipping the promtool checks (`apt-get install prometheus` installs it at /usr/bin/promtool)";

/** promtool's path from `which promtool` (or $PROMTOOL), undefined when it is not installed. */
export function findPromtool(): string | undefined {
    const fromEnv = process.env.PROMTOOL;
    if (fromEnv) return fromEnv;
    const which = spawnSync("which", ["promtool"], { encoding: "utf8" });
    const path = which.status === 0 ? which.stdout.trim() : "";
    return path === "" ? undefined : path;
}

/**
 * For a describe block whose tests all run promtool: its path, and a `before` hook that skips the
 * block, saying why, where promtool is not installed (so the tests may use the path unchecked).
 */
export function promtoolOrSkip(): string {
    const promtool = findPromtool();
    before(function () {
        if (!promtool) {
            console.warn(PROMTOOL_MISSING);
            this.skip();
        }
    });
    return promtool ?? "";
}

export interface RunResult {
    status: number | null;
    output: string;
}

export function runPromtool(promtool: string, args: string[], cwd: string): RunResult {
    const r = spawnSync(promtool, args, { cwd, encoding: "utf8", timeout: 60_000 });
    if (r.error) throw r.error;
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** A fresh temp dir, removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** YAML without line folding, so long expressions and annotations stay on one line. */
export function writeYaml(path: string, value: unknown): void {
    writeFileSync(path, stringify(value, { lineWidth: 0 }));
}

/**
 * Writes `rules` as rules.yaml and `tests` (whose rule_files name rules.yaml) as tests.yaml into a
 * fresh temp dir, and asserts that `promtool check rules` accepts the rules and `promtool test
 * rules` passes, printing promtool's output when either does not.
 */
export function assertPromtoolRuleTests(promtool: string, prefix: string, rules: unknown, tests: unknown): void {
    const tmp = tempDir(prefix);
    try {
        writeYaml(join(tmp.dir, "rules.yaml"), rules);
        writeYaml(join(tmp.dir, "tests.yaml"), tests);
        const check = runPromtool(promtool, ["check", "rules", "rules.yaml"], tmp.dir);
        assert.equal(check.status, 0, check.output);
        const r = runPromtool(promtool, ["test", "rules", "tests.yaml"], tmp.dir);
        assert.equal(r.status, 0, r.output);
    } finally {
        tmp.cleanup();
    }
}

/** Vector internal metrics that exist in the central Prometheus (Vector 0.59 names). */
export const VECTOR_METRICS = new Set([
    "vector_component_received_events_total",
    "vector_component_sent_events_total",
    "vector_component_received_event_bytes_total",
    "vector_component_sent_event_bytes_total",
    "vector_component_errors_total",
    "vector_component_discarded_events_total",
    "vector_utilization",
    "vector_buffer_size_events",
    "vector_buffer_size_bytes",
    "vector_buffer_max_size_events",
    "vector_buffer_max_size_bytes",
    "vector_buffer_discarded_events_total",
    "vector_source_lag_time_seconds_bucket",
    "vector_source_lag_time_seconds_sum",
    "vector_source_lag_time_seconds_count",
    "vector_uptime_seconds",
    "vector_build_info",
]);

/** cAdvisor metrics the agents ship from the kubelet. */
export const CADVISOR_METRICS = new Set([
    "container_memory_working_set_bytes",
    "container_spec_memory_limit_bytes",
    "container_cpu_usage_seconds_total",
    "container_spec_cpu_quota",
    "container_spec_cpu_period",
]);

/** Label names that look like metric names to a naive scan. */
const LABELS_WITH_METRIC_PREFIX = new Set(["vector_role"]);

/** Old or removed names that must not appear anywhere. */
export const DEPRECATED_METRICS = [
    "vector_processed_events_total",
    "vector_processed_bytes_total",
    "vector_errors_total",
    "vector_buffer_events",
    "vector_buffer_byte_size",
    "vector_events_in_total",
    "vector_events_out_total",
];

/** Deprecated names occurring in `text` as whole identifiers. */
export function deprecatedNamesIn(text: string): string[] {
    return DEPRECATED_METRICS.filter((name) => new RegExp(`(?<![A-Za-z0-9_:])${name}(?![A-Za-z0-9_:])`).test(text));
}

/** `vector_*` / `container_*` identifiers of an expression that are not in the contract. */
export function unknownMetricsIn(expr: string): string[] {
    const found = expr.match(/(?<![A-Za-z0-9_:])(?:vector|container)_[A-Za-z0-9_]+/g) ?? [];
    return [...new Set(found)].filter((m) => !LABELS_WITH_METRIC_PREFIX.has(m) && !VECTOR_METRICS.has(m) && !CADVISOR_METRICS.has(m));
}
