import { strict as assert } from "node:assert";
import { RenderedStack } from "../../tools/render/render";
import { KUBERNETES_API_VERSION, overMinimalBase, SchemaObject, schemaProblems } from "../support/k8s-schema";
import api from "../support/k8s-api-schema.json";
import { repoStacks, sharedRender } from "../support/fleet";

/** Every Kubernetes object a stack registers, patches marked; inputs arrive resolved under mocks. */
function objects(r: RenderedStack): Array<{ type: string; object: SchemaObject }> {
    return r.result.resources
        .filter((x) => x.custom && x.type.startsWith("kubernetes:") && !x.type.startsWith("pulumi:providers:"))
        .map((x) => ({ type: x.type, object: x.inputs as unknown as SchemaObject }));
}

describe("every rendered object is valid against the Kubernetes and prometheus-operator schemas", () => {
    it("checks field names and types against Kubernetes 1.32, the oldest release Vector 0.59 supports", () => {
        assert.equal(KUBERNETES_API_VERSION, "1.32");
        assert.deepEqual(api.source, { package: "@kubernetes/client-node@1.1.2", openapi: "v1.32.0" });
    });

    let fleet: RenderedStack[];
    before(async () => {
        fleet = await sharedRender();
    });

    // Every stack the repository has, whichever they are.
    for (const { stack } of repoStacks()) {
        it(`${stack}: every object, CRD kinds included, passes its schema`, async () => {
            const r = fleet.find((x) => x.stack === stack)!;
            const found = objects(r);
            assert.ok(found.length >= 8, `only ${found.length} objects`);
            const problems: string[] = [];
            for (const { type, object } of found) {
                const checked = type.endsWith("Patch") ? overMinimalBase(object) : object;
                for (const p of await schemaProblems(checked))
                    problems.push(`${object.kind} ${object.metadata?.namespace ?? ""}/${object.metadata?.name}: ${p}`);
            }
            assert.deepEqual(problems, []);
        });
    }

    it("checks the CRD kinds too: the hub's PodMonitors and PrometheusRule are among the objects", () => {
        const kinds = objects(fleet[0]).map((o) => `${o.object.apiVersion} ${o.object.kind}`);
        assert.ok(kinds.includes("monitoring.coreos.com/v1 PrometheusRule"));
        assert.ok(kinds.includes("monitoring.coreos.com/v1 PodMonitor"));
        assert.ok(kinds.includes("networking.k8s.io/v1 NetworkPolicy"));
    });

    describe("the validator bites", () => {
        const cases: Array<[string, SchemaObject, RegExp]> = [
            [
                "a NetworkPolicy port protocol that does not exist",
                {
                    apiVersion: "networking.k8s.io/v1",
                    kind: "NetworkPolicy",
                    metadata: { name: "x" },
                    spec: { podSelector: {}, egress: [{ ports: [{ protocol: "UDPX", port: 53 }] }] },
                },
                /\/spec\/egress\/0\/ports\/0\/protocol must be equal to one of the allowed values/,
            ],
            [
                "a PodMonitor endpoint port given as a number (the CRD wants the port's name)",
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "PodMonitor",
                    metadata: { name: "x" },
                    spec: { selector: {}, podMetricsEndpoints: [{ port: 9598 }] },
                },
                /\/spec\/podMetricsEndpoints\/0\/port must be string/,
            ],
            [
                "a PrometheusRule rule without an expression",
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "PrometheusRule",
                    metadata: { name: "x" },
                    spec: { groups: [{ name: "g", rules: [{ alert: "A" }] }] },
                },
                /\/spec\/groups\/0\/rules\/0 must have required property expr/,
            ],
            [
                "a DaemonSet without a selector",
                {
                    apiVersion: "apps/v1",
                    kind: "DaemonSet",
                    metadata: { name: "x" },
                    spec: { template: { spec: { containers: [{ name: "c", image: "i:1" }] } } },
                },
                /\/spec must have required property selector/,
            ],
            [
                "a Service port given as a string",
                { apiVersion: "v1", kind: "Service", metadata: { name: "x" }, spec: { ports: [{ port: "6000" }] } },
                /\/spec\/ports\/0\/port must be a number \(Kubernetes 1\.32\)/,
            ],
            [
                "a misspelled field",
                { apiVersion: "v1", kind: "Service", metadata: { name: "x" }, spec: { externalTrafficPolcy: "Local" } },
                /^\/spec\/externalTrafficPolcy is not a field of V1ServiceSpec in Kubernetes 1\.32$/,
            ],
            [
                "a field Kubernetes added after 1.32 (the pod's hostnameOverride, 1.34)",
                { apiVersion: "v1", kind: "Pod", metadata: { name: "x" }, spec: { hostnameOverride: "h", containers: [{ name: "c", image: "i:1" }] } },
                /^\/spec\/hostnameOverride is not a field of V1PodSpec in Kubernetes 1\.32$/,
            ],
            [
                "a PodDisruptionBudget field of the wrong type",
                { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "x" }, spec: { maxUnavailable: true } },
                /^\/spec\/maxUnavailable must be an integer or a string \(Kubernetes 1\.32\)$/,
            ],
            ["a kind that does not exist", { apiVersion: "v1", kind: "Deployment", metadata: { name: "x" } }, /kind Deployment is not in v1/],
            [
                "an API version that does not exist",
                { apiVersion: "apps/v1beta9", kind: "DaemonSet", metadata: { name: "x" } },
                /apiVersion apps\/v1beta9 is not a known/,
            ],
        ];
        for (const [what, object, expected] of cases) {
            it(`refuses ${what}`, async () => {
                const problems = await schemaProblems(object);
                assert.ok(
                    problems.some((p) => expected.test(p)),
                    problems.join("\n") || "no problems found",
                );
            });
        }

        it("checks a patch's own fields over a minimal DaemonSet, and the patch still wins", async () => {
            const patch: SchemaObject = {
                apiVersion: "apps/v1",
                kind: "DaemonSet",
                metadata: { name: "p" },
                spec: { template: { spec: { nodeSelector: { a: 1 } } } },
            };
            assert.deepEqual(await schemaProblems(overMinimalBase(patch)), ["/spec/template/spec/nodeSelector/a must be string (Kubernetes 1.32)"]);
        });
    });
});
