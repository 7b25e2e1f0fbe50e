import { parse, stringify } from "smol-toml";
import { VectorConfig } from "./model";

/** Recursively drops undefined values and sorts object keys, so equal configs serialise equally. */
export function canonical(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(canonical);
    if (value !== null && typeof value === "object") {
        const out: Record<string, unknown> = {};
        for (const k of Object.keys(value).sort()) {
            const v = (value as Record<string, unknown>)[k];
            if (v !== undefined) out[k] = canonical(v);
        }
        return out;
    }
    return value;
}

/**
 * smol-toml writes every string on one line; VRL programs read far better as TOML multi-line
 * literal strings. A `key = "..."` line whose value spans lines becomes `key = '''...'''` when the
 * literal form can hold it (no `'''`, no control characters but newlines).
 *
 * The rewrite is textual, so each rewritten line is parsed back on its own and must give the very
 * string it replaced: the layout changes, never the data. Only the rewritten strings are parsed
 * back, not the whole document: the rest is smol-toml's own output, which the rewrite leaves as
 * it is (smol-toml writes every value on the line of its key, and the pattern matches only a whole
 * `key = "..."` line). tests/components/vector/toml.test.ts parses whole documents back: the
 * agent's and the aggregator's configs and every config the repo's stacks render.
 */
function multilineStrings(toml: string): string {
    return toml.replace(/^([A-Za-z0-9_]+) = ("(?:[^"\\]|\\.)*")$/gm, (line, key: string, quoted: string) => {
        const value = JSON.parse(quoted) as string;
        if (!value.includes("\n") || value.includes("'''") || /[\u0000-\u0009\u000b-\u001f\u007f]/.test(value)) return line;
        const literal = `${key} = '''\n${value}'''`;
        if ((parse(literal) as Record<string, unknown>)[key] !== value) throw new Error("TOML serialisation does not round-trip");
        return literal;
    });
}

/** Serialises a Vector config to TOML: keys sorted, output byte-for-byte deterministic. */
export function toToml(config: VectorConfig): string {
    return `${multilineStrings(stringify(canonical(config)))}\n`;
}
