/** Entry point of `npm run validate`; all the work is in tools/validate/cli.ts. */
import { isReportedFailure } from "../render/failures";
import { runEntry } from "../shared/cli";
import { main } from "./cli";

runEntry("validate", main, { reportedRejection: isReportedFailure });
