/**
 * Small helpers shared by the rule and dashboard builders (monitoring's and pki's). PromQL is written as plain text in
 * those files (it reads better than a builder API); these only make the parameterised parts safe.
 */

/** Kubernetes namespace names are DNS-1123 labels; anything else would also be unsafe inside PromQL. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Throws unless `value` is a DNS-1123 label; `what` names the parameter in the message. */
export function dnsLabel(value: string, what: string): string {
    if (!DNS_LABEL.test(value)) {
        throw new Error(`${what}: got ${JSON.stringify(value)}; expected a DNS-1123 label (lower-case letters, digits and '-', at most 63)`);
    }
    return value;
}

/**
 * A regex alternation for a `=~` matcher. Only DNS labels are accepted, so no value can carry a
 * regex metacharacter or a quote; duplicates are removed and the order is fixed for stable output.
 */
export function alternation(values: string[], what: string): string {
    return [...new Set(values.map((v) => dnsLabel(v, what)))].sort().join("|");
}

/** Joins expression lines; rule and panel expressions are kept multi-line so they stay readable in UIs. */
export function promql(...lines: string[]): string {
    return lines.join("\n");
}

/**
 * A Prometheus duration, the only form Prometheus (and promtool) accept in `for` and range
 * selectors without unit mixing.
 */
export type Duration = `${number}${"s" | "m" | "h"}`;
