import { strict as assert } from "node:assert";

/** Typed access to Pulumi input-typed objects in tests. */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A plain JSON copy: Pulumi's Input<T> wrappers are plain values here, and this makes that explicit. */
export function json(x: unknown): Json {
    return JSON.parse(JSON.stringify(x)) as Json;
}
export function isObj(x: Json | undefined): x is { [k: string]: Json } {
    return typeof x === "object" && x !== null && !Array.isArray(x);
}
export function obj(x: Json | undefined, what = "value"): { [k: string]: Json } {
    assert.ok(isObj(x), `${what} is not an object: ${JSON.stringify(x)}`);
    return x;
}
export function arr(x: Json | undefined, what = "value"): Json[] {
    assert.ok(Array.isArray(x), `${what} is not an array: ${JSON.stringify(x)}`);
    return x;
}
export function str(x: Json | undefined, what = "value"): string {
    assert.equal(typeof x, "string", `${what} is not a string: ${JSON.stringify(x)}`);
    return x as string;
}
/** Follows a path of keys and indexes through a JSON value. */
export function at(x: Json, ...path: (string | number)[]): Json {
    let cur: Json = x;
    for (const p of path) {
        if (typeof p === "number") cur = arr(cur, path.join("."))[p];
        else cur = obj(cur, path.join("."))[p];
        assert.ok(cur !== undefined, `missing ${path.join(".")}`);
    }
    return cur;
}
