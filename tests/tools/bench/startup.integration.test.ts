/**
 * The bench's start-up probe runs the real program under @pulumi/pulumi's cmd/run, the entry the
 * Pulumi language host launches, with generic mocks (tools/bench/startup-preload.cjs). When the hub
 * began reading its clusters' stacks (issue 16 item 2), the probe's mocks had no answer for a
 * StackReference and the run ended with exit 32 after minutes and gigabytes: a bench that measured
 * nothing. This runs the chosen variant once on the first hub and wants a finished program.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { fleetTemplates, pulumiConfigEnv } from "../../../tools/bench/fleet";
import { CHOSEN_VARIANT, parseProbe, STARTUP_VARIANTS, startupCommand } from "../../../tools/bench/startup";
import { listStacks } from "../../../tools/render/render";
import { REPO_ROOT } from "../../../tools/shared/paths";

describe("bench start-up probe (program under cmd/run, tools/bench/startup-preload.cjs)", function () {
    this.timeout(90_000);

    it("evaluates the first hub stack to the end under the chosen runtime variant", () => {
        const { hub } = fleetTemplates(listStacks(REPO_ROOT));
        const variant = STARTUP_VARIANTS.find((v) => v.id === CHOSEN_VARIANT)!;
        const cmd = startupCommand(variant, {
            root: REPO_ROOT,
            runPath: require.resolve("@pulumi/pulumi/cmd/run", { paths: [REPO_ROOT] }).replace(/\/index\.js$/, ""),
            preload: path.join(REPO_ROOT, "tools/bench/startup-preload.cjs"),
            stack: hub.stack,
            pulumiConfig: pulumiConfigEnv(hub.config),
        });
        const env: NodeJS.ProcessEnv = { ...process.env, ...cmd.env };
        delete env.NODE_OPTIONS;
        const res = spawnSync(process.execPath, cmd.args, { cwd: REPO_ROOT, env, encoding: "utf8", timeout: 80_000, maxBuffer: 16 << 20 });
        const probe = parseProbe(res.stderr);
        assert.equal(res.status, 0, res.stderr.slice(-2000));
        assert.ok(probe && probe.loadedMs !== null, "the probe reports when the program was loaded");
        // The hub's aggregators, PKI and agent: far more than the stack and a few references.
        assert.ok(probe.resources > 20, `only ${probe.resources} resources registered`);
    });
});
