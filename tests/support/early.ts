/**
 * Slow work that mostly waits on another process (promtool, a Prometheus starting, a spawned CLI)
 * started when the mocha run starts instead of when its test comes up, so it proceeds on the
 * other core while the in-process tests before it run; the test then awaits the result.
 *
 * Call startEarly at the top level of a test file (outside any describe): the hooks it adds are
 * root-level, so mocha runs the `before` ahead of the first test of the whole run (with
 * --parallel: of that file) and the `after` once all tests are done, whether or not this file's
 * tests ran (a --grep may have left them out), so `stop` always gets to release what was started.
 *
 * Only use it for work whose result does not go stale in the seconds the rest of the suite takes.
 * A failure is held until a test awaits the result, and reported there.
 */
export function startEarly<T>(start: () => Promise<T>, stop?: (value: T) => Promise<void> | void): () => Promise<T> {
    let started: Promise<T> | undefined;
    const get = (): Promise<T> => {
        if (!started) {
            started = start();
            // Reported by the test that awaits it, not as an unhandled rejection meanwhile.
            started.catch(() => undefined);
        }
        return started;
    };
    before(function startSlowWorkEarly() {
        void get();
    });
    after(async function stopEarlyWork() {
        if (!started || !stop) return;
        let value: T;
        try {
            value = await started;
        } catch {
            return;
        }
        await stop(value);
    });
    return get;
}
