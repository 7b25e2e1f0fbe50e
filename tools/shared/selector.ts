/**
 * Label matchers shared by the PromQL and LogQL builders.
 *
 * The "old side" selectors (`--old-metrics-selector '{job="node-exporter"}'`) come from the
 * command line and are spliced into queries next to our own `cluster` matcher, so they are
 * checked here first: a stray brace would otherwise surface as a parse error from a remote
 * server, far from the flag that caused it.
 */

/** A double-quoted label value, escaped the way PromQL and LogQL read it. */
export function quote(value: string): string {
    return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/** `name="value"` with the value quoted. */
export function eq(name: string, value: string): string {
    return `${name}=${quote(value)}`;
}

/**
 * The matchers inside a selector given on the command line: `{job="node-exporter"}` and
 * `job="node-exporter"` both give `job="node-exporter"`. Throws with a readable reason when the
 * text is not a plain list of matchers (no metric name, no nested or unbalanced braces).
 */
export function matchersOf(selector: string): string {
    let inner = selector.trim();
    if (inner.startsWith("{")) {
        if (!inner.endsWith("}")) throw new Error(`selector ${selector} opens a brace it does not close`);
        inner = inner.slice(1, -1).trim();
    }
    if (inner === "") throw new Error('selector is empty: it must name at least one matcher, such as {job="node-exporter"}');
    let inString = false;
    for (let i = 0; i < inner.length; i++) {
        const c = inner[i];
        if (inString) {
            if (c === "\\") i++;
            else if (c === '"') inString = false;
        } else if (c === '"') {
            inString = true;
        } else if (c === "{" || c === "}") {
            throw new Error(`selector ${selector} must be label matchers only, such as {job="node-exporter"}`);
        }
    }
    if (inString) throw new Error(`selector ${selector} has an unterminated string`);
    if (!/^[A-Za-z_][A-Za-z0-9_]*\s*(=~|!~|!=|=)/.test(inner)) {
        throw new Error(`selector ${selector} must start with a label matcher (label="value"), not a metric name`);
    }
    return inner;
}
