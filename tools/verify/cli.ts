/**
 * `npm run verify`: parse flags, run the queries, print the report, return the exit code.
 * Everything the outside world provides (output streams, environment, repo root, clock) comes in
 * through CliIO so tests can run it in-process as well as through tools/verify/main.ts.
 */
import { collect, silentProgress, textProgress } from "./collect";
import { EndpointError } from "../shared/http";
import { parseVerifyArgs, UsageError, USAGE } from "./options";
import { EXIT, evaluate } from "./parity";
import { EXIT as EXIT_CODES, ProcessIO } from "../shared/cli";
import { formatHuman, formatJson, ReportContext } from "./report";

export interface CliIO extends Pick<ProcessIO, "stdout" | "stderr" | "env" | "rootDir"> {
    now?: () => number;
}

/** verify itself failed (a bug, not a finding): distinct from every documented outcome. */
export const EXIT_INTERNAL = EXIT_CODES.crash;

export async function main(argv: string[], io: CliIO): Promise<number> {
    let parsed;
    try {
        parsed = parseVerifyArgs(argv, io.env, io.rootDir);
    } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        io.stderr(`verify: ${e.message}\n(run with --help for usage)\n`);
        return EXIT.usage;
    }
    if (parsed.help) {
        io.stdout(USAGE);
        return 0;
    }
    const o = parsed.options;
    const ctx: ReportContext = {
        stack: o.stack,
        prometheusUrl: o.prometheusUrl,
        lokiUrl: o.lokiUrl,
        samplingSource: o.samplingSource,
        ignoredSource: o.ignoredSource,
        notes: o.notes,
    };
    try {
        const progress = o.quiet ? silentProgress : textProgress(io.stderr);
        const observations = await collect({ ...o, maxStalenessSec: o.thresholds.maxStalenessSec }, progress, io.now);
        const result = evaluate(observations, o.thresholds, o.sampling, o.ignoredNamespaces);
        io.stdout(o.json ? formatJson(result, ctx) : formatHuman(result, ctx));
        return result.exitCode;
    } catch (e) {
        if (e instanceof EndpointError) {
            io.stderr(`verify: ${e.message}\n`);
            if (o.json) {
                const error = { kind: e.kind, service: e.service, url: e.url, status: e.status ?? null, message: e.message };
                io.stdout(JSON.stringify({ verdict: "ERROR", exitCode: EXIT.unreachable, cluster: o.cluster, error }, null, 2) + "\n");
            }
            return EXIT.unreachable;
        }
        io.stderr(`verify: internal error (a bug in verify, not a finding): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        return EXIT_INTERNAL;
    }
}
