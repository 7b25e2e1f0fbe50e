/**
 * Loads `Pulumi.yaml` and each `Pulumi.<stack>.yaml` the way the Pulumi CLI does before it starts
 * the program, and reports every stack the CLI would refuse, one line per problem:
 * `file  key: what is wrong; fix`.
 *
 * The offline render reads the stack files directly and runs the program under mocks, so without
 * this nothing would notice a `Pulumi.yaml` declaration the CLI turns into a required key. Each
 * rule names the upstream code it mirrors (pulumi/pulumi at the mirror's HEAD, August 2026).
 * Where the CLI stops at the first error, this reports them all.
 *
 * Pure (stack files parse through config/stack-file's cache): no Pulumi SDK, no program import; `npm run render` and the tests call it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { parseStackYaml } from "../../config/stack-file";

/** `type:` values the project schema allows (pulumi/pulumi sdk/go/common/workspace/project.json, simpleConfigType). */
export const CONFIG_TYPES = ["string", "integer", "boolean", "array", "object"] as const;

/** Attributes of a declaration (project.json, configTypeDeclaration: additionalProperties false). */
const DECLARATION_ATTRIBUTES = ["type", "items", "description", "secret", "default", "value"];

interface ItemsType {
    type: string;
    items?: ItemsType;
}

/** One `config:` entry of Pulumi.yaml, after the CLI's shorthand rewrite. */
export interface Declaration {
    /** As written in Pulumi.yaml. */
    declaredAs: string;
    /** `namespace:name`. */
    key: string;
    namespace: string;
    type?: string;
    items?: ItemsType;
    secret: boolean;
    default?: unknown;
    value?: unknown;
}

export interface Project {
    name: string;
    file: string;
    declarations: Declaration[];
}

/** A problem line: `file  key: what is wrong; fix`. */
export function problemLine(file: string, key: string, what: string, fix: string): string {
    return `${file}  ${key}: ${what}; ${fix}`;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isPrimitive = (v: unknown) => typeof v === "string" || typeof v === "number" || typeof v === "boolean";

/**
 * A config key's namespace and name. pulumi/pulumi sdk/go/common/resource/config/key.go (ParseKey):
 * `ns:name`, or the legacy `ns:config:name`; anything else is refused. Keys without a colon belong
 * to the project (sdk/go/common/workspace/loaders.go stackConfigNamespacedWithProject for stack
 * files, pkg/workspace/config.go parseConfigKey for declarations).
 */
export function parseKey(project: string, raw: string): { namespace: string; name: string } | undefined {
    const parts = raw.split(":");
    if (parts.length === 1) return { namespace: project, name: raw };
    if (parts.length === 2) return { namespace: parts[0], name: parts[1] };
    if (parts.length === 3 && parts[1] === "config" && parts[0] !== "" && parts[2] !== "") return { namespace: parts[0], name: parts[2] };
    return undefined;
}

/** pulumi/pulumi sdk/go/common/workspace/project.go InferFullTypeName. */
export function fullTypeName(type: string, items?: ItemsType): string {
    return items ? `array<${fullTypeName(items.type, items.items)}>` : type;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * pulumi/pulumi sdk/go/common/workspace/project.go ValidateConfigValue, applied to what the CLI
 * hands it: a scalar stack value as its text, a map or list JSON-decoded (numbers as float64).
 * - string: only a string (a YAML number or boolean is its text, so it passes; a map or list does not);
 * - integer: a whole number, or a string strconv.Atoi accepts (optional sign, digits, int64 range);
 * - boolean: a boolean, or exactly the strings "true" / "false";
 * - object: a map; array: a list whose every item has the `items` type (no `items`: never valid).
 */
export function validConfigValue(type: string, items: ItemsType | undefined, value: unknown): boolean {
    switch (type) {
        case "string":
            return typeof value === "string";
        case "integer":
            if (typeof value === "number") return Number.isInteger(value);
            if (typeof value === "string" && /^[+-]?[0-9]+$/.test(value)) {
                const n = BigInt(value);
                return n >= INT64_MIN && n <= INT64_MAX;
            }
            return false;
        case "boolean":
            return typeof value === "boolean" || value === "true" || value === "false";
        case "object":
            return isMap(value);
        default:
            return Array.isArray(value) && items !== undefined && value.every((v) => validConfigValue(items.type, items.items, v));
    }
}

function parseItems(v: unknown): ItemsType | undefined {
    if (!isMap(v)) return undefined;
    const t = v.type;
    // `type` may itself be an items object (project.json configItemsType); the CLI reads its `type`.
    if (typeof t === "string") return { type: t, items: parseItems(v.items) };
    if (isMap(t) && typeof t.type === "string") return { type: t.type, items: parseItems(v.items) };
    return undefined;
}

/**
 * Reads Pulumi.yaml as the CLI does: pulumi/pulumi sdk/go/common/workspace/loaders.go LoadProjectBytes
 * (schema check, then RewriteShorthandConfigValues, then Project.Validate in project.go).
 */
export function parseProject(text: string, file = "Pulumi.yaml"): { project?: Project; problems: string[] } {
    const problems: string[] = [];
    let doc: unknown;
    try {
        doc = parseYaml(text);
    } catch (e) {
        return { problems: [problemLine(file, "(file)", `is not YAML (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`, "fix the syntax")] };
    }
    if (!isMap(doc) || typeof doc.name !== "string" || doc.name === "")
        return {
            problems: [problemLine(file, "name", "missing or empty: the CLI refuses the project (project.go ValidateProject)", "set name: vector-fleet")],
        };
    const name = doc.name;
    const declarations: Declaration[] = [];
    const config = doc.config ?? {};
    if (!isMap(config)) {
        problems.push(problemLine(file, "config", "is not a map of declarations", "write config: as key: { type, description, default }"));
        return { project: { name, file, declarations }, problems };
    }
    for (const declaredAs of Object.keys(config).sort()) {
        const raw = config[declaredAs];
        const k = parseKey(name, declaredAs);
        if (!k) {
            problems.push(problemLine(file, declaredAs, "is not a config key (key.go ParseKey takes namespace:name)", "name it namespace:name"));
            continue;
        }
        const key = `${k.namespace}:${k.name}`;
        const ownNamespace = k.namespace === name;
        // A bare value is a `default` for the project's own keys and a `value` for any other
        // namespace (project.go RewriteShorthandConfigValues).
        if (isPrimitive(raw) || Array.isArray(raw)) {
            declarations.push({ declaredAs, key, namespace: k.namespace, secret: false, ...(ownNamespace ? { default: raw } : { value: raw }) });
            continue;
        }
        if (!isMap(raw)) {
            problems.push(problemLine(file, declaredAs, "has no declaration (null)", "give it a type and description, or remove it"));
            continue;
        }
        const unknown = Object.keys(raw).filter((a) => !DECLARATION_ATTRIBUTES.includes(a));
        for (const a of unknown)
            problems.push(
                problemLine(
                    file,
                    `${declaredAs}.${a}`,
                    `'${a}' not allowed in a declaration (project.json configTypeDeclaration)`,
                    `use only ${DECLARATION_ATTRIBUTES.join(", ")}; there is no way to declare a key optional except by giving it a default`,
                ),
            );
        const d: Declaration = {
            declaredAs,
            key,
            namespace: k.namespace,
            type: raw.type === undefined ? undefined : String(raw.type),
            items: parseItems(raw.items),
            secret: raw.secret === true,
            ...("default" in raw && raw.default !== null ? { default: raw.default } : {}),
            ...("value" in raw && raw.value !== null ? { value: raw.value } : {}),
        };
        if (d.type !== undefined && !(CONFIG_TYPES as readonly string[]).includes(d.type)) {
            problems.push(
                problemLine(
                    file,
                    declaredAs,
                    `type ${JSON.stringify(d.type)} is not one the project schema allows (project.json simpleConfigType)`,
                    `use one of ${CONFIG_TYPES.join(", ")}`,
                ),
            );
            continue;
        }
        // project.go Project.Validate, in its order.
        if (d.default !== undefined && d.value !== undefined)
            problems.push(problemLine(file, declaredAs, "has both 'default' and 'value' (project.go Validate)", "keep one"));
        if (ownNamespace) {
            if (d.type === "array" && !d.items)
                problems.push(
                    problemLine(file, declaredAs, "declares an array without 'items' (project.go Validate)", "add items: { type: string } (or the item type)"),
                );
            else if (d.type !== undefined && d.default !== undefined && !validConfigValue(d.type, d.items, d.default))
                problems.push(
                    problemLine(
                        file,
                        declaredAs,
                        `default ${JSON.stringify(d.default)} is not of type '${fullTypeName(d.type, d.items)}' (project.go Validate)`,
                        "fix the default or the type",
                    ),
                );
        } else {
            if (d.type !== undefined)
                problems.push(
                    problemLine(
                        file,
                        declaredAs,
                        "is not in the project's namespace and must not declare a type (project.go Validate)",
                        "drop 'type', keep only 'value'",
                    ),
                );
            if (d.default !== undefined)
                problems.push(
                    problemLine(
                        file,
                        declaredAs,
                        "is not in the project's namespace and must not have a default (project.go Validate)",
                        "use 'value' instead of 'default'",
                    ),
                );
            if (d.value === undefined && d.default === undefined)
                problems.push(
                    problemLine(
                        file,
                        declaredAs,
                        "is not in the project's namespace and has no 'value' (project.go Validate)",
                        "give it a value, or set it in the stack files instead",
                    ),
                );
        }
        declarations.push(d);
    }
    return { project: { name, file, declarations }, problems };
}

/** A stack value as the CLI holds it (pulumi/pulumi sdk/go/common/resource/config/object.go MarshalString). */
interface StackValue {
    /** Encrypted (`secure:`), at top level or anywhere inside an object. */
    secure: boolean;
    /** What ValidateConfigValue sees: the text of a scalar, the JSON-decoded structure of an object. */
    content: unknown;
    /** The text of a secure scalar is ciphertext: its type cannot be checked offline. */
    decryptable: boolean;
}

const isSecure = (v: unknown) => isMap(v) && Object.keys(v).length === 1 && typeof v.secure === "string";
const containsSecure = (v: unknown): boolean =>
    isSecure(v) || (Array.isArray(v) ? v.some(containsSecure) : isMap(v) ? Object.values(v).some(containsSecure) : false);

function stackValue(v: unknown): StackValue {
    if (isSecure(v)) return { secure: true, content: "", decryptable: false };
    // object.go MarshalString: booleans and numbers become their JSON text, strings stay, maps and
    // lists are objects (their numbers come back as float64: whole numbers pass `integer`).
    if (typeof v === "boolean" || typeof v === "number") return { secure: false, content: JSON.stringify(v), decryptable: true };
    if (typeof v === "string") return { secure: false, content: v, decryptable: true };
    if (v === null || v === undefined) return { secure: false, content: "", decryptable: true };
    const secure = containsSecure(v);
    return { secure, content: v, decryptable: !secure };
}

/** What the CLI sets for a declaration's default or value (pkg/workspace/config.go createConfigValue): never secure. */
function defaultValue(v: unknown): StackValue {
    return { secure: false, content: isPrimitive(v) ? String(v) : v, decryptable: true };
}

export interface StackCheckOptions {
    /**
     * Namespaces something reads: the project's own, `pulumi`, and each provider package the
     * program uses. Not a CLI rule (the CLI keeps any namespace): a key in another namespace is
     * read by nobody, which is how a misspelt project name silently does nothing.
     */
    knownNamespaces?: readonly string[];
}

/**
 * The CLI's checks of one stack file against the project: loading (loaders.go LoadProjectStackBytes,
 * key.go ParseKey) and pkg/workspace/config.go mergeConfig with validation on (what `pulumi preview`
 * and `up` run): required keys, then declared types and secrets.
 */
export function checkStack(project: Project, stack: string, text: string, file = `Pulumi.${stack}.yaml`, opts: StackCheckOptions = {}): string[] {
    const problems: string[] = [];
    let doc: unknown;
    try {
        // The render's fleet checks parsed this text already: the same document, not a second parse.
        doc = parseStackYaml(text);
    } catch (e) {
        return [problemLine(file, "(file)", `is not YAML (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`, "fix the syntax")];
    }
    const config = isMap(doc) && isMap(doc.config) ? doc.config : {};
    const values = new Map<string, StackValue>();
    for (const raw of Object.keys(config)) {
        const k = parseKey(project.name, raw);
        if (!k) {
            problems.push(
                problemLine(
                    file,
                    raw,
                    "is not a config key: the CLI cannot load this stack file (key.go ParseKey)",
                    `write it as ${project.name}:name or provider:name`,
                ),
            );
            continue;
        }
        const key = `${k.namespace}:${k.name}`;
        values.set(key, stackValue(config[raw]));
        if (opts.knownNamespaces && !opts.knownNamespaces.includes(k.namespace)) {
            problems.push(
                problemLine(
                    file,
                    raw,
                    `namespace "${k.namespace}" belongs to neither this project nor a provider it uses (${opts.knownNamespaces.join(", ")}), so nothing reads it (the CLI accepts it silently)`,
                    `did you mean ${project.name}:${k.name}?`,
                ),
            );
        }
    }
    // mergeConfig: declared project keys with neither default nor value are required.
    const missing: Declaration[] = [];
    const effective = new Map<string, { value: StackValue; fromDeclaration: boolean }>();
    for (const d of [...project.declarations].sort((a, b) => a.declaredAs.localeCompare(b.declaredAs))) {
        const v = values.get(d.key);
        if (v) effective.set(d.key, { value: v, fromDeclaration: false });
        else if (d.default !== undefined || d.value !== undefined)
            effective.set(d.key, { value: defaultValue(d.default !== undefined ? d.default : d.value), fromDeclaration: true });
        else if (d.namespace === project.name) missing.push(d);
    }
    for (const d of missing)
        problems.push(
            problemLine(
                file,
                d.key,
                `declared in ${project.file} without 'default' or 'value', so the CLI requires it and refuses the stack ("Stack '${stack}' is missing configuration value '${d.declaredAs}'", pulumi/pulumi pkg/workspace/config.go mergeConfig)`,
                `set it in ${file}, or give the declaration a default (an optional key cannot be declared: leave it undeclared)`,
            ),
        );
    // validateStackConfigValues: only explicitly typed declarations are checked, secret included.
    for (const d of project.declarations) {
        if (d.type === undefined) continue;
        const e = effective.get(d.key);
        if (!e) continue;
        const where = e.fromDeclaration
            ? `the declaration's ${d.default !== undefined ? "default" : "value"} (applied because ${file} does not set it)`
            : "the value";
        if (d.secret && !e.value.secure) {
            problems.push(
                problemLine(
                    file,
                    d.key,
                    `declared 'secret: true' but ${where} is not encrypted ("Stack '${stack}' with configuration key '${d.declaredAs}' must be encrypted as it's secret", pkg/workspace/config.go validateStackConfigValue)`,
                    e.fromDeclaration
                        ? `set it with \`pulumi config set --secret ${d.key.split(":")[1]}\`, or drop the default from a secret declaration`
                        : `set it with \`pulumi config set --secret ${d.key.split(":")[1]}\``,
                ),
            );
            continue;
        }
        if (!e.value.decryptable) continue;
        if (!validConfigValue(d.type, d.items, e.value.content)) {
            const type = fullTypeName(d.type, d.items);
            problems.push(
                problemLine(
                    file,
                    d.key,
                    `${where} ${JSON.stringify(e.value.content)} is not of the declared type '${type}' ("Stack '${stack}' with configuration key '${d.declaredAs}' must be of type '${type}'", project.go ValidateConfigValue)`,
                    `give it a ${type} value, or change the declaration in ${project.file}`,
                ),
            );
        }
    }
    return problems;
}

export interface ProjectCheck {
    /** Problems of Pulumi.yaml itself: the CLI refuses every stack. */
    project: string[];
    /** Problems per stack (every `Pulumi.<stack>.yaml` in the directory). */
    stacks: Record<string, string[]>;
}

/** Provider packages the program depends on (`@pulumi/<name>`), whose config namespaces are read. */
export function providerNamespaces(root: string): string[] | undefined {
    if (!fs.existsSync(path.join(root, "package.json"))) return undefined;
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
    const notProviders = ["pulumi", "policy"];
    return Object.keys(pkg.dependencies ?? {})
        .map((d) => /^@pulumi\/(.+)$/.exec(d)?.[1])
        .filter((n): n is string => n !== undefined && !notProviders.includes(n))
        .sort();
}

/** Checks Pulumi.yaml and every Pulumi.<stack>.yaml under `root`. */
export function checkProjectConfig(root: string): ProjectCheck {
    const { project, problems } = parseProject(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
    const stacks: Record<string, string[]> = {};
    const files = fs
        .readdirSync(root)
        .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
        .sort();
    const providers = providerNamespaces(root);
    for (const f of files) {
        const stack = /^Pulumi\.(.+)\.yaml$/.exec(f)![1];
        stacks[stack] = project
            ? checkStack(project, stack, fs.readFileSync(path.join(root, f), "utf8"), f, {
                  knownNamespaces: providers && [project.name, "pulumi", ...providers],
              })
            : [];
    }
    return { project: problems, stacks };
}
