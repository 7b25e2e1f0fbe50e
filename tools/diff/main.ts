/** Entry point of `npm run diff`; all the work is in tools/diff/cli.ts. */
import { runEntry } from "../shared/cli";
import { isReportedFailure } from "../render/failures";
import { main } from "./cli";

runEntry(
    "diff",
    (argv, io) =>
        main(argv, {
            ...io,
            color: process.stdout.isTTY === true && !io.env.NO_COLOR,
            local: { root: io.rootDir, program: async () => require("../../index") as typeof import("../../index") },
        }),
    { reportedRejection: isReportedFailure },
);
