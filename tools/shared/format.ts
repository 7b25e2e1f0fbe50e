/** Numbers as the tools' reports print them. */

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
