/*
 * Preloaded (`node --require`) by the start-up benchmark in front of @pulumi/pulumi's cmd/run, the
 * entry the Pulumi language host launches. There is no engine here, so this installs Pulumi's mocks
 * (generic answers: enough for the program to evaluate, not a render) and reports, at exit, when the
 * program module had been loaded, how many resources were registered and the peak memory.
 *
 * Plain CommonJS on purpose: it must load before any TypeScript hook exists (in the ts-node variants
 * cmd/run itself registers ts-node, later).
 */
"use strict";
const Module = require("node:module");
const path = require("node:path");

const root = process.cwd();
const pulumi = require(require.resolve("@pulumi/pulumi", { paths: [root] }));
const stack = process.env.BENCH_PROBE_STACK || "monitoring";

let resources = 0;
const mocks = {
    call(args) {
        if (args.token === "hcloud:index/getNetwork:getNetwork") {
            return { id: 1, name: args.inputs.name, ipRange: "10.0.0.0/16", labels: {}, deleteProtection: false, exposeRoutesToVswitch: false };
        }
        if (args.token === "hcloud:index/getLoadBalancer:getLoadBalancer") {
            // The hub checks the LB's private address against the pinned one (index.ts).
            return { id: 2, name: args.inputs.name, networkId: 1, networkIp: "10.0.64.250" };
        }
        throw new Error(`start-up probe: no answer for invoke ${args.token}`);
    },
    newResource(args) {
        // The hub reads each listed cluster's own stack (issue 16 item 2): answer as a deployed
        // source would, so the hub signs and accepts as in steady state. Without an answer the
        // StackReference has no outputs map and the program never finishes.
        if (args.type === "pulumi:pulumi:StackReference") {
            const outputs = {
                agentCsrPem: "-----BEGIN CERTIFICATE REQUEST-----\nprobe\n-----END CERTIFICATE REQUEST-----\n",
                agentTokenSha256: ["0".repeat(64)],
            };
            return { id: args.inputs.name, state: { name: args.inputs.name, outputs, secretOutputNames: [] } };
        }
        resources++;
        const known = { certPem: "cert", privateKeyPem: "key", privateKeyPemPkcs8: "key", publicKeyPem: "pub", certRequestPem: "csr", result: "token" };
        return { id: `${args.name}-id`, state: { ...known, ...args.inputs } };
    },
};
// The organization a bare monitoringStack resolves in (getOrganization() throws on none).
pulumi.runtime.setMocks(mocks, "vector-fleet", stack, false, "organization").then(() => {
    // The mock monitor has no shutdown call; cmd/run makes it when the program is done.
    const monitor = pulumi.runtime.getMonitor();
    if (monitor && !monitor.signalAndWaitForShutdown) monitor.signalAndWaitForShutdown = (_req, cb) => cb(null, {});
});

// The entry is either package.json's main (index.ts) or an explicit file.
const program = process.env.BENCH_PROBE_PROGRAM || path.join(root, require(path.join(root, "package.json")).main);
let loadedMs = null;
const load = Module._load;
Module._load = function (...args) {
    const result = load.apply(this, args);
    if (loadedMs === null && require.cache[program] && require.cache[program].loaded) loadedMs = performance.now();
    return result;
};

process.on("exit", (code) => {
    const report = { loadedMs, exitMs: performance.now(), resources, maxRssBytes: process.resourceUsage().maxRSS * 1024, code };
    process.stderr.write(`BENCH-STARTUP-PROBE ${JSON.stringify(report)}\n`);
});
