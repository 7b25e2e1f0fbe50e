/**
 * The policy pack (policy/) once through the Pulumi CLI's own policy runner, as
 * `pulumi preview --policy-pack policy` starts it: every policy over every resource and over broken
 * copies is in tests/policy/policies.test.ts.
 */
import { strict as assert } from "node:assert";
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { AnalyzeRequest, AnalyzerResourceOptions } from "@pulumi/pulumi/proto/analyzer_pb";
import { policies } from "../../policy/policies";
import { startEarly } from "../support/early";
import { find, ROOT, sharedHub } from "../support/fleet";

/**
 * What the CLI's pulumi-analyzer-policy script runs, in the pack's folder. ts-node type-checks
 * the pack first (about a second of CPU), so it starts with the mocha run; the port it prints once
 * it serves, or its exit status and stderr.
 */
const runner = startEarly(
    () => {
        const child = spawn(process.execPath, [require.resolve("@pulumi/pulumi/cmd/run-policy-pack"), "127.0.0.1:0", "."], {
            cwd: path.join(ROOT, "policy"),
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        return new Promise<{ child: ChildProcess; port: string }>((resolve, reject) => {
            child.stdout.once("data", (d: Buffer) => resolve({ child, port: d.toString().trim() }));
            child.once("exit", (code) => reject(new Error(`policy pack exited ${code}: ${stderr}`)));
            child.once("error", reject);
        });
    },
    ({ child }) => {
        child.kill();
    },
);

describe("the policy pack under the Pulumi CLI's policy runner", () => {
    it("loads policy/ with ts-node as `pulumi preview --policy-pack policy` does and reports over gRPC", async function () {
        this.timeout(30_000);
        const { port } = await runner();
        const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        try {
            const info = await new Promise<{ name: string; levels: string[] }>((resolve, reject) =>
                client.getAnalyzerInfo(new Empty(), (err, res) =>
                    err ? reject(err) : resolve({ name: res.getName(), levels: res.getPoliciesList().map((p) => `${p.getName()}=${p.getEnforcementlevel()}`) }),
                ),
            );
            assert.equal(info.name, "vector-fleet");
            // EnforcementLevel 1 is MANDATORY in analyzer.proto.
            assert.deepEqual(
                info.levels,
                policies.map((p) => `${p.name}=1`),
            );

            const lb = find(await sharedHub(), "kubernetes:core/v1:Service", "vector-aggregator-loadbalancer");
            const props = structuredClone(lb.inputs) as { metadata: { annotations: Record<string, string> } };
            delete props.metadata.annotations["load-balancer.hetzner.cloud/use-private-ip"];
            const req = new AnalyzeRequest();
            req.setType(lb.type);
            req.setName(lb.name);
            req.setUrn(lb.urn);
            req.setOptions(new AnalyzerResourceOptions());
            req.setProperties(Struct.fromJavaScript(props));
            const diagnostics = await new Promise<string[]>((resolve, reject) =>
                client.analyze(req, (err, res) =>
                    err ? reject(err) : resolve(res.getDiagnosticsList().map((d) => `${d.getPolicyname()} ${d.getEnforcementlevel()} ${d.getMessage()}`)),
                ),
            );
            assert.equal(diagnostics.length, 1);
            assert.match(diagnostics[0], /^private-load-balancers 1 .*annotation load-balancer.hetzner.cloud\/use-private-ip is not set/s);
        } finally {
            client.close();
        }
    });
});
