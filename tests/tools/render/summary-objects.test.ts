import { strict as assert } from "node:assert";
import { renderStackFiles } from "../../../tools/render/render";
import { parseManifests, summarizeStack } from "../../../tools/render/summary";
import { sharedRender } from "../../support/fleet";

// The render's summary reads the objects it serialised instead of parsing manifests.yaml back
// (a sixth of a render's CPU). That is only sound while they are what the parse would give.
describe("render: the summary's objects without the YAML round trip", () => {
    it("are, for every rendered stack, what parsing its manifests.yaml gives", async () => {
        for (const r of await sharedRender()) {
            const { files, objects } = renderStackFiles(r.result);
            assert.equal(files["manifests.yaml"], r.files["manifests.yaml"], r.stack);
            assert.deepStrictEqual(objects(), parseManifests(files["manifests.yaml"]), r.stack);
        }
    });

    it("give the summary parsing would give, also against an unchanged or a different previous render", async () => {
        const fleet = await sharedRender();
        for (const r of fleet) {
            const objects = renderStackFiles(r.result).objects();
            const other = fleet.find((o) => o.stack !== r.stack) ?? r;
            for (const previous of [undefined, r.files, other.files])
                assert.deepStrictEqual(summarizeStack(r.stack, r.files, previous, objects), summarizeStack(r.stack, r.files, previous), r.stack);
        }
    });
});
