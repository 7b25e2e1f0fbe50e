/** Entry point of `npm run render`; all the work is in tools/render/cli.ts. */
import { runEntry } from "../shared/cli";
import { main } from "./cli";
import { isReportedFailure } from "./failures";

runEntry("render", main, { reportedRejection: isReportedFailure });
