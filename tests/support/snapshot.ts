/**
 * Snapshot files: a whole object a test would otherwise retype by hand, written once to a file
 * beside the test and compared on every run, so a change to it shows up as a reviewed diff of that
 * file rather than as an edit to a literal in a test.
 *
 *   const matchSnapshot = snapshots(__filename);
 *   matchSnapshot("defaults.yaml", value);   // tests/x/__snapshots__/<test>.defaults.yaml
 *
 * The extension picks the format: `.yaml` and `.json` serialise the value with every map's keys
 * sorted (key order is not part of what deepEqual compares either, so only real changes show);
 * anything else (`.toml`, `.txt`, ...) takes a string, written as it is, for outputs that already
 * are text (a rendered Vector config, a manifest file). Values that YAML and JSON cannot hold
 * (undefined, functions) are dropped, as JSON.stringify drops them.
 *
 * `UPDATE_SNAPSHOTS=1 npm test` rewrites every snapshot that differs. A missing snapshot is written
 * on a developer's machine and fails under CI (`CI=true`, as GitHub Actions sets it), so a snapshot
 * nobody reviewed never passes there. docs/testing.md has the workflow.
 */
import { AssertionError } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify as toYaml } from "yaml";

const truthy = (v: string | undefined) => v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false";
const UPDATE_HINT =
    "run `UPDATE_SNAPSHOTS=1 npm test` (or the one file: `UPDATE_SNAPSHOTS=1 npx mocha <test file>`), review the diff of the snapshot file and commit it";

/** Plain data with every object's keys sorted, undefined dropped: the value as the file holds it. */
function canonical(x: unknown): unknown {
    return JSON.parse(
        JSON.stringify(x, (_k, v: unknown) => {
            if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
            return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
        }),
    );
}

export function serialise(name: string, value: unknown): string {
    const ext = path.extname(name);
    if (ext === ".json") return `${JSON.stringify(canonical(value), null, 2)}\n`;
    if (ext === ".yaml" || ext === ".yml") return toYaml(canonical(value), { lineWidth: 0, sortMapEntries: true });
    if (typeof value !== "string")
        throw new TypeError(`snapshot ${name}: a ${ext || "extension-less"} snapshot takes a string; name it .yaml or .json for data`);
    return value.endsWith("\n") ? value : `${value}\n`;
}

/**
 * A line diff of two texts (longest common subsequence), with `context` unchanged lines around each
 * change: `-` lines are the snapshot's, `+` lines the value's.
 */
export function lineDiff(expected: string, actual: string, context = 3): string {
    const a = expected.split("\n");
    const b = actual.split("\n");
    // Trim the common head and tail first: most changes are a few lines in a long file.
    let head = 0;
    while (head < a.length && head < b.length && a[head] === b[head]) head++;
    let tail = 0;
    while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
    const am = a.slice(head, a.length - tail);
    const bm = b.slice(head, b.length - tail);
    const lcs: number[][] = Array.from({ length: am.length + 1 }, () => new Array<number>(bm.length + 1).fill(0));
    for (let i = am.length - 1; i >= 0; i--) {
        for (let j = bm.length - 1; j >= 0; j--) lcs[i][j] = am[i] === bm[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
    type Line = { op: " " | "-" | "+"; text: string; line: number };
    const ops: Line[] = a.slice(0, head).map((text, i) => ({ op: " ", text, line: i + 1 }));
    let i = 0;
    let j = 0;
    while (i < am.length || j < bm.length) {
        if (i < am.length && j < bm.length && am[i] === bm[j]) {
            ops.push({ op: " ", text: am[i++], line: head + i });
            j++;
        } else if (i < am.length && (j === bm.length || lcs[i + 1][j] >= lcs[i][j + 1])) ops.push({ op: "-", text: am[i++], line: head + i });
        else ops.push({ op: "+", text: bm[j++], line: head + i });
    }
    a.slice(a.length - tail).forEach((text, k) => ops.push({ op: " ", text, line: a.length - tail + k + 1 }));
    const keep = ops.map((_, k) => ops.slice(Math.max(0, k - context), k + context + 1).some((o) => o.op !== " "));
    const out: string[] = [];
    ops.forEach((o, k) => {
        if (!keep[k]) return;
        if (k === 0 || !keep[k - 1]) out.push(`@@ snapshot line ${o.line}`);
        out.push(`${o.op} ${o.text}`);
    });
    return out.join("\n");
}

/** An AssertionError whose message already holds the diff: mocha is told not to print a second one. */
function quiet(options: ConstructorParameters<typeof AssertionError>[0]): AssertionError {
    return Object.assign(new AssertionError(options), { showDiff: false });
}

export type MatchSnapshot = (name: string, value: unknown) => void;

/** The matcher for one test file: snapshots live in `__snapshots__/` beside it, named `<test>.<name>`. */
export function snapshots(testFile: string): MatchSnapshot {
    const dir = path.join(path.dirname(testFile), "__snapshots__");
    const prefix = path.basename(testFile).replace(/\.test\.ts$/, "");
    return (name, value) => {
        const file = path.join(dir, `${prefix}.${name}`);
        const shown = path.relative(process.cwd(), file);
        const actual = serialise(name, value);
        const exists = fs.existsSync(file);
        const expected = exists ? fs.readFileSync(file, "utf8") : undefined;
        if (expected === actual) return;
        const update = truthy(process.env.UPDATE_SNAPSHOTS);
        if (!update && exists) {
            throw quiet({
                message: `${shown} differs from what the test produced (- snapshot, + now):\n${lineDiff(expected!, actual)}\n\nIf the change is intended: ${UPDATE_HINT}.`,
                actual,
                expected,
                operator: "matchSnapshot",
            });
        }
        if (!update && truthy(process.env.CI)) {
            throw quiet({
                message: `${shown} does not exist, and CI never writes a snapshot: ${UPDATE_HINT}.`,
                actual,
                expected: "",
                operator: "matchSnapshot",
            });
        }
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(file, actual);
    };
}
