/**
 * For the `engines` job of .github/workflows/ci.yml (docs/ci.md):
 *   tsx tools/engines/main.ts versions                          name=value lines for $GITHUB_OUTPUT
 *   tsx tools/engines/main.ts dry-run --out out --stack S --dir D  writes D/setup.yaml and D/manifests.yaml
 * The versions come from the program (config/versions.ts) and tools/engines/engines.ts,
 * so the workflow never holds a second copy of them.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { dryRunInput, engineVersions } from "./engines";

function main(argv: string[]): number {
    const [command, ...rest] = argv;
    const opt = (name: string) => {
        const i = rest.indexOf(`--${name}`);
        if (i < 0 || rest[i + 1] === undefined) throw new Error(`${command}: --${name} is required`);
        return rest[i + 1];
    };
    if (command === "versions") {
        for (const [k, v] of Object.entries(engineVersions())) process.stdout.write(`${k}=${v}\n`);
        return 0;
    }
    if (command === "dry-run") {
        const stack = opt("stack");
        const file = path.join(opt("out"), stack, "manifests.yaml");
        if (!fs.existsSync(file)) throw new Error(`no ${file}: render the stack first (npm run render -- --stack ${stack})`);
        const input = dryRunInput(fs.readFileSync(file, "utf8"));
        const dir = opt("dir");
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, "setup.yaml"), input.setup);
        fs.writeFileSync(path.join(dir, "manifests.yaml"), input.manifests);
        for (const n of input.notes) process.stdout.write(`${n}\n`);
        return 0;
    }
    process.stderr.write("usage: tsx tools/engines/main.ts versions | dry-run --out DIR --stack NAME --dir DIR\n");
    return 2;
}

try {
    process.exit(main(process.argv.slice(2)));
} catch (e) {
    process.stderr.write(`ci-engines: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
}
