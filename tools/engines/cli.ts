/**
 * For the `engines` job of .github/workflows/ci.yml (docs/ci.md):
 *   tsx tools/engines/main.ts versions                          name=value lines for $GITHUB_OUTPUT
 *   tsx tools/engines/main.ts dry-run --out out --stack S --dir D  writes D/setup.yaml and D/manifests.yaml
 * The versions come from the program (config/versions.ts) and tools/engines/engines.ts,
 * so the workflow never holds a second copy of them. tools/engines/main.ts only wires a process to main().
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ProcessIO, ToolError, UsageError, wantsHelp } from "../shared/cli";
import { dryRunInput, engineVersions } from "./engines";

export const USAGE = `usage: tsx tools/engines/main.ts versions | dry-run --out DIR --stack NAME --dir DIR

  versions   the engine versions the CI job installs, as name=value lines (for $GITHUB_OUTPUT)
  dry-run    from DIR/NAME/manifests.yaml of a render (--out), writes the server-side dry run's
             input to --dir: setup.yaml (namespaces, and stand-ins for the objects patched, applied
             for real first) and manifests.yaml

Exit status: 0 done, 2 usage error or no rendered manifests.`;

export function main(argv: string[], io: ProcessIO): number {
    if (wantsHelp(argv)) {
        io.stdout(`${USAGE}\n`);
        return 0;
    }
    const [command, ...rest] = argv;
    const opt = (name: string) => {
        const i = rest.indexOf(`--${name}`);
        if (i < 0 || rest[i + 1] === undefined) throw new UsageError(`${command}: --${name} is required`);
        return rest[i + 1];
    };
    if (command === "versions") {
        for (const [k, v] of Object.entries(engineVersions())) io.stdout(`${k}=${v}\n`);
        return 0;
    }
    if (command === "dry-run") {
        const stack = opt("stack");
        const file = path.resolve(io.cwd, opt("out"), stack, "manifests.yaml");
        if (!fs.existsSync(file)) throw new ToolError(`no ${path.relative(io.cwd, file)}: render the stack first (npm run render -- --stack ${stack})`);
        const input = dryRunInput(fs.readFileSync(file, "utf8"));
        const dir = path.resolve(io.cwd, opt("dir"));
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, "setup.yaml"), input.setup);
        fs.writeFileSync(path.join(dir, "manifests.yaml"), input.manifests);
        for (const n of input.notes) io.stdout(`${n}\n`);
        return 0;
    }
    throw new UsageError(command === undefined ? "say which command: versions or dry-run" : `unknown command ${JSON.stringify(command)}`);
}
