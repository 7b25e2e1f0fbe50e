/**
 * `npm run validate [-- FILE...]`: checks Vector configs against the reference of the pinned
 * release (tools/validate/data/vector-<release>.json). Each FILE (TOML, YAML or JSON) is one Vector
 * instance. Without files, renders every stack in-process (as `npm run render` does) and checks
 * each rendered `*.vector.toml`.
 *
 * One line per problem: `FILE  toml.path: what is wrong; the fix [rule]`.
 * Exit status: 0 every config accepted (warnings allowed), 1 a problem, 2 usage error.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { errorsOf, formatProblems, referenceData, validateFiles, validateRenderedStacks } from ".";
import type { Problem } from ".";
import type { Program } from "../render/render";

async function main(argv: string[]): Promise<number> {
    if (argv.includes("--help") || argv.includes("-h")) {
        console.log("usage: npm run validate [-- FILE...]\n\nValidates Vector configs (TOML, YAML, JSON; one Vector instance per file) against Vector's reference\nfor the pinned release; without FILE, the rendered fleet. Exit 0 accepted, 1 problems, 2 usage.");
        return 0;
    }
    const data = referenceData();
    let problems: Problem[];
    let checked: number;
    if (argv.length > 0) {
        const missing = argv.filter((f) => !fs.existsSync(f));
        if (missing.length > 0) {
            console.error(`validate: no such file: ${missing.join(", ")}`);
            return 2;
        }
        problems = validateFiles(argv.map((f) => ({ name: f, text: fs.readFileSync(f, "utf8") }))).problems;
        checked = argv.length;
    } else {
        // Imported here so that validating files never loads the Pulumi program.
        const mod = (await import("../../index")) as unknown as Program | { default: Program };
        const program = typeof mod === "function" ? mod : mod.default;
        const { renderFleet, formatRenderFailure } = await import("../render/render");
        const { isReportedFailure } = await import("../render/failures");
        process.on("unhandledRejection", (reason) => {
            if (!isReportedFailure(reason)) throw reason;
        });
        try {
            const rendered = await renderFleet(program, path.resolve(__dirname, "../.."));
            problems = validateRenderedStacks(rendered);
            checked = rendered.reduce((n, r) => n + Object.keys(r.files).filter((f) => f.endsWith(".vector.toml")).length, 0);
        } catch (e) {
            console.error(formatRenderFailure(e));
            return 1;
        }
    }
    if (problems.length > 0) console.log(formatProblems(problems));
    const errors = errorsOf(problems).length;
    console.log(`${checked} config(s) checked against Vector ${data.release} (reference ${data.base_commit.slice(0, 12)} + ${data.overlay.length} overlay change(s)): ${errors} error(s), ${problems.length - errors} warning(s)`);
    return errors > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code));
