import { strict as assert } from "node:assert";
import { clientCaBundle, clientCaGenerationsOf, generationSuffix } from "../../../components/pki";

const PEM = (n: string) => `-----BEGIN CERTIFICATE-----\n${n}\n-----END CERTIFICATE-----\n`;

describe("client CA generations", () => {
    it("trusts the current generation alone unless a rotation keeps the previous one", () => {
        assert.deepEqual(clientCaGenerationsOf({ generation: 0, keepPrevious: false }), { current: 0 });
        assert.deepEqual(clientCaGenerationsOf({ generation: 3, keepPrevious: false }), { current: 3 });
        assert.deepEqual(clientCaGenerationsOf({ generation: 3, keepPrevious: true }), { current: 3, previous: 2 });
    });

    it("has no previous generation before the first rotation, even when asked to keep one", () => {
        // The config refuses this combination; the PKI still never invents a generation -1.
        assert.deepEqual(clientCaGenerationsOf({ generation: 0, keepPrevious: true }), { current: 0 });
    });

    it("names generation 0 as before generations existed and every later one with -g<N>", () => {
        assert.equal(generationSuffix(0), "");
        assert.equal(generationSuffix(1), "-g1");
        assert.equal(generationSuffix(12), "-g12");
    });
});

describe("client CA bundle", () => {
    it("is the one PEM unchanged when there is no rotation", () => {
        assert.equal(clientCaBundle([PEM("new")]), PEM("new"));
    });

    it("puts the current CA first and the previous one after, each on its own lines", () => {
        assert.equal(clientCaBundle([PEM("new"), PEM("old")]), PEM("new") + PEM("old"));
        // A PEM without its final newline would glue its END line to the next BEGIN line.
        assert.equal(clientCaBundle([PEM("new").trimEnd(), PEM("old")]), PEM("new") + PEM("old"));
    });
});
