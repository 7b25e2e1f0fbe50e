/**
 * How a command-line tool of this repository starts: its `main(argv, io)` gets the process's
 * streams, environment and the repository root, and its exit code becomes the process's. A crash
 * (a bug, not a finding) is printed with its stack and exits 4, apart from every documented outcome.
 */
import * as path from "node:path";

export interface ProcessIO {
    stdout: (text: string) => void;
    stderr: (text: string) => void;
    env: Record<string, string | undefined>;
    /** Where Pulumi.<stack>.yaml live. */
    rootDir: string;
}

export const EXIT_CRASH = 4;

export function runEntry(name: string, main: (argv: string[], io: ProcessIO) => Promise<number>): void {
    main(process.argv.slice(2), {
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
        env: process.env,
        rootDir: path.resolve(__dirname, "../.."),
    }).then(
        (code) => {
            process.exitCode = code;
        },
        (err: unknown) => {
            process.stderr.write(`${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
            process.exitCode = EXIT_CRASH;
        },
    );
}
