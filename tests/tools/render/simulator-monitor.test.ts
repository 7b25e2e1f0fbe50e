import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { asStruct, NOT_PLAIN, serializedPlain } from "../../../tools/render/simulator";

// The renderer's monitor hands the runtime a mock's answer without Pulumi's protobuf round trip
// (pulumi/pulumi sdk/nodejs/runtime/mocks.js registerResource: serializeProperties, then
// Struct.fromJavaScript; the runtime reads it back with toJavaScript in rpc.ts deserializeProperties).
// It must give back what that round trip gives, values and key order alike.
const samples: Record<string, unknown>[] = [
    { b: 1, a: { z: 1, "10": 2, "9": 3, y: [{ d: 1, c: 2 }] }, "2": null, e: -0, f: 1e21, g: "", h: [], i: {} },
    {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "x", labels: { "app.kubernetes.io/name": "vector", a: "b" } },
        data: { "vector.toml": "a = 1\n" },
    },
    { list: [[1, [2, { y: true, x: false }]], null, "s"], nested: { deeper: { deepest: { Z: 1, _: 2, a: 3 } } } },
];

describe("render: the simulator's monitor without protobuf", () => {
    it("gives back what a protobuf Struct round trip gives, with the keys in the Struct's order", () => {
        for (const v of samples) {
            const viaProtobuf = Struct.fromJavaScript(v as never).toJavaScript();
            const direct = asStruct(v);
            assert.deepStrictEqual(direct, viaProtobuf);
            assert.equal(JSON.stringify(direct), JSON.stringify(viaProtobuf));
        }
    });

    it("serialises plain state as the runtime's serializeProperties does, keys in a Struct's order, and leaves anything else to it", async () => {
        const withHoles = { a: undefined, b: [undefined, () => 1, 2], c: () => 1, d: { e: "x" }, f: Object.create(null) as object };
        for (const v of [...samples, withHoles]) {
            const serialized = (await pulumi.runtime.serializeProperties("", v)) as never;
            assert.deepStrictEqual(serializedPlain(v), serialized);
            // In the order the runtime would read it back from a Struct.
            assert.equal(JSON.stringify(serializedPlain(v)), JSON.stringify(Struct.fromJavaScript(serialized).toJavaScript()));
        }
        for (const v of [{ a: Promise.resolve(1) }, { a: pulumi.output(1) }, { a: [new Date(0)] }, { a: 1n }]) assert.equal(serializedPlain(v), NOT_PLAIN);
    });
});
