import { strict as assert } from "node:assert";
import {
    aggregatorClaimName,
    aggregatorStatefulSet,
    aggregatorVolumeClaimPatches,
    AggregatorObjectSettings,
    AGGREGATOR_STATEFULSET_IGNORE_CHANGES,
} from "../../../components/aggregator/manifests";
import { changedProperties, replacement } from "../../../tools/render/replacement";
import { RunResult } from "../../../tools/render/simulator";
import { ManifestObject } from "../../../tools/render/summary";
import { find, fleetStackFile, runHub, sharedHub } from "../../support/fleet";

/**
 * pulumi-kubernetes' own replace rule (provider/pkg/provider/diff.go: the StatefulSet list with
 * `.spec.volumeClaimTemplates`, the PersistentVolumeClaim entry of `core`) and Pulumi's
 * ignoreChanges (pkg/resource/deploy/step_generator.go, processIgnoreChanges), as the diff
 * applies them: tools/render/replacement.ts holds the one encoding of both.
 */
function asManifest(object: object, ignoreChanges?: string[]): ManifestObject {
    const body = object as Record<string, unknown>;
    const metadata = body.metadata as { name: string; namespace?: string };
    return {
        apiVersion: String(body.apiVersion),
        kind: String(body.kind),
        name: metadata.name,
        namespace: metadata.namespace,
        body,
        ...(ignoreChanges ? { ignoreChanges } : {}),
    };
}

/** Leaf paths (".a.b.0.c") whose values differ. */
const changedPaths = (a: unknown, b: unknown) => changedProperties(a, b).map((c) => c.path.map((seg) => `.${seg}`).join(""));

const SETTINGS: AggregatorObjectSettings = {
    name: "vector-aggregator",
    namespace: "vector-aggregator",
    image: "timberio/vector:0.59.0-distroless-libc",
    replicas: 3,
    resources: { requests: { cpu: "1", memory: "8Gi" }, limits: { cpu: "4", memory: "8Gi" } },
    storage: { size: "20Gi", storageClassName: "hcloud-volumes" },
    agentSlots: [0],
};
const CHECKSUMS = { config: "c", credentials: "d" };

describe("aggregator storage: a size change is an in-place resize, never a replacement", () => {
    describe("the builders", () => {
        it("the rule bites: a size change alone lands in volumeClaimTemplates, a forceNew field", () => {
            const before = aggregatorStatefulSet(SETTINGS, CHECKSUMS);
            const after = aggregatorStatefulSet({ ...SETTINGS, storage: { ...SETTINGS.storage, size: "40Gi" } }, CHECKSUMS);
            assert.deepEqual(changedPaths(before, after), [".spec.volumeClaimTemplates.0.spec.resources.requests.storage"]);
            assert.deepEqual(replacement(asManifest(before), asManifest(after)), { fields: ["spec.volumeClaimTemplates"], deleteFirst: true });
        });

        it("the StatefulSet ignores its claim templates after creation, so no storage change reaches a forceNew field", () => {
            const variants: AggregatorObjectSettings[] = [
                { ...SETTINGS, storage: { ...SETTINGS.storage, size: "40Gi" } },
                { ...SETTINGS, storage: { ...SETTINGS.storage, size: "11Gi" } },
                { ...SETTINGS, storage: { size: "30Gi", storageClassName: "hcloud-volumes-xfs" } },
            ];
            const before = aggregatorStatefulSet(SETTINGS, CHECKSUMS);
            for (const v of variants) {
                const after = aggregatorStatefulSet(v, CHECKSUMS);
                assert.equal(
                    replacement(asManifest(before, AGGREGATOR_STATEFULSET_IGNORE_CHANGES), asManifest(after, AGGREGATOR_STATEFULSET_IGNORE_CHANGES)),
                    undefined,
                    JSON.stringify(v.storage),
                );
            }
        });

        it("ignores only the claim templates: the pod template still rolls the pods on a config change", () => {
            assert.deepEqual(AGGREGATOR_STATEFULSET_IGNORE_CHANGES, ["spec.volumeClaimTemplates"]);
        });

        it("patches one claim per replica, by the name the StatefulSet controller gives it, with the size only", () => {
            for (const replicas of [1, 3, 5]) {
                const patches = aggregatorVolumeClaimPatches({ ...SETTINGS, replicas });
                assert.deepEqual(
                    patches.map((p) => p.metadata.name),
                    Array.from({ length: replicas }, (_, i) => `data-vector-aggregator-${i}`),
                );
            }
            const template = (aggregatorStatefulSet(SETTINGS, CHECKSUMS).spec as { volumeClaimTemplates: Array<{ metadata: { name: string } }> })
                .volumeClaimTemplates;
            // <template>-<statefulset>-<ordinal>: kubernetes/kubernetes pkg/controller/statefulset/stateful_set_utils.go
            assert.equal(aggregatorClaimName(SETTINGS.name, 2), `${template[0].metadata.name}-${SETTINGS.name}-2`);
            assert.deepEqual(aggregatorVolumeClaimPatches(SETTINGS)[0], {
                apiVersion: "v1",
                kind: "PersistentVolumeClaim",
                metadata: { name: "data-vector-aggregator-0", namespace: "vector-aggregator", annotations: { "pulumi.com/patchForce": "true" } },
                spec: { resources: { requests: { storage: "20Gi" } } },
            });
        });

        it("a size change touches no forceNew field of a claim: it updates the claim in place", () => {
            const before = aggregatorVolumeClaimPatches(SETTINGS)[0];
            const after = aggregatorVolumeClaimPatches({ ...SETTINGS, storage: { ...SETTINGS.storage, size: "40Gi" } })[0];
            assert.deepEqual(changedPaths(before, after), [".spec.resources.requests.storage"]);
            assert.equal(replacement(asManifest(before), asManifest(after)), undefined);
        });
    });

    describe("the program", () => {
        let hub: RunResult;
        let bigger: RunResult;
        before(async () => {
            hub = await sharedHub();
            const aggregator = fleetStackFile("monitoring").config["vector-fleet:aggregator"];
            const parsed = (typeof aggregator === "string" ? JSON.parse(aggregator) : aggregator) as { storage: { size: string } };
            bigger = await runHub({ aggregator: { ...parsed, storage: { ...parsed.storage, size: "40Gi" } } });
        });
        const sts = (r: RunResult) => find(r, "kubernetes:apps/v1:StatefulSet", "vector-aggregator-statefulset");

        it("registers the StatefulSet with ignoreChanges on its claim templates", () => {
            assert.deepEqual(sts(hub).ignoreChanges, AGGREGATOR_STATEFULSET_IGNORE_CHANGES);
        });

        it("a storage size change in the stack config changes no forceNew field of the StatefulSet", () => {
            assert.notDeepEqual(changedPaths(sts(hub).inputs, sts(bigger).inputs), [], "the size reached the claim templates");
            assert.equal(
                replacement(asManifest(sts(hub).inputs, sts(hub).ignoreChanges), asManifest(sts(bigger).inputs, sts(bigger).ignoreChanges)),
                undefined,
            );
        });

        it("resizes every replica's claim to the new size, and changes nothing else", () => {
            const claims = (r: RunResult) => r.resources.filter((x) => x.type === "kubernetes:core/v1:PersistentVolumeClaimPatch");
            assert.equal(claims(hub).length, 3);
            for (const [i, c] of claims(bigger).entries()) {
                assert.deepEqual(changedPaths(claims(hub)[i].inputs, c.inputs), [".spec.resources.requests.storage"]);
                assert.equal((c.inputs.spec as { resources: { requests: { storage: string } } }).resources.requests.storage, "40Gi");
            }
        });
    });
});
