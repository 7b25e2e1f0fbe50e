/**
 * A component's Args are its own interface (pulumi/pulumi-eks's convention): every field says
 * either that it is required, or with `@default` what the component does without it; both say why.
 * Read from the source, so an Args interface added later is held to it too.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";

const COMPONENTS = path.resolve(__dirname, "../../components");

function sources(dir: string, out: string[] = []): string[] {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) sources(p, out);
        else if (e.name.endsWith(".ts")) out.push(p);
    }
    return out;
}

/** Each top-level field of each exported `...Args` interface, with the doc comment above it. */
function argsFields(source: string): { args: string; field: string; optional: boolean; doc: string }[] {
    const found: { args: string; field: string; optional: boolean; doc: string }[] = [];
    for (const m of source.matchAll(/^export interface (\w+Args)\b[^{]*\{\n([\s\S]*?)^\}/gm)) {
        let doc = "";
        for (const line of m[2].split("\n")) {
            if (/^ {4}\/\*\*/.test(line)) doc = line;
            else if (/^ {5}\*/.test(line)) doc += `\n${line}`;
            const field = /^ {4}(?:readonly )?(\w+)(\?)?:/.exec(line);
            if (field) {
                found.push({ args: m[1], field: field[1], optional: field[2] === "?", doc });
                doc = "";
            }
        }
    }
    return found;
}

describe("component Args", () => {
    const fields = sources(COMPONENTS).flatMap((f) => argsFields(fs.readFileSync(f, "utf8")).map((x) => ({ ...x, file: path.relative(COMPONENTS, f) })));

    it("are found in the components (the reader works)", () => {
        for (const args of ["VectorAgentArgs", "VectorAggregatorArgs", "VectorSelfMonitoringArgs", "FleetPkiArgs", "LegacyAgentCutoverArgs"])
            assert.ok(
                fields.some((f) => f.args === args),
                args,
            );
    });

    it("document each field: Required, or its @default, with a reason", () => {
        const undocumented = fields
            .filter((f) => (f.optional ? !/@default\b/.test(f.doc) : !/\bRequired\b/.test(f.doc)))
            .map((f) => `components/${f.file} ${f.args}.${f.field}${f.optional ? "?" : ""}: ${f.optional ? "no @default" : "not marked Required"}`);
        assert.deepEqual(undocumented, []);
        // A reason: more than the bare marker.
        const bare = fields.filter((f) => f.doc.replace(/[/*\s]|@default|Required\.?/g, "").length < 15).map((f) => `${f.args}.${f.field}`);
        assert.deepEqual(bare, []);
    });

    it("take no config schema type: index.ts maps the config to them", () => {
        const offenders = sources(COMPONENTS).filter((f) =>
            /\b(?:AgentConfig|AggregatorConfig|MigrationConfig|MonitoringConfig|NetworkPolicyConfig|Resources)\b/.test(
                fs.readFileSync(f, "utf8").replace(/\/\/.*|\/\*[\s\S]*?\*\//g, ""),
            ),
        );
        assert.deepEqual(
            offenders.map((f) => path.relative(COMPONENTS, f)),
            [],
        );
    });
});
