/**
 * How long the aggregators' disk buffers carry an outage of Loki or Prometheus at the load the
 * stack declares (aggregator.expectedLoad). Nothing is sized from this: it is stated in the docs,
 * exported by the hub and warned about by the renderer, so a reviewer sees what a buffer size means.
 */
import { DEFAULT_MAX_SAMPLE_AGE_SECS, OWN_METRICS_BUFFER_BYTES } from "../../config/stack";

/**
 * Vector's sizing guide (vector.dev/docs/setup/going-to-prod/sizing): a structured log event is
 * about 768 bytes (Kubernetes logs are structured once enriched), a metric event about 256.
 */
export const EVENT_BYTES = { log: 768, metric: 256 } as const;

/** Below this, the renderer warns: an outage longer than a coffee break loses data. */
export const MIN_BUFFER_MINUTES = 30;

export interface BufferCapacity {
    /** Minutes one replica's Loki buffer lasts with Loki down, at its share of the load. */
    lokiMinutes: number;
    /**
     * Minutes of a Prometheus outage one replica's buffer bridges: what it holds, but never more
     * than the age Prometheus still accepts (aggregator.prometheus.maxSampleAgeSecs). Samples that
     * waited longer are refused once Prometheus is back, so a bigger buffer only stores rejects.
     * Each agent cluster has its own buffer, an equal share of what the aggregators' own metrics
     * leave (metricsBufferSplit); the figure assumes the fleet's load spread evenly over its
     * clusters: a cluster sending twice its share bridges half as long.
     */
    prometheusMinutes: number;
}

/** Minutes a buffer of `bytes` fills in at `eventsPerSec` events of `eventBytes` each. */
export function bufferMinutes(bytes: number, eventsPerSec: number, eventBytes: number): number {
    return bytes / (eventsPerSec * eventBytes) / 60;
}

/**
 * Every replica buffers its own share during a sink outage; the load balancer spreads agents'
 * connections evenly. Sampling is ignored (it only makes the buffers last longer), so the
 * figures are a floor.
 */
export function aggregatorBufferCapacity(a: {
    buffers: { lokiMaxBytes: number; prometheusMaxBytes: number };
    replicas: number;
    /** What the whole fleet sends, before sampling. */
    expectedLoad: { logEventsPerSec: number; metricSamplesPerSec: number };
    /** `maxSampleAgeSecs` caps the Prometheus minutes; DEFAULT_MAX_SAMPLE_AGE_SECS when unset. */
    prometheus?: { maxSampleAgeSecs?: number };
}): BufferCapacity {
    const prometheusAgeLimitMinutes = (a.prometheus?.maxSampleAgeSecs ?? DEFAULT_MAX_SAMPLE_AGE_SECS) / 60;
    const share = (perSec: number) => perSec / a.replicas;
    const round = (m: number) => Math.floor(m * 10) / 10;
    return {
        lokiMinutes: round(bufferMinutes(a.buffers.lokiMaxBytes, share(a.expectedLoad.logEventsPerSec), EVENT_BYTES.log)),
        prometheusMinutes: round(
            Math.min(
                prometheusAgeLimitMinutes,
                // n clusters, each with (total - own) / n bytes and 1/n of the load: the same minutes for every n.
                bufferMinutes(a.buffers.prometheusMaxBytes - OWN_METRICS_BUFFER_BYTES, share(a.expectedLoad.metricSamplesPerSec), EVENT_BYTES.metric),
            ),
        ),
    };
}
