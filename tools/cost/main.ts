/** Entry point of `npm run cost`; all the work is in tools/cost/cli.ts. */
import { isReportedFailure } from "../render/failures";
import { runEntry } from "../shared/cli";
import { main } from "./cli";

runEntry("cost", main, { reportedRejection: isReportedFailure });
