/**
 * The Vector config validator's entry points (see docs/validation.md). Pure: callers pass text or
 * parsed objects; the reference data of the pinned release is loaded once per process.
 */
export { formatProblem, parseConfig, referenceData, validateVectorConfig } from "./vector";
export type { Problem } from "./vector";
import { formatProblem, Problem, validateVectorConfig } from "./vector";

/** Each `*.vector.toml` of each rendered stack, named `<stack>/<file>` as `out/` lays them out. */
export function validateRenderedStacks(stacks: { stack: string; files: Record<string, string> }[]): Problem[] {
    return stacks.flatMap((s) =>
        Object.entries(s.files)
            .filter(([name]) => name.endsWith(".vector.toml"))
            .flatMap(([name, text]) => validateVectorConfig(text, `${s.stack}/${name}`)),
    );
}

/** Errors fail a render; warnings are Vector's own start-up warnings and do not. */
export function errorsOf(problems: Problem[]): Problem[] {
    return problems.filter((p) => p.severity === "error");
}

export function formatProblems(problems: Problem[]): string {
    return problems.map(formatProblem).join("\n");
}

/** What `npm run validate -- FILE...` prints and its exit status: 1 on any error, else 0. */
export function validateFiles(files: { name: string; text: string }[]): { code: 0 | 1; output: string; problems: Problem[] } {
    const problems = files.flatMap((f) => validateVectorConfig(f.text, f.name));
    return { code: errorsOf(problems).length > 0 ? 1 : 0, output: formatProblems(problems), problems };
}
