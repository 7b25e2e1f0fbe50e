/**
 * The node-exporter coverage table of docs/migration.md, generated from the same data as the
 * agent's renaming VRL (components/agent/node-exporter.ts), so the table cannot promise a series
 * the agent does not produce.
 */
import { NODE_EXPORTER_MISSING, NODE_EXPORTER_SERIES } from "../../components/agent/node-exporter";
import { replaceGenerated } from "../shared/generated-block";

export const COVERAGE_BEGIN = "<!-- BEGIN GENERATED NODE-EXPORTER COVERAGE (npm run docs) -->";
export const COVERAGE_END = "<!-- END GENERATED NODE-EXPORTER COVERAGE -->";

/** `|` splits a GFM table cell even inside a code span unless escaped. */
const cell = (s: string) => s.replace(/\|/g, "\\|");

export function nodeExporterCoverageMarkdown(): string {
    const lines = ["| node-exporter series | from Vector host_metrics | status |", "| --- | --- | --- |"];
    for (const m of NODE_EXPORTER_SERIES) {
        const status = m.vector === m.nodeExporter ? "covered" : "covered (renamed)";
        lines.push(`| \`node_${m.nodeExporter}\` | \`host_${m.vector}\` | ${status} |`);
    }
    for (const m of NODE_EXPORTER_MISSING) lines.push(`| \`${cell(m.series)}\` | — | missing: ${cell(m.why)} |`);
    return `${lines.join("\n")}\n`;
}

/** Replaces the generated coverage block of docs/migration.md; throws if the markers are missing. */
export function withNodeExporterCoverage(doc: string): string {
    return replaceGenerated(doc, COVERAGE_BEGIN, COVERAGE_END, nodeExporterCoverageMarkdown(), "docs/migration.md");
}
