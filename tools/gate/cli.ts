/**
 * `npm run gate -- --stack S [--prometheus URL] [--soak 15m]`: after a wave is deployed, asks the
 * hub's Prometheus whether the stack's cluster still delivers (tools/gate/checks.ts), prints a
 * verdict per check, and on failure how to roll the wave back. Exit codes: 0 pass, 1 fail,
 * 2 usage or config error, 3 Prometheus unreachable.
 */
import { StackConfig } from "../../config/stack";
import { ConfigError } from "../../config/schema-kit";
import { loadStackFile, StackFileError, stackNames } from "../../config/stack-file";
import { ProcessIO, UsageError } from "../shared/cli";
import { parseDuration } from "../shared/duration";
import { EndpointError } from "../shared/http";
import { promInstantQuery } from "../shared/prometheus";
import { CheckResult, gateChecks, gatePasses, rollbackGuidance } from "./checks";

export interface GateIO extends Pick<ProcessIO, "stdout" | "stderr" | "env" | "rootDir"> {
    /** Waits `ms` (for --wait); tests pass a fake. */
    sleep?: (ms: number) => Promise<void>;
}

export const GATE_EXIT = { pass: 0, fail: 1, usage: 2, unreachable: 3 } as const;

export const GATE_USAGE = `usage: npm run gate -- --stack STACK [--prometheus URL] [--soak DURATION] [--wait] [--commit SHA] [--timeout-ms N]

Asks the hub's Prometheus whether STACK's cluster still delivers after a rollout wave: heartbeat
delivery and p99 latency, agent component errors and discarded events, agent restarts and OOM
kills, each against rollout.gate.* of Pulumi.STACK.yaml, over the soak window.

  --stack STACK       the stack whose cluster is checked (required)
  --prometheus URL    the hub's Prometheus (default: $PROMETHEUS_URL); $PROMETHEUS_TOKEN is sent as a bearer token
  --soak DURATION     look-back window, e.g. 15m (default: rollout.gate.soak of the stack)
  --wait              sleep for the soak window first (the deploy workflow, right after \`pulumi up\`)
  --commit SHA        the deployed commit, named in the rollback guidance (default: $GITHUB_SHA)
  --timeout-ms N      per query (default 10000)

Exit: 0 every check passed, 1 a check failed or had no data, 2 usage or config error, 3 Prometheus unreachable.
`;

interface GateArgs {
    stack: string;
    prometheus: string;
    soak?: string;
    commit?: string;
    timeoutMs: number;
    wait: boolean;
}

function parseArgs(argv: string[], env: GateIO["env"]): GateArgs | "help" {
    const flags: Record<string, string> = {};
    let wait = false;
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--help" || a === "-h") return "help";
        if (a === "--wait") {
            wait = true;
            continue;
        }
        const m = /^--(stack|prometheus|soak|commit|timeout-ms)(?:=(.*))?$/.exec(a);
        if (!m) throw new UsageError(`unknown argument ${JSON.stringify(a)}`);
        const value = m[2] ?? argv[++i];
        if (value === undefined || value === "") throw new UsageError(`--${m[1]} needs a value`);
        flags[m[1]] = value;
    }
    if (!flags.stack) throw new UsageError("--stack is required");
    const prometheus = flags.prometheus ?? env.PROMETHEUS_URL;
    if (!prometheus) throw new UsageError("--prometheus URL (or $PROMETHEUS_URL) is required");
    if (!/^https?:\/\//.test(prometheus)) throw new UsageError(`--prometheus ${JSON.stringify(prometheus)} is not an http(s) URL`);
    const timeoutMs = flags["timeout-ms"] === undefined ? 10_000 : Number(flags["timeout-ms"]);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout-ms ${JSON.stringify(flags["timeout-ms"])} is not a positive integer`);
    return { stack: flags.stack, prometheus, soak: flags.soak, commit: flags.commit ?? env.GITHUB_SHA, timeoutMs, wait };
}

/** The source stacks in `wave`, by their stack files in rootDir (the hub takes no wave). */
export function stacksInWave(rootDir: string, wave: string): string[] {
    return stackNames(rootDir).filter((stack) => {
        const c = loadStackFile(rootDir, stack);
        return c.role === "source" && c.rollout.wave === wave;
    });
}

export async function main(argv: string[], io: GateIO): Promise<number> {
    let args: GateArgs | "help";
    let config: StackConfig;
    try {
        args = parseArgs(argv, io.env);
        if (args === "help") {
            io.stdout(GATE_USAGE);
            return GATE_EXIT.pass;
        }
        config = loadStackFile(io.rootDir, args.stack);
    } catch (e) {
        if (e instanceof UsageError || e instanceof StackFileError || e instanceof ConfigError) {
            io.stderr(`gate: ${e.message.replace(" or pass --cluster NAME", "")}\n(run with --help for usage)\n`);
            return GATE_EXIT.usage;
        }
        throw e;
    }
    const soak = args.soak ?? config.rollout.gate.soak;
    const soakMs = parseDuration(soak);
    if (soakMs === undefined || soakMs < 60_000) {
        io.stderr(`gate: --soak ${JSON.stringify(soak)} is not a duration of a minute or more (e.g. 15m)\n`);
        return GATE_EXIT.usage;
    }
    const wave = config.role === "hub" ? "hub" : config.rollout.wave;
    const checks = gateChecks({ cluster: config.cluster.name, agentNamespace: config.agent.namespace, soakMs }, config.rollout.gate);
    if (args.wait) {
        io.stderr(`gate: waiting ${soak} (the soak window) before asking Prometheus\n`);
        await (io.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))))(soakMs);
    }
    const results: CheckResult[] = [];
    try {
        for (const check of checks) {
            const samples = await promInstantQuery(args.prometheus, check.query, { timeoutMs: args.timeoutMs, token: io.env.PROMETHEUS_TOKEN });
            results.push({ check, ...check.judge(samples) });
        }
    } catch (e) {
        if (e instanceof EndpointError) {
            io.stderr(`gate: ${e.message}\n`);
            return GATE_EXIT.unreachable;
        }
        throw e;
    }
    const width = Math.max(...results.map((r) => r.check.title.length));
    io.stdout(`gate: stack ${args.stack} (cluster ${config.cluster.name}, wave ${wave}), soak ${soak}\n`);
    for (const r of results) io.stdout(`  ${r.verdict.padEnd(7)} ${r.check.title.padEnd(width)}  ${r.detail}\n`);
    if (gatePasses(results)) {
        io.stdout("PASS: the wave may proceed\n");
        return GATE_EXIT.pass;
    }
    io.stdout("FAIL: stop the rollout\n");
    const waveStacks = config.role === "hub" ? [args.stack] : stacksInWave(io.rootDir, wave);
    io.stdout(`${rollbackGuidance({ stack: args.stack, wave, waveStacks, commit: args.commit })}\n`);
    return GATE_EXIT.fail;
}
