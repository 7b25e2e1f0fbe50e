/** Entry point of `npm run verify` (tsx tools/verify/main.ts); all the work is in tools/verify/cli.ts. */
import { runEntry } from "../shared/cli";
import { main } from "./cli";

runEntry("verify", main);
