/**
 * How `pulumi up` starts this program, reproduced without the Pulumi CLI.
 *
 * The Go language host (pulumi-language-nodejs) runs
 *   node <nodeargs> <@pulumi/pulumi/cmd/run> --monitor ... --project ... --stack ... --pwd <dir> <entry>
 * with PULUMI_CONFIG in the environment and PULUMI_NODEJS_TYPESCRIPT=true unless Pulumi.yaml says
 * `typescript: false`. Every variant below runs that same entry point from the installed SDK, so
 * Pulumi's own code decides whether ts-node is registered (and whether it type-checks), how the
 * entry is resolved from package.json and how the program is required. The only stand-in is a
 * preload (startup-preload.cjs) that installs Pulumi's mocks, because there is no engine here.
 */
import * as path from "node:path";

export interface StartupVariant {
    id: string;
    /** What Pulumi.yaml (or the environment) says to get this start. */
    label: string;
    /** `runtime.options.nodeargs`, split as the language host splits it. */
    nodeargs: string[];
    /** `runtime.options.typescript` (the host's default is true). */
    typescript: boolean;
    env?: Record<string, string>;
    /** The program entry handed to cmd/run: "." resolves package.json's main (index.ts). */
    entry: string;
    /** True when the entry is JavaScript that `tsc -p tsconfig.build.json` must emit first. */
    needsBuild?: boolean;
}

/** Where the bench emits the precompiled program (git-ignored scratch space). */
export const PRECOMPILED_DIR = ".scratch/bench-dist";

export const STARTUP_VARIANTS: readonly StartupVariant[] = [
    {
        id: "ts-node-check-cold",
        label: "Pulumi's default `typescript: true`: ts-node type-checks, cold cache (fresh checkout, CI runner)",
        nodeargs: [],
        typescript: true,
        env: { TS_NODE_CACHE: "false" },
        entry: ".",
    },
    {
        id: "ts-node-check",
        label: "Pulumi's default `typescript: true`, warm cache (no file changed since the last run)",
        nodeargs: [],
        typescript: true,
        entry: ".",
    },
    {
        id: "ts-node-transpile",
        label: "`typescript: true`, ts-node without the check (PULUMI_NODEJS_TRANSPILE_ONLY=true, or `noCheck` in the tsconfig Pulumi reads), warm cache",
        nodeargs: [],
        typescript: true,
        env: { PULUMI_NODEJS_TRANSPILE_ONLY: "true" },
        entry: ".",
    },
    {
        id: "ts-node-transpile-cold",
        label: "ts-node without the check, cold cache",
        nodeargs: [],
        typescript: true,
        env: { PULUMI_NODEJS_TRANSPILE_ONLY: "true", TS_NODE_CACHE: "false" },
        entry: ".",
    },
    {
        id: "tsx-cjs-cold",
        label: '**chosen** (`typescript: false`, `nodeargs: "--require tsx/cjs"`), cold cache (TSX_DISABLE_CACHE=1)',
        nodeargs: ["--require", "tsx/cjs"],
        typescript: false,
        env: { TSX_DISABLE_CACHE: "1" },
        entry: ".",
    },
    {
        id: "tsx-cjs",
        label: '**chosen:** `typescript: false`, `nodeargs: "--require tsx/cjs"`, warm cache',
        nodeargs: ["--require", "tsx/cjs"],
        typescript: false,
        entry: ".",
    },
    {
        id: "tsx-import",
        label: '`typescript: false`, `nodeargs: "--import tsx"` (ESM and CJS hooks), warm cache',
        nodeargs: ["--import", "tsx"],
        typescript: false,
        entry: ".",
    },
    {
        id: "precompiled",
        label: "precompiled JavaScript (`tsc -p tsconfig.build.json`), `typescript: false`",
        nodeargs: [],
        typescript: false,
        entry: `${PRECOMPILED_DIR}/index.js`,
        needsBuild: true,
    },
];

/** The variant Pulumi.yaml configures (the docs and a test hold them to the same one). */
export const CHOSEN_VARIANT = "tsx-cjs";

export interface StartupCommand {
    args: string[];
    env: Record<string, string>;
}

/**
 * The node command line and environment the language host would use for `variant` on `stack`.
 * `preload` is inserted after the variant's own nodeargs, so the TypeScript hooks (if any) are
 * already in place when it loads @pulumi/pulumi, as they are for the real cmd/run.
 */
export function startupCommand(
    variant: StartupVariant,
    opts: { root: string; runPath: string; preload: string; stack: string; pulumiConfig: string },
): StartupCommand {
    const env: Record<string, string> = {
        PULUMI_CONFIG: opts.pulumiConfig,
        PULUMI_CONFIG_SECRET_KEYS: "[]",
        BENCH_PROBE_STACK: opts.stack,
        BENCH_PROBE_PROGRAM: variant.entry === "." ? "" : path.resolve(opts.root, variant.entry),
        ...(variant.typescript ? { PULUMI_NODEJS_TYPESCRIPT: "true" } : {}),
        ...variant.env,
    };
    const args = [
        ...variant.nodeargs,
        "--require",
        opts.preload,
        opts.runPath,
        "--monitor",
        "127.0.0.1:1",
        "--project",
        "vector-fleet",
        "--stack",
        opts.stack,
        "--pwd",
        opts.root,
        variant.entry,
    ];
    return { args, env };
}

export interface ProbeReport {
    /** ms from process start until the program module had been required (imports done). */
    loadedMs: number | null;
    /** ms from process start until exit (the program evaluated, every registration answered). */
    exitMs: number;
    /** Resources the mocks saw registered. */
    resources: number;
    /** Peak resident set size in bytes. */
    maxRssBytes: number;
    code: number;
}

export const PROBE_PREFIX = "BENCH-STARTUP-PROBE ";

/** Finds the preload's report in a child's stderr; undefined when the child died before exit. */
export function parseProbe(stderr: string): ProbeReport | undefined {
    const line = stderr.split("\n").find((l) => l.startsWith(PROBE_PREFIX));
    return line === undefined ? undefined : (JSON.parse(line.slice(PROBE_PREFIX.length)) as ProbeReport);
}
