/**
 * The Vector config validator's entry points (see docs/validation.md). Pure: callers pass text or
 * parsed objects; the reference data of the pinned release is loaded once per process.
 */
export { formatProblem, parseConfig, referenceData, validateVectorConfig } from "./vector";
export type { Problem } from "./vector";
import { formatProblem, parseConfig, Problem, validateVectorConfig } from "./vector";

/** Each `*.vector.toml` of each rendered stack, named `<stack>/<file>` as `out/` lays them out. */
export function validateRenderedStacks(stacks: { stack: string; files: Record<string, string> }[]): Problem[] {
    return stacks.flatMap((s) => {
        // Each config is parsed once, for its own checks and the tier rule (neither changes it). A
        // config that does not parse goes to the checks as text, which report it, as before.
        const configs = Object.entries(s.files)
            .filter(([name]) => name.endsWith(".vector.toml"))
            .map(([name, text]) => ({ name, text, doc: parsedOrUndefined(text, name) }));
        return [
            ...configs.flatMap(({ name, text, doc }) => validateVectorConfig(doc ?? text, `${s.stack}/${name}`)),
            ...tierProblems(
                s.stack,
                configs.map(({ name, text, doc }) => ({ name, doc: doc ?? parseConfig(text, name) })),
            ),
        ];
    });
}

function parsedOrUndefined(text: string, name: string): Record<string, unknown> | undefined {
    try {
        return parseConfig(text, name);
    } catch {
        return undefined;
    }
}

/**
 * Rules about an agent and an aggregator config together (a hub stack renders both; every source
 * stack's agent is built the same way). One so far: an agent that replaces an event's
 * `.timestamp` with the application's own (often whole seconds) must carry the runtime's
 * nanosecond timestamp in a field the aggregators' dedupe matches on, or two equal lines of one
 * second become one (vectordotdev/vector src/transforms/dedupe: equal match fields, one event;
 * src/sources/kubernetes_logs/parser/cri.rs: the runtime's timestamp is nanosecond).
 */
function tierProblems(stack: string, parsed: { name: string; doc: Record<string, unknown> }[]): Problem[] {
    const remaps = parsed.flatMap(({ doc }) =>
        Object.values(tableOf(doc, "transforms")).flatMap((t) => (t.type === "remap" && typeof t.source === "string" ? [t.source] : [])),
    );
    const out: Problem[] = [];
    for (const program of remaps) {
        const saved = /^(\w+) = \.timestamp$/m.exec(program)?.[1];
        if (!/^\s*\.timestamp = /m.test(program) || !/parse_timestamp\(/.test(program)) continue;
        const carried = saved ? new RegExp(`^\\.(\\w+) = ${saved}$`, "m").exec(program)?.[1] : undefined;
        for (const { name, doc } of parsed) {
            for (const [id, t] of Object.entries(tableOf(doc, "transforms"))) {
                const match = t.type === "dedupe" && isObject(t.fields) && Array.isArray(t.fields.match) ? t.fields.match.map(String) : undefined;
                if (!match?.includes("timestamp") || (carried && match.includes(carried))) continue;
                out.push({
                    file: `${stack}/${name}`,
                    path: `transforms.${id}.fields.match`,
                    message: `dedupe matches on timestamp, which the agent replaces with the application's own (${carried ? `the runtime's is carried as ${JSON.stringify(carried)}, not matched` : "the runtime's is not carried"}): equal lines within one of its ticks become one`,
                    fix: "carry the runtime's timestamp in a field of its own on the agent and add it to fields.match",
                    rule: "pitfall/dedupe-app-timestamp",
                    severity: "error",
                });
            }
        }
    }
    return out;
}

type Table = Record<string, Record<string, unknown>>;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const tableOf = (doc: Record<string, unknown>, key: string): Table =>
    Object.fromEntries(Object.entries(isObject(doc[key]) ? doc[key] : {}).filter((e): e is [string, Record<string, unknown>] => isObject(e[1])));

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
