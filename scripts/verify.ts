/** Entry point of `npm run verify` (tsx scripts/verify.ts); all the work is in lib/verify/cli.ts. */
import { runEntry } from "../lib/cli/entry";
import { main } from "../lib/verify/cli";

runEntry("verify", main);
