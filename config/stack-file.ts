/**
 * The one reader of `Pulumi.<stack>.yaml` outside the Pulumi CLI: the offline renderer, verify,
 * gate, the fleet checks and the program's own look at its sibling stacks all read stack files
 * here, and all of them turn the file into the typed StackConfig through parseStackConfig, so
 * every tool sees the defaults the program deploys.
 *
 * What the CLI hands the program (pulumi.runtime.allConfig()) is rebuilt byte for byte: keys
 * namespaced `project:key`, strings as they are, every other value JSON-encoded (the nodejs SDK
 * receives structured config as JSON text: pulumi/pulumi sdk/nodejs/runtime/config.ts, and the
 * CLI writes objects with json.Marshal, pkg/resource/config/value.go). Encrypted (`secure:`)
 * values cannot be decrypted without the stack's secrets provider: they become placeholders.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { ConfigError, Problem } from "./schema-kit";
import { deepFreeze, forgetParsedStackConfigs, parseStackConfig, PROJECT, RawConfig, StackConfig } from "./stack";

/**
 * The placeholder of an encrypted value starts with this. The offline renderer refuses to write a
 * file that contains it (tools/render/simulator.ts SECRET_MARKER is the same string), so a secret
 * placeholder that reached a manifest fails the render instead of shipping.
 */
export const ENCRYPTED_MARKER = "MOCK-SECRET";

/** What an encrypted value of `key` reads as offline. */
export function encryptedPlaceholder(key: string): string {
    return `${ENCRYPTED_MARKER}-config-${key}`;
}

/** A stack file that is missing or is not YAML: the file, and for syntax errors the line and column. */
export class StackFileError extends Error {
    constructor(
        message: string,
        /** The file's base name, `Pulumi.<stack>.yaml`. */
        readonly file: string,
    ) {
        super(message);
        this.name = "StackFileError";
    }
}

/** One stack file as the Pulumi CLI would hand it to the program. */
export interface StackFile {
    stack: string;
    /** Its base name, `Pulumi.<stack>.yaml`, as problems name it. */
    file: string;
    /** `vector-fleet:key` -> value as Pulumi passes it (structured values JSON-encoded). */
    config: Record<string, string>;
    /** Keys whose values were encrypted (`secure:`); their values are placeholders. */
    secretKeys: string[];
    /** `vector-fleet:role` as written, before any validation (hubs are rendered first). */
    role: string | undefined;
}

const STACK_FILE = /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/;

/** `Pulumi.<stack>.yaml`; `org/project/dev` names the same file as `dev`. */
export function stackFileName(stack: string): string {
    const short = stack.split("/").pop() ?? stack;
    if (!/^[A-Za-z0-9._-]+$/.test(short) || short.startsWith(".")) {
        throw new StackFileError(`${JSON.stringify(stack)} is not a stack name (letters, digits, ".", "_", "-")`, `Pulumi.${short}.yaml`);
    }
    return `Pulumi.${short}.yaml`;
}

/** The stacks that have a file in `root`, sorted by name. */
export function stackNames(root: string): string[] {
    return fs
        .readdirSync(root)
        .map((f) => STACK_FILE.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/*
 * One render reads each stack file in several places (the fleet checks, the Pulumi CLI's checks in
 * tools/pulumi-project, the summary's config warnings), and `yaml` took several milliseconds per
 * file each time: a fleet of 200 spent more parsing its files than checking them. The parsed
 * document is kept by the file's text, so a file changed on disk is parsed again, and is frozen,
 * so no reader can change what the next one sees. Text that is not YAML is not kept: it throws
 * again, the same way, each time.
 */
const parsedTexts = new Map<string, unknown>();
const PARSED_TEXTS_KEPT = 2000;

/**
 * A stack file's (or Pulumi.yaml's) text parsed as YAML, each distinct text once per process. The
 * result is frozen: copy it to change it. Throws what `yaml`'s parse throws.
 */
export function parseStackYaml(text: string): unknown {
    if (parsedTexts.has(text)) return parsedTexts.get(text);
    const doc = deepFreeze(parseYaml(text) as unknown);
    if (parsedTexts.size >= PARSED_TEXTS_KEPT) parsedTexts.clear();
    parsedTexts.set(text, doc);
    return doc;
}

/**
 * Forgets every parsed text, and every config parsed from one (config/stack.ts): for measuring a
 * first read (tools/bench), never needed for correctness.
 */
export function forgetParsedStackYaml(): void {
    parsedTexts.clear();
    forgetParsedStackConfigs();
}

/** Parses a stack file's text; `file` names it in errors. */
export function parseStackFile(stack: string, file: string, text: string, project = PROJECT): StackFile {
    let doc: unknown;
    try {
        doc = parseStackYaml(text);
    } catch (e) {
        if (e instanceof YAMLParseError) {
            const at = e.linePos?.[0];
            const what = e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
            throw new StackFileError(`${file}${at ? `:${at.line}:${at.col}` : ""}: not valid YAML: ${what}`, file);
        }
        throw e;
    }
    doc ??= {};
    if (typeof doc !== "object" || Array.isArray(doc))
        throw new StackFileError(`${file}: expected a YAML map with a config: key, got ${Array.isArray(doc) ? "a list" : JSON.stringify(doc)}`, file);
    const raw = (doc as { config?: unknown }).config ?? {};
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new StackFileError(`${file}: config: must be a map of keys to values`, file);
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        const key = k.includes(":") ? k : `${project}:${k}`;
        if (v !== null && typeof v === "object" && "secure" in v) {
            config[key] = encryptedPlaceholder(key);
            secretKeys.push(key);
        } else config[key] = configValue(v);
    }
    return { stack, file, config, secretKeys, role: config[`${project}:role`] };
}

/**
 * A stack file's value as the Pulumi CLI hands it to the program: a string as written, anything
 * structured (maps, lists, numbers, booleans) JSON-encoded, which the SDK's config decodes again.
 */
export function configValue(v: unknown): string {
    return typeof v === "string" ? v : JSON.stringify(v);
}

/** Reads `root/Pulumi.<stack>.yaml`. A missing file says so and names the stacks there are. */
export function readStackFile(root: string, stack: string, project = PROJECT): StackFile {
    const file = stackFileName(stack);
    let text: string;
    try {
        text = fs.readFileSync(path.join(root, file), "utf8");
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
        const there = fs.existsSync(root) ? stackNames(root) : [];
        throw new StackFileError(`no stack file ${file} in ${root} (stacks there: ${there.length > 0 ? there.join(", ") : "none"})`, file);
    }
    return parseStackFile(stack.split("/").pop() ?? stack, file, text, project);
}

/** What parseStackConfig takes: the file's values, as the CLI would hand them over. */
export function rawConfigOf(f: StackFile, project = PROJECT): RawConfig {
    const secret = new Set(f.secretKeys);
    return { values: f.config, isSecret: (k) => secret.has(k), project, stack: f.stack };
}

/** parseStackConfig of one stack file; its problems name the file. */
export function stackConfigOf(f: StackFile, project = PROJECT): StackConfig {
    try {
        return parseStackConfig(rawConfigOf(f, project));
    } catch (e) {
        if (e instanceof ConfigError) throw new ConfigError(e.problems.map((p): Problem => ({ file: f.file, ...p })));
        throw e;
    }
}

/**
 * The typed config of `root/Pulumi.<stack>.yaml` with every default applied, exactly as the
 * program would parse it. Throws StackFileError (missing, not YAML) or ConfigError (each problem
 * naming the file and key).
 */
export function loadStackFile(root: string, stack: string, project = PROJECT): StackConfig {
    return stackConfigOf(readStackFile(root, stack, project), project);
}
