/** Entry point of `npm run gate` (tsx tools/gate/main.ts); all the work is in tools/gate/cli.ts. */
import { runEntry } from "../shared/cli";
import { main } from "./cli";

runEntry("gate", main);
