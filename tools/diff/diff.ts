/**
 * What `npm run diff` compares: two rendered fleets (out/<stack>/ folders), object by object for
 * manifests.yaml and line by line for the other files, formatted for a terminal or a PR comment.
 * Pure: the fleets are read by tools/render/out-dir.ts.
 */
import { stringify as toYaml } from "yaml";
import { changedProperties, ignored, lossMessage, parseResourceTree, replacement, Replacement, UrnChange, urnChanges } from "../render/replacement";
import type { RenderedFleet } from "../render/out-dir";
import { ManifestObject, objectName, parseManifests, renderWarnings } from "../render/summary";

// ---------------------------------------------------------------------------------------------
// Line diff (Myers) and unified hunks.

export type Op = " " | "-" | "+";
export interface DiffLine {
    op: Op;
    text: string;
}

/** Above this many differences the middle is shown as replaced wholesale (memory grows with its square). */
const MAX_EDIT_DISTANCE = 2000;

export function toLines(s: string): string[] {
    return s === "" ? [] : s.replace(/\n$/, "").split("\n");
}

/** A shortest edit script from `a` to `b` (Myers' O(ND) greedy algorithm, common ends trimmed first). */
export function diffLines(a: string[], b: string[]): DiffLine[] {
    let start = 0;
    while (start < a.length && start < b.length && a[start] === b[start]) start++;
    let endA = a.length;
    let endB = b.length;
    while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
        endA--;
        endB--;
    }
    const same = (lines: string[]) => lines.map((text): DiffLine => ({ op: " ", text }));
    return [...same(a.slice(0, start)), ...myers(a.slice(start, endA), b.slice(start, endB)), ...same(a.slice(endA))];
}

function myers(a: string[], b: string[]): DiffLine[] {
    const n = a.length;
    const m = b.length;
    const wholesale = () => [...a.map((text): DiffLine => ({ op: "-", text })), ...b.map((text): DiffLine => ({ op: "+", text }))];
    if (n === 0 || m === 0) return wholesale();
    const offset = n + m + 1;
    const v = new Int32Array(2 * offset + 1);
    // trace[d][k + d]: the furthest x on diagonal k after d differences.
    const trace: Int32Array[] = [];
    let found = false;
    for (let d = 0; d <= n + m && !found; d++) {
        if (d > MAX_EDIT_DISTANCE) return wholesale();
        for (let k = -d; k <= d; k += 2) {
            let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
            let y = x - k;
            while (x < n && y < m && a[x] === b[y]) {
                x++;
                y++;
            }
            v[offset + k] = x;
            if (x >= n && y >= m) found = true;
        }
        trace.push(v.slice(offset - d, offset + d + 1));
    }
    const out: DiffLine[] = [];
    let x = n;
    let y = m;
    for (let d = trace.length - 1; d > 0; d--) {
        const prev = (k: number) => trace[d - 1][k + d - 1];
        const k = x - y;
        const down = k === -d || (k !== d && prev(k - 1) < prev(k + 1));
        const prevK = down ? k + 1 : k - 1;
        const prevX = prev(prevK);
        const midX = down ? prevX : prevX + 1;
        while (x > midX) {
            out.push({ op: " ", text: a[x - 1] });
            x--;
            y--;
        }
        if (down) out.push({ op: "+", text: b[y - 1] });
        else out.push({ op: "-", text: a[x - 1] });
        x = prevX;
        y = prevX - prevK;
    }
    while (x > 0) {
        out.push({ op: " ", text: a[x - 1] });
        x--;
    }
    return out.reverse();
}

/** `start,count` of a hunk side as diff(1) writes it: 1-based, the line before for an empty side. */
function range(start: number, count: number): string {
    if (count === 0) return `${start},0`;
    return count === 1 ? `${start + 1}` : `${start + 1},${count}`;
}

/** Unified diff hunks (`@@ ... @@` and their lines) of two texts; empty when they are equal. */
export function unifiedHunks(before: string, after: string, context = 3): string[] {
    const rows: (DiffLine & { o: number; n: number })[] = [];
    let o = 0;
    let n = 0;
    for (const l of diffLines(toLines(before), toLines(after))) {
        rows.push({ ...l, o, n });
        if (l.op !== "+") o++;
        if (l.op !== "-") n++;
    }
    const changes = rows.flatMap((r, i) => (r.op === " " ? [] : [i]));
    const out: string[] = [];
    for (let i = 0; i < changes.length;) {
        let j = i;
        while (j + 1 < changes.length && changes[j + 1] - changes[j] - 1 <= 2 * context) j++;
        const hunk = rows.slice(Math.max(0, changes[i] - context), Math.min(rows.length, changes[j] + context + 1));
        const oldCount = hunk.filter((r) => r.op !== "+").length;
        const newCount = hunk.filter((r) => r.op !== "-").length;
        out.push(`@@ -${range(hunk[0].o, oldCount)} +${range(hunk[0].n, newCount)} @@`, ...hunk.map((r) => `${r.op}${r.text}`));
        i = j + 1;
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Fleet diff.

export type ChangeStatus = "added" | "removed" | "changed";

/** What `pulumi up` does with an object: pulumi-kubernetes' rules (see replacement.ts) applied to the two renders. */
export type Action = "create" | "update" | "replace" | "delete";

export interface ObjectChange {
    status: ChangeStatus;
    action: Action;
    /** For `replace`: the fields that force it, and whether the old object is deleted first. */
    replace?: Replacement;
    /** `Kind namespace/name` (or `Kind name` when cluster-scoped), `(patch)` for server-side apply patches. */
    label: string;
    /** What to show for each side (empty for the missing side); Vector configs embedded in ConfigMaps are shown by reference. */
    before: string;
    after: string;
    /** Set when nothing shown changed, only the embedded Vector configs it names (diffed as their files). */
    embedded?: string[];
}

export interface FileChange {
    status: ChangeStatus;
    name: string;
    before: string;
    after: string;
}

export interface StackDiff {
    stack: string;
    status: ChangeStatus | "unchanged";
    objects: ObjectChange[];
    files: FileChange[];
    /** Warnings (see renderWarnings) the change introduces or resolves. */
    warnings: { added: string[]; removed: string[] };
    /** Resources whose URN changes (renamed or re-parented without an alias), from resources.txt. */
    urnChanges: UrnChange[];
    /** What must not go unnoticed: a stateful object replaced or deleted, a URN change. Shown first. */
    alerts: string[];
    /** The stack's certificates after the change (tls SelfSignedCert and LocallySignedCert names, from resources.txt). */
    certificates: string[];
}

/** The tls provider's certificate types: each carries earlyRenewalHours (components/pki). */
const CERTIFICATE_TYPES = ["tls:index/selfSignedCert:SelfSignedCert", "tls:index/locallySignedCert:LocallySignedCert"];

/** Identity of an object: the same apiVersion, kind, namespace and name (and whether it is a patch) is the same object. */
export function objectKey(o: Pick<ManifestObject, "apiVersion" | "kind" | "namespace" | "name" | "patch">): string {
    return [o.apiVersion, o.kind, o.namespace ?? "", o.name, o.patch ? "patch" : ""].join("|");
}

export function objectLabel(o: Pick<ManifestObject, "kind" | "namespace" | "name" | "patch">): string {
    return `${objectName(o)}${o.patch ? " (patch)" : ""}`;
}

const yamlText = (body: unknown) => toYaml(body, { sortMapEntries: true, lineWidth: 0 });

interface Keyed {
    object: ManifestObject;
    /** The object in canonical YAML: equal text, equal object. */
    text: string;
    /** As text, with embedded Vector configs replaced by the name of their own file. */
    shown: string;
    /** Those files. */
    embeds: string[];
}

/** The stack's objects (its parsed manifests.yaml) by identity, in manifest order. */
function keyedObjects(files: Record<string, string>, parsed: ManifestObject[]): Map<string, Keyed> {
    const tomls = Object.entries(files).filter(([f]) => f.endsWith(".vector.toml"));
    const byKey = new Map<string, Keyed>();
    for (const object of parsed) {
        let key = objectKey(object);
        for (let i = 2; byKey.has(key); i++) key = `${objectKey(object)}#${i}`;
        const text = yamlText(object.body);
        let shown = text;
        const embeds: string[] = [];
        const data = object.body.data;
        if (object.kind === "ConfigMap" && !object.patch && data !== null && typeof data === "object") {
            // The same TOML is diffed as its own file; showing it twice would only double the noise.
            const replaced = Object.fromEntries(
                Object.entries(data as Record<string, unknown>).map(([k, v]) => {
                    const file = tomls.find(([, toml]) => toml === v)?.[0];
                    if (file) embeds.push(file);
                    return [k, file ? `<as in ${file}>` : v];
                }),
            );
            shown = yamlText({ ...object.body, data: replaced });
        }
        byKey.set(key, { object, text, shown, embeds });
    }
    return byKey;
}

/** Hubs first (as render orders them), then by name. */
function stackOrder(base: RenderedFleet, head: RenderedFleet): string[] {
    const isHub = (s: string) => [head[s], base[s]].some((f) => f?.["outputs.json"] !== undefined && /"role":\s*"hub"/.test(f["outputs.json"]));
    return [...new Set([...Object.keys(base), ...Object.keys(head)])].sort((a, b) => Number(isHub(b)) - Number(isHub(a)) || a.localeCompare(b));
}

/** Vector configs first, then the other files by name; manifests.yaml is compared object by object instead. */
function fileOrder(names: Iterable<string>): string[] {
    return [...new Set(names)]
        .filter((f) => f !== "manifests.yaml")
        .sort((a, b) => Number(b.endsWith(".vector.toml")) - Number(a.endsWith(".vector.toml")) || a.localeCompare(b));
}

function status<T>(before: T | undefined, after: T | undefined): ChangeStatus {
    return before === undefined ? "added" : after === undefined ? "removed" : "changed";
}

/**
 * The changed properties the engine leaves at their old value (ignoreChanges; pulumi/pulumi
 * pkg/resource/deploy/step_generator.go, processIgnoreChanges): a reviewer must not read them as applied.
 */
function keptByIgnoreChanges(before: ManifestObject, after: ManifestObject): string[] {
    const paths = changedProperties(before.body, after.body)
        .filter((c) => ignored(c.path, after.ignoreChanges))
        .map((c) => (after.ignoreChanges ?? []).find((p) => ignored(c.path, [p]))!);
    return [...new Set(paths)].sort();
}

export function diffStack(stack: string, before: Record<string, string> | undefined, after: Record<string, string> | undefined): StackDiff {
    // Parsed once per side: the objects and the warnings both read them.
    const parse = (f: Record<string, string> | undefined) => parseManifests(f?.["manifests.yaml"] ?? "");
    const [parsedBefore, parsedAfter] = [parse(before), parse(after)];
    const a = keyedObjects(before ?? {}, parsedBefore);
    const b = keyedObjects(after ?? {}, parsedAfter);
    const found: { change: ObjectChange; apiVersion: string }[] = [];
    const alerts: string[] = [];
    // Manifest order of the new side, then what only the old side had.
    for (const key of [...b.keys(), ...[...a.keys()].filter((k) => !b.has(k))]) {
        const x = a.get(key);
        const y = b.get(key);
        if (x && y && x.text === y.text) continue;
        const { object } = (y ?? x)!;
        const embedded = x && y && x.shown === y.shown ? [...new Set([...x.embeds, ...y.embeds])] : undefined;
        const replace = x && y ? replacement(x.object, y.object) : undefined;
        const action: Action = !x ? "create" : !y ? "delete" : replace ? "replace" : "update";
        const change: ObjectChange = {
            status: status(x, y),
            action,
            ...(replace ? { replace } : {}),
            label: objectLabel(object),
            before: x?.shown ?? "",
            after: y?.shown ?? "",
            ...(embedded ? { embedded } : {}),
        };
        found.push({ change, apiVersion: object.apiVersion });
        const loss = x ? lossMessage(change.label, x.object, replace, !y, y?.object) : undefined;
        if (loss) alerts.push(`${stack}: ${loss}`);
        const kept = x && y ? keptByIgnoreChanges(x.object, y.object) : [];
        if (kept.length > 0)
            alerts.push(
                `${stack}: ${change.label}: pulumi up keeps the old ${kept.join(", ")} (the resource's ignoreChanges), so this change reaches no existing object; see docs/operations.md`,
            );
    }
    // An apiVersion change is a removal and an addition of two objects with one label: tell them apart.
    const shared = (label: string) => found.filter((f) => f.change.label === label).length > 1;
    const objects = found.map(({ change, apiVersion }) => (shared(change.label) ? { ...change, label: `${change.label} [${apiVersion}]` } : change));
    const files: FileChange[] = [];
    for (const name of fileOrder([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])) {
        const x = before?.[name];
        const y = after?.[name];
        if (x !== y) files.push({ status: status(x, y), name, before: x ?? "", after: y ?? "" });
    }
    const warn = (f: Record<string, string> | undefined, parsed: ManifestObject[]) => (f ? renderWarnings(f, parsed).map((w) => w.message) : []);
    const [wa, wb] = [warn(before, parsedBefore), warn(after, parsedAfter)];
    const [treeBefore, treeAfter] = [parseResourceTree(before?.["resources.txt"] ?? ""), parseResourceTree(after?.["resources.txt"] ?? "")];
    const moved = before && after ? urnChanges(treeBefore, treeAfter, parsedBefore, parsedAfter) : [];
    for (const m of moved) alerts.push(`${stack}: ${urnAlert(m)}`);
    return {
        stack,
        status: !before ? "added" : !after ? "removed" : objects.length + files.length > 0 ? "changed" : "unchanged",
        objects,
        files,
        warnings: { added: wb.filter((w) => !wa.includes(w)), removed: wa.filter((w) => !wb.includes(w)) },
        urnChanges: moved,
        alerts,
        certificates: treeAfter.filter((r) => CERTIFICATE_TYPES.includes(r.type)).map((r) => r.name),
    };
}

/** What a URN change does under `pulumi up`, in one line. */
export function urnAlert(m: UrnChange): string {
    const what = `URN changed: ${m.count === 1 ? "a" : m.count} ${m.type} (${m.removed.join(", ")} -> ${m.added.join(", ")})`;
    const effect = m.type.startsWith("kubernetes:")
        ? "`pulumi up` creates the new resource first and fails, the object already exists in the cluster"
        : "`pulumi up` creates a new one and deletes the old (a new key, certificate, token or load balancer)";
    return `${what} without an alias: ${effect}; keep the old name, or add an alias to the old name and parent`;
}

/** Every stack of either fleet, compared. */
export function diffFleet(base: RenderedFleet, head: RenderedFleet): StackDiff[] {
    return stackOrder(base, head).map((s) => diffStack(s, base[s], head[s]));
}

export function hasChanges(diffs: StackDiff[]): boolean {
    return diffs.some((d) => d.status !== "unchanged");
}

// ---------------------------------------------------------------------------------------------
// Formatting.

function listed(labels: string[], max = 3): string {
    if (labels.length === 0) return "";
    const shown = labels.slice(0, max).join(", ");
    return ` (${shown}${labels.length > max ? `, and ${labels.length - max} more` : ""})`;
}

/** Object changes in the order a reviewer should read them: what is lost first. */
const ACTIONS: Action[] = ["replace", "delete", "create", "update"];
const ACTION_WORD: Record<Action, string> = { replace: "replaced", delete: "deleted", create: "created", update: "updated in place" };
/** As `pulumi preview` marks them. */
const ACTION_MARK: Record<Action, string> = { replace: "+-", delete: "-", create: "+", update: "~" };
const ACTION_COLOR = { replace: "red", delete: "red", create: "green", update: "yellow" } as const;
const MARK: Record<ChangeStatus, string> = { added: "+", removed: "-", changed: "~" };
const STATUS_COLOR = { added: "green", removed: "red", changed: "yellow" } as const;

/** `replaced, delete-first (spec.volumeClaimTemplates)`, `updated in place`, ... */
export function actionText(o: Pick<ObjectChange, "action" | "replace">): string {
    if (o.action !== "replace" || !o.replace) return ACTION_WORD[o.action];
    return `replaced${o.replace.deleteFirst ? ", delete-first" : ""} (${o.replace.fields.join(", ")})`;
}

/** One line per stack: `dev: 1 updated in place (DaemonSet vector-system/vector-agent); vector-agent.vector.toml changed`. */
export function summaryLine(d: StackDiff): string {
    if (d.status === "unchanged") return `${d.stack}: no changes`;
    const counts = ACTIONS.flatMap((a) => {
        const labels = d.objects.filter((o) => o.action === a).map((o) => o.label);
        return labels.length > 0 ? [`${labels.length} ${ACTION_WORD[a]}${listed(labels)}`] : [];
    });
    const files = d.status === "changed" ? d.files : [];
    const prefix = d.status === "added" ? "new stack, " : d.status === "removed" ? "stack removed, " : "";
    return `${d.stack}: ${prefix}${counts.length > 0 ? counts.join(", ") : "no object changes"}${files.length > 0 ? `; ${files.map((f) => `${f.name} ${f.status}`).join(", ")}` : ""}`;
}

const embeddedNote = (o: { embedded?: string[] }) => (o.embedded ? ` (only its Vector config changed: see ${o.embedded.join(", ")})` : "");

function lineStats(before: string, after: string): string {
    const lines = diffLines(toLines(before), toLines(after));
    return `+${lines.filter((l) => l.op === "+").length} -${lines.filter((l) => l.op === "-").length}`;
}

/** The unified diff (as lines) of each changed or added object and file; removed ones are listed, not shown. */
function blocks(d: StackDiff): string[][] {
    const shown = [...d.objects.map((o) => ({ what: o.label, ...o })), ...d.files.map((f) => ({ what: f.name, ...f }))];
    return shown
        .filter((c) => c.status !== "removed" && !("embedded" in c))
        .map((c) => {
            const hunks = unifiedHunks(c.before, c.after);
            const from = c.status === "added" ? "/dev/null" : `a/${d.stack}/${c.what}`;
            return [`--- ${from}`, `+++ b/${d.stack}/${c.what}`, ...(hunks.length > 0 ? hunks : ["  (only the newline at the end changed)"])];
        });
}

export type TextMode = "full" | "stat" | "name-only";

export interface TextOptions {
    mode: TextMode;
    color: boolean;
}

const ANSI = { bold: "\x1b[1m", red: "\x1b[31m", green: "\x1b[32m", yellow: "\x1b[33m", cyan: "\x1b[36m", reset: "\x1b[0m" };

/**
 * For a terminal. full: per changed stack the objects and files that changed, then their unified
 * diffs; stat: the lists with line counts; name-only: one `stack mark label` line each. Every mode
 * but name-only ends with one summary line per stack.
 */
export function formatText(diffs: StackDiff[], opts: TextOptions): string {
    const paint = (code: keyof typeof ANSI, s: string) => (opts.color ? `${ANSI[code]}${s}${ANSI.reset}` : s);
    const changed = diffs.filter((d) => d.status !== "unchanged");
    const out: string[] = [];
    if (opts.mode === "name-only") {
        for (const d of changed) {
            for (const o of d.objects) out.push(`${d.stack} ${ACTION_MARK[o.action]} ${o.label}`);
            for (const f of d.files) out.push(`${d.stack} ${MARK[f.status]} ${f.name}`);
        }
        return out.length > 0 ? `${out.join("\n")}\n` : "";
    }
    const alerts = diffs.flatMap((d) => d.alerts);
    for (const a of alerts) out.push(paint("red", `WARNING: ${a}`));
    if (alerts.length > 0) out.push("");
    for (const d of changed) {
        out.push(paint("bold", `=== ${d.stack}${d.status === "changed" ? "" : ` (${d.status === "added" ? "new stack" : "stack removed"})`}`));
        for (const a of ACTIONS) {
            const items = d.objects.filter((o) => o.action === a);
            if (items.length === 0) continue;
            out.push(`${ACTION_WORD[a]}:`);
            for (const i of items) {
                const stats = opts.mode === "stat" && a !== "delete" && !i.embedded ? `  (${lineStats(i.before, i.after)})` : "";
                const why =
                    a === "replace"
                        ? `  ${actionText(i)
                              .replace(/^replaced, /, "")
                              .replace(/^replaced /, "")}`
                        : "";
                out.push(`  ${paint(ACTION_COLOR[a], ACTION_MARK[a])} ${i.label}${why}${embeddedNote(i)}${stats}`);
            }
        }
        if (d.files.length > 0) {
            out.push("files:");
            for (const f of d.files) {
                const stats = opts.mode === "stat" && f.status !== "removed" ? `  (${lineStats(f.before, f.after)})` : "";
                out.push(`  ${paint(STATUS_COLOR[f.status], MARK[f.status])} ${f.name} ${f.status}${stats}`);
            }
        }
        for (const w of d.warnings.added) out.push(paint("yellow", `new warning: ${w}`));
        for (const w of d.warnings.removed) out.push(`warning resolved: ${w}`);
        if (opts.mode === "full") {
            for (const b of blocks(d)) {
                out.push("");
                for (const l of b) {
                    if (l.startsWith("---") || l.startsWith("+++")) out.push(paint("bold", l));
                    else if (l.startsWith("@@")) out.push(paint("cyan", l));
                    else if (l.startsWith("+")) out.push(paint("green", l));
                    else if (l.startsWith("-")) out.push(paint("red", l));
                    else out.push(l);
                }
            }
        }
        out.push("");
    }
    out.push(...diffs.map(summaryLine));
    return `${out.join("\n")}\n`;
}

export interface MarkdownOptions {
    /** What the fleet was compared against, e.g. "`main` (1a2b3c4)". */
    base: string;
    /** Hard limit on the comment's length (GitHub refuses comments over 65536 characters). */
    maxChars: number;
}

/**
 * Says what the comment is and is not. What the simulator stands in for is listed in
 * tools/render/simulator.ts (FleetMocks); keep the two in step.
 */
export const OFFLINE_NOTE = [
    "> [!NOTE]",
    "> An **offline render, not a `pulumi preview`**: the program ran under Pulumi's mocks at both commits, with no state, cluster or cloud.",
    "> Simulated: the hcloud Network lookup (`hcloud.getNetwork`), the outputs of the tls and random providers (keys, certificates and tokens are `<known after deploy>`),",
    "> and each agent stack's StackReference (answered by the hub's render). Secret values are redacted on both sides.",
    "> *Replaced* and *delete-first* follow pulumi-kubernetes' own rules (`provider/pkg/provider/diff.go`) applied to the rendered inputs, with each resource's `ignoreChanges`;",
    "> drift, aliases and whether a certificate is inside its early-renewal window (a renewal replaces it, and the Secrets that hold it) only the Pulumi preview can see.",
    "",
].join("\n");

/**
 * The certificates a reviewer should remember: the render knows which exist and that each has an
 * early-renewal window; only the state knows when it was issued, so not whether `up` renews it now.
 */
function certificateNote(diffs: StackDiff[]): string {
    const held = diffs.filter((d) => d.certificates.length > 0);
    if (held.length === 0) return "";
    const list = held.map((d) => `\`${d.stack}\` ${d.certificates.length}`).join(", ");
    return `>\n> Certificates (${list}): each is re-issued by the first \`pulumi up\` inside its early-renewal window (\`earlyRenewalHours\`, set in components/pki), which replaces the Secrets that hold it; the Pulumi preview shows whether one is due.\n`;
}

/** Marks the comment so a workflow can find and update its own sticky comment. */
export const MARKDOWN_MARKER = "<!-- vector-fleet render diff -->";

function escapeHtml(s: string): string {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A fence longer than any run of backticks inside, so content cannot close it. */
function fenced(lang: string, lines: string[]): string {
    const longest = Math.max(0, ...lines.map((l) => Math.max(0, ...(l.match(/`+/g) ?? []).map((r) => r.length))));
    const fence = "`".repeat(Math.max(3, longest + 1));
    return `${fence}${lang}\n${lines.join("\n")}\n${fence}\n`;
}

/**
 * For a sticky PR comment: a table of changed objects and the diffs per stack, each stack in a
 * collapsible <details>. Diffs are cut (whole blocks first, in order) to stay under maxChars, with
 * a note saying so; the lists and summaries are always complete.
 */
export function formatMarkdown(diffs: StackDiff[], opts: MarkdownOptions): string {
    const changed = diffs.filter((d) => d.status !== "unchanged");
    const unchanged = diffs.filter((d) => d.status === "unchanged").map((d) => `\`${d.stack}\``);
    const alerts = diffs.flatMap((d) => d.alerts);
    const caution = alerts.length > 0 ? `> [!CAUTION]\n${alerts.map((a) => `> - ${escapeHtml(a)}`).join("\n")}\n\n` : "";
    const head = `${MARKDOWN_MARKER}\n### Rendered fleet against ${opts.base}\n\n${caution}${OFFLINE_NOTE}${certificateNote(diffs)}\n`;
    if (changed.length === 0) return `${head}No changes: every stack renders the same manifests and Vector configs.\n`;
    const tail = unchanged.length > 0 ? `\nUnchanged: ${unchanged.join(", ")}.\n` : "";
    const TRUNCATED = "\n> Diffs truncated to fit a PR comment: run `npm run diff` locally for all of them.\n";

    const sections = changed.map((d) => {
        const rows = [
            ...d.objects.map((o) => `| ${o.action === "replace" ? `**${actionText(o)}**` : actionText(o)} | \`${o.label}\`${embeddedNote(o)} |`),
            ...d.files.map((f) => `| ${f.status} | file \`${f.name}\` |`),
        ];
        const warnings = [...d.warnings.added.map((w) => `> **new warning:** ${w}`), ...d.warnings.removed.map((w) => `> warning resolved: ${w}`)];
        return {
            open: `<details><summary>${escapeHtml(summaryLine(d))}</summary>\n\n| what \`pulumi up\` does | object or file |\n| --- | --- |\n${rows.join("\n")}\n\n${warnings.length > 0 ? `${warnings.join("\n>\n")}\n\n` : ""}`,
            diffs: blocks(d).map((b) => fenced("diff", b)),
            close: "</details>\n\n",
        };
    });
    const NOTE_RESERVE = 120;
    const fixed = head.length + tail.length + TRUNCATED.length + sections.reduce((n, s) => n + s.open.length + s.close.length + NOTE_RESERVE, 0);
    let budget = opts.maxChars - fixed;
    let truncated = false;
    const body = sections.map((s) => {
        const kept: string[] = [];
        let omitted = 0;
        for (const block of s.diffs) {
            if (!truncated && block.length <= budget) {
                kept.push(block);
                budget -= block.length;
                continue;
            }
            if (!truncated && budget > 400) {
                // Cut the first block that does not fit at a line, inside its fence.
                const lines = block.split("\n");
                const fence = lines[0].match(/^`+/)![0];
                const cut: string[] = [];
                let size = fence.length * 2 + 64;
                for (const l of lines.slice(1, -2)) {
                    if (size + l.length + 1 > budget) break;
                    cut.push(l);
                    size += l.length + 1;
                }
                kept.push(`${fence}diff\n${cut.join("\n")}\n... (cut here)\n${fence}\n`);
                budget -= size;
            } else omitted++;
            truncated = true;
        }
        const note = omitted > 0 ? `_${omitted} more diff${omitted === 1 ? "" : "s"} not shown._\n\n` : "";
        return s.open + kept.join("\n") + (kept.length > 0 ? "\n" : "") + note + s.close;
    });
    const text = head + body.join("") + tail + (truncated ? TRUNCATED : "");
    // The lists alone can outgrow a comment only with thousands of objects; then cut bluntly.
    return text.length <= opts.maxChars ? text : `${text.slice(0, opts.maxChars - TRUNCATED.length - 1)}\n${TRUNCATED}`;
}

// ---------------------------------------------------------------------------------------------
// Command line.

export interface DiffArgs {
    help: boolean;
    /** A git ref; undefined: the merge base of HEAD and main. */
    base?: string;
    stacks: string[];
    mode: TextMode | "markdown";
    /** undefined: color when stdout is a terminal. */
    color?: boolean;
    maxChars: number;
}

/** GitHub's limit for a comment body is 65536 characters; leave room for whatever a workflow adds. */
export const DEFAULT_MAX_CHARS = 60000;

export function parseDiffArgs(argv: string[]): DiffArgs | { error: string } {
    const args: DiffArgs = { help: false, stacks: [], mode: "full", maxChars: DEFAULT_MAX_CHARS };
    const modes: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const value = () => {
            const v = argv[i + 1];
            if (v === undefined || v.startsWith("--")) throw new Error(`${a} needs a value`);
            i++;
            return v;
        };
        try {
            if (a === "--help" || a === "-h") args.help = true;
            else if (a === "--base") args.base = value();
            else if (a === "--stack") args.stacks.push(value());
            else if (a === "--stat" || a === "--name-only" || a === "--markdown") modes.push(a);
            else if (a === "--no-color") args.color = false;
            else if (a === "--color") args.color = true;
            else if (a === "--max-chars") {
                const v = value();
                args.maxChars = /^\d+$/.test(v) && Number(v) >= 1000 ? Number(v) : NaN;
                if (Number.isNaN(args.maxChars)) return { error: `--max-chars: got ${JSON.stringify(v)}; expected a whole number of at least 1000` };
            } else return { error: `unknown argument ${JSON.stringify(a)}` };
        } catch (e) {
            return { error: (e as Error).message };
        }
    }
    if (modes.length > 1) return { error: `choose one of ${modes.join(", ")}` };
    if (modes.length === 1) args.mode = modes[0].slice(2) as DiffArgs["mode"];
    return args;
}
