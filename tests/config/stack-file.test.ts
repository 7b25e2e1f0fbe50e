import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConfigError } from "../../config/schema-kit";
import { DEFAULT_SAMPLING, parseStackConfig } from "../../config/stack";
import { ENCRYPTED_MARKER, loadStackFile, parseStackYaml, rawConfigOf, readStackFile, StackFileError, stackNames } from "../../config/stack-file";
import { SECRET_MARKER } from "../../tools/render/simulator";

const REPO = path.resolve(__dirname, "../..");

describe("stack files: the one reader of Pulumi.<stack>.yaml", () => {
    let root: string;
    const write = (stack: string, text: string) => fs.writeFileSync(path.join(root, `Pulumi.${stack}.yaml`), text);
    beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), "stack-file-"))));
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it("hands over values as the Pulumi CLI does: namespaced keys, strings as written, the rest as JSON, encrypted ones as placeholders", () => {
        write(
            "s",
            [
                "config:",
                "  vector-fleet:cluster: dev",
                "  region: hel1", // a key without a namespace is the project's (pulumi/pulumi pkg/resource/config/key.go)
                "  vector-fleet:agent:",
                "    excludedNamespaces: [a, b]",
                "    buffers: { metricsMaxEvents: 2000 }",
                "  vector-fleet:replicasAsNumber: 3",
                "  vector-fleet:flag: true",
                '  kubernetes:enableServerSideApply: "true"',
                "  hcloud:token:",
                "    secure: AAABAKx",
                "",
            ].join("\n"),
        );
        const f = readStackFile(root, "s");
        assert.deepEqual(f, {
            stack: "s",
            file: "Pulumi.s.yaml",
            config: {
                "vector-fleet:cluster": "dev",
                "vector-fleet:region": "hel1",
                "vector-fleet:agent": '{"excludedNamespaces":["a","b"],"buffers":{"metricsMaxEvents":2000}}',
                "vector-fleet:replicasAsNumber": "3",
                "vector-fleet:flag": "true",
                "kubernetes:enableServerSideApply": "true",
                "hcloud:token": `${ENCRYPTED_MARKER}-config-hcloud:token`,
            },
            secretKeys: ["hcloud:token"],
            role: undefined,
        });
        assert.equal(rawConfigOf(f).isSecret("hcloud:token"), true);
        assert.equal(rawConfigOf(f).isSecret("vector-fleet:cluster"), false);
    });

    it("marks encrypted values with the marker the renderer refuses to write (tools/render/simulator.ts)", () => {
        assert.equal(ENCRYPTED_MARKER, SECRET_MARKER);
    });

    it("names the file, line and column of a YAML syntax error", () => {
        write("broken", "config:\n  vector-fleet:role: source\n  vector-fleet:agent:\n    excludedNamespaces: [a, b\n");
        assert.throws(
            () => readStackFile(root, "broken"),
            (e: unknown) =>
                e instanceof StackFileError &&
                e.message === "Pulumi.broken.yaml:5:1: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
        );
        write("twice", "config:\n  vector-fleet:role: source\n  vector-fleet:role: hub\n");
        assert.throws(
            () => readStackFile(root, "twice"),
            (e: unknown) => e instanceof StackFileError && e.message === "Pulumi.twice.yaml:3:3: not valid YAML: Map keys must be unique",
        );
        write("list", "- config\n");
        assert.throws(() => readStackFile(root, "list"), /^StackFileError: Pulumi\.list\.yaml: expected a YAML map with a config: key, got a list$/);
    });

    it("says a stack file is missing and names the stacks there are", () => {
        write("dev", "config: {}\n");
        write("hub", "config: {}\n");
        assert.throws(
            () => readStackFile(root, "staging"),
            (e: unknown) => e instanceof StackFileError && e.message === `no stack file Pulumi.staging.yaml in ${root} (stacks there: dev, hub)`,
        );
        assert.deepEqual(stackNames(root), ["dev", "hub"]);
        assert.throws(() => readStackFile(root, "my stack!"), /is not a stack name/);
    });

    it("loads the typed config with every default the program applies, problems naming the file", () => {
        const hub = fs.readFileSync(path.join(REPO, "Pulumi.monitoring.yaml"), "utf8").replace(/\n {4}sampling:\n( {6}.*\n)+/, "\n");
        assert.doesNotMatch(hub, /sampling/);
        write("monitoring", hub);
        const c = loadStackFile(root, "monitoring");
        assert.ok(c.role === "hub");
        assert.deepEqual(c.aggregator.sampling, DEFAULT_SAMPLING);
        assert.deepEqual(c, parseStackConfig(rawConfigOf(readStackFile(root, "monitoring"))), "the same as parseStackConfig of what the CLI would hand over");
        write("bad", "config:\n  vector-fleet:role: source\n  vector-fleet:region: mars\n");
        assert.throws(
            () => loadStackFile(root, "bad"),
            (e: unknown) =>
                e instanceof ConfigError &&
                e.message
                    .split("\n")
                    .includes('  - Pulumi.bad.yaml: vector-fleet:region: got "mars"; expected one of "fsn1", "nbg1", "hel1", "ash", "hil", "sin"'),
        );
    });

    it("parses a text once and hands every reader the same frozen document; a changed file is parsed again", () => {
        write("s", "config:\n  vector-fleet:role: source\n  vector-fleet:agent:\n    extraLabels:\n      team: a\n");
        const text = fs.readFileSync(path.join(root, "Pulumi.s.yaml"), "utf8");
        const doc = parseStackYaml(text) as { config: Record<string, unknown> };
        assert.equal(parseStackYaml(text), doc);
        assert.ok(Object.isFrozen(doc) && Object.isFrozen(doc.config["vector-fleet:agent"]));
        assert.throws(() => {
            doc.config["vector-fleet:role"] = "hub";
        }, TypeError);
        assert.equal(readStackFile(root, "s").role, "source");
        write("s", text.replace("source", "hub"));
        assert.equal(readStackFile(root, "s").role, "hub");
    });

    it("fails on the same YAML error every time a broken file is read", () => {
        write("s", "config:\n  a: [1,\n");
        const message = () => {
            try {
                readStackFile(root, "s");
            } catch (e) {
                return (e as Error).message;
            }
            return "no error";
        };
        const first = message();
        assert.match(first, /^Pulumi\.s\.yaml:\d+:\d+: not valid YAML/);
        assert.equal(message(), first);
    });

    it("reads every stack file of the repository", () => {
        for (const stack of stackNames(REPO)) assert.equal(loadStackFile(REPO, stack).stack, stack);
    });
});
