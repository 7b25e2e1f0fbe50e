/**
 * Small, pure helpers for `npm run bench`: medians, units, Markdown tables, the generated section
 * of docs/performance.md and the linearity check of the fleet-size sweep.
 */

/** The median; the mean of the middle two for an even count. Throws on no samples (a bench bug). */
export function median(samples: readonly number[]): number {
    if (samples.length === 0) throw new Error("median of no samples");
    const s = [...samples].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Milliseconds as people read them: "850 ms", "1.42 s", "12.3 s". */
export function formatMs(ms: number): string {
    if (ms < 1000) return `${Math.round(ms)} ms`;
    if (ms < 10_000) return `${(ms / 1000).toFixed(2)} s`;
    return `${(ms / 1000).toFixed(1)} s`;
}

/** Bytes in binary units: "512 KiB", "287 MiB", "1.50 GiB". */
export function formatBytes(bytes: number): string {
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let v = bytes;
    let u = 0;
    while (v >= 1024 && u < units.length - 1) {
        v /= 1024;
        u++;
    }
    return u >= 3 ? `${v.toFixed(2)} ${units[u]}` : `${Math.round(v)} ${units[u]}`;
}

/** A GitHub Markdown table; cells are escaped so a `|` inside a cell cannot break the row. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], align?: readonly ("l" | "r")[]): string {
    const esc = (c: string) => c.replace(/\|/g, "\\|").replace(/\n/g, " ");
    for (const r of rows) if (r.length !== header.length) throw new Error(`table row has ${r.length} cells, header has ${header.length}: ${r.join(", ")}`);
    const rule = header.map((_, i) => (align?.[i] === "r" ? "---:" : "---"));
    return [header, rule, ...rows].map((r, i) => `| ${(i === 1 ? r : r.map(esc)).join(" | ")} |`).join("\n") + "\n";
}

/**
 * Replaces what lies between `<!-- BEGIN name -->` and `<!-- END name -->` in `doc`, keeping the
 * markers and everything around them; appends a new marked section when there is none. The
 * hand-written text of the document is never touched.
 */
export function replaceSection(doc: string, name: string, content: string): string {
    const begin = `<!-- BEGIN ${name} -->`;
    const end = `<!-- END ${name} -->`;
    const body = `${begin}\n${content.endsWith("\n") ? content : `${content}\n`}${end}`;
    const i = doc.indexOf(begin);
    const j = doc.indexOf(end);
    if (i < 0 && j < 0) return `${doc}${doc === "" || doc.endsWith("\n") ? "" : "\n"}\n${body}\n`;
    if (i < 0 || j < i) throw new Error(`docs: the markers of section ${name} are broken (expected "${begin}" before "${end}")`);
    return doc.slice(0, i) + body + doc.slice(j + end.length);
}

export interface ScalePoint {
    /** Agent clusters served by the hub (and agent stacks evaluated). */
    n: number;
    /** Wall time of the whole evaluation for that n. */
    ms: number;
}

export interface Linearity {
    /** ms per cluster at each n, in the order of n. */
    perCluster: { n: number; ms: number }[];
    /** Slope and intercept of the least-squares line through (n, ms). */
    slopeMs: number;
    interceptMs: number;
    /**
     * Marginal cost per cluster over the last step divided by that over the first step. About 1 for
     * linear cost; a quadratic step makes it grow with the ratio of the sizes.
     */
    marginalRatio: number;
    linear: boolean;
}

/**
 * Judges whether cost grows linearly in n. Marginal costs (Δms/Δn between neighbouring sizes) cancel
 * the fixed start-up share that makes ms/n fall with n; a quadratic term makes them grow in
 * proportion to n, so a last-step marginal cost more than `tolerance` times the first one flags it.
 */
export function linearity(points: readonly ScalePoint[], tolerance = 1.6): Linearity {
    if (points.length < 2) throw new Error("linearity needs at least two fleet sizes");
    const p = [...points].sort((a, b) => a.n - b.n);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const mx = mean(p.map((x) => x.n));
    const my = mean(p.map((x) => x.ms));
    const sxx = p.reduce((a, x) => a + (x.n - mx) ** 2, 0);
    const sxy = p.reduce((a, x) => a + (x.n - mx) * (x.ms - my), 0);
    const slopeMs = sxx === 0 ? 0 : sxy / sxx;
    const marginal = (a: ScalePoint, b: ScalePoint) => (b.ms - a.ms) / (b.n - a.n);
    const first = marginal(p[0], p[1]);
    const last = marginal(p[p.length - 2], p[p.length - 1]);
    const marginalRatio = first > 0 ? last / first : last > 0 ? Infinity : 1;
    return {
        perCluster: p.map((x) => ({ n: x.n, ms: x.ms / x.n })),
        slopeMs,
        interceptMs: my - slopeMs * mx,
        marginalRatio,
        linear: marginalRatio <= tolerance,
    };
}

/**
 * CPU time (user + system) of the waited-for children of a process, from Linux's /proc/<pid>/stat
 * (fields cutime and cstime, in clock ticks). Under contention from other work CPU time varies far
 * less than wall time. The command name may contain spaces and parentheses: fields are counted from
 * the last ")".
 */
export function childrenCpuMs(stat: string, ticksPerSecond = 100): number {
    const fields = stat.slice(stat.lastIndexOf(")") + 2).trim().split(/\s+/);
    // After the name: state is field 3 of the whole line, cutime 16 and cstime 17.
    const cutime = Number(fields[16 - 3]);
    const cstime = Number(fields[17 - 3]);
    if (!Number.isFinite(cutime) || !Number.isFinite(cstime)) throw new Error("unexpected /proc/<pid>/stat format");
    return ((cutime + cstime) * 1000) / ticksPerSecond;
}
