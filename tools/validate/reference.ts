/**
 * Turns Vector's generated reference (CUE, parsed by ./cue.ts) and the VRL standard library's
 * sources into the compact data the validator reads (tools/validate/data/vector-<release>.json).
 * Pure: the caller (tools/validate/reference-main.ts) supplies the file contents.
 */
import { CueValue, parseCue } from "./cue";

/** One option: only what a check needs (descriptions and examples are dropped to keep the file small). */
export interface OptNode {
    /** Accepted types; absent means any (`type: "*"`). */
    t?: string[];
    /** Required (always, or when `w` holds). */
    r?: 1;
    /** Default, when the reference states one. */
    d?: unknown;
    /** Allowed string values. */
    e?: string[];
    /** `syntax: "template"`: rendered per event, and confined when the component is a sink. */
    tpl?: 1;
    /** A template the sink does not confine (from the overlay: changelog entries since 0.57). */
    uc?: 1;
    /** Named options of an object. */
    o?: Record<string, OptNode>;
    /** Options of an object with free keys (`options: "*"`). */
    any?: OptNode;
    /** Array items. */
    i?: OptNode;
    /** `relevant_when`: the option belongs to the variant this condition names. */
    w?: string;
    /** `required_one_of`: at least one of these sibling options must be set. */
    one?: string[];
    /** Its Rust struct has no `deny_unknown_fields`: unknown keys inside are ignored, not refused. */
    lax?: 1;
    /** Sibling options it is mutually exclusive with (stated in its description). */
    x?: string[];
    /** Deprecated (or hidden from the docs, or an alias). */
    dep?: 1;
    /** A serde alias of this sibling option: setting it satisfies that option's `required`. */
    al?: string;
}

export type EventType = "log" | "metric" | "trace";

export interface ComponentRef {
    o: Record<string, OptNode>;
    /** Event types a sink or transform accepts (the component's hand-written `input`). */
    in?: EventType[];
    /** Event types a source or transform emits (the component's hand-written `output`). */
    out?: EventType[];
    /** Its config struct has no `#[serde(deny_unknown_fields)]`: Vector ignores unknown top-level keys. */
    lax?: 1;
}

export interface VrlFunction {
    /** Required parameters. */
    min: number;
    /** All parameters. */
    max: number;
    /** "always": the type definition is fallible; "maybe": depends on argument types; "never". */
    f: "always" | "maybe" | "never";
    /** Kinds each parameter accepts, in order ("bytes", "object|array", "any"). */
    p?: string[];
    /** Kinds the function returns. */
    ret?: string;
}

export interface ReferenceData {
    release: string;
    tag: string;
    commit: string;
    source: string;
    base_commit: string;
    base_date?: string;
    overlay: string[];
    vrl: { version: string; commit: string; source: string; functions: Record<string, VrlFunction> };
    global: Record<string, OptNode>;
    common: { sources: Record<string, OptNode>; transforms: Record<string, OptNode>; sinks: Record<string, OptNode> };
    sources: Record<string, ComponentRef>;
    transforms: Record<string, ComponentRef>;
    sinks: Record<string, ComponentRef>;
}

type Obj = { [k: string]: CueValue };
const isObj = (v: CueValue | undefined): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

/** Converts one generated option (`{ required, type: {...}, relevant_when, ... }`) to an OptNode. */
export function optNode(spec: CueValue): OptNode {
    if (!isObj(spec)) return {};
    const n: OptNode = {};
    const type = isObj(spec.type) ? spec.type : {};
    const kinds = Object.keys(type);
    if (!kinds.includes("*")) n.t = kinds.sort();
    if (spec.required === true) n.r = 1;
    if (typeof spec.relevant_when === "string") n.w = spec.relevant_when;
    if (Array.isArray(spec.required_one_of)) n.one = spec.required_one_of.map(String);
    if (spec.deprecated === true) n.dep = 1;
    // The reference says exclusivity only in prose ("This option is mutually exclusive with
    // `routing`. Set exactly one of `address` or `routing`." in the vector sink).
    if (typeof spec.description === "string") {
        const d = spec.description.replace(/\s+/g, " ");
        const x = [...d.matchAll(/mutually exclusive with `([a-z0-9_]+)`/g)].map((m) => m[1]);
        if (x.length > 0) n.x = x;
        const one = /Set exactly one of `([a-z0-9_]+)` or `([a-z0-9_]+)`/.exec(d);
        if (one) n.one = [one[1], one[2]];
    }
    for (const k of kinds) {
        const t = type[k];
        if (!isObj(t)) continue;
        if ("default" in t && n.d === undefined) n.d = t.default;
        if (isObj(t.enum)) n.e = [...(n.e ?? []), ...Object.keys(t.enum)];
        if (t.syntax === "template") n.tpl = 1;
        if (k === "object" && isObj(t.options)) {
            for (const [name, child] of Object.entries(t.options)) {
                if (name === "*") n.any = optNode(child);
                else (n.o ??= {})[name] = optNode(child);
            }
        }
        if (k === "array" && isObj(t.items)) n.i = optNode(t.items);
    }
    return n;
}

export function optionsOf(struct: CueValue | undefined): Record<string, OptNode> {
    const out: Record<string, OptNode> = {};
    if (!isObj(struct)) return out;
    for (const [k, v] of Object.entries(struct)) out[k] = optNode(v);
    return out;
}

/** `generated: components: <kind>: <name>: configuration: {...}` of one generated component file. */
export function componentOptions(src: string, kind: string, name: string): Record<string, OptNode> {
    const doc = parseCue(src);
    const path = ["generated", "components", kind, name, "configuration"];
    let v: CueValue | undefined = doc;
    for (const p of path) v = isObj(v) ? v[p] : undefined;
    if (!isObj(v)) throw new Error(`${kind}/${name}: no ${path.join(".")} in the generated file`);
    return optionsOf(v);
}

const TYPE_NAMES: Record<string, EventType> = { logs: "log", metrics: "metric", traces: "trace" };

/**
 * Event types from a component's hand-written CUE (`input: {logs: true, metrics: null, ...}`,
 * `output: metrics: ...` or `output: { logs: ..., metrics: ... }`). Only the top-level blocks are
 * read (one tab deep); those files are not in the generated subset, so nothing else is parsed.
 */
export function eventTypes(src: string, block: "input" | "output"): EventType[] | undefined {
    const lines = src.split("\n");
    const start = lines.findIndex((l) => new RegExp(`^\\t${block}:`).test(l));
    if (start < 0) return undefined;
    const head = lines[start];
    const single = new RegExp(`^\\t${block}:\\s*(logs|metrics|traces)\\s*:`).exec(head);
    if (single) return [TYPE_NAMES[single[1]]];
    if (!/:\s*\{\s*$/.test(head)) return undefined;
    const end = lines.findIndex((l, i) => i > start && /^\t\}/.test(l));
    const body = lines.slice(start + 1, end);
    if (block === "output") {
        const types = new Set<EventType>();
        for (const l of body) {
            const m = /^\t\t(logs|metrics|traces)\s*:/.exec(l);
            if (m) types.add(TYPE_NAMES[m[1]]);
        }
        return [...types];
    }
    const parsed = parseCue(body.join("\n"));
    return Object.entries(TYPE_NAMES)
        .filter(([k]) => parsed[k] === true || isObj(parsed[k]))
        .map(([, t]) => t);
}

/**
 * One VRL function from its Rust source (vectordotdev/vrl src/stdlib/<name>.rs, or Vector's own
 * lib/vector-vrl functions): the identifier, the `Parameter::required`/`optional` list (or the
 * older `Parameter { required: bool }` form) and whether the type definition is fallible.
 * `fallibleHelpers` are helper functions elsewhere in the stdlib whose TypeDef is fallible.
 */
export function vrlFunction(rust: string, fallibleHelpers: Set<string>): ({ name: string } & VrlFunction) | undefined {
    const code = rust.split(/#\[cfg\(test\)\]/)[0];
    const id = /fn identifier\(&self\)\s*->\s*&'static str\s*\{\s*"([a-z0-9_]+)"/.exec(code);
    if (!id) return undefined;
    const required = (code.match(/Parameter::required\(/g) ?? []).length + (code.match(/required:\s*true/g) ?? []).length;
    const optional = (code.match(/Parameter::optional\(/g) ?? []).length + (code.match(/required:\s*false/g) ?? []).length;
    const typeDefs = [...code.matchAll(/fn type_def\([^)]*\)\s*->\s*TypeDef\s*\{([\s\S]*?)\n {4}\}/g)].map((m) => m[1]);
    // A free `fn type_def() -> TypeDef` in the same file is a helper too (parse_key_value).
    const local = new Set([...fallibleHelpersIn(code, true), ...fallibleHelpers]);
    const FALLIBLE = /\.fallible\(\s*(\/\*[\s\S]*?\*\/\s*)?\)/;
    const helperFallible = (body: string) => [...local].some((h) => new RegExp(`(^|[^.\\w])${h}\\(`).test(body));
    let f: VrlFunction["f"] = "never";
    if (typeDefs.some((b) => /maybe_fallible|fallible_if|fallible_unless|\.fallible\(\s*[^)\s/]/.test(b))) f = "maybe";
    if (typeDefs.length > 0 && typeDefs.every((b) => FALLIBLE.test(b) || helperFallible(b))) f = "always";
    const kinds = (expr: string) => {
        const ks = [...expr.matchAll(/kind::([A-Z]+)/g)].map((k) => k[1].toLowerCase());
        return ks.includes("any") || ks.length === 0 ? "any" : [...new Set(ks)].sort().join("|");
    };
    const params = [...code.matchAll(/Parameter::(?:required|optional)\(\s*"[a-z0-9_]+"\s*,\s*([^,]+),/g)].map((p) => kinds(p[1]));
    const ret = /fn return_kind\(&self\)\s*->\s*u16\s*\{([^}]*)\}/.exec(code);
    return {
        name: id[1],
        min: required,
        max: required + optional,
        f,
        ...(params.length === required + optional && params.length > 0 ? { p: params } : {}),
        ...(ret ? { ret: kinds(ret[1]) } : {}),
    };
}

/** Helper functions (`fn x(...) -> TypeDef`) whose body ends in `.fallible()`. */
export function fallibleHelpers(rust: string): string[] {
    return fallibleHelpersIn(rust, false);
}

function fallibleHelpersIn(rust: string, includeTypeDef: boolean): string[] {
    // Free functions only (column 0); a free `type_def` is only a helper within its own file.
    return [...rust.matchAll(/^(?:pub(?:\([a-z]+\))? )?fn ([a-z0-9_]+)\([^)]*\)\s*->\s*TypeDef\s*\{([\s\S]*?)\n\}/gm)]
        .filter((m) => (includeTypeDef || m[1] !== "type_def") && /\.fallible\(\s*(\/\*[\s\S]*?\*\/\s*)?\)/.test(m[2]))
        .map((m) => m[1]);
}

export interface ComponentSourceFacts {
    kind: "sources" | "transforms" | "sinks";
    name: string;
    /** No `#[serde(deny_unknown_fields)]` on its config struct. */
    lax: boolean;
    /** Fields marked `docs::hidden`: accepted by the engine, absent from the generated reference. */
    hidden: string[];
    /** `#[serde(alias = "old")]`: [alias, field]. */
    aliases: [string, string][];
}

/**
 * The named fields of a Rust struct body (rustfmt layout: fields at one indent), each with the
 * attribute lines just above it; doc comments between them do not separate a field from its attributes.
 */
function structFields(body: string): { name: string; attrs: string }[] {
    const out: { name: string; attrs: string }[] = [];
    let pending = "";
    for (const line of body.split("\n")) {
        if (/^ {4}#\[/.test(line) || /^ {8}/.test(line)) pending += line;
        else {
            const f = /^ {4}(?:pub(?:\([a-z]+\))? )?(?:r#)?([a-z0-9_]+):/.exec(line);
            if (f) out.push({ name: f[1], attrs: pending });
            if (!/^\s*\/\//.test(line)) pending = "";
        }
    }
    return out;
}

/**
 * What the generated reference cannot say about a component's top-level config struct, read from
 * the Rust file that declares it with `#[configurable_component(source("name", ...))]`.
 */
export function componentSourceFacts(rust: string): ComponentSourceFacts[] {
    const out: ComponentSourceFacts[] = [];
    for (const m of rust.matchAll(/configurable_component\(\s*(source|transform|sink)\(\s*"([a-z0-9_]+)"/g)) {
        const rest = rust.slice(m.index);
        const decl = /\bpub(\([a-z]+\))? (struct|enum) \w+[^{;]*\{/.exec(rest);
        const attrs = decl ? rest.slice(0, decl.index) : rest;
        const facts: ComponentSourceFacts = {
            kind: `${m[1]}s` as ComponentSourceFacts["kind"],
            name: m[2],
            lax: !attrs.includes("deny_unknown_fields"),
            hidden: [],
            aliases: [],
        };
        if (decl && decl[2] === "struct") {
            const bodyStart = decl.index + decl[0].length;
            const bodyEnd = rest.indexOf("\n}", bodyStart);
            const body = rest.slice(bodyStart, bodyEnd < 0 ? undefined : bodyEnd);
            for (const { name, attrs: fieldAttrs } of structFields(body)) {
                if (/docs::hidden/.test(fieldAttrs)) facts.hidden.push(name);
                for (const a of fieldAttrs.matchAll(/alias\s*=\s*"([a-z0-9_]+)"/g)) facts.aliases.push([a[1], name]);
            }
        }
        out.push(facts);
    }
    return out;
}

/** One `#[configurable_component]` struct: its serde field names and whether it denies unknown fields. */
export interface StructFacts {
    name: string;
    fields: string[];
    deny: boolean;
    /** Has `#[serde(flatten)]` fields: its keys are not its own field names. */
    flatten: boolean;
}

/** Every `#[configurable_component]` struct with named fields in a Rust file. */
export function structFacts(rust: string): StructFacts[] {
    const out: StructFacts[] = [];
    for (const m of rust.matchAll(/#\[configurable_component[^\]]*\]([\s\S]*?)\bpub(?:\([a-z]+\))? struct (\w+)(?:<[^{;]*>)?(?:\s+where[^{]*)?\s*\{/g)) {
        const attrs = m[1];
        if (/\bpub(?:\([a-z]+\))? (struct|enum) /.test(attrs)) continue;
        const bodyStart = m.index + m[0].length;
        const bodyEnd = rust.indexOf("\n}", bodyStart);
        const body = rust.slice(bodyStart, bodyEnd < 0 ? undefined : bodyEnd);
        const fields: string[] = [];
        let flatten = false;
        for (const { name, attrs: fieldAttrs } of structFields(body)) {
            if (/flatten/.test(fieldAttrs)) flatten = true;
            else if (!/serde\([^)]*\bskip\b/.test(fieldAttrs)) fields.push(/rename\s*=\s*"([^"]+)"/.exec(fieldAttrs)?.[1] ?? name);
        }
        out.push({ name: m[2], fields: fields.sort(), deny: attrs.includes("deny_unknown_fields"), flatten });
    }
    return out;
}

/**
 * Marks `lax` every object option whose set of keys is exactly the fields of Rust structs that all
 * lack `deny_unknown_fields` (BatchConfig: max_bytes, max_events, timeout_secs). An option that no
 * struct matches, or that a denying struct also matches, stays strict.
 */
export function markLaxObjects(nodes: Iterable<OptNode>, structs: StructFacts[]): number {
    const byKey = new Map<string, { lax: number; strict: number }>();
    for (const s of structs) {
        if (s.flatten || s.fields.length === 0) continue;
        const key = s.fields.join(",");
        const e = byKey.get(key) ?? { lax: 0, strict: 0 };
        if (s.deny) e.strict++;
        else e.lax++;
        byKey.set(key, e);
    }
    let marked = 0;
    const walk = (n: OptNode) => {
        if (n.o) {
            const e = byKey.get(Object.keys(n.o).sort().join(","));
            if (e && e.lax > 0 && e.strict === 0) {
                n.lax = 1;
                marked++;
            }
            Object.values(n.o).forEach(walk);
        }
        if (n.any) walk(n.any);
        if (n.i) walk(n.i);
    };
    for (const n of nodes) walk(n);
    return marked;
}
