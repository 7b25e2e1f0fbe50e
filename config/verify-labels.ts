/**
 * The Loki stream labels `npm run verify` selects and groups Vector's logs by
 * (tools/verify/loki.ts: `{cluster="…", shipper="vector"}`, `sum by (namespace)`), each with the
 * event field the pipeline writes it from. Without them, verify cannot tell Vector's lines from
 * Promtail's while both ship (migration phase `parallel`), which is when it is needed.
 */
export const VERIFY_LOKI_LABELS: Readonly<Record<string, string>> = { cluster: "cluster", namespace: "namespace", shipper: "shipper" };

/** The verify labels `labels` (Loki label -> event field) lacks or maps from another field, sorted. */
export function missingVerifyLabels(labels: Readonly<Record<string, string>>): string[] {
    return Object.entries(VERIFY_LOKI_LABELS)
        .filter(([label, field]) => labels[label] !== field)
        .map(([label]) => label)
        .sort();
}

/**
 * The path Loki's push API is served under. Vector's loki sink appends its `path` option (default
 * this) to `endpoint` (vectordotdev/vector src/sinks/loki/config.rs, default_loki_path and the
 * endpoint's doc), so the endpoint setting is the base URL before it.
 */
export const LOKI_PUSH_PATH = "/loki/api/v1/push";
