/**
 * Entry point of `npm run bench` and of its measuring children (`--child JOB`); all the work is in
 * tools/bench/cli.ts. See there for the options.
 */
import { runEntry } from "../shared/cli";
import { main } from "./cli";

runEntry("bench", main);
