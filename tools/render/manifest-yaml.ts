/**
 * manifests.yaml's documents, written without building a `yaml` Document per object: the
 * library's `stringify` creates a node for every value and a context for every pair, which made
 * it about a tenth of a fleet render's CPU. This writes the same bytes as
 * `stringify(value, { sortMapEntries: true, lineWidth: 0 })` of yaml 2.x (the only options the
 * render uses) for the JSON-like objects a render produces, and asks the library itself whenever
 * a value is anything else:
 *
 * - the layout is yaml's defaults: two-space indent, sequences indented under their key
 *   (`indentSeq`), `{}`/`[]` for empty collections, map keys sorted as `sortMapEntries: true`
 *   sorts them (`a < b`), pairs whose value is `undefined` left out;
 * - every scalar (string, number, boolean, null) and every key is written as the library writes
 *   it: plain strings that no YAML 1.2 core-schema tag would read as anything else are written
 *   as they are, every other scalar is stringified once by the library (in a one-pair map or a
 *   one-item list, which is how yaml writes a value after `key:` or `- `) and cached; a
 *   multi-line result (block scalar, folded quotes) is moved to its indentation, which is how
 *   yaml writes it (each continuation line is the context's indent plus the same text);
 * - anything it does not know (a value that is not a plain object, array or scalar, an object
 *   met twice, which yaml would write as an anchor and alias, a key the library writes in
 *   explicit `? ` form or that starts like a document marker, which yaml quotes at some depths
 *   only, an `undefined` list item, a non-map document) makes the whole document
 *   the library's.
 *
 * tests/tools/render/manifest-yaml.test.ts compares it with the library on every rendered object
 * and on edge cases.
 */
import { stringify } from "yaml";
import { sortedKeys } from "./sorted-keys";

const OPTIONS = { sortMapEntries: true, lineWidth: 0 } as const;

/** A document the fast writer leaves to the library. */
class NotPlain extends Error {}

/** yaml's own output for one document, as the render has always written it. */
export function libraryYaml(value: unknown): string {
    return stringify(value, OPTIONS);
}

/** `stringify(value, { sortMapEntries: true, lineWidth: 0 })`, byte for byte, faster for plain data. */
export function manifestYaml(value: unknown): string {
    if (!isPlainObject(value)) return libraryYaml(value);
    try {
        const out: string[] = [];
        const seen = new Set<object>();
        if (!writeMap(value, "", out, seen, true)) return "{}\n";
        return out.join("");
    } catch (e) {
        if (e instanceof NotPlain) return libraryYaml(value);
        throw e;
    }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
    const proto = Object.getPrototypeOf(v) as unknown;
    return proto === Object.prototype || proto === null;
}

/**
 * Strings written plain without asking the library: no indicator first, no `: ` or ` #`, no
 * trailing colon or space, no newline, and not a word the core schema reads as null or a boolean
 * (numbers, `.inf`, `.nan`, hex and octal all start with a character not allowed here).
 */
const SAFE_PLAIN = /^[A-Za-z_/][A-Za-z0-9_./@+=-]*(?::[A-Za-z0-9_./@+=-]+)*$/;
const CORE_WORDS = /^(?:[Nn]ull|NULL|[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
/** Beyond this yaml writes a key in explicit form (`? key`). */
const MAX_PLAIN_KEY = 1000;

const valueCache = new Map<string | number, string>();
const keyCache = new Map<string, string>();
const CACHE_LIMIT = 50_000;

function remember<K>(cache: Map<K, string>, k: K, v: string): string {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(k, v);
    return v;
}

/**
 * How yaml writes a scalar after `key:` (or `- `, the same text): the separator and the value,
 * with continuation lines indented for a key at column 0 (two spaces). Cached by value.
 */
function scalarTail(v: string | number): string {
    const hit = valueCache.get(v);
    if (hit !== undefined) return hit;
    const out = stringify({ k: v }, OPTIONS);
    if (!out.startsWith("k:") || !out.endsWith("\n")) throw new NotPlain();
    return remember(valueCache, v, out.slice(2, -1));
}

/** A tail at a key or dash in column `indent.length`: its continuation lines moved there. */
function placed(tail: string, indent: string): string {
    if (indent === "" || !tail.includes("\n")) return tail;
    return tail
        .split("\n")
        .map((line, i) => (i === 0 || line === "" ? line : indent + line))
        .join("\n");
}

function valueTail(v: unknown, indent: string): string {
    switch (typeof v) {
        case "string":
            return SAFE_PLAIN.test(v) && !CORE_WORDS.test(v) ? ` ${v}` : placed(scalarTail(v), indent);
        case "number":
            return Number.isSafeInteger(v) && !Object.is(v, -0) ? ` ${v}` : placed(scalarTail(v), indent);
        case "boolean":
            return v ? " true" : " false";
        default:
            if (v === null) return " null";
            throw new NotPlain();
    }
}

function keyText(k: string): string {
    if (k.length <= MAX_PLAIN_KEY && SAFE_PLAIN.test(k) && !CORE_WORDS.test(k)) return k;
    const hit = keyCache.get(k);
    if (hit !== undefined) return hit;
    // yaml quotes a key that starts like a document marker only at some depths.
    if (/^(?:%|---|\.\.\.)/m.test(k)) throw new NotPlain();
    const out = stringify({ [k]: 1 }, OPTIONS);
    if (!out.endsWith(": 1\n") || out.indexOf("\n") !== out.length - 1 || out.startsWith("?")) throw new NotPlain();
    return remember(keyCache, k, out.slice(0, -": 1\n".length));
}

function enter(o: object, seen: Set<object>): void {
    // The same object twice is an anchor and an alias in yaml's output.
    if (seen.has(o)) throw new NotPlain();
    seen.add(o);
}

/**
 * Writes a map's pairs at `indent`; `first` is false when the first pair follows a `- ` already
 * written. Returns whether it wrote anything (an empty map is `{}` where it stands).
 */
function writeMap(o: Record<string, unknown>, indent: string, out: string[], seen: Set<object>, first: boolean): boolean {
    enter(o, seen);
    const keys = sortedKeys(o);
    let wrote = false;
    for (const k of keys) {
        const v = o[k];
        if (v === undefined) continue;
        const lead = wrote || first ? indent : "";
        wrote = true;
        out.push(lead, keyText(k), ":");
        writeValue(v, indent, out, seen);
    }
    return wrote;
}

/**
 * An empty list or map (one whose values are all undefined, which the library leaves out) on the
 * line it belongs to, `[]` or `{}`; false for anything else, and a refusal for an object that is not
 * plain.
 */
function writeEmpty(v: unknown, out: string[], seen: Set<object>): boolean {
    if (Array.isArray(v)) {
        if (v.length > 0) return false;
        enter(v, seen);
        out.push(" []\n");
        return true;
    }
    if (v === null || typeof v !== "object") return false;
    if (!isPlainObject(v)) throw new NotPlain();
    if (!Object.values(v).every((x) => x === undefined)) return false;
    enter(v, seen);
    out.push(" {}\n");
    return true;
}

/** The rest of a `key:` line whose key is at `indent`, and what nests under it. */
function writeValue(v: unknown, indent: string, out: string[], seen: Set<object>): void {
    if (writeEmpty(v, out, seen)) return;
    if (Array.isArray(v)) {
        out.push("\n");
        writeSeq(v, `${indent}  `, out, seen);
        return;
    }
    if (v !== null && typeof v === "object") {
        if (!isPlainObject(v)) throw new NotPlain();
        out.push("\n");
        writeMap(v, `${indent}  `, out, seen, true);
        return;
    }
    out.push(valueTail(v, indent), "\n");
}

/** A sequence's items, each `- ` at `indent`. */
function writeSeq(items: unknown[], indent: string, out: string[], seen: Set<object>): void {
    enter(items, seen);
    for (const item of items) {
        out.push(indent, "-");
        writeItem(item, indent, out, seen);
    }
}

/** The rest of a `- ` line whose dash is at `indent`. */
function writeItem(v: unknown, indent: string, out: string[], seen: Set<object>): void {
    if (v === undefined) throw new NotPlain();
    if (writeEmpty(v, out, seen)) return;
    if (Array.isArray(v)) {
        // A list in a list starts on the dash's line: `- - x`.
        out.push(" ");
        enter(v, seen);
        v.forEach((x, i) => {
            if (i > 0) out.push(`${indent}  `);
            out.push("-");
            writeItem(x, `${indent}  `, out, seen);
        });
        return;
    }
    if (v !== null && typeof v === "object") {
        if (!isPlainObject(v)) throw new NotPlain();
        // A map in a list starts on the dash's line: `- key: value`.
        out.push(" ");
        writeMap(v, `${indent}  `, out, seen, false);
        return;
    }
    out.push(valueTail(v, indent), "\n");
}
