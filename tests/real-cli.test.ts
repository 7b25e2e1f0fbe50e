/**
 * What the real Pulumi CLI and engine do that mocks would not show on their own: how the nodejs
 * language host prints a failed program, and how a StackReference name is resolved.
 */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig, qualifiedStackName } from "../config";
import { runStack } from "../lib/offline/simulator";
import { find, program, runSource, sharedHub, stackConfig } from "./support/fleet";

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
            const acme = await runStack(program, { project: "vector-fleet", stack: "dev", ...stackConfig("dev"), stackOutputs: { monitoring: hub }, organization: "acme" });
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
                runStack(program, { project: "vector-fleet", stack: "dev", ...stackConfig("dev", { monitoringStack: "platform/vector-fleet/monitoring" }), stackOutputs: { monitoring: hub } }),
                /stack "platform\/vector-fleet\/monitoring" has not been rendered/,
            );
        });

        it("accepts only `stack` or `org/project/stack` in config", () => {
            const base = { role: "source", cluster: "dev", environment: "dev", region: "hel1", kubeContext: "dev" };
            const problems = (monitoringStack: string) => {
                try {
                    parseStackConfig({ values: Object.fromEntries(Object.entries({ ...base, monitoringStack }).map(([k, v]) => [`vector-fleet:${k}`, v])), isSecret: () => false, project: "vector-fleet", stack: "dev" });
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
});
