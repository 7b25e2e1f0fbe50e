/** Entry point of `npm run gate` (tsx scripts/gate.ts); all the work is in lib/gate/cli.ts. */
import * as path from "node:path";
import { main } from "../lib/gate/cli";

main(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    rootDir: path.resolve(__dirname, ".."),
}).then(
    (code) => {
        process.exitCode = code;
    },
    (err: unknown) => {
        process.stderr.write(`gate: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exitCode = 4;
    },
);
