import { parse, stringify } from "smol-toml";
import { isDeepStrictEqual } from "node:util";
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
 */
function multilineStrings(toml: string): string {
    return toml.replace(/^([A-Za-z0-9_]+) = ("(?:[^"\\]|\\.)*")$/gm, (line, key: string, quoted: string) => {
        const value = JSON.parse(quoted) as string;
        if (!value.includes("\n") || value.includes("'''") || /[\u0000-\u0009\u000b-\u001f\u007f]/.test(value)) return line;
        return `${key} = '''\n${value}'''`;
    });
}

/** Serialises a Vector config to TOML: keys sorted, output byte-for-byte deterministic. */
export function toToml(config: VectorConfig): string {
    const data = canonical(config);
    const toml = `${multilineStrings(stringify(data))}\n`;
    // The rewrite above is textual: prove it changed the layout only, never the data.
    if (!isDeepStrictEqual(canonical(parse(toml)), data)) throw new Error("TOML serialisation does not round-trip");
    return toml;
}
