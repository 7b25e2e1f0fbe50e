/** `npm run verify -- ARGS` run in-process, for the unit and the integration tests of the CLI. */
import * as path from "node:path";
import { main } from "../../tools/verify/cli";

export const ROOT = path.resolve(__dirname, "../..");
/** The tests' own fleet (tests/fixtures/fleet): the stack files the in-process runs read. */
const FIXTURE_FLEET = path.join(__dirname, "..", "fixtures", "fleet");

export interface Run {
    code: number | null;
    stdout: string;
    stderr: string;
}

/**
 * `npm run verify -- ARGS` in-process: tools/verify/cli.ts's main() over the tests' fleet and only the
 * environment given here (so the caller's VERIFY_* cannot leak into a test about defaults).
 * One integration test runs tools/verify/main.ts as a real child process to prove the entry script wires
 * argv, environment, both streams and the exit code to main(); spawning tsx for every case
 * would cost a third of a second each.
 */
export async function verify(args: string[], env: Record<string, string> = {}): Promise<Run> {
    let stdout = "";
    let stderr = "";
    const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env, rootDir: FIXTURE_FLEET });
    return { code, stdout, stderr };
}
