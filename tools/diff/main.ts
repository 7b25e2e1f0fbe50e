/** Entry point of `npm run diff` (tsx tools/diff/main.ts); all the work is in tools/diff/cli.ts. */
import * as path from "node:path";
import { main } from "./cli";
import { isReportedFailure } from "../render/failures";

// A stack that fails to render leaves a second copy of its error behind in Pulumi's runtime.
process.on("unhandledRejection", (reason) => {
    if (!isReportedFailure(reason)) throw reason;
});

let cleanup: (() => void) | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
        cleanup?.();
        process.exit(2);
    });
}

main(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    color: process.stdout.isTTY === true && !process.env.NO_COLOR,
    local: { root: path.resolve(__dirname, "../.."), program: async () => require("../../index") as typeof import("../../index") },
    onCleanup: (c) => (cleanup = c),
}).then((code) => process.exit(code));
