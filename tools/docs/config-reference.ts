/**
 * The README's config reference, generated from the config model itself (config/stack.ts), so
 * the documented keys, types and defaults cannot drift from what the parser accepts.
 */
import { CONFIG_MODEL, PROJECT } from "../../config/stack";
import { Field } from "../../config/schema-kit";
import { replaceGenerated } from "../shared/generated-block";

interface Row {
    key: string;
    type: string;
    default: string;
    doc: string;
}

function rows(fields: Record<string, Field<unknown>>, prefix: string, out: Row[]): Row[] {
    for (const [name, f] of Object.entries(fields)) {
        const key = prefix ? `${prefix}.${name}` : `${PROJECT}:${name}`;
        const nested = (f.schema as { fields?: Record<string, Field<unknown>> }).fields;
        if (nested) {
            out.push({ key, type: "object", default: f.section ? "(see below)" : f.default ? "none" : "required", doc: f.doc });
            rows(nested, key, out);
            continue;
        }
        const def = f.section ? "" : f.default ? (f.default.value === undefined ? "none" : `\`${JSON.stringify(f.default.value)}\``) : "required";
        out.push({ key, type: f.schema.expected, default: def, doc: f.doc });
    }
    return out;
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function configReferenceMarkdown(): string {
    const lines = ["| key | type | default | meaning |", "| --- | --- | --- | --- |"];
    for (const r of rows(CONFIG_MODEL, "", [])) {
        lines.push(`| \`${r.key}\` | ${cell(r.type)} | ${cell(r.default)} | ${cell(r.doc)} |`);
    }
    return `${lines.join("\n")}\n`;
}

export const BEGIN = "<!-- BEGIN GENERATED CONFIG REFERENCE (npm run docs) -->";
export const END = "<!-- END GENERATED CONFIG REFERENCE -->";

/** Replaces the generated block of the README; throws if the markers are missing. */
export function withConfigReference(readme: string): string {
    return replaceGenerated(readme, BEGIN, END, configReferenceMarkdown(), "README.md");
}
