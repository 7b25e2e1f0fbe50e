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
 * The oldest release the rendered pipelines start on; an `image` override below it fails at boot.
 * 0.58.0 because of: `max_merged_line_action` on kubernetes_logs (PR 25567), and loki label values
 * as bare `{{ field }}` templates (PR 26176; 0.57 refuses them with NoDerivableBase).
 * (vectordotdev/vector website/cue/reference/releases/0.58.0.cue)
 */
export const MIN_VECTOR_VERSION = "0.58.0";
