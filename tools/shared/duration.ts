/**
 * Durations as the flags take them (`1h`, `90s`, `1h30m`, `2d`) and as the queries need them.
 *
 * PromQL and LogQL both accept Prometheus-style durations, but Loki has historically parsed
 * some ranges with Go's time.ParseDuration, which knows no `d`, `w` or `y`. So we accept the
 * friendly units on the command line and always render hours, minutes, seconds and
 * milliseconds into queries, which both parsers agree on.
 */

const UNIT_MS: Record<string, number> = {
    ms: 1,
    s: 1_000,
    m: 60_000,
    h: 3_600_000,
    d: 86_400_000,
    w: 7 * 86_400_000,
    y: 365 * 86_400_000,
};

const WHOLE = /^(?:\d+(?:ms|s|m|h|d|w|y))+$/;
const PART = /(\d+)(ms|s|m|h|d|w|y)/g;

/** Milliseconds in a duration such as `1h30m`, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
    const t = text.trim();
    if (!WHOLE.test(t)) return undefined;
    let ms = 0;
    for (const m of t.matchAll(PART)) ms += Number(m[1]) * UNIT_MS[m[2]];
    return ms;
}

/** A duration both PromQL and LogQL accept (`1h30m`, `45s`), largest units first. */
export function formatDuration(ms: number): string {
    if (ms <= 0) return "0s";
    let rest = Math.round(ms);
    let out = "";
    for (const [unit, size] of [
        ["h", 3_600_000],
        ["m", 60_000],
        ["s", 1_000],
        ["ms", 1],
    ] as const) {
        const n = Math.floor(rest / size);
        if (n > 0) {
            out += `${n}${unit}`;
            rest -= n * size;
        }
    }
    return out;
}

/** A short human age for the report: `12s`, `4m05s`, `2h10m`, `3d4h`. */
export function formatAge(seconds: number): string {
    const s = Math.max(0, Math.round(seconds));
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
    if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
    return `${Math.floor(s / 86_400)}d${Math.floor((s % 86_400) / 3600)}h`;
}
