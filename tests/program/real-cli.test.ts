/**
 * What the real Pulumi CLI and engine do that mocks would not show on their own: how the nodejs
 * language host prints a failed program, and how a StackReference name is resolved.
 */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig, qualifiedStackName } from "../../config";
import { loadBalancerIpProblem } from "../../components/contract/hub-outputs";
import { DEFAULT_CLOUD, runStack } from "../../tools/render/simulator";
import { find, program, runHub, runSource, sharedHub, stackConfig } from "../support/fleet";

describe("under the real CLI", () => {
    describe("config errors print as clean lines", () => {
        // pulumi/pulumi sdk/nodejs/cmd/run/run.ts uncaughtHandler: a RunError is logged as its
        // message alone; any other Error (ResourceError without hideStack included) with its stack.
        // RunError.isInstance tests a true `__pulumiRunError` member (sdk/nodejs/errors.ts).
        it("a ConfigError is a RunError to the language host", () => {
            const e = new ConfigError([{ path: "vector-fleet:region", value: '"mars"', expected: "one of ..." }]);
            assert.equal(pulumi.RunError.isInstance(e), true);
            assert.equal(pulumi.RunError.isInstance(new Error("plain")), false, "the rule the host applies: a plain Error is not one");
        });

        it("the program's config refusal is a RunError", async () => {
            await assert.rejects(runStack(program, { project: "vector-fleet", stack: "dev", ...stackConfig("dev", { region: "mars" }) }), (e: unknown) => {
                assert.equal(pulumi.RunError.isInstance(e), true);
                return true;
            });
        });

        it("the hub-output wiring error of a source stack is a RunError", async () => {
            const outputs = structuredClone((await sharedHub()).outputs);
            delete outputs.values.caCertPem;
            await assert.rejects(runSource("dev", outputs), (e: unknown) => {
                assert.equal(pulumi.RunError.isInstance(e), true);
                assert.match((e as Error).message, /^cannot wire dev to monitoring:\n {2}- /);
                return true;
            });
        });
    });

    describe("a bare monitoringStack resolves in the running stack's organization and project", () => {
        // The engine resolves a bare name with the backend's default org, not the stack's own
        // (pulumi/pulumi pkg/backend/httpstate/backend.go ParseStackReference).
        it("qualifies a bare name and keeps a qualified one", () => {
            assert.equal(qualifiedStackName("monitoring", "acme", "vector-fleet"), "acme/vector-fleet/monitoring");
            assert.equal(qualifiedStackName("other/vector-fleet/monitoring", "acme", "vector-fleet"), "other/vector-fleet/monitoring");
        });

        it("reads organization/vector-fleet/monitoring under mocks, whose organization the simulator sets", async () => {
            const r = await runSource("dev", (await sharedHub()).outputs);
            const ref = find(r, "pulumi:pulumi:StackReference", "monitoring");
            assert.equal(ref.inputs.name, "organization/vector-fleet/monitoring");
        });

        it("uses the stack's own organization, and keeps an explicit org/project/stack", async () => {
            const hub = (await sharedHub()).outputs;
            const acme = await runStack(program, {
                project: "vector-fleet",
                stack: "dev",
                ...stackConfig("dev"),
                stackOutputs: { monitoring: hub },
                organization: "acme",
            });
            assert.equal(find(acme, "pulumi:pulumi:StackReference", "monitoring").inputs.name, "acme/vector-fleet/monitoring");
            const explicit = await runStack(program, {
                project: "vector-fleet",
                stack: "dev",
                ...stackConfig("dev", { monitoringStack: "platform/vector-fleet/monitoring" }),
                stackOutputs: { "platform/vector-fleet/monitoring": hub },
                organization: "acme",
            });
            assert.equal(find(explicit, "pulumi:pulumi:StackReference", "platform/vector-fleet/monitoring").inputs.name, "platform/vector-fleet/monitoring");
        });

        it("refuses a stack in another organization the render has not got", async () => {
            const hub = (await sharedHub()).outputs;
            await assert.rejects(
                runStack(program, {
                    project: "vector-fleet",
                    stack: "dev",
                    ...stackConfig("dev", { monitoringStack: "platform/vector-fleet/monitoring" }),
                    stackOutputs: { monitoring: hub },
                }),
                /stack "platform\/vector-fleet\/monitoring" has not been rendered/,
            );
        });

        it("accepts only `stack` or `org/project/stack` in config", () => {
            const base = { role: "source", cluster: "dev", environment: "dev", region: "hel1", kubeContext: "dev" };
            const problems = (monitoringStack: string) => {
                try {
                    parseStackConfig({
                        values: Object.fromEntries(Object.entries({ ...base, monitoringStack }).map(([k, v]) => [`vector-fleet:${k}`, v])),
                        isSecret: () => false,
                        project: "vector-fleet",
                        stack: "dev",
                    });
                    return [];
                } catch (e) {
                    return (e as ConfigError).problems.map((p) => `${p.path}: got ${p.value}; expected ${p.expected}`);
                }
            };
            assert.deepEqual(problems("monitoring"), []);
            assert.deepEqual(problems("acme/vector-fleet/monitoring"), []);
            const expected = "a stack name (monitoring) or a fully qualified one (org/vector-fleet/monitoring)";
            assert.deepEqual(problems("acme/monitoring"), [`vector-fleet:monitoringStack: got "acme/monitoring"; expected ${expected}`]);
            assert.deepEqual(problems("a/b/c/d"), [`vector-fleet:monitoringStack: got "a/b/c/d"; expected ${expected}`]);
        });
    });

    describe("the hub checks that the load balancer really got the pinned private IP", () => {
        // hetznercloud/hcloud-cloud-controller-manager internal/hcops/load_balancer.go attachToNetwork:
        // with no Network configured (NetworkID 0) the controller never attaches the LB, so the
        // private-ipv4 annotation has no effect; hcloud/load_balancers.go lists public addresses
        // first in the Service's ingress, so the check asks Hetzner (getLoadBalancer) instead.
        const lb = { name: "vector-aggregator", network: "fleet-private", privateIp: "10.0.64.250" };
        const fix =
            "run the hcloud cloud controller with the Network (HCLOUD_NETWORK, or the `network` value of its Helm chart); it then moves the LB to the pinned address by itself, and the next `pulumi up` passes (docs/operations.md)";

        it("accepts the pinned address in the fleet's Network", () => {
            assert.equal(loadBalancerIpProblem(lb, 7, { networkId: 7, networkIp: "10.0.64.250" }), undefined);
        });

        it("refuses another address, and a load balancer in no (or another) Network, with one line", () => {
            assert.equal(
                loadBalancerIpProblem(lb, 7, { networkId: 7, networkIp: "10.0.0.3" }),
                `load balancer "vector-aggregator" got the private address 10.0.0.3, not the pinned 10.0.64.250 that agents dial (the cloud controller ignored load-balancer.hetzner.cloud/private-ipv4): ${fix}`,
            );
            assert.equal(
                loadBalancerIpProblem(lb, 7, { networkId: 0, networkIp: "" }),
                `load balancer "vector-aggregator" is not in the hcloud Network "fleet-private" (it has no private address), so agents cannot reach it at 10.0.64.250: ${fix}`,
            );
            assert.match(loadBalancerIpProblem(lb, 7, { networkId: 9, networkIp: "10.0.64.250" })!, /\(it has 10\.0\.64\.250 in network 9\)/);
        });

        it("exports the address Hetzner reports once the aggregators exist", async () => {
            const hub = await sharedHub();
            assert.equal(hub.outputs.values.loadBalancerPrivateIp, "10.0.64.250");
        });

        it("fails the hub run with that line, as a RunError, when the cloud controller ignored the annotation", async () => {
            const cloud = { ...DEFAULT_CLOUD, loadBalancers: { "vector-aggregator": { networkId: 0, networkIp: "" } } };
            await assert.rejects(runHub({}, cloud), (e: unknown) => {
                assert.equal(pulumi.RunError.isInstance(e), true);
                assert.match(
                    (e as Error).message,
                    /^load balancer "vector-aggregator" is not in the hcloud Network "fleet-private" \(it has no private address\)/,
                );
                return true;
            });
        });
    });
});
