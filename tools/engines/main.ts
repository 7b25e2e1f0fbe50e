/** Entry point of the CI job's engine steps (`tsx tools/engines/main.ts`); all the work is in tools/engines/cli.ts. */
import { runEntry } from "../shared/cli";
import { main } from "./cli";

runEntry("engines", main);
