import { strict as assert } from "node:assert";
import { freePort } from "../../support/prometheus-server";
import { verify } from "../../support/verify-run";

// Against a real Prometheus and as a child process: tests/tools/verify/cli.integration.test.ts.
describe("verify CLI", () => {
    it("--help prints the usage and exits 0", async () => {
        const r = await verify(["--help"]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^Usage: npm run verify -- --stack NAME \[options\]/);
        assert.match(r.stdout, /--max-log-ratio-drift F/);
    });

    it("exits 2 and names the flag to pass when no Prometheus URL is known", async () => {
        const r = await verify(["--stack", "dev", "--loki", "http://127.0.0.1:1"]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /verify: no Prometheus URL: pass --prometheus URL or set VERIFY_PROMETHEUS_URL/);
        assert.equal(r.stdout, "");
    });

    it("exits 3 with 'connection refused' when nothing listens at the Prometheus URL", async () => {
        const port = await freePort();
        const r = await verify(["--stack", "dev", "--prometheus", `http://127.0.0.1:${port}`, "--loki", "http://127.0.0.1:1"]);
        assert.equal(r.code, 3, r.stderr);
        assert.match(r.stderr, /querying Prometheus: nodes via vector\.\.\. failed \(\d+ ms\)/);
        assert.match(r.stderr, new RegExp(`verify: cannot connect to Prometheus at http://127\\.0\\.0\\.1:${port}: connection refused`));
    });
});
