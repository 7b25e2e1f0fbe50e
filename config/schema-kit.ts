/**
 * A small schema kit for untrusted stack config.
 *
 * Why not a validation library: every problem must carry its full key path, the bad value and
 * what is expected, all problems of a stack must be reported together, secret values must never
 * be echoed, and the same schema must generate the README's config reference. A few dozen lines
 * do all of that with types inferred from the schema, so the parsed config cannot drift from it.
 */

/** One thing wrong with the stack config. */
export interface Problem {
    /** The stack file it is in (`Pulumi.<stack>.yaml`), when read from one (config/stack-file.ts). */
    readonly file?: string;
    /** Full key path, e.g. `vector-fleet:agent.buffers.logsMaxBytes`. */
    readonly path: string;
    /** The offending value, already rendered for humans (secrets as `[secret]`). */
    readonly value: string;
    /** What would have been accepted: this is the fix. */
    readonly expected: string;
}

/**
 * Thrown before any resource is registered when the stack config is invalid.
 *
 * The Pulumi nodejs language host prints an uncaught error with its stack trace unless it is a
 * RunError (or a ResourceError asking to hide it): pulumi/pulumi sdk/nodejs/cmd/run/run.ts,
 * `uncaughtHandler`. RunError.isInstance only looks for a true `__pulumiRunError` member
 * (sdk/nodejs/errors.ts, utils.ts isInstance), so carrying it makes the CLI print just the
 * message, without tying this module (and every pure tool that loads it) to the SDK.
 */
export class ConfigError extends Error {
    readonly __pulumiRunError = true;
    constructor(readonly problems: readonly Problem[]) {
        super(
            `invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${formatProblem(p)}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

export function formatProblem(p: Problem): string {
    return `${p.file ? `${p.file}: ` : ""}${p.path}: got ${p.value}; expected ${p.expected}`;
}

/** Sentinel for "this value was invalid, a problem has been recorded". */
export const INVALID: unique symbol = Symbol("invalid");
export type Invalid = typeof INVALID;

export interface Ctx {
    readonly problems: Problem[];
    /** When true, values are never echoed (secret config). */
    readonly secret: boolean;
}

export type Kind = "string" | "integer" | "boolean" | "list" | "map" | "object";

export interface Schema<T> {
    /** The JSON shape of accepted values: decides how a top-level config string is decoded. */
    readonly kind: Kind;
    /** Human description of the accepted values, used in errors and generated docs. */
    readonly expected: string;
    parse(value: unknown, path: string, ctx: Ctx): T | Invalid;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

/** `vector-fleet:` + `agent` gives `vector-fleet:agent`; deeper keys are joined with dots. */
export function child(path: string, key: string): string {
    return path.endsWith(":") ? `${path}${key}` : `${path}.${key}`;
}

/** Parses with echo off: the value of a secret key never appears in a problem. */
export function secret<T>(inner: Schema<T>): Schema<T> {
    return { ...inner, parse: (value, path, ctx) => inner.parse(value, path, { ...ctx, secret: true }) };
}

export function show(value: unknown, ctx: Pick<Ctx, "secret">): string {
    if (ctx.secret) return "[secret]";
    if (value === undefined) return "nothing";
    const s = JSON.stringify(value);
    return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

function fail(ctx: Ctx, path: string, value: unknown, expected: string): Invalid {
    ctx.problems.push({ path, value: show(value, ctx), expected });
    return INVALID;
}

export interface StringOpts {
    pattern?: RegExp;
    /** Explains the pattern in words, since a regex is no help to a reader. */
    patternHint?: string;
    maxLength?: number;
    check?: (s: string) => string | undefined;
}

export function str(opts: StringOpts = {}): Schema<string> {
    const expected = opts.patternHint ?? "a string";
    return {
        kind: "string",
        expected,
        parse(value, path, ctx) {
            if (typeof value !== "string" || value.length === 0) return fail(ctx, path, value, expected);
            if (opts.maxLength !== undefined && value.length > opts.maxLength)
                return fail(ctx, path, value, `${expected} of at most ${opts.maxLength} characters`);
            if (opts.pattern && !opts.pattern.test(value)) return fail(ctx, path, value, expected);
            const why = opts.check?.(value);
            if (why) return fail(ctx, path, value, why);
            return value;
        },
    };
}

export function oneOf<const T extends string>(values: readonly T[]): Schema<T> {
    const expected = `one of ${values.map((v) => JSON.stringify(v)).join(", ")}`;
    return {
        kind: "string",
        expected,
        parse(value, path, ctx) {
            return typeof value === "string" && (values as readonly string[]).includes(value) ? (value as T) : fail(ctx, path, value, expected);
        },
    };
}

export function int(min: number, max: number, unit = ""): Schema<number> {
    const expected = `an integer from ${min} to ${max}${unit ? ` ${unit}` : ""}`;
    return {
        kind: "integer",
        expected,
        parse(value, path, ctx) {
            return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max ? value : fail(ctx, path, value, expected);
        },
    };
}

export function bool(): Schema<boolean> {
    return {
        kind: "boolean",
        expected: "true or false",
        parse(value, path, ctx) {
            return typeof value === "boolean" ? value : fail(ctx, path, value, "true or false");
        },
    };
}

export function list<T>(item: Schema<T>, opts: { unique?: boolean; min?: number; max?: number } = {}): Schema<T[]> {
    const bounds = opts.min ? ` (at least ${opts.min})` : "";
    const expected = `a list of ${item.expected}${opts.unique ? ", without duplicates" : ""}${bounds}`;
    return {
        kind: "list",
        expected,
        parse(value, path, ctx) {
            if (!Array.isArray(value)) return fail(ctx, path, value, expected);
            if (opts.min !== undefined && value.length < opts.min) return fail(ctx, path, value, expected);
            if (opts.max !== undefined && value.length > opts.max) return fail(ctx, path, value, `${expected}, at most ${opts.max} entries`);
            const out: T[] = [];
            let ok = true;
            value.forEach((v, i) => {
                const r = item.parse(v, `${path}[${i}]`, ctx);
                if (r === INVALID) ok = false;
                else if (opts.unique && out.some((o) => JSON.stringify(o) === JSON.stringify(r))) {
                    fail(ctx, `${path}[${i}]`, v, "a value not already listed");
                    ok = false;
                } else out.push(r);
            });
            return ok ? out : INVALID;
        },
    };
}

/** A map with validated keys and values; entries come back sorted by key for deterministic output. */
export function dict<T>(key: Schema<string>, val: Schema<T>): Schema<Record<string, T>> {
    const expected = `a map from ${key.expected} to ${val.expected}`;
    return {
        kind: "map",
        expected,
        parse(value, path, ctx) {
            if (!isPlainObject(value)) return fail(ctx, path, value, expected);
            const out: Record<string, T> = {};
            let ok = true;
            for (const k of Object.keys(value).sort()) {
                const kp = child(path, k);
                if (key.parse(k, kp, { ...ctx, secret: false }) === INVALID) {
                    ok = false;
                    continue;
                }
                const r = val.parse(value[k], kp, ctx);
                if (r === INVALID) ok = false;
                else out[k] = r;
            }
            return ok ? out : INVALID;
        },
    };
}

/** A documented field of an object schema. */
export interface Field<T> {
    readonly schema: Schema<T>;
    readonly doc: string;
    /** Present when the field is optional; `undefined` means "optional, no default". */
    readonly default?: { readonly value: T | undefined };
    /** An optional object whose default is its own fields' defaults. */
    readonly section?: true;
}

/** A required field. */
export function req<T>(schema: Schema<T>, doc: string): Field<T> {
    return { schema, doc };
}

/** An optional field with a default (or none), applied here so defaults live in one place. */
export function opt<T>(schema: Schema<T>, def: T, doc: string): Field<T>;
export function opt<T>(schema: Schema<T>, def: undefined, doc: string): Field<T | undefined>;
export function opt<T>(schema: Schema<T>, def: T | undefined, doc: string): Field<T | undefined> {
    return { schema, doc, default: { value: def } };
}

/** An optional object section: leaving it out is the same as writing `{}`. */
export function section<F extends Fields>(schema: ObjectSchema<F>, doc: string): Field<FromFields<F>> {
    return { schema, doc, section: true };
}

/** The value a missing field takes, or INVALID when it is required. */
export function defaultOf<T>(f: Field<T>, path: string, ctx: Ctx): T | undefined | Invalid {
    if (f.section) return f.schema.parse({}, path, ctx);
    if (f.default) return cloneDefault(f.default.value);
    return fail(ctx, path, undefined, `${f.schema.expected} (required: ${f.doc})`);
}

type Fields = Record<string, Field<unknown>>;
type FromFields<F extends Fields> = { -readonly [K in keyof F]: F[K] extends Field<infer T> ? T : never };

export interface ObjectSchema<F extends Fields> extends Schema<FromFields<F>> {
    readonly fields: F;
}

/**
 * An object with known fields. Unknown keys are problems (a misspelt key silently ignored is the
 * most common way a config "does nothing"); the message names the closest known key, or for a key
 * listed in `moved`, where it lives now.
 */
export function obj<F extends Fields>(fields: F, opts: { moved?: Record<string, string> } = {}): ObjectSchema<F> {
    const expected = "an object";
    return {
        kind: "object",
        expected,
        fields,
        parse(value, path, ctx) {
            const v = value === undefined ? {} : value;
            if (!isPlainObject(v)) return fail(ctx, path, value, `${expected} with keys ${Object.keys(fields).join(", ")}`);
            let ok = true;
            for (const k of Object.keys(v)) {
                if (!(k in fields)) {
                    // A key that moved elsewhere says where, rather than guessing a neighbour.
                    const moved = opts.moved && Object.hasOwn(opts.moved, k) ? opts.moved[k] : undefined;
                    fail(ctx, child(path, k), v[k], moved ?? unknownKeyHint(k, Object.keys(fields)));
                    ok = false;
                }
            }
            const out: Record<string, unknown> = {};
            for (const [k, f] of Object.entries(fields)) {
                const raw = v[k];
                if (raw === undefined || raw === null) {
                    const d = defaultOf(f, child(path, k), ctx);
                    if (d === INVALID) ok = false;
                    else out[k] = d;
                    continue;
                }
                const r = f.schema.parse(raw, child(path, k), ctx);
                if (r === INVALID) ok = false;
                else out[k] = r;
            }
            return ok ? (out as FromFields<F>) : INVALID;
        },
    };
}

export function unknownKeyHint(key: string, known: readonly string[]): string {
    const close = known
        .map((k) => ({ k, d: editDistance(k.toLowerCase(), key.toLowerCase()) }))
        .filter((x) => x.d <= Math.max(2, Math.floor(x.k.length / 3)))
        .sort((a, b) => a.d - b.d)[0];
    return close ? `no such key; did you mean "${close.k}"?` : `no such key; known keys: ${known.join(", ")}`;
}

function editDistance(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++)
        for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    return d[a.length][b.length];
}

function cloneDefault<T>(v: T): T {
    return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}
