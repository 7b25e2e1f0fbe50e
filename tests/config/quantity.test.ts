/**
 * The one quantity parser follows Kubernetes' grammar: kubernetes/apimachinery
 * pkg/api/resource/quantity.go (the `Quantity` comment, parseQuantityString, ParseQuantity) and
 * its suffix table, pkg/api/resource/suffix.go. Each case below is a rule of that grammar.
 */
import { strict as assert } from "node:assert";
import { BINARY_SI, cpuMillis, DECIMAL_SI, memoryBytes, parseQuantity } from "../../config/quantity";
import { Ctx } from "../../config/schema-kit";
import { cpuQuantity, memoryQuantity } from "../../config/validators";

describe("config/quantity: Kubernetes' quantity grammar", () => {
    it("<number> is digits, digits.digits, digits. or .digits", () => {
        assert.deepEqual(
            ["2", "1.5", "1.", ".5", "007"].map((q) => parseQuantity(q)),
            [2, 1.5, 1, 0.5, 7],
        );
        for (const bad of ["", ".", "1.2.3", "1,5", "one", "0x10"]) assert.equal(parseQuantity(bad), undefined, bad);
    });

    it("<signedNumber> takes one leading + or -", () => {
        assert.deepEqual(
            ["+2", "-2", "-1.5Gi", "-0"].map((q) => parseQuantity(q)),
            [2, -2, -1.5 * 2 ** 30, 0],
        );
        for (const bad of ["--2", "+-2", "2-", "- 2"]) assert.equal(parseQuantity(bad), undefined, bad);
    });

    it("<decimalSI> is n u m (none) k M G T P E: powers of 1000, case-sensitive", () => {
        for (const [suffix, power] of Object.entries(DECIMAL_SI)) assert.equal(parseQuantity(`3${suffix}`), Number(`3e${power}`), suffix);
        assert.deepEqual(Object.keys(DECIMAL_SI), ["n", "u", "m", "", "k", "M", "G", "T", "P", "E"]);
        for (const bad of ["1K", "1g", "1Mb", "1mi", "1B"]) assert.equal(parseQuantity(bad), undefined, bad);
    });

    it("<binarySI> is Ki Mi Gi Ti Pi Ei: powers of 1024, fractions allowed", () => {
        for (const [suffix, power] of Object.entries(BINARY_SI)) assert.equal(parseQuantity(`3${suffix}`), 3 * 2 ** power, suffix);
        assert.deepEqual(Object.keys(BINARY_SI), ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]);
        assert.equal(parseQuantity("1.5Ki"), 1536);
        for (const bad of ["1ki", "1KI", "1Ki5", "1i"]) assert.equal(parseQuantity(bad), undefined, bad);
    });

    it('<decimalExponent> is e or E and a signed integer; a lone "E" is exa, a lone "e" nothing', () => {
        assert.deepEqual(
            ["1e3", "1E3", "1e+3", "15e-1", "2E-3"].map((q) => parseQuantity(q)),
            [1000, 1000, 1000, 1.5, 0.002],
        );
        assert.equal(parseQuantity("1E"), 1e18);
        for (const bad of ["1e", "1e1.5", "1e3m", "1e3Ki", "e3"]) assert.equal(parseQuantity(bad), undefined, bad);
    });

    it("has no white space: the API server trims it before parsing a JSON string, the parser does not", () => {
        for (const bad of [" 1", "1 ", "1 Gi"]) assert.equal(parseQuantity(bad), undefined, JSON.stringify(bad));
    });

    it("converts decimal values from their digits, so millicores and bytes come out whole", () => {
        assert.deepEqual(["100m", "700m", "0.1", "1.001", "2"].map(cpuMillis), [100, 700, 100, 1001, 2000]);
        assert.deepEqual(["256Mi", "1G", "1.5Gi", "1e3"].map(memoryBytes), [256 * 2 ** 20, 1e9, 1.5 * 2 ** 30, 1000]);
    });
});

describe("config: CPU and memory fields take any Kubernetes quantity that is a usable amount", () => {
    const problems = (schema: ReturnType<typeof cpuQuantity>, value: string) => {
        const ctx: Ctx = { problems: [], secret: false };
        schema.parse(value, "agent.resources.requests", ctx);
        return ctx.problems.length;
    };
    it("accepts the grammar's other forms of a positive amount", () => {
        for (const ok of ["500m", "2", "0.5", "1e-1", "+1"]) assert.equal(problems(cpuQuantity(), ok), 0, ok);
        for (const ok of ["256Mi", "2Gi", "1.5Gi", "1e9", "512M"]) assert.equal(problems(memoryQuantity(), ok), 0, ok);
    });
    it('refuses zero, negative amounts and fractions of a byte ("256m" is 0.256 bytes, a typo of 256Mi)', () => {
        for (const bad of ["0", "-1", "0m", "lots"]) assert.equal(problems(cpuQuantity(), bad), 1, bad);
        for (const bad of ["0", "-1Gi", "256m", "1.5", "lots"]) assert.equal(problems(memoryQuantity(), bad), 1, bad);
    });
});
