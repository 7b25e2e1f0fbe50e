/**
 * Imports only go down (docs/architecture.md, "Layers"). Every .ts file of the repository is read,
 * each relative import resolved to the file it names, and both placed in a layer by their folder,
 * so a file added later is held to its folder's rule without anyone listing it here.
 *
 * The program, bottom to top:
 *   config/                        the stack's config model; imports nothing of ours above it
 *   components/vector/, components/prometheus/
 *                                  the engines' object models (Vector config; Prometheus rules and
 *                                  PromQL helpers); each imports only itself
 *   components/contract/           facts both tiers and monitoring share (hub outputs, ports,
 *                                  names, heartbeat field, quorum)
 *   components/k8s/                Kubernetes helpers shared by the components
 *   components/<feature>/          agent, aggregator, monitoring, pki, migration, and any folder
 *                                  added beside them: never each other
 *   index.ts                       the Pulumi program, mapping the config to the components' Args
 * Beside it: policy/ (the policy pack, may use config/), tools/ (may use the program and
 * tools/shared/, never tests/ or policy/), tests/ (anything).
 *
 * Between tools: a tool's entry (`main.ts`, `cli.ts`) may use any other tool's modules; a tool's
 * modules may use another tool's modules only where TOOL_USES says so, and TOOL_USES has no
 * cycle. Nobody imports another tool's entry. So `npm run validate` may render the fleet while
 * the renderer validates every config it renders, without a loop between the two.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { importsOf } from "./support/imports";

const ROOT = path.resolve(__dirname, "..");
const SKIP = new Set(["node_modules", "out", "dist", ".git", ".pulumi", ".scratch"]);

/** Which tools' modules a tool's own modules build on (its entry may use any tool's modules). */
export const TOOL_USES: Record<string, readonly string[]> = {
    render: ["validate", "pulumi-project"],
    diff: ["render"],
    bench: ["render", "validate"],
    cost: ["render"],
    engines: ["render"],
};

const isEntry = (file: string) => /^tools\/[^/]+\/(main|cli)\.ts$/.test(file);

/** Every tool a tool's modules reach through TOOL_USES, for the cycle check. */
function reach(tool: string, seen = new Set<string>()): Set<string> {
    for (const t of TOOL_USES[tool] ?? []) if (!seen.has(t)) reach(t, seen.add(t));
    return seen;
}

/** Why tool file `from` may not import tool file `to` (both in tools/<tool>/), or undefined. */
function toolViolation(from: string, to: string): string | undefined {
    const [fromTool, toTool] = [from.split("/")[1], to.split("/")[1]];
    if (fromTool === toTool || toTool === "shared") return undefined;
    if (isEntry(to)) return `${to} is ${toTool}'s entry: import its modules, never its main.ts/cli.ts`;
    if (isEntry(from)) return undefined;
    return (TOOL_USES[fromTool] ?? []).includes(toTool)
        ? undefined
        : `tools/${fromTool}/'s modules may use tools/${toTool}/ only if TOOL_USES says so (entries may use any tool)`;
}

/** Folders below components/ that are layers of their own; any other folder there is a feature. */
const MODELS = ["vector", "prometheus"];

type Layer =
    | { kind: "config" }
    | { kind: "model"; name: string }
    | { kind: "contract" }
    | { kind: "k8s" }
    | { kind: "feature"; name: string }
    | { kind: "program" }
    | { kind: "policy" }
    | { kind: "tools-shared" }
    | { kind: "tool"; name: string }
    | { kind: "tests" }
    | { kind: "other" };

/** The layer of a repository-relative path (forward slashes), decided by its folder alone. */
function layerOf(file: string): Layer {
    const [top, second] = file.split("/");
    if (file === "index.ts") return { kind: "program" };
    if (top === "config") return { kind: "config" };
    if (top === "components") {
        if (MODELS.includes(second)) return { kind: "model", name: second };
        if (second === "contract") return { kind: "contract" };
        if (second === "k8s") return { kind: "k8s" };
        return { kind: "feature", name: second };
    }
    if (top === "policy") return { kind: "policy" };
    if (top === "tools") return second === "shared" ? { kind: "tools-shared" } : { kind: "tool", name: second };
    if (top === "tests") return { kind: "tests" };
    return { kind: "other" };
}

const describeLayer = (l: Layer): string =>
    l.kind === "model" ? `components/${l.name}/` : l.kind === "feature" ? `components/${l.name}/` : l.kind === "tool" ? `tools/${l.name}/` : l.kind;

const PROGRAM_BELOW_FEATURES = "config/, components/{vector,prometheus,contract,k8s}/";

/** Why `from` may not import `to`, or undefined when it may. */
function violation(from: Layer, to: Layer): string | undefined {
    const same = from.kind === to.kind && JSON.stringify(from) === JSON.stringify(to);
    if (same) return undefined;
    const program = ["config", "model", "contract", "k8s", "feature", "program"];
    switch (from.kind) {
        case "config":
            return "config/ is the bottom layer: it imports nothing else of ours";
        case "model":
            return `${describeLayer(from)} is an engine model: it imports nothing else of ours`;
        case "contract":
            return ["config", "model"].includes(to.kind)
                ? undefined
                : "components/contract/ may import only config/ and the models (components/vector/, components/prometheus/)";
        case "k8s":
            return ["config", "model", "contract"].includes(to.kind)
                ? undefined
                : "components/k8s/ may import only config/, the models and components/contract/";
        case "feature":
            if (["config", "model", "contract", "k8s"].includes(to.kind)) return undefined;
            return to.kind === "feature"
                ? `feature components never import each other: move what both need into components/contract/ (facts) or components/k8s/ (helpers)`
                : `a feature component may import only ${PROGRAM_BELOW_FEATURES}`;
        case "program":
            return ["config", "model", "contract", "k8s", "feature"].includes(to.kind) ? undefined : "index.ts may import only config/ and components/";
        case "policy":
            return to.kind === "config" ? undefined : "the policy pack runs in place (policy/README.md) and may import only config/";
        case "tools-shared":
            return program.includes(to.kind) ? undefined : "tools/shared/ may import only the program (config/, components/, index.ts)";
        case "tool":
            return program.includes(to.kind) || to.kind === "tools-shared" || to.kind === "tool"
                ? undefined
                : "a tool may import the program and tools/, never tests/ or policy/";
        case "tests":
            return undefined;
        case "other":
            return program.includes(to.kind) || to.kind === "other" ? undefined : `${describeLayer(to)} is not for files outside the program`;
    }
}

function tsFiles(dir: string, out: string[] = []): string[] {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (SKIP.has(entry.name)) continue;
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) tsFiles(p, out);
        else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(p);
    }
    return out;
}

/** The repository file a relative specifier names, as Node and tsx resolve it. */
function resolve(from: string, specifier: string): string | undefined {
    const base = path.resolve(path.dirname(from), specifier);
    for (const candidate of [base, `${base}.ts`, path.join(base, "index.ts"), base.replace(/\.js$/, ".ts")]) {
        if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
    }
    return undefined;
}

const rel = (p: string, root = ROOT) => path.relative(root, p).split(path.sep).join("/");

/** Every import that runs against the layers: `file:line imports "spec" (target): why`. */
function upwardImports(files: string[], root = ROOT): string[] {
    const problems: string[] = [];
    for (const file of files) {
        const from = rel(file, root);
        // Tests may import anything: not reading them halves the work.
        if (layerOf(from).kind === "tests") continue;
        for (const imp of importsOf(fs.readFileSync(file, "utf8"))) {
            if (!imp.specifier.startsWith(".")) continue;
            const target = resolve(file, imp.specifier);
            if (target === undefined) continue; // a non-.ts file (JSON, .cjs): not a layer's code
            const to = rel(target, root);
            const why = violation(layerOf(from), layerOf(to)) ?? (from.startsWith("tools/") && to.startsWith("tools/") ? toolViolation(from, to) : undefined);
            if (why) problems.push(`${from}:${imp.line} imports "${imp.specifier}" (${to}): ${why}`);
        }
    }
    return problems;
}

describe("architecture: imports only go down", () => {
    it("no file of the repository imports a layer above its own, or a sibling feature", () => {
        const files = tsFiles(ROOT);
        // The walk reaches the program at all (a wrong ROOT would pass vacuously).
        assert.ok(files.some((f) => rel(f) === "index.ts") && files.some((f) => rel(f).startsWith("components/")));
        assert.deepEqual(upwardImports(files), []);
    });

    it("tools build on each other without a cycle, and only through modules, never another tool's entry", () => {
        for (const tool of Object.keys(TOOL_USES)) assert.ok(!reach(tool).has(tool), `TOOL_USES has a cycle through ${tool}`);
        assert.equal(toolViolation("tools/diff/diff.ts", "tools/render/render.ts"), undefined);
        assert.equal(toolViolation("tools/validate/cli.ts", "tools/render/render.ts"), undefined, "an entry may use any tool");
        assert.match(toolViolation("tools/validate/vector.ts", "tools/render/render.ts") ?? "allowed", /only if TOOL_USES/);
        assert.match(toolViolation("tools/bench/run.ts", "tools/render/main.ts") ?? "allowed", /entry/);
    });

    it("places a file by its folder, so one added later has its folder's rule", () => {
        assert.deepEqual(layerOf("components/vector/new-model.ts"), { kind: "model", name: "vector" });
        assert.deepEqual(layerOf("components/tracing/index.ts"), { kind: "feature", name: "tracing" });
        assert.deepEqual(layerOf("tools/lint/main.ts"), { kind: "tool", name: "lint" });
        assert.deepEqual(layerOf("config/fleet.ts"), { kind: "config" });
    });

    it("refuses each upward or sideways import and says which rule it breaks", () => {
        const cases: [string, string, RegExp][] = [
            ["config/stack.ts", "components/agent/index.ts", /bottom layer/],
            ["components/vector/model.ts", "components/contract/fleet.ts", /engine model/],
            ["components/contract/fleet.ts", "components/k8s/common.ts", /contract\/ may import only/],
            ["components/k8s/network-policies.ts", "components/agent/pipeline.ts", /k8s\/ may import only/],
            ["components/monitoring/rules.ts", "components/aggregator/manifests.ts", /never import each other/],
            ["components/agent/index.ts", "index.ts", /may import only config/],
            ["components/agent/index.ts", "tools/render/render.ts", /may import only config/],
            ["index.ts", "tools/shared/paths.ts", /index.ts may import only/],
            ["index.ts", "policy/quantity.ts", /index.ts may import only/],
            ["policy/policies.ts", "components/k8s/common.ts", /policy pack/],
            ["tools/shared/paths.ts", "tools/render/render.ts", /tools\/shared\/ may import only the program/],
            ["tools/cost/cost.ts", "tests/support/json.ts", /never tests/],
        ];
        for (const [from, to, why] of cases) assert.match(violation(layerOf(from), layerOf(to)) ?? "allowed", why, `${from} -> ${to}`);
        const allowed: [string, string][] = [
            ["components/agent/pipeline.ts", "components/agent/node-exporter.ts"],
            ["components/agent/pipeline.ts", "components/contract/fleet.ts"],
            ["components/pki/expiry-rules.ts", "components/prometheus/rule.ts"],
            ["components/aggregator/manifests.ts", "config/stack.ts"],
            ["index.ts", "components/pki/index.ts"],
            ["policy/policies.ts", "config/quantity.ts"],
            ["tools/cost/cost.ts", "config/quantity.ts"],
            ["tests/architecture.test.ts", "tools/render/render.ts"],
        ];
        for (const [from, to] of allowed) assert.equal(violation(layerOf(from), layerOf(to)), undefined, `${from} -> ${to}`);
    });

    it("names the file, line and import of a violation", () => {
        // A throwaway repository whose new feature folder imports a sibling feature.
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "arch-"));
        try {
            fs.mkdirSync(path.join(root, "components", "agent"), { recursive: true });
            fs.mkdirSync(path.join(root, "components", "tracing"));
            fs.writeFileSync(path.join(root, "components", "agent", "index.ts"), "export const AGENT_NAME = 1;\n");
            const file = path.join(root, "components", "tracing", "x.ts");
            fs.writeFileSync(file, '// import { no } from "../agent";\nimport { AGENT_NAME } from "../agent";\n');
            assert.deepEqual(upwardImports([file], root), [
                `components/tracing/x.ts:2 imports "../agent" (components/agent/index.ts): feature components never import each other: move what both need into components/contract/ (facts) or components/k8s/ (helpers)`,
            ]);
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });
});

describe("importsOf (tests/support/imports.ts)", () => {
    it("finds every form of import and nothing in comments, strings or regexes", () => {
        const src = [
            'import a from "./a";',
            'import type { B } from "./b";',
            'export * from "./c";',
            'export { d } from "./d";',
            'import "./e";',
            'const f = await import("./f");',
            'type G = typeof import("./g");',
            'const h = require("./h");',
            "import {",
            "    i,",
            '} from "./i";',
            '// import x from "./comment";',
            '/* require("./block") */',
            'const s = "import y from \\"./string\\"";',
            "const t = `${x} import z from './template'`;",
            'const r = /from "x"/;',
        ].join("\n");
        assert.deepEqual(
            importsOf(src).map((i) => `${i.line}:${i.specifier}`),
            ["1:./a", "2:./b", "3:./c", "4:./d", "5:./e", "6:./f", "7:./g", "8:./h", "11:./i"],
        );
    });
});
