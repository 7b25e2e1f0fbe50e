/** Entry point of `npm run gate` (tsx scripts/gate.ts); all the work is in lib/gate/cli.ts. */
import { runEntry } from "../lib/cli/entry";
import { main } from "../lib/gate/cli";

runEntry("gate", main);
