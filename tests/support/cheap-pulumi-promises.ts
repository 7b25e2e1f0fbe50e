/**
 * Loaded by .mocharc.json before any test file: makes the Pulumi runtime's promise bookkeeping
 * cheap, which cuts the CPU time of a run under mocks by more than half.
 *
 * Why: @pulumi/pulumi wraps every internal promise in `debuggablePromise`, which stores
 * `new Error().stack` on it. Under tsx, source maps are on, so each of those stack strings goes
 * through Node's source-map stack formatting; that formatting was most of the cost of a stack run
 * (hub: ~160 ms CPU, ~65 ms without). The stored stack is only ever printed when a promise leaks
 * *and* PULUMI_DEBUG_PROMISE_LEAKS is set, so with that variable set nothing is changed here.
 *
 * The wrapper captures no stack frames for that one debug string and changes nothing else: the
 * promise, its leak tracking and every error's own stack stay as they are. Should a Pulumi
 * upgrade move or rename the function, the tests just run slower (see the warning).
 */
const MODULE = "@pulumi/pulumi/runtime/debuggable";

type DebuggablePromise = <T>(p: Promise<T>, ctx: unknown) => Promise<T>;

function install(): void {
    if (process.env.PULUMI_DEBUG_PROMISE_LEAKS) return;
    let debuggable: { debuggablePromise?: DebuggablePromise };
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal module without types
        debuggable = require(MODULE) as { debuggablePromise?: DebuggablePromise };
    } catch {
        debuggable = {};
    }
    const original = debuggable.debuggablePromise;
    if (typeof original !== "function") {
        console.warn(`tests/support/cheap-pulumi-promises.ts: ${MODULE}.debuggablePromise not found; tests under Pulumi mocks will be slower`);
        return;
    }
    debuggable.debuggablePromise = <T>(p: Promise<T>, ctx: unknown): Promise<T> => {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            return original(p, ctx);
        } finally {
            Error.stackTraceLimit = limit;
        }
    };
}

install();
