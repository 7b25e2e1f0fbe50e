/**
 * Which errors a render has already reported, kept apart from render.ts so a command's
 * `unhandledRejection` handler can ask without loading Pulumi.
 */
const reported = new WeakSet<object>();

/** Records an error a render caught and reports as a stack failure. */
export function markReported(e: unknown): void {
    if (e !== null && typeof e === "object") reported.add(e);
}

/**
 * True for an error a render has already reported as a stack failure. Pulumi's runtime leaves
 * a second, unobserved rejection of the same error behind; a command that renders on after a
 * failed stack uses this in its `unhandledRejection` handler, so that copy does not crash it.
 */
export function isReportedFailure(e: unknown): boolean {
    return e !== null && typeof e === "object" && reported.has(e);
}
