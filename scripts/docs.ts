/** `npm run docs`: regenerates the README's config reference from the config model. */
import * as fs from "node:fs";
import * as path from "node:path";
import { withConfigReference } from "../lib/docs/config-reference";

if (process.argv.includes("--help")) {
    console.log("usage: npm run docs\n\nRewrites the generated config reference block in README.md from config/stack.ts.");
    process.exit(0);
}
const file = path.resolve(__dirname, "..", "README.md");
const before = fs.readFileSync(file, "utf8");
const after = withConfigReference(before);
fs.writeFileSync(file, after);
console.log(before === after ? "README.md config reference is up to date" : "README.md config reference regenerated");
