import { strict as assert } from "node:assert";
import { stringify } from "yaml";
import { kubernetesObjects, redact } from "../../../tools/render/render";
import { manifestYaml } from "../../../tools/render/manifest-yaml";
import { sharedRender } from "../../support/fleet";

// manifests.yaml is written by a writer of our own for speed; it must give the bytes the `yaml`
// library gives with the options the render has always used (eemeli/yaml src/stringify/*.ts).
const library = (v: unknown) => stringify(v, { sortMapEntries: true, lineWidth: 0 });

/** A small deterministic generator (mulberry32), so a failure names a seed that reproduces it. */
function random(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

// Strings that make yaml quote, fold or block-write, or that look like another type.
const STRINGS = [
    "",
    " ",
    "a",
    "vector-agent",
    "app.kubernetes.io/name",
    "true",
    "True",
    "FALSE",
    "null",
    "Null",
    "~",
    "yes",
    "on",
    "1",
    "-1",
    "+1",
    "007",
    "1.5",
    ".5",
    "1e3",
    "0x1F",
    "0o17",
    ".inf",
    "-.Inf",
    ".nan",
    "10.0.0.0/16",
    "8686",
    "100m",
    "-",
    "- a",
    "-a",
    "?",
    "? x",
    "?x",
    "a: b",
    "a:b",
    "a:",
    "http://x:9000/path",
    "a #b",
    "a#b",
    "#x",
    "x ",
    " x",
    "&x",
    "*x",
    "!x",
    "|x",
    ">x",
    "%x",
    "@x",
    "`x",
    "'q'",
    "it's",
    'say "hi"',
    "both ' and \"",
    "[a]",
    "{a}",
    "a,b",
    "é",
    "tab\there",
    "bell\u0007",
    "nul\u0000",
    "\u2028",
    "\n",
    "a\nb",
    "a\nb\n",
    "a\n\n",
    "a\n\nb",
    "\na",
    "  lead\nx",
    "\n  lead",
    "trailing space \nx",
    "x\n  ",
    "--- x\ny",
    "---",
    "...",
    "a\n---\nb",
    "%YAML\nx",
    '[sources.k8s]\ntype = "kubernetes_logs"\n\n[sinks.out]\ninputs = ["k8s"]\n',
    "this is a longer string with\nnewlines, long enough for yaml to think about folding \" and ' quotes",
    "a long line ".repeat(20),
    `k${"x".repeat(1100)}`,
    "SECRET[vault.key]",
    "{{ .Values.x }}",
];
const NUMBERS = [0, -0, 1, -1, 42, 1.5, -2.25, 1e21, 1e-7, 2 ** 53, 2 ** 53 + 2, 0.1, NaN, Infinity, -Infinity];

function generate(rnd: () => number, depth: number): unknown {
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
    const r = rnd();
    if (depth > 4 || r < 0.45) {
        const s = rnd();
        if (s < 0.6) return pick(STRINGS);
        if (s < 0.8) return pick(NUMBERS);
        if (s < 0.9) return rnd() < 0.5;
        return null;
    }
    if (r < 0.7) {
        const o: Record<string, unknown> = {};
        const n = Math.floor(rnd() * 5);
        for (let i = 0; i < n; i++) o[rnd() < 0.5 ? pick(STRINGS) : `k${Math.floor(rnd() * 12)}`] = rnd() < 0.05 ? undefined : generate(rnd, depth + 1);
        return o;
    }
    return Array.from({ length: Math.floor(rnd() * 4) }, () => generate(rnd, depth + 1));
}

describe("render: manifests.yaml's writer", () => {
    it("writes every object of every rendered stack as the yaml library does", async () => {
        let objects = 0;
        for (const r of await sharedRender()) {
            for (const o of kubernetesObjects(r.result.resources).map(redact)) {
                assert.equal(manifestYaml(o), library(o), `${r.stack}: ${o.kind} ${o.metadata.name}`);
                objects++;
            }
        }
        assert.ok(objects > 0);
    });

    it("writes every scalar the library quotes, folds or block-writes as the library does, as a value, a list item and a key", () => {
        for (const s of STRINGS) {
            for (const doc of [{ k: s }, { k: [s] }, { k: { [s]: 1 } }, { a: { b: [{ c: s, d: [[s]] }] } }, { [s]: { [s]: [s, s] } }]) {
                assert.equal(manifestYaml(doc), library(doc), JSON.stringify(doc));
            }
        }
        for (const n of NUMBERS) {
            const doc = { n, list: [n, [n]], nested: { m: { n } } };
            assert.equal(manifestYaml(doc), library(doc), String(n));
        }
    });

    it("writes empty maps and lists, nulls, undefined values and nested lists as the library does", () => {
        const docs: unknown[] = [
            {},
            { a: {} },
            { a: [] },
            { a: [[]] },
            { a: [{}] },
            { a: undefined },
            { a: { b: undefined } },
            { a: [null, true, false] },
            { a: [[1, [2, [3]]], [{ b: [] }]] },
            { a: [{ b: 1, c: [{ d: {} }] }] },
            { "10": 1, "9": 2, b: 3, a: 4, B: 5, _: 6 },
        ];
        for (const doc of docs) assert.equal(manifestYaml(doc), library(doc), JSON.stringify(doc));
    });

    it("leaves to the library what it does not write itself: shared objects (anchors), non-plain values, undefined list items", () => {
        const shared = { x: 1 };
        const docs: unknown[] = [
            { a: shared, b: shared },
            { a: [shared, shared] },
            { a: new Date(0) },
            { a: new Map([["k", 1]]) },
            { a: [undefined, 1] },
            [1, 2],
            "top-level string",
        ];
        for (const doc of docs) assert.equal(manifestYaml(doc), library(doc), String(doc));
    });

    it("agrees with the library on thousands of generated documents", () => {
        for (let seed = 1; seed <= 1000; seed++) {
            const rnd = random(seed);
            const doc: Record<string, unknown> = {};
            for (let i = 0; i < 1 + Math.floor(rnd() * 4); i++) doc[`k${i}`] = generate(rnd, 0);
            assert.equal(manifestYaml(doc), library(doc), `seed ${seed}: ${JSON.stringify(doc)}`);
        }
    });
});
