import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { RegisterResourceRequest } from "@pulumi/pulumi/proto/resource_pb";
import {
    asStruct,
    NOT_PLAIN,
    plainInputsFirst,
    plainStruct,
    runStack,
    serializedPlain,
    type SerializeProperty,
    type SerializeResourceProperties,
} from "../../../tools/render/simulator";

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

    // The request side: pulumi/pulumi sdk/nodejs/runtime/resource.ts registerResource builds
    // req.setObject(Struct.fromJavaScript(serializedProps)); the monitor reads getObject().toJavaScript().
    it("builds a registration's Struct that reads back as the protobuf one does, and is the real one for anything else", () => {
        for (const v of samples) {
            const real = Struct.fromJavaScript(v as never);
            const plain = plainStruct(v);
            for (let read = 0; read < 2; read++) {
                assert.deepStrictEqual(plain.toJavaScript(), real.toJavaScript());
                assert.equal(JSON.stringify(plain.toJavaScript()), JSON.stringify(real.toJavaScript()));
            }
            // A second read is a fresh copy, as a real Struct's is.
            assert.notEqual(plain.toJavaScript(), plain.toJavaScript());
            assert.ok(plain instanceof Struct);
            assert.deepStrictEqual(plain.toArray(), real.toArray());
            assert.deepStrictEqual(Array.from(plain.serializeBinary()), Array.from(real.serializeBinary()));
            const req = new RegisterResourceRequest();
            req.setObject(plainStruct(v));
            assert.deepStrictEqual(req.getObject()?.toJavaScript(), real.toJavaScript());
        }
    });

    // pulumi/pulumi sdk/nodejs/runtime/resource.ts prepareResource: serializeResourceProperties gives
    // the request's inputs and, per input, the resources it depends on (the request's dependency list).
    it("serialises a registration's inputs as the runtime does: plain ones copied, the rest by the runtime, dependencies and key order kept", async () => {
        const real = pulumi.runtime.serializeResourceProperties as unknown as SerializeResourceProperties;
        const fast = plainInputsFirst(pulumi.runtime.serializeProperty as unknown as SerializeProperty);
        // A stand-in for a resource an Output came from: serializeProperty only collects it.
        const source = { name: "upstream" };
        const fromResource = (v: unknown) => {
            const known = Promise.resolve(true);
            const OutputImpl = pulumi.Output as unknown as new (...a: unknown[]) => pulumi.Output<unknown>;
            return new OutputImpl(new Set([source]), Promise.resolve(v), known, Promise.resolve(false), Promise.resolve(new Set([source])));
        };
        const props = {
            id: "ignored",
            urn: "ignored",
            metadata: { name: fromResource("ns"), labels: { b: "2", a: "1" } },
            spec: samples[0],
            data: samples[1],
            gone: undefined,
            fn: () => 1,
            promised: Promise.resolve({ y: 1, x: [undefined, 2] }),
            unknown: pulumi.output(1).apply(() => 1),
            list: [fromResource(1), 2],
            // Outputs deep in plain maps and lists, beside plain values, undefined and functions.
            spec2: { z: [1, { y: fromResource("deep"), x: undefined, w: () => 1 }, undefined], a: { b: fromResource(2), c: "c" }, d: undefined },
            instance: { when: new Date(0), nested: { at: new Date(1) } },
            // Looks like an asset to the SDK's type check (utils.js isInstance): the SDK's to serialise.
            claimed: { a: { __pulumiAsset: true, path: "x" } },
        };
        const [got, gotDeps] = await fast("resource:x[t]", props);
        const [want, wantDeps] = await real("resource:x[t]", props);
        assert.deepStrictEqual(Object.keys(got), Object.keys(want));
        assert.deepStrictEqual(asStruct(got), asStruct(want));
        // The registration's Struct (which keeps the copies made here) reads back as protobuf's of the runtime's.
        const viaProtobuf = Struct.fromJavaScript(want as never).toJavaScript();
        assert.equal(JSON.stringify(plainStruct(got).toJavaScript()), JSON.stringify(viaProtobuf));
        assert.deepStrictEqual(plainStruct(got).toArray(), Struct.fromJavaScript(want as never).toArray());
        assert.deepStrictEqual([...gotDeps.keys()], [...wantDeps.keys()]);
        for (const [k, deps] of wantDeps) assert.deepStrictEqual([...gotDeps.get(k)!], [...deps], k);
        assert.deepStrictEqual([...gotDeps.get("metadata")!], [source]);
        assert.deepStrictEqual([...gotDeps.get("spec2")!], [source]);
        // An input the runtime refuses fails with the runtime's message, naming the input.
        const failing = { ok: { a: 1 }, bad: Promise.reject(new Error("boom")) };
        failing.bad.catch(() => undefined);
        await assert.rejects(fast("l", failing), /error serializing property "bad": boom/);
        await assert.rejects(real("l", failing), /error serializing property "bad": boom/);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a rejection that is not an Error, as a program's own promise may give
        const deep = { ok: 1, spec: { list: [1, Promise.reject("not an Error")] } };
        (deep.spec.list[1] as Promise<unknown>).catch(() => undefined);
        const messages = await Promise.all(
            [fast, real].map((f) =>
                f("l", deep).then(
                    () => "resolved",
                    (e: Error) => e.message,
                ),
            ),
        );
        assert.equal(messages[0], messages[1]);
        assert.match(messages[0], /^error serializing property "spec": /);
    });

    // @pulumi/kubernetes gives a DaemonSet aliases to its older API groups (apps/v1/daemonSet.js:
    // mergeOptions(opts, { aliases: [...] })); pulumi/pulumi sdk/nodejs/resource.ts collapses each
    // into a URN in the constructor, after the stack's transformations ran.
    it("registers a simulated run's resources without aliases, the SDK's and the program's alike, and only in the run", async () => {
        const aliasesOf = (r: pulumi.Resource) => (r as unknown as { __aliases: unknown[] }).__aliases;
        const seen: Record<string, unknown[]> = {};
        const result = await runStack(
            async () => {
                const ds = new k8s.apps.v1.DaemonSet("ds", { metadata: { name: "ds" }, spec: { selector: {}, template: {} } });
                const renamed = new k8s.core.v1.ConfigMap("cm", { metadata: { name: "cm" } }, { aliases: [{ name: "old-cm" }] });
                seen.ds = aliasesOf(ds);
                seen.cm = aliasesOf(renamed);
                return {};
            },
            { project: "p", stack: "s", config: {} },
        );
        assert.deepStrictEqual(seen, { ds: [], cm: [] });
        assert.deepStrictEqual(result.resources.map((r) => `${r.type} ${r.name}`).sort(), [
            "kubernetes:apps/v1:DaemonSet ds",
            "kubernetes:core/v1:ConfigMap cm",
            "pulumi:pulumi:Stack p-s",
        ]);
        // The transformation belongs to each run's own stack, once (runs do not pile them up), and
        // the SDK still declares the aliases it leaves out.
        const declared = await runStack(
            () => {
                const root = (pulumi.runtime as unknown as { getStackResource(): { __transformations?: unknown[] } }).getStackResource();
                return Promise.resolve({ before: root.__transformations?.length ?? 0 });
            },
            { project: "p", stack: "s", config: {} },
        );
        assert.equal(declared.outputs.values.before, 1);
        const source = fs.readFileSync(require.resolve("@pulumi/kubernetes/apps/v1/daemonSet.js"), "utf8");
        assert.match(source, /aliases: \[\{ type: "kubernetes:apps\/v1beta2:DaemonSet" \}/);
    });

    it("leaves to protobuf what a Struct refuses or reads differently, so it throws where it threw", () => {
        for (const v of [{ a: undefined }, { a: [1, undefined] }, { a: () => 1 }, { a: 1n }, { a: Symbol("s") }]) {
            assert.throws(() => Struct.fromJavaScript(v as never), /Unexpected struct type/);
            assert.throws(() => plainStruct(v), /Unexpected struct type/);
        }
        // A class instance is read key by key (for...in): the real Struct decides, not the copy.
        const date = { a: new Date(0) };
        assert.deepStrictEqual(plainStruct(date).toJavaScript(), Struct.fromJavaScript(date as never).toJavaScript());
    });
});
