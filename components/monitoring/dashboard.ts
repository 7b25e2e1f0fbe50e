/**
 * The fleet dashboard as typed data, and the ConfigMap that Grafana's dashboard sidecar loads.
 * Panels are laid out from rows, so positions never overlap and ids follow reading order.
 * docs/dashboard.md describes it panel by panel.
 */
import * as k8s from "@pulumi/kubernetes";
import { fleetLabels, Obj } from "../k8s/common";
import { ALERT_DEFAULTS, HEARTBEAT_SERIES } from "./rules";
import { dnsLabel, promql } from "../prometheus/promql";

import T = k8s.types.input;

// The parts of Grafana's dashboard JSON model we use (schemaVersion 39).

export interface DataSourceRef {
    type: "prometheus";
    uid: string;
}

export interface GridPos {
    x: number;
    y: number;
    w: number;
    h: number;
}

/** Grafana unit ids: counts/s, bytes/s, 0..1 as %, seconds, bytes, plain number. */
export type Unit = "cps" | "Bps" | "percentunit" | "s" | "bytes" | "short";

export interface Target {
    refId: string;
    expr: string;
    legendFormat: string;
    datasource: DataSourceRef;
    range: boolean;
    instant: boolean;
}

export interface ThresholdStep {
    color: string;
    /** null is the base step (-Infinity), as Grafana stores it. */
    value: number | null;
}

export interface FieldDefaults {
    unit: Unit;
    min?: number;
    max?: number;
    decimals?: number;
    color: { mode: "palette-classic" | "thresholds" };
    thresholds: { mode: "absolute"; steps: ThresholdStep[] };
}

export interface FieldConfig {
    defaults: FieldDefaults;
    overrides: never[];
}

export interface TimeseriesOptions {
    legend: { displayMode: "list" | "table"; placement: "bottom" | "right"; showLegend: boolean; calcs: string[] };
    tooltip: { mode: "single" | "multi"; sort: "none" | "asc" | "desc" };
}

export interface StatOptions {
    reduceOptions: { calcs: string[]; fields: string; values: boolean };
    colorMode: "value" | "background" | "none";
    graphMode: "area" | "none";
    justifyMode: "auto" | "center";
    orientation: "auto" | "horizontal" | "vertical";
    textMode: "auto" | "value_and_name" | "name" | "value";
}

interface PanelBase {
    id: number;
    title: string;
    description: string;
    gridPos: GridPos;
    datasource: DataSourceRef;
    targets: Target[];
    fieldConfig: FieldConfig;
}

export interface TimeseriesPanel extends PanelBase {
    type: "timeseries";
    options: TimeseriesOptions;
}

export interface StatPanel extends PanelBase {
    type: "stat";
    options: StatOptions;
}

export type Panel = TimeseriesPanel | StatPanel;

interface VariableBase {
    name: string;
    label: string;
    hide: 0 | 1 | 2;
    skipUrlSync: boolean;
    current: Record<string, never>;
    options: never[];
}

export interface DatasourceVariable extends VariableBase {
    type: "datasource";
    /** The plugin id whose instances are offered. */
    query: "prometheus";
    refresh: 1;
    regex: string;
    multi: false;
    includeAll: false;
}

export interface QueryVariable extends VariableBase {
    type: "query";
    datasource: DataSourceRef;
    query: string;
    definition: string;
    /** 1: on dashboard load, 2: on time range change. */
    refresh: 1 | 2;
    regex: string;
    sort: 0 | 1 | 2;
    multi: boolean;
    includeAll: boolean;
    allValue?: string;
}

export type Variable = DatasourceVariable | QueryVariable;

export interface Dashboard {
    uid: string;
    title: string;
    description: string;
    tags: string[];
    timezone: "browser" | "utc";
    editable: boolean;
    graphTooltip: 0 | 1 | 2;
    schemaVersion: number;
    version: number;
    refresh: string;
    time: { from: string; to: string };
    templating: { list: Variable[] };
    annotations: { list: never[] };
    links: never[];
    panels: Panel[];
}

export interface DashboardSettings {
    agentNamespace: string;
    aggregatorNamespace: string;
}

export const DASHBOARD_UID = "vector-fleet";
export const DASHBOARD_FILE = "vector-fleet.json";

/** Every panel and variable query goes through the datasource the viewer picked. */
const DS: DataSourceRef = { type: "prometheus", uid: "${datasource}" };

const GRID_COLUMNS = 24;
const ROW_HEIGHT = 8;

/** A panel before layout: everything but id and gridPos, plus its width. */
type PanelSpec = (Omit<TimeseriesPanel, "id" | "gridPos"> | Omit<StatPanel, "id" | "gridPos">) & { width: number };

function targets(...queries: [expr: string, legendFormat: string][]): Target[] {
    return queries.map(([expr, legendFormat], i) => ({
        refId: String.fromCharCode(65 + i),
        expr,
        legendFormat,
        datasource: DS,
        range: true,
        instant: false,
    }));
}

const BASE_THRESHOLDS: FieldDefaults["thresholds"] = { mode: "absolute", steps: [{ color: "green", value: null }] };

function timeseries(
    title: string,
    description: string,
    width: number,
    unit: Unit,
    queries: [string, string][],
    range: { min?: number; max?: number } = {},
): PanelSpec {
    return {
        type: "timeseries",
        title,
        description,
        width,
        datasource: DS,
        targets: targets(...queries),
        fieldConfig: {
            defaults: { unit, ...range, color: { mode: "palette-classic" }, thresholds: BASE_THRESHOLDS },
            overrides: [],
        },
        options: {
            legend: { displayMode: "list", placement: "bottom", showLegend: true, calcs: [] },
            tooltip: { mode: "multi", sort: "desc" },
        },
    };
}

/** Rows of panels to positioned panels: each row fills left to right, rows stack. */
function layout(rows: PanelSpec[][]): Panel[] {
    const panels: Panel[] = [];
    rows.forEach((row, r) => {
        const used = row.reduce((sum, p) => sum + p.width, 0);
        if (used > GRID_COLUMNS) throw new Error(`dashboard row ${r}: ${used} columns, at most ${GRID_COLUMNS}`);
        let x = 0;
        for (const { width, ...panel } of row) {
            // The rest of a union member is still that member; TypeScript just cannot see it through the spread.
            panels.push({ id: panels.length + 1, gridPos: { x, y: r * ROW_HEIGHT, w: width, h: ROW_HEIGHT }, ...panel });
            x += width;
        }
    });
    return panels;
}

/** The Prometheus data source the panels query (`DS`), chosen by the viewer. */
export function datasourceVariable(): DatasourceVariable {
    return {
        type: "datasource",
        name: "datasource",
        label: "Data source",
        query: "prometheus",
        refresh: 1,
        regex: "",
        multi: false,
        includeAll: false,
        hide: 0,
        skipUrlSync: false,
        current: {},
        options: [],
    };
}

/** A multi-select Prometheus query variable with an "All" that matches everything. */
export function queryVariable(name: string, label: string, query: string): QueryVariable {
    return {
        type: "query",
        name,
        label,
        datasource: DS,
        query,
        definition: query,
        refresh: 2,
        regex: "",
        sort: 1,
        multi: true,
        includeAll: true,
        // A regex matching everything is cheaper than Grafana's alternation of every value.
        allValue: ".*",
        hide: 0,
        skipUrlSync: false,
        current: {},
        options: [],
    };
}

/** The Grafana dashboard, at top level as the sidecar expects (no `dashboard` wrapper). */
export function vectorDashboard(settings: Partial<DashboardSettings> = {}): Dashboard {
    const agentNs = dnsLabel(settings.agentNamespace ?? ALERT_DEFAULTS.agentNamespace, "agentNamespace");
    const aggregatorNs = dnsLabel(settings.aggregatorNamespace ?? ALERT_DEFAULTS.aggregatorNamespace, "aggregatorNamespace");

    const C = 'cluster=~"$cluster"';
    const CC = `${C}, component_id=~"$component"`;
    // What enters and leaves the fleet: sources in, delivery sinks out. The metrics exporter's
    // "sent" events are scrapes, not deliveries.
    const delivery = 'component_kind="sink", component_type!="prometheus_exporter"';
    const inst = "cluster, vector_role, node, pod, component_id";
    const bufferRatio = (size: string, max: string) =>
        promql(
            "max by (cluster, vector_role, component_id) (",
            `  sum by (${inst}) (${size}{${CC}})`,
            `  / on (${inst})`,
            `  sum by (${inst}) (${max}{${CC}} > 0)`,
            ")",
        );
    const memory = (ns: string, filter: string) => {
        const sel = `${filter}namespace="${ns}", container="vector"`;
        return [
            [`max by (cluster, pod) (container_memory_working_set_bytes{${sel}})`, "{{cluster}} {{pod}}"],
            [`max by (cluster) (container_spec_memory_limit_bytes{${sel}} > 0)`, "{{cluster}} limit"],
        ] as [string, string][];
    };
    const cpu = (ns: string, filter: string) => {
        const sel = `${filter}namespace="${ns}", container="vector"`;
        return [
            [`sum by (cluster, pod) (rate(container_cpu_usage_seconds_total{${sel}}[$__rate_interval]))`, "{{cluster}} {{pod}}"],
            [
                promql(
                    "max by (cluster) (",
                    `  max by (cluster, pod) (container_spec_cpu_quota{${sel}} > 0)`,
                    "  / on (cluster, pod)",
                    `  max by (cluster, pod) (container_spec_cpu_period{${sel}} > 0)`,
                    ")",
                ),
                "{{cluster}} limit",
            ],
        ] as [string, string][];
    };

    const freshness: PanelSpec = {
        type: "stat",
        title: "Freshness by cluster",
        description:
            "Seconds since the newest sample of any Vector instance of the cluster reached Prometheus. " +
            "Includes the whole pipeline delay; a cluster that went silent keeps counting up for an hour.",
        width: 6,
        datasource: DS,
        // The subquery keeps a silent cluster on the panel (counting up) instead of letting it
        // vanish once its last sample is older than the 5-minute lookback.
        targets: targets([`time() - max by (cluster) (max_over_time(timestamp(vector_uptime_seconds{${C}})[1h:1m]))`, "{{cluster}}"]),
        fieldConfig: {
            defaults: {
                unit: "s",
                decimals: 0,
                color: { mode: "thresholds" },
                thresholds: {
                    mode: "absolute",
                    steps: [
                        { color: "green", value: null },
                        { color: "orange", value: 60 },
                        { color: "red", value: 300 },
                    ],
                },
            },
            overrides: [],
        },
        options: {
            reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false },
            colorMode: "background",
            graphMode: "none",
            justifyMode: "auto",
            orientation: "auto",
            textMode: "value_and_name",
        },
    };

    const rows: PanelSpec[][] = [
        [
            freshness,
            timeseries(
                "Events in / out per second by cluster",
                "In: events received by sources. Out: events sent by delivery sinks (the metrics exporter excluded). Split by role, so the hub's agents and the aggregators are not added together.",
                9,
                "cps",
                [
                    [
                        `sum by (cluster, vector_role) (rate(vector_component_received_events_total{${C}, component_kind="source"}[$__rate_interval]))`,
                        "{{cluster}} {{vector_role}} in",
                    ],
                    [
                        `sum by (cluster, vector_role) (rate(vector_component_sent_events_total{${C}, ${delivery}}[$__rate_interval]))`,
                        "{{cluster}} {{vector_role}} out",
                    ],
                ],
            ),
            timeseries("Bytes in / out per second by cluster", "Same as the events panel, in bytes of event data (before compression).", 9, "Bps", [
                [
                    `sum by (cluster, vector_role) (rate(vector_component_received_event_bytes_total{${C}, component_kind="source"}[$__rate_interval]))`,
                    "{{cluster}} {{vector_role}} in",
                ],
                [
                    `sum by (cluster, vector_role) (rate(vector_component_sent_event_bytes_total{${C}, ${delivery}}[$__rate_interval]))`,
                    "{{cluster}} {{vector_role}} out",
                ],
            ]),
        ],
        [
            timeseries("Errors by component and error type", "Errors per second of every component, summed over instances.", 12, "cps", [
                [
                    `sum by (cluster, vector_role, component_id, error_type) (rate(vector_component_errors_total{${CC}}[$__rate_interval]))`,
                    "{{cluster}} {{vector_role}} {{component_id}} {{error_type}}",
                ],
            ]),
            timeseries("Discarded events", "Events dropped by components (intentional: filtered on purpose) and by full buffers (lost).", 12, "cps", [
                [
                    `sum by (cluster, vector_role, component_id, intentional) (rate(vector_component_discarded_events_total{${CC}}[$__rate_interval]))`,
                    "{{cluster}} {{vector_role}} {{component_id}} intentional={{intentional}}",
                ],
                [
                    `sum by (cluster, vector_role, component_id) (rate(vector_buffer_discarded_events_total{${CC}}[$__rate_interval]))`,
                    "{{cluster}} {{vector_role}} {{component_id}} buffer",
                ],
            ]),
        ],
        [
            timeseries(
                "Buffer usage (fullest instance)",
                "Buffer fill as a share of its limit: events for memory buffers, bytes for disk buffers. The fullest node or pod per component.",
                12,
                "percentunit",
                [
                    [bufferRatio("vector_buffer_size_events", "vector_buffer_max_size_events"), "{{cluster}} {{vector_role}} {{component_id}} events"],
                    [bufferRatio("vector_buffer_size_bytes", "vector_buffer_max_size_bytes"), "{{cluster}} {{vector_role}} {{component_id}} bytes"],
                ],
                { min: 0, max: 1 },
            ),
            timeseries(
                "Utilization by component (busiest instance)",
                "Share of time a transform or sink is busy rather than waiting for input. Near 100% it is the bottleneck.",
                12,
                "percentunit",
                [[`max by (cluster, vector_role, component_id) (vector_utilization{${CC}})`, "{{cluster}} {{vector_role}} {{component_id}}"]],
                { min: 0, max: 1 },
            ),
        ],
        [
            timeseries(
                "Agent memory (working set)",
                `cAdvisor working set of the agents' vector containers (namespace ${agentNs}), and the limit.`,
                6,
                "bytes",
                memory(agentNs, `${C}, `),
            ),
            timeseries("Agent CPU (cores)", `CPU of the agents' vector containers (namespace ${agentNs}), and the limit.`, 6, "short", cpu(agentNs, `${C}, `)),
            // Aggregators only run on the hub: not filtered by $cluster, so they stay visible whatever is picked.
            timeseries(
                "Aggregator memory (working set)",
                `cAdvisor working set of the aggregators' vector containers (namespace ${aggregatorNs}), and the limit.`,
                6,
                "bytes",
                memory(aggregatorNs, ""),
            ),
            timeseries(
                "Aggregator CPU (cores)",
                `CPU of the aggregators' vector containers (namespace ${aggregatorNs}), and the limit.`,
                6,
                "short",
                cpu(aggregatorNs, ""),
            ),
        ],
        // The delivery proof (docs/rollout.md): the agents' heartbeats, sent against arrived.
        [
            timeseries(
                "Heartbeats delivered by cluster",
                "Share of the agents' heartbeats that reached the aggregators' Loki output over 5 minutes. Below 1: logs are being lost between agent and Loki.",
                8,
                "percentunit",
                [[`${HEARTBEAT_SERIES.clusterDelivered}{${C}}`, "{{cluster}}"]],
                { min: 0, max: 1 },
            ),
            timeseries(
                "Heartbeats delivered, worst nodes",
                "The ten nodes with the lowest delivered share; a node at 0 sends heartbeats of which none arrive.",
                8,
                "percentunit",
                [[`bottomk(10, ${HEARTBEAT_SERIES.delivered}{${C}})`, "{{cluster}}/{{node}}"]],
                { min: 0, max: 1 },
            ),
            timeseries(
                "Heartbeat latency p99 by cluster",
                "99th percentile of the time from an agent sending a heartbeat to an aggregator counting it (two clocks: NTP skew included).",
                8,
                "s",
                [[`${HEARTBEAT_SERIES.clusterLatencyP99}{${C}}`, "{{cluster}}"]],
            ),
        ],
    ];

    const clusterQuery = "label_values(vector_uptime_seconds, cluster)";
    const componentQuery = `label_values(vector_component_received_events_total{${C}}, component_id)`;
    return {
        uid: DASHBOARD_UID,
        title: "Vector fleet",
        description: "Health of the Vector agents and aggregators of every cluster (vector-fleet self-monitoring).",
        tags: ["vector", "vector-fleet"],
        timezone: "browser",
        editable: true,
        graphTooltip: 1,
        schemaVersion: 39,
        version: 1,
        refresh: "1m",
        time: { from: "now-6h", to: "now" },
        templating: {
            list: [datasourceVariable(), queryVariable("cluster", "Cluster", clusterQuery), queryVariable("component", "Component", componentQuery)],
        },
        annotations: { list: [] },
        links: [],
        panels: layout(rows),
    };
}

/** Stable, 2-space JSON: the same dashboard always renders to the same bytes. */
export function dashboardJson(dashboard: Dashboard): string {
    return `${JSON.stringify(dashboard, null, 2)}\n`;
}

export interface DashboardConfigMapSettings extends Partial<DashboardSettings> {
    name: string;
    namespace: string;
    /** Extra labels; `grafana_dashboard: "1"` is always set, it is what the sidecar selects on. */
    labels?: Record<string, string>;
}

/** The ConfigMap Grafana's dashboard sidecar picks up (label grafana_dashboard=1). */
export function dashboardConfigMap(s: DashboardConfigMapSettings): Obj<T.core.v1.ConfigMap> {
    if (s.name === "") throw new Error("dashboard ConfigMap name: must not be empty");
    dnsLabel(s.namespace, "dashboard ConfigMap namespace");
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
            name: s.name,
            namespace: s.namespace,
            labels: {
                ...fleetLabels("monitoring"),
                ...s.labels,
                grafana_dashboard: "1",
            },
        },
        data: { [DASHBOARD_FILE]: dashboardJson(vectorDashboard({ agentNamespace: s.agentNamespace, aggregatorNamespace: s.aggregatorNamespace })) },
    };
}
