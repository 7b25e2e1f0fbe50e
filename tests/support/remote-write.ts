/**
 * A remote-write 1.0 request by hand, for tests against a real Prometheus: the protobuf
 * WriteRequest (prometheus/prometheus prompb/remote.proto, prompb/types.proto) and the snappy
 * block format it travels in (google/snappy format_description.txt). Only what the tests need:
 * labels and float samples, and snappy made of literal chunks only, which any decoder accepts
 * (it compresses nothing; a test request is a few hundred bytes).
 */

export interface WriteSeries {
    /** Includes __name__. */
    labels: Record<string, string>;
    /** [ms since the epoch, value]. */
    samples: Array<[number, number]>;
}

/** Protobuf base-128 varint of a non-negative integer below 2^53. */
export function varint(n: number): number[] {
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`varint of ${n}`);
    const out: number[] = [];
    while (n >= 0x80) {
        out.push((n % 0x80) | 0x80);
        n = Math.floor(n / 0x80);
    }
    out.push(n);
    return out;
}

const LEN = 2; // wire type: length-delimited
const key = (field: number, wireType: number) => varint((field << 3) | wireType);
const bytesField = (field: number, body: number[]) => [...key(field, LEN), ...varint(body.length), ...body];
const stringField = (field: number, s: string) => bytesField(field, [...Buffer.from(s, "utf8")]);

function sample(ms: number, value: number): number[] {
    const double = Buffer.alloc(8);
    double.writeDoubleLE(value);
    // Sample { double value = 1; int64 timestamp = 2; }: fixed64 (wire type 1) and varint.
    return [...key(1, 1), ...double, ...key(2, 0), ...varint(ms)];
}

/** WriteRequest { repeated TimeSeries timeseries = 1; }, TimeSeries { labels = 1; samples = 2; }, labels sorted by name as Prometheus expects. */
export function encodeWriteRequest(series: WriteSeries[]): Uint8Array {
    const out: number[] = [];
    for (const s of series) {
        const body: number[] = [];
        for (const [name, value] of Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
            body.push(...bytesField(1, [...stringField(1, name), ...stringField(2, value)]));
        for (const [ms, v] of s.samples) body.push(...bytesField(2, sample(ms, v)));
        out.push(...bytesField(1, body));
    }
    return Uint8Array.from(out);
}

/** Snappy block format: the uncompressed length as a varint, then literals of at most 64 KiB (tag 61: a 2-byte length - 1). */
export function snappyLiteralBlock(data: Uint8Array): Uint8Array {
    const out: number[] = [...varint(data.length)];
    for (let at = 0; at < data.length; at += 65536) {
        const chunk = data.subarray(at, Math.min(at + 65536, data.length));
        const n = chunk.length - 1;
        if (n < 60) out.push(n << 2);
        else out.push(61 << 2, n & 0xff, n >> 8);
        out.push(...chunk);
    }
    return Uint8Array.from(out);
}

/** POSTs one remote-write 1.0 request; resolves to the HTTP status and body. */
export async function remoteWrite(url: string, series: WriteSeries[]): Promise<{ status: number; body: string }> {
    const res = await fetch(url, {
        method: "POST",
        headers: {
            "Content-Encoding": "snappy",
            "Content-Type": "application/x-protobuf",
            "X-Prometheus-Remote-Write-Version": "0.1.0",
        },
        body: snappyLiteralBlock(encodeWriteRequest(series)),
        signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, body: await res.text() };
}
