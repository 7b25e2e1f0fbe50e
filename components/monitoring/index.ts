/** Pure builders for vector-fleet's self-monitoring: alert rules, PodMonitors and the dashboard. */
export * from "./podmonitors";
export * from "./rules";
export * from "./dashboard";
export { alternation, dnsLabel } from "../prometheus/promql";
export type { Duration } from "../prometheus/promql";
export { VectorSelfMonitoring } from "./component";
export type { VectorSelfMonitoringArgs } from "./component";
