import * as path from "node:path";

/** The repository's root: the folder of Pulumi.yaml and the stack files, whatever the tool's depth. */
export const REPO_ROOT = path.resolve(__dirname, "../..");
