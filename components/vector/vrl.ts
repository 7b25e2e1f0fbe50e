/**
 * A VRL string literal. Values that reach VRL programs come from validated config (cluster
 * names, label names and values), but escaping here keeps a future caller from breaking out.
 */
export function vrlString(s: string): string {
    // Braces are refused rather than escaped: their escaping differs between VRL releases.
    if (/[\u0000-\u001f\u007f{}]/.test(s)) throw new Error(`refusing a control character or brace in a VRL string: ${JSON.stringify(s)}`);
    return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** A VRL path segment, quoted when it is not a plain identifier. */
export function vrlField(name: string): string {
    return /^[a-z_][a-z0-9_]*$/.test(name) ? name : vrlString(name);
}

/** Joins VRL statements, one per line, dropping empty ones; the result reads like hand-written VRL. */
export function vrl(...lines: (string | false | undefined)[]): string {
    return `${lines.filter((l): l is string => typeof l === "string" && l.length > 0).join("\n")}\n`;
}
