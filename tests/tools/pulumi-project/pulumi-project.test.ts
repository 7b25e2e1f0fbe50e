/**
 * The Pulumi CLI's project-config rules (tools/pulumi-project), applied to Pulumi.yaml and every
 * Pulumi.<stack>.yaml. Each rule is pulumi/pulumi's: pkg/workspace/config.go (mergeConfig,
 * validateStackConfigValue), sdk/go/common/workspace/project.go (Validate, ValidateConfigValue,
 * RewriteShorthandConfigValues), sdk/go/common/workspace/loaders.go and
 * sdk/go/common/resource/config/{key,object}.go.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CONFIG_MODEL } from "../../../config";
import { Field } from "../../../config/schema-kit";
import { renderFleet, RenderError } from "../../../tools/render/render";
import { checkProjectConfig, checkStack, parseProject, Project, validConfigValue } from "../../../tools/pulumi-project";
import { program, ROOT } from "../../support/fleet";

const REPO_PROJECT = fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8");

function project(text: string): Project {
    const { project: p, problems } = parseProject(text);
    assert.deepEqual(problems, []);
    return p!;
}

/** A project declaring the given keys (YAML under `config:`). */
const projectWith = (config: string) => project(`name: test\nruntime: nodejs\nconfig:\n${config}`);

describe("Pulumi CLI project config (tools/pulumi-project)", () => {
    it("accepts every stack file in the repository against its Pulumi.yaml", () => {
        const check = checkProjectConfig(ROOT);
        assert.deepEqual(check.project, []);
        const stacks = fs.readdirSync(ROOT).filter((f) => /^Pulumi\..+\.yaml$/.test(f));
        assert.equal(Object.keys(check.stacks).length, stacks.length);
        for (const [stack, problems] of Object.entries(check.stacks)) assert.deepEqual(problems, [], `Pulumi.${stack}.yaml`);
    });

    it("declares without a default only keys the program itself requires on every stack, so any stack the program accepts the CLI accepts", () => {
        // mergeConfig makes a declared project key without default/value required on EVERY stack;
        // a key the program treats as optional (or role-dependent) must therefore stay undeclared.
        const p = project(REPO_PROJECT);
        const fields = CONFIG_MODEL as Record<string, Field<unknown>>;
        for (const d of p.declarations) {
            if (d.namespace !== p.name || d.default !== undefined || d.value !== undefined) continue;
            const name = d.key.slice(p.name.length + 1);
            const f = fields[name];
            assert.ok(f, `${d.key} is declared but the program has no such key`);
            assert.ok(f.default === undefined && !f.section, `${d.key} is required by the CLI (declared without default) but optional in config/stack.ts`);
        }
    });

    it("accepts the stacks docs/adding-a-cluster.md describes: a source with a context, or with a secret kubeconfig", () => {
        const p = project(REPO_PROJECT);
        const base =
            "config:\n  vector-fleet:role: source\n  vector-fleet:cluster: qa\n  vector-fleet:environment: qa\n  vector-fleet:region: fsn1\n  vector-fleet:monitoringStack: monitoring\n";
        assert.deepEqual(checkStack(p, "qa", `${base}  vector-fleet:kubeContext: qa-admin@qa\n`), []);
        assert.deepEqual(checkStack(p, "qa", `${base}  vector-fleet:kubeconfig:\n    secure: v1:abc\n`), []);
        // Un-namespaced keys belong to the project (loaders.go stackConfigNamespacedWithProject).
        assert.deepEqual(checkStack(p, "qa", "config:\n  role: source\n  cluster: qa\n  environment: qa\n  region: fsn1\n  kubeContext: qa\n"), []);
    });

    describe("refuses what the CLI refuses, with one line naming the file, the key, the rule and the fix", () => {
        const cases: { name: string; project: string; stack: string; line: string }[] = [
            {
                name: "a declaration without default that the stack omits (mergeConfig)",
                project: "  kubeconfig:\n    type: string\n    secret: true\n",
                stack: "config:\n  test:other: x\n",
                line:
                    "Pulumi.dev.yaml  test:kubeconfig: declared in Pulumi.yaml without 'default' or 'value', so the CLI requires it and refuses the stack " +
                    "(\"Stack 'dev' is missing configuration value 'kubeconfig'\", pulumi/pulumi pkg/workspace/config.go mergeConfig); " +
                    "set it in Pulumi.dev.yaml, or give the declaration a default (an optional key cannot be declared: leave it undeclared)",
            },
            {
                name: "a value of the wrong declared type (ValidateConfigValue)",
                project: "  replicas:\n    type: integer\n",
                stack: "config:\n  test:replicas: three\n",
                line:
                    "Pulumi.dev.yaml  test:replicas: the value \"three\" is not of the declared type 'integer' " +
                    "(\"Stack 'dev' with configuration key 'replicas' must be of type 'integer'\", project.go ValidateConfigValue); " +
                    "give it a integer value, or change the declaration in Pulumi.yaml",
            },
            {
                name: "a map where a string is declared",
                project: "  cluster:\n    type: string\n",
                stack: "config:\n  test:cluster:\n    name: dev\n",
                line:
                    'Pulumi.dev.yaml  test:cluster: the value {"name":"dev"} is not of the declared type \'string\' ' +
                    "(\"Stack 'dev' with configuration key 'cluster' must be of type 'string'\", project.go ValidateConfigValue); " +
                    "give it a string value, or change the declaration in Pulumi.yaml",
            },
            {
                name: "an array item of the wrong type",
                project: "  clusters:\n    type: array\n    items:\n      type: string\n",
                stack: "config:\n  test:clusters: [dev, [nested]]\n",
                line:
                    'Pulumi.dev.yaml  test:clusters: the value ["dev",["nested"]] is not of the declared type \'array<string>\' ' +
                    "(\"Stack 'dev' with configuration key 'clusters' must be of type 'array<string>'\", project.go ValidateConfigValue); " +
                    "give it a array<string> value, or change the declaration in Pulumi.yaml",
            },
            {
                name: "a secret declared key with a plain value (validateStackConfigValue)",
                project: "  kubeconfig:\n    type: string\n    secret: true\n",
                stack: "config:\n  test:kubeconfig: apiVersion v1\n",
                line:
                    "Pulumi.dev.yaml  test:kubeconfig: declared 'secret: true' but the value is not encrypted " +
                    "(\"Stack 'dev' with configuration key 'kubeconfig' must be encrypted as it's secret\", pkg/workspace/config.go validateStackConfigValue); " +
                    "set it with `pulumi config set --secret kubeconfig`",
            },
            {
                name: "a secret declaration with a default: the CLI applies the plain default and then refuses it",
                project: "  kubeconfig:\n    type: string\n    secret: true\n    default: none\n",
                stack: "config: {}\n",
                line:
                    "Pulumi.dev.yaml  test:kubeconfig: declared 'secret: true' but the declaration's default (applied because Pulumi.dev.yaml does not set it) is not encrypted " +
                    "(\"Stack 'dev' with configuration key 'kubeconfig' must be encrypted as it's secret\", pkg/workspace/config.go validateStackConfigValue); " +
                    "set it with `pulumi config set --secret kubeconfig`, or drop the default from a secret declaration",
            },
            {
                name: "a key the CLI cannot parse (key.go ParseKey)",
                project: "",
                stack: "config:\n  a:b:c: x\n",
                line: "Pulumi.dev.yaml  a:b:c: is not a config key: the CLI cannot load this stack file (key.go ParseKey); write it as test:name or provider:name",
            },
        ];
        for (const c of cases) {
            it(c.name, () => {
                const p = projectWith(c.project || "  unrelated:\n    default: x\n");
                assert.deepEqual(checkStack(p, "dev", c.stack), [c.line]);
            });
        }

        it("a key in a namespace nothing reads (our rule: the CLI keeps it silently)", () => {
            const p = projectWith("  unrelated:\n    default: x\n");
            assert.deepEqual(
                checkStack(p, "dev", "config:\n  tset:agent: {}\n  kubernetes:context: x\n", "Pulumi.dev.yaml", {
                    knownNamespaces: ["test", "pulumi", "kubernetes"],
                }),
                [
                    'Pulumi.dev.yaml  tset:agent: namespace "tset" belongs to neither this project nor a provider it uses (test, pulumi, kubernetes), so nothing reads it (the CLI accepts it silently); did you mean test:agent?',
                ],
            );
        });
    });

    it("checks types the way the CLI sees stack values: scalars as text, maps and lists JSON-decoded", () => {
        // object.go MarshalString: a YAML number or boolean at top level is kept as its text.
        const p = projectWith("  n:\n    type: integer\n  b:\n    type: boolean\n  s:\n    type: string\n  o:\n    type: object\n");
        assert.deepEqual(checkStack(p, "dev", "config:\n  test:n: 42\n  test:b: true\n  test:s: 17\n  test:o: { a: 1 }\n"), []);
        assert.deepEqual(checkStack(p, "dev", "config:\n  test:n: '-7'\n  test:b: 'false'\n  test:s: yes\n  test:o: {}\n"), []);
        assert.equal(checkStack(p, "dev", "config:\n  test:n: 4.5\n  test:b: 'yes'\n  test:s: x\n  test:o: [1]\n").length, 3);
        // ValidateConfigValue on decoded values: strconv.Atoi's int64 range, whole floats, "true"/"false".
        assert.equal(validConfigValue("integer", undefined, "9223372036854775807"), true);
        assert.equal(validConfigValue("integer", undefined, "9223372036854775808"), false);
        assert.equal(validConfigValue("integer", undefined, 3), true);
        assert.equal(validConfigValue("boolean", undefined, "True"), false);
        assert.equal(validConfigValue("array", undefined, ["x"]), false, "an array without items is never valid");
        assert.equal(validConfigValue("array", { type: "integer" }, [1, "2"]), true);
    });

    it("skips the type of an encrypted value (it cannot be decrypted offline) but not its secrecy", () => {
        const p = projectWith("  n:\n    type: integer\n    secret: true\n");
        assert.deepEqual(checkStack(p, "dev", "config:\n  test:n:\n    secure: v1:AAAA\n"), []);
    });

    it("does not enforce 'secret: true' on an untyped declaration (validateStackConfigValues checks typed ones only)", () => {
        const p = projectWith("  token:\n    secret: true\n    default: x\n");
        assert.deepEqual(checkStack(p, "dev", "config:\n  test:token: plain\n"), []);
    });

    it("refuses Pulumi.yaml declarations the CLI refuses (project.go Validate, project.json)", () => {
        const problems = (config: string) => parseProject(`name: test\nconfig:\n${config}`).problems;
        assert.deepEqual(problems("  a:\n    type: string\n    optional: true\n"), [
            "Pulumi.yaml  a.optional: 'optional' not allowed in a declaration (project.json configTypeDeclaration); use only type, items, description, secret, default, value; there is no way to declare a key optional except by giving it a default",
        ]);
        assert.deepEqual(problems("  a:\n    type: array\n"), [
            "Pulumi.yaml  a: declares an array without 'items' (project.go Validate); add items: { type: string } (or the item type)",
        ]);
        assert.deepEqual(problems("  a:\n    type: integer\n    default: x\n"), [
            "Pulumi.yaml  a: default \"x\" is not of type 'integer' (project.go Validate); fix the default or the type",
        ]);
        assert.deepEqual(problems("  a:\n    type: map\n"), [
            'Pulumi.yaml  a: type "map" is not one the project schema allows (project.json simpleConfigType); use one of string, integer, boolean, array, object',
        ]);
        assert.deepEqual(problems("  hcloud:token:\n    type: string\n"), [
            "Pulumi.yaml  hcloud:token: is not in the project's namespace and must not declare a type (project.go Validate); drop 'type', keep only 'value'",
            "Pulumi.yaml  hcloud:token: is not in the project's namespace and has no 'value' (project.go Validate); give it a value, or set it in the stack files instead",
        ]);
        // Shorthand: a bare value is a default for the project's keys, a value for others (RewriteShorthandConfigValues).
        const p = project("name: test\nconfig:\n  size: small\n  aws:region: eu-central-1\n");
        assert.deepEqual(
            p.declarations.map((d) => [d.key, d.default, d.value]),
            [
                ["aws:region", undefined, "eu-central-1"],
                ["test:size", "small", undefined],
            ],
        );
    });

    describe("in the render", () => {
        const dirs: string[] = [];
        after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

        it("fails every stack, with the key and the rule, when Pulumi.yaml declares a key without default that a stack omits", async () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vector-fleet-project-"));
            dirs.push(dir);
            for (const f of fs.readdirSync(ROOT).filter((f) => /^Pulumi\..+\.yaml$/.test(f) || f === "package.json"))
                fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
            // The declaration this project once had: the CLI then refused every stack.
            fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `${REPO_PROJECT}  vector-fleet:kubeconfig:\n    type: string\n    secret: true\n`);
            const e = await renderFleet(program, dir).then(
                () => assert.fail("expected the render to fail"),
                (err: unknown) => err,
            );
            assert.ok(e instanceof RenderError);
            const stacks = fs
                .readdirSync(ROOT)
                .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
                .map((f) => f.split(".")[1]);
            assert.deepEqual(e.failures.map((f) => f.stack).sort(), stacks.sort());
            for (const f of e.failures) {
                const kubeconfigSet = fs.readFileSync(path.join(ROOT, `Pulumi.${f.stack}.yaml`), "utf8").includes("vector-fleet:kubeconfig:");
                if (kubeconfigSet) continue;
                assert.equal(f.problems.length, 1);
                assert.match(
                    f.problems[0],
                    new RegExp(
                        `^Pulumi\\.${f.stack}\\.yaml  vector-fleet:kubeconfig: declared in Pulumi\\.yaml without 'default' or 'value', so the CLI requires it`,
                    ),
                );
                assert.match(f.problems[0], /pkg\/workspace\/config\.go mergeConfig/);
            }
        });
    });
});
