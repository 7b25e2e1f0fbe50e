/** Kubernetes resource quantities ("500m", "2", "512Mi", "1e3"), as numbers for comparison. */

const SUFFIX: Record<string, number> = {
    n: 1e-9,
    u: 1e-6,
    m: 1e-3,
    "": 1,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};

/** The quantity's value, or undefined when Kubernetes would reject it. */
export function parseQuantity(q: unknown): number | undefined {
    if (typeof q === "number") return Number.isFinite(q) && q >= 0 ? q : undefined;
    if (typeof q !== "string") return undefined;
    const m = /^\+?([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:([eE][-+]?[0-9]+)|([a-zA-Z]*))$/.exec(q.trim());
    if (!m) return undefined;
    const base = Number(m[1]);
    if (m[2] !== undefined) return base * 10 ** Number(m[2].slice(1));
    const factor = SUFFIX[m[3] ?? ""];
    return factor === undefined ? undefined : base * factor;
}
