/**
 * The one place the Vector release is pinned. Every stack runs this image unless its config
 * overrides `agent.image` / `aggregator.image`; bump it here and the render shows every change.
 *
 * distroless-libc: the smallest official image with glibc (the Kubernetes API client and the
 * host_metrics collectors are tested against it upstream), no shell, no package manager.
 */
export const VECTOR_VERSION = "0.59.0";
export const VECTOR_IMAGE = `timberio/vector:${VECTOR_VERSION}-distroless-libc`;

/**
 * The agent's image while node logs are on: the journald source runs `journalctl`
 * (vectordotdev/vector src/sources/journald.rs), which only the `-debian` variant installs (its
 * Dockerfile adds `systemd`; distroless-libc, distroless-static and alpine do not:
 * distribution/docker/). Debian trixie's systemd is 257. Same release as VECTOR_IMAGE.
 */
export const VECTOR_JOURNALD_IMAGE = `timberio/vector:${VECTOR_VERSION}-debian`;

/**
 * The events collector: the OpenTelemetry Collector's `k8s` distribution. 0.160 renamed the
 * component IDs to snake_case (`k8s_objects`, `otlp_grpc`; open-telemetry/opentelemetry-collector-
 * contrib PR 47440 keeps `k8sobjects` as an alias), so the config needs 0.160 or later. No
 * registry is reachable here: this tag and its index digest are the ones published platform
 * configs pin (found with the search tool, two independent repositories, 2026-09/10), not read
 * from the registry by us; `crane digest` it when you mirror the image (docs/signals-events.md).
 */
export const OTEL_COLLECTOR_IMAGE = "otel/opentelemetry-collector-k8s:0.161.0@sha256:2fed8ff024bdb42473890724fa0833bd31e16197aa4790d8e0be3829f87f0de1";

/**
 * The oldest release the rendered pipelines start on; an `image` override below it fails at boot.
 * 0.58.0 because of: `max_merged_line_action` on kubernetes_logs (PR 25567), and loki label values
 * as bare `{{ field }}` templates (PR 26176; 0.57 refuses them with NoDerivableBase).
 * (vectordotdev/vector website/cue/reference/releases/0.58.0.cue)
 */
export const MIN_VECTOR_VERSION = "0.58.0";
