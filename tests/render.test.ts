import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { withConfigReference } from "../lib/docs/config-reference";
import { renderFleet, RenderedStack, writeRendered } from "../lib/offline/render";
import { SECRET_MARKER } from "../lib/offline/simulator";
import { program, ROOT, sharedRender } from "./support/fleet";

function tempDir(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "vector-fleet-render-"));
}

/** A copy of the repo's stack files in a temp dir, so a test can break one. */
function stackFilesCopy(): string {
    const dir = tempDir();
    for (const f of fs.readdirSync(ROOT).filter((f) => /^Pulumi\..+\.yaml$/.test(f))) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
    return dir;
}

describe("offline render", () => {
    let fleet: RenderedStack[];
    let out: string;
    before(async () => {
        fleet = await sharedRender();
        out = tempDir();
        writeRendered(out, fleet);
    });

    it("renders every stack file, the hub first", () => {
        assert.deepEqual(fleet.map((r) => r.stack), ["monitoring", "dev", "management", "staging"]);
        for (const r of fleet) {
            const files = fs.readdirSync(path.join(out, r.stack)).sort();
            const expected = ["manifests.yaml", "outputs.json", "resources.txt", "vector-agent.vector.toml"];
            if (r.stack === "monitoring") expected.push("vector-aggregator.vector.toml");
            assert.deepEqual(files, expected.sort());
        }
    });

    it("writes every object with a name, namespaces first, in a stable order", () => {
        for (const r of fleet) {
            const docs = parseAllDocuments(r.files["manifests.yaml"]).map((d) => d.toJS() as { kind: string; metadata: { name?: string } });
            assert.ok(docs.length > 5);
            assert.equal(docs[0].kind, "Namespace");
            for (const d of docs) assert.equal(typeof d.metadata.name, "string", `${d.kind} without metadata.name`);
            const firstWorkload = docs.findIndex((d) => d.kind === "DaemonSet" || d.kind === "StatefulSet");
            assert.ok(docs.slice(firstWorkload).every((d) => !["Namespace", "ConfigMap", "Secret", "ServiceAccount"].includes(d.kind)));
        }
    });

    it("redacts every Secret value and never writes a secret anywhere", () => {
        for (const r of fleet) {
            for (const [name, content] of Object.entries(r.files)) assert.ok(!content.includes(SECRET_MARKER), `${r.stack}/${name} leaks a secret`);
            const secrets = parseAllDocuments(r.files["manifests.yaml"])
                .map((d) => d.toJS() as { kind: string; stringData?: Record<string, string> })
                .filter((d) => d.kind === "Secret");
            assert.ok(secrets.length > 0);
            for (const s of secrets) for (const v of Object.values(s.stringData ?? {})) assert.match(v, /^<redacted: \d+ bytes, known after deploy>$/);
        }
        const hubOutputs = JSON.parse(fleet[0].files["outputs.json"]) as Record<string, unknown>;
        assert.equal(hubOutputs.agentTokens, "[secret]");
        assert.equal(hubOutputs.agentKeys, "[secret]");
    });

    it("marks deploy-time values as placeholders", () => {
        const hubOutputs = JSON.parse(fleet[0].files["outputs.json"]) as Record<string, string>;
        assert.match(hubOutputs.caCertPem, /<known after deploy: certificate vector-fleet-pki-ca>/);
    });

    it("lists the resource tree with parents", () => {
        const tree = fleet.find((r) => r.stack === "dev")!.files["resources.txt"];
        assert.match(tree, /^pulumi:pulumi:Stack\s+vector-fleet-dev$/m);
        assert.match(tree, /^[├└]─ vector-fleet:index:VectorAgent\s+vector-agent$/m);
        assert.match(tree, /^[│ ] {2}├─ kubernetes:apps\/v1:DaemonSet\s+vector-agent-daemonset$/m);
        assert.match(tree, /^├─ pulumi:pulumi:StackReference\s+monitoring$/m);
    });

    it("is deterministic: two renders are byte for byte equal", async () => {
        const again = await renderFleet(program, ROOT);
        assert.deepEqual(again.map((r) => r.files), fleet.map((r) => r.files));
    });

    it("renders one stack on request, still resolving its StackReference", async () => {
        const only = await renderFleet(program, ROOT, ["dev"]);
        assert.deepEqual(only.map((r) => r.stack), ["dev"]);
        assert.match(only[0].files["vector-agent.vector.toml"], /endpoints = \[ "https:\/\/10\.0\.64\.250:6000" \]/);
    });

    it("refuses an unknown stack", async () => {
        await assert.rejects(renderFleet(program, ROOT, ["prod"]), /no stack "prod": there is no Pulumi.prod.yaml/);
    });

    it("fails on invalid config naming the stack and key, writing nothing", async () => {
        const root = stackFilesCopy();
        const file = path.join(root, "Pulumi.staging.yaml");
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("vector-fleet:region: fsn1", "vector-fleet:region: mars"));
        const dest = tempDir();
        await assert.rejects(
            renderFleet(program, root).then((r) => writeRendered(dest, r)),
            /stack staging: invalid stack configuration \(1 problem\):\n {2}- vector-fleet:region: got "mars"/,
        );
        assert.deepEqual(fs.readdirSync(dest), []);
    });

    it("picks up a new cluster from one more stack file", async () => {
        const root = stackFilesCopy();
        const hubFile = path.join(root, "Pulumi.monitoring.yaml");
        fs.writeFileSync(hubFile, fs.readFileSync(hubFile, "utf8").replace("      - staging\n", "      - staging\n      - qa\n"));
        fs.writeFileSync(
            path.join(root, "Pulumi.qa.yaml"),
            fs.readFileSync(path.join(root, "Pulumi.staging.yaml"), "utf8").replace(/staging/g, "qa"),
        );
        const r = await renderFleet(program, root, ["qa"]);
        assert.match(r[0].files["vector-agent.vector.toml"], /\.cluster = "qa"/);
    });
});

describe("generated docs", () => {
    it("keeps the README's config reference in step with the config model (run `npm run docs`)", () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        assert.equal(withConfigReference(readme), readme, "README.md is stale: run `npm run docs`");
    });
});
