/** Entry point of `npm run docs`; all the work is in tools/docs/cli.ts. */
import { runEntry } from "../shared/cli";
import { main } from "./cli";

runEntry("docs", main);
