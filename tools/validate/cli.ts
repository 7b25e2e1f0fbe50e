/**
 * `npm run validate [-- FILE...]`: checks Vector configs against the reference of the pinned
 * release (tools/validate/data/vector-<release>.json). Each FILE (TOML, YAML or JSON) is one Vector
 * instance. Without files, renders every stack in-process (as `npm run render` does) and checks
 * each rendered `*.vector.toml`.
 *
 * One line per problem: `FILE  toml.path: what is wrong; the fix [rule]`.
 * Exit status: 0 every config accepted (warnings allowed), 1 a problem, 2 usage error.
 * tools/validate/main.ts only wires a process to main().
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ProcessIO, ToolError, wantsHelp } from "../shared/cli";
import { errorsOf, formatProblems, referenceData, validateFiles, validateRenderedStacks } from ".";
import type { Problem } from ".";
import type { Program } from "../render/render";

export const USAGE = `usage: npm run validate [-- FILE...]

Validates Vector configs (TOML, YAML, JSON; one Vector instance per file) against Vector's reference
for the pinned release; without FILE, the rendered fleet. Exit 0 accepted, 1 problems, 2 usage.`;

export async function main(argv: string[], io: ProcessIO): Promise<number> {
    if (wantsHelp(argv)) {
        io.stdout(`${USAGE}\n`);
        return 0;
    }
    const data = referenceData();
    let problems: Problem[];
    let checked: number;
    if (argv.length > 0) {
        const missing = argv.filter((f) => !fs.existsSync(path.resolve(io.cwd, f)));
        if (missing.length > 0) throw new ToolError(`no such file: ${missing.join(", ")}`);
        problems = validateFiles(argv.map((f) => ({ name: f, text: fs.readFileSync(path.resolve(io.cwd, f), "utf8") }))).problems;
        checked = argv.length;
    } else {
        // Imported here so that validating files never loads the Pulumi program.
        // require, not import(): the tools run as CommonJS (package.json: --require tsx/cjs).
        const mod = require("../../index") as Program | { default: Program };
        const program = typeof mod === "function" ? mod : mod.default;
        const { renderFleet, formatRenderFailure } = require("../render/render") as typeof import("../render/render");
        try {
            const rendered = await renderFleet(program, io.rootDir);
            problems = validateRenderedStacks(rendered);
            checked = rendered.reduce((n, r) => n + Object.keys(r.files).filter((f) => f.endsWith(".vector.toml")).length, 0);
        } catch (e) {
            io.stderr(`${formatRenderFailure(e)}\n`);
            return 1;
        }
    }
    if (problems.length > 0) io.stdout(`${formatProblems(problems)}\n`);
    const errors = errorsOf(problems).length;
    io.stdout(
        `${checked} config(s) checked against Vector ${data.release} (reference ${data.base_commit.slice(0, 12)} + ${data.overlay.length} overlay change(s)): ${errors} error(s), ${problems.length - errors} warning(s)\n`,
    );
    return errors > 0 ? 1 : 0;
}
