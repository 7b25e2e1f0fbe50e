/**
 * The one place the Vector release is pinned. Every stack runs this image unless its config
 * overrides `agent.image` / `aggregator.image`; bump it here and the render shows every change.
 *
 * distroless-libc: the smallest official image with glibc (the Kubernetes API client and the
 * host_metrics collectors are tested against it upstream), no shell, no package manager.
 */
export const VECTOR_VERSION = "0.59.0";
export const VECTOR_IMAGE = `timberio/vector:${VECTOR_VERSION}-distroless-libc`;
