/**
 * Small, pure helpers for `npm run bench`: medians, the linearity check of the fleet-size sweep,
 * children's CPU time. Units, Markdown tables and the generated section of docs/performance.md are
 * shared with other tools: tools/shared/format.ts, markdown.ts and generated-block.ts.
 */

/** The median; the mean of the middle two for an even count. Throws on no samples (a bench bug). */
export function median(samples: readonly number[]): number {
    if (samples.length === 0) throw new Error("median of no samples");
    const s = [...samples].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
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
    const fields = stat
        .slice(stat.lastIndexOf(")") + 2)
        .trim()
        .split(/\s+/);
    // After the name: state is field 3 of the whole line, cutime 16 and cstime 17.
    const cutime = Number(fields[16 - 3]);
    const cstime = Number(fields[17 - 3]);
    if (!Number.isFinite(cutime) || !Number.isFinite(cstime)) throw new Error("unexpected /proc/<pid>/stat format");
    return ((cutime + cstime) * 1000) / ticksPerSecond;
}
