/**
 * How every command-line tool of this repository starts: each tools/<tool>/main.ts is one call of
 * runEntry with the tool's `main(argv, io)`. main parses its own arguments, answers `--help`, and
 * returns its exit code; the process's streams, environment, working directory and the
 * repository root reach it through `io`, so tests run it in-process.
 *
 * Exit codes mean the same in every tool:
 *   0  done: rendered, nothing changed, every check passed
 *   1  a result the caller acts on: something changed, a check failed, a stack failed to render
 *   2  a usage or config error: nothing was judged
 *   3  (verify, gate) a service the tool asks did not answer
 *   4  a crash: a bug in the tool, not a finding; the only case printed with a stack trace
 * An error a tool expects (UsageError, ToolError) is one line, `tool: message`.
 */
import { REPO_ROOT } from "./paths";

export const EXIT = { ok: 0, result: 1, usage: 2, crash: 4 } as const;

/** A mistake in how the tool was called (an unknown flag, a missing value): exit 2, with a pointer to --help. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/** An outcome the tool expects and documents (a missing file, a bad config): one line, its exit code. */
export class ToolError extends Error {
    constructor(
        message: string,
        readonly exitCode: number = EXIT.usage,
    ) {
        super(message);
        this.name = "ToolError";
    }
}

export interface ProcessIO {
    stdout: (text: string) => void;
    stderr: (text: string) => void;
    env: Record<string, string | undefined>;
    /** Where Pulumi.yaml and the Pulumi.<stack>.yaml live. */
    rootDir: string;
    /** Where the command was started (relative paths given on the command line are relative to it). */
    cwd: string;
    /**
     * Registers what to undo when the process is interrupted (SIGINT, SIGTERM), e.g. temporary
     * files; `undefined` withdraws it. An interrupted run exits 2.
     */
    onCleanup?: (cleanup: (() => void) | undefined) => void;
}

export type ToolMain<IO extends ProcessIO = ProcessIO> = (argv: string[], io: IO) => Promise<number> | number;

/** True when argv asks for the usage (`--help` or `-h` anywhere). */
export const wantsHelp = (argv: readonly string[]) => argv.includes("--help") || argv.includes("-h");

/** What runEntry prints for an error main threw, and the exit code it becomes. */
export function reportError(name: string, e: unknown, stderr: (text: string) => void): number {
    if (e instanceof UsageError) {
        stderr(`${name}: ${e.message}\n(run with --help for usage)\n`);
        return EXIT.usage;
    }
    if (e instanceof ToolError) {
        stderr(`${name}: ${e.message}\n`);
        return e.exitCode;
    }
    stderr(`${name}: internal error (a bug in ${name}, not a finding): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT.crash;
}

export interface EntryOptions {
    /**
     * Unhandled promise rejections this tool has already reported and may leave behind (the
     * Pulumi runtime keeps a second copy of a failed stack's error); any other one is a crash.
     */
    reportedRejection?: (reason: unknown) => boolean;
}

/**
 * `main` as runEntry runs it, minus the process: its exit code, or the one of the error it threw
 * (reported on io.stderr). Tests run a tool through this to see what its process would.
 */
export async function runTool<IO extends ProcessIO>(name: string, main: ToolMain<IO>, argv: string[], io: IO): Promise<number> {
    try {
        return await main(argv, io);
    } catch (e) {
        return reportError(name, e, io.stderr);
    }
}

/** Runs `main` as this process: argv, streams and environment in, the exit code out. */
export function runEntry(name: string, main: ToolMain, options: EntryOptions = {}): void {
    let cleanup: (() => void) | undefined;
    let exiting = false;
    // Exits once both streams have flushed: piped output is not cut short, and a tool that leaves a
    // timer or socket behind (Pulumi's runtime under mocks does) still ends when main does.
    const exit = (code: number) => {
        if (exiting) return;
        exiting = true;
        process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
    };
    const onSignal = () => {
        cleanup?.();
        exit(EXIT.usage);
    };
    const io: ProcessIO = {
        stdout: (text) => void process.stdout.write(text),
        stderr: (text) => void process.stderr.write(text),
        env: process.env,
        rootDir: REPO_ROOT,
        cwd: process.cwd(),
        onCleanup: (c) => {
            cleanup = c;
            for (const signal of ["SIGINT", "SIGTERM"] as const) {
                process.off(signal, onSignal);
                if (c) process.on(signal, onSignal);
            }
        },
    };
    process.on("unhandledRejection", (reason) => {
        if (options.reportedRejection?.(reason)) return;
        cleanup?.();
        exit(reportError(name, reason, io.stderr));
    });
    void runTool(name, main, process.argv.slice(2), io).then((code) => {
        cleanup?.();
        exit(code);
    });
}
