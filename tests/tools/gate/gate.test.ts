import { strict as assert } from "node:assert";
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { DEFAULT_ROLLOUT_GATE, ROLLOUT_WAVES } from "../../../config";
import { loadStackFile } from "../../../config/stack-file";
import { gateChecks, gatePasses, rollbackGuidance } from "../../../tools/gate/checks";
import { GATE_EXIT, main, stacksInWave } from "../../../tools/gate/cli";
import { freePort } from "../../support/prometheus-server";

const ROOT = path.resolve(__dirname, "../../..");
/** The tests' own fleet: the stacks the runs below name. */
const FIXTURE_FLEET = path.join(ROOT, "tests", "fixtures", "fleet");
const target = { cluster: "dev", agentNamespace: "vector-system", soakMs: 15 * 60_000 };

async function run(...argv: string[]) {
    let stdout = "";
    let stderr = "";
    const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {}, rootDir: FIXTURE_FLEET });
    return { code, stdout, stderr };
}

describe("gate: checks", () => {
    it("has one check per signal, each scoped to the cluster and the soak window", () => {
        const checks = gateChecks(target, DEFAULT_ROLLOUT_GATE);
        assert.deepEqual(
            checks.map((c) => c.id),
            ["delivery", "latency", "errors", "discarded", "restarts", "oom-kills"],
        );
        for (const c of checks) {
            assert.match(c.query, /cluster="dev"/, c.id);
            assert.match(c.query, /\[15m\]/, c.id);
        }
        assert.match(checks.find((c) => c.id === "restarts")!.query, /namespace="vector-system",container="vector"/);
        assert.match(checks.find((c) => c.id === "discarded")!.query, /intentional="false"/);
    });

    it("judges delivery per node against the stack's minimum, NO DATA when no node sent", () => {
        const delivery = gateChecks(target, { ...DEFAULT_ROLLOUT_GATE, minDeliveredPercent: 90 }).find((c) => c.id === "delivery")!;
        const s = (node: string, value: number) => ({ metric: { node }, value, time: 0 });
        assert.equal(delivery.judge([s("a", 1), s("b", 0.95)]).verdict, "PASS");
        assert.equal(delivery.judge([s("a", 1), s("b", 0.89)]).verdict, "FAIL");
        assert.match(delivery.judge([s("a", 1), s("b", 0)]).detail, /below: b 0\.0%/);
        assert.equal(delivery.judge([]).verdict, "NO DATA");
    });

    it("judges latency NaN (no observations) as NO DATA and +Inf as a failure", () => {
        const latency = gateChecks(target, DEFAULT_ROLLOUT_GATE).find((c) => c.id === "latency")!;
        assert.equal(latency.judge([{ metric: {}, value: Number.NaN, time: 0 }]).verdict, "NO DATA");
        assert.equal(latency.judge([{ metric: {}, value: Number.POSITIVE_INFINITY, time: 0 }]).verdict, "FAIL");
        assert.equal(latency.judge([{ metric: {}, value: 12, time: 0 }]).verdict, "PASS");
    });

    it("passes only when every check passes", () => {
        const [check] = gateChecks(target, DEFAULT_ROLLOUT_GATE);
        assert.equal(gatePasses([{ check, verdict: "PASS", detail: "" }]), true);
        assert.equal(
            gatePasses([
                { check, verdict: "PASS", detail: "" },
                { check, verdict: "NO DATA", detail: "" },
            ]),
            false,
        );
    });

    it("rollback guidance names the commit, and `pulumi up` of its parent for every stack of the wave", () => {
        const text = rollbackGuidance({ stack: "b", wave: "early", waveStacks: ["a", "b"], commit: "1234abc" });
        assert.match(text, /git checkout 1234abc\^\n {2}pulumi up --stack a --yes\n {2}pulumi up --stack b --yes/);
        assert.match(text, /git revert 1234abc/);
        assert.match(rollbackGuidance({ stack: "b", wave: "early", waveStacks: [] }), /pulumi up --stack b --yes/);
    });
});

describe("gate: command line", () => {
    it("refuses a missing --stack, a missing Prometheus URL and an unknown flag (exit 2)", async () => {
        assert.equal((await run("--prometheus", "http://p:9090")).code, GATE_EXIT.usage);
        assert.match((await run("--stack", "dev")).stderr, /--prometheus URL/);
        assert.equal((await run("--stack", "dev", "--prometheus", "http://p:9090", "--bogus")).code, GATE_EXIT.usage);
        assert.equal((await run("--stack", "no-such-stack", "--prometheus", "http://p:9090")).code, GATE_EXIT.usage);
        assert.match((await run("--stack", "dev", "--prometheus", "http://p:9090", "--soak", "10")).stderr, /--soak "10"/);
    });

    it("reports a Prometheus nobody listens on as unreachable (exit 3), after waiting the soak window with --wait", async () => {
        const port = await freePort();
        const waited: number[] = [];
        let stderr = "";
        const code = await main(["--stack", "dev", "--prometheus", `http://127.0.0.1:${port}`, "--wait", "--soak", "2m", "--timeout-ms", "2000"], {
            stdout: () => undefined,
            stderr: (t) => (stderr += t),
            env: {},
            rootDir: FIXTURE_FLEET,
            sleep: async (ms) => void waited.push(ms),
        });
        assert.equal(code, GATE_EXIT.unreachable, stderr);
        assert.deepEqual(waited, [120_000]);
        assert.match(stderr, /waiting 2m/);
    });

    it("prints usage with --help", async () => {
        const r = await run("--help");
        assert.equal(r.code, 0);
        assert.match(r.stdout, /^usage: npm run gate -- --stack STACK/);
    });

    it("finds each source stack file of the repository in exactly the wave its config names", () => {
        const files = readdirSync(ROOT).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f) && f !== "Pulumi.yaml");
        const waves = Object.fromEntries(ROLLOUT_WAVES.map((w) => [w, stacksInWave(ROOT, w)]));
        for (const f of files) {
            const stack = f.slice("Pulumi.".length, -".yaml".length);
            const c = loadStackFile(ROOT, stack);
            const found = ROLLOUT_WAVES.filter((w) => waves[w].includes(stack));
            assert.deepEqual(found, c.role === "hub" ? [] : [c.rollout.wave], stack);
        }
    });
});
