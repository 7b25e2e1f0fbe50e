import { strict as assert } from "node:assert";
import { formatBytes, formatMs } from "../../../tools/shared/format";

describe("shared: report units", () => {
    it("prints durations in ms below a second, then in seconds with fewer decimals as they grow", () => {
        assert.equal(formatMs(850.4), "850 ms");
        assert.equal(formatMs(1423), "1.42 s");
        assert.equal(formatMs(12_345), "12.3 s");
    });

    it("prints sizes in binary units, with decimals from GiB up", () => {
        assert.equal(formatBytes(900), "900 B");
        assert.equal(formatBytes(512 * 1024), "512 KiB");
        assert.equal(formatBytes(300 * 2 ** 20), "300 MiB");
        assert.equal(formatBytes(1.5 * 2 ** 30), "1.50 GiB");
    });
});
