/** Entry point of `npm run k8s:schema`; all the work is in tools/k8s-schema/cli.ts. */
import { runEntry } from "../shared/cli";
import { main } from "./cli";

runEntry("k8s:schema", main);
