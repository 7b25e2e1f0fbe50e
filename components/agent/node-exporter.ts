/**
 * node-exporter compatibility: host_metrics series renamed to node-exporter's names, so existing
 * dashboards and alerts keep working after cutover. The table is data: the VRL and the coverage
 * table of docs/migration.md (`npm run docs`) are both generated from it.
 */
import { vrl, vrlString } from "../vector/vrl";

export interface SeriesMapping {
    /** host_metrics name without the `host_` namespace. */
    vector: string;
    /** node-exporter name without the `node_` namespace. */
    nodeExporter: string;
}

export const NODE_EXPORTER_SERIES: readonly SeriesMapping[] = [
    { vector: "cpu_seconds_total", nodeExporter: "cpu_seconds_total" },
    { vector: "load1", nodeExporter: "load1" },
    { vector: "load5", nodeExporter: "load5" },
    { vector: "load15", nodeExporter: "load15" },
    { vector: "memory_total_bytes", nodeExporter: "memory_MemTotal_bytes" },
    { vector: "memory_free_bytes", nodeExporter: "memory_MemFree_bytes" },
    { vector: "memory_available_bytes", nodeExporter: "memory_MemAvailable_bytes" },
    { vector: "memory_buffers_bytes", nodeExporter: "memory_Buffers_bytes" },
    { vector: "memory_cached_bytes", nodeExporter: "memory_Cached_bytes" },
    { vector: "memory_active_bytes", nodeExporter: "memory_Active_bytes" },
    { vector: "memory_shared_bytes", nodeExporter: "memory_Shmem_bytes" },
    { vector: "memory_swap_total_bytes", nodeExporter: "memory_SwapTotal_bytes" },
    { vector: "memory_swap_free_bytes", nodeExporter: "memory_SwapFree_bytes" },
    { vector: "network_receive_bytes_total", nodeExporter: "network_receive_bytes_total" },
    { vector: "network_transmit_bytes_total", nodeExporter: "network_transmit_bytes_total" },
    { vector: "network_receive_packets_total", nodeExporter: "network_receive_packets_total" },
    { vector: "network_transmit_packets_total", nodeExporter: "network_transmit_packets_total" },
    { vector: "network_receive_errs_total", nodeExporter: "network_receive_errs_total" },
    { vector: "network_transmit_errs_total", nodeExporter: "network_transmit_errs_total" },
    { vector: "network_transmit_packets_drop_total", nodeExporter: "network_transmit_drop_total" },
    { vector: "disk_read_bytes_total", nodeExporter: "disk_read_bytes_total" },
    { vector: "disk_written_bytes_total", nodeExporter: "disk_written_bytes_total" },
    { vector: "disk_reads_completed_total", nodeExporter: "disk_reads_completed_total" },
    { vector: "disk_writes_completed_total", nodeExporter: "disk_writes_completed_total" },
];

/** node-exporter series with no faithful Vector equivalent: documented, never faked. */
export const NODE_EXPORTER_MISSING: readonly { series: string; why: string }[] = [
    {
        series: "node_filesystem_avail_bytes, node_filesystem_free_bytes, node_filesystem_size_bytes",
        why:
            "not collected: host_metrics lists the mounts of the agent's own mount namespace and measures them there, " +
            'so it would describe the agent container, not the node (vector issue #18231); see "Filesystem metrics" below',
    },
    { series: "node_network_receive_drop_total", why: "host_metrics has no receive-drop counter" },
    { series: 'node_cpu_seconds_total{mode="irq|softirq|steal"}', why: "host_metrics reports idle, iowait, nice, system and user only" },
    { series: "node_disk_io_time_seconds_total", why: "not collected by host_metrics" },
    { series: "node_uname_info, node_os_info", why: "not collected by host_metrics" },
];

/**
 * VRL renaming host_metrics series to node-exporter's: namespace `node`, node-exporter's mode
 * value `iowait` and `instance` set to the node name. Unmapped series keep their
 * `host_` names rather than pretend to be node-exporter's.
 */
export function nodeExporterNamesVrl(): string {
    const branches = NODE_EXPORTER_SERIES.map(
        (m, i) => `${i === 0 ? "if" : "} else if"} .name == ${vrlString(m.vector)} {\n  .namespace = "node"\n  .name = ${vrlString(m.nodeExporter)}`,
    );
    return vrl(
        `${branches.join("\n")}\n}`,
        'if .namespace == "node" {',
        "  del(.tags.collector)",
        '  if .tags.mode == "io_wait" { .tags.mode = "iowait" }',
        '  .tags.instance = get_env_var("VECTOR_SELF_NODE_NAME") ?? .tags.host',
        "}",
    );
}
