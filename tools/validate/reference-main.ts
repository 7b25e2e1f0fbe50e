/** Entry point of `npm run vector:reference`; all the work is in tools/validate/reference-cli.ts. */
import { runEntry } from "../shared/cli";
import { main } from "./reference-cli";

runEntry("vector:reference", main);
