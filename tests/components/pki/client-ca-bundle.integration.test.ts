/**
 * The client CA bundle against real OpenSSL, the library Vector's TLS is built on: a verify store
 * holding every certificate of the CA file accepts a client certificate issued by either
 * generation during a rotation, and refuses the old one once the file holds the new CA alone.
 * Vector fills its store the same way: every certificate of `ca_file`, each added with
 * X509StoreBuilder::add_cert (vectordotdev/vector lib/vector-core/src/tls/settings.rs,
 * load_authorities and the set_verify_cert_store call); `openssl verify -CAfile` loads every
 * certificate of the file into its store too.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clientCaBundle } from "../../../components/pki";

function openssl(cwd: string, ...args: string[]): { status: number | null; output: string } {
    const r = spawnSync("openssl", args, { cwd, encoding: "utf8" });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe("client CA bundle (real OpenSSL)", function () {
    this.timeout(30_000);
    let dir = "";
    const ok = (...args: string[]) => {
        const r = openssl(dir, ...args);
        assert.equal(r.status, 0, `openssl ${args.join(" ")}: ${r.output}`);
    };
    /** A self-signed P-256 CA, as the PKI issues one per cluster and generation. */
    const ca = (name: string, cn: string) => {
        ok("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${name}.key`);
        ok(
            "req",
            "-x509",
            "-new",
            "-key",
            `${name}.key`,
            "-subj",
            `/O=vector-fleet/OU=dev/CN=${cn}`,
            "-days",
            "30",
            "-out",
            `${name}.crt`,
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
        );
    };
    /** The cluster's client certificate, signed by one CA. */
    const client = (name: string, by: string) => {
        ok("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${name}.key`);
        ok("req", "-new", "-key", `${name}.key`, "-subj", "/O=vector-fleet/OU=dev/CN=vector-agent.dev", "-out", `${name}.csr`);
        writeFileSync(join(dir, "client.ext"), "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n");
        ok(
            "x509",
            "-req",
            "-in",
            `${name}.csr`,
            "-CA",
            `${by}.crt`,
            "-CAkey",
            `${by}.key`,
            "-CAcreateserial",
            "-days",
            "10",
            "-extfile",
            "client.ext",
            "-out",
            `${name}.crt`,
        );
    };
    const verifies = (caFile: string, cert: string) => openssl(dir, "verify", "-purpose", "sslclient", "-CAfile", caFile, cert).status === 0;

    before(function () {
        if (spawnSync("openssl", ["version"]).status !== 0) {
            console.warn("openssl not found on PATH: skipping the real-OpenSSL bundle checks");
            this.skip();
        }
        dir = mkdtempSync(join(tmpdir(), "vector-fleet-client-ca-"));
        ca("old-ca", "vector-fleet client CA dev");
        ca("new-ca", "vector-fleet client CA dev-g1");
        client("old-client", "old-ca");
        client("new-client", "new-ca");
        const pem = (f: string) => readFileSync(join(dir, f), "utf8");
        writeFileSync(join(dir, "overlap.crt"), clientCaBundle([pem("new-ca.crt"), pem("old-ca.crt")]));
        writeFileSync(join(dir, "after.crt"), clientCaBundle([pem("new-ca.crt")]));
    });
    after(() => {
        if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("during the overlap accepts the old generation's certificate, which is not the first in the file, and the new one's", () => {
        assert.ok(verifies("overlap.crt", "old-client.crt"));
        assert.ok(verifies("overlap.crt", "new-client.crt"));
    });

    it("after the overlap accepts only the new generation's certificate", () => {
        assert.ok(verifies("after.crt", "new-client.crt"));
        assert.ok(!verifies("after.crt", "old-client.crt"));
    });
});
