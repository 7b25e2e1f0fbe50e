/**
 * Preloaded before tsx (so it is plain JavaScript) by every process that runs the program under
 * Pulumi mocks: the tests (.mocharc.json) and the offline render's commands (`npm run render`,
 * `diff`, `validate`, `cost`: `node --require ./tools/shared/fast-pulumi.cjs --import tsx ...` in
 * package.json). Things that make such a process much cheaper; none changes what a test
 * observes or a byte the render writes.
 *
 * 1. Load the Pulumi SDKs with Node's own loader, before tsx registers its hooks. tsx scans every
 *    .js file it loads for ESM syntax; @pulumi/pulumi pulls in ~15 MB of JavaScript (9 MB of it
 *    the TypeScript compiler), and that scan cost ~0.5 s per process. These packages are plain
 *    CommonJS, so the modules are the same either way; tsx then finds them in require's cache.
 *
 * 2. Skip the debug fields @pulumi/pulumi stores on every internal promise (`debuggablePromise`
 *    keeps an id, a label and `new Error().stack` on it). With tsx's source maps on, formatting
 *    those stacks was most of the CPU of a stack run (hub: ~160 ms -> ~65 ms), and defining three
 *    properties on each promise was still ~4% of a fleet render. They are only printed for a
 *    leaked promise with PULUMI_DEBUG_PROMISE_LEAKS set, so with that variable set nothing is
 *    changed. The promise, its leak tracking and every error's own stack stay as they are.
 *    Pulumi's modules call it through the module's exports object, which is why
 *    replacing the export reaches them; should an upgrade move or rename it, the tests just run
 *    slower and say so.
 */
"use strict";

const Module = require("node:module");

/*
 * 3. (First, as it must precede the loads of 1.) Defer the two heaviest modules @pulumi/pulumi loads at start-up and only calls to serialize
 *    a JavaScript function into a deployment (its closure serializer and dynamic providers):
 *    the TypeScript compiler (9 MB, ~130 ms to compile) and @npmcli/arborist with its npm
 *    client dependencies (~60 ms). Mocked runs never serialize a function. Each is replaced by a
 *    stand-in that loads the real module the first time anything is read from it, so nothing
 *    changes for code that does use them; `__esModule` is answered without loading, so
 *    TypeScript's `__importStar` hands the stand-in through instead of copying every key.
 */
const DEFERRED = new Set(["typescript", "@npmcli/arborist"]);
const load = Module._load;
Module._load = function deferHeavyPulumiDependencies(request, parent, isMain) {
    if (!DEFERRED.has(request) || !parent || !/[\\/]node_modules[\\/]@pulumi[\\/]pulumi[\\/]/.test(parent.filename)) return load.apply(this, arguments);
    let real;
    const get = () => (real ??= load.call(Module, request, parent, isMain));
    return new Proxy(
        {},
        {
            get: (_, key) => (key === "__esModule" && real === undefined ? true : Reflect.get(get(), key)),
            has: (_, key) => key in get(),
            ownKeys: () => Reflect.ownKeys(get()),
            getOwnPropertyDescriptor: (_, key) => {
                const d = Reflect.getOwnPropertyDescriptor(get(), key);
                // A proxy may not report a property non-configurable that its target lacks.
                return d && { ...d, configurable: true };
            },
        },
    );
};

for (const sdk of ["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/hcloud", "@pulumi/tls", "@pulumi/random"]) require(sdk);

/*
 * 4. The same for the plain JavaScript libraries the renderer and the validator load: under tsx's
 *    hooks `yaml` alone took ~150 ms to load, ~60 ms without them. Only what every render needs.
 */
for (const lib of ["yaml", "smol-toml"]) require(lib);

/*
 * 5. Skip the call-site capture @pulumi/pulumi does for every resource (`Resource.stackTrace` in
 *    resource.js: `new Error().stack` with an unlimited depth, source-mapped under tsx, parsed
 *    frame by frame) to send the engine each registration's source position. Only the engine
 *    reads it (the CLI shows it on errors); Pulumi's mocks never see it, so under mocks it was
 *    pure cost, ~6 ms per cluster of a fleet render. Registrations then carry no position, as
 *    when the SDK finds none. Like 2, a rename in an upgrade only makes the runs slower, and says so.
 */
const { Resource } = require("@pulumi/pulumi/resource");
if (typeof Resource.stackTrace === "function") {
    Resource.stackTrace = function noSourcePositionUnderMocks() {
        return [];
    };
} else {
    console.warn("tools/shared/fast-pulumi.cjs: @pulumi/pulumi's Resource has no stackTrace any more; runs under mocks will be slower");
}

if (!process.env.PULUMI_DEBUG_PROMISE_LEAKS) {
    const debuggable = require("@pulumi/pulumi/runtime/debuggable");
    const state = require("@pulumi/pulumi/runtime/state");
    const original = debuggable.debuggablePromise;
    if (typeof original === "function" && typeof state.getStore === "function") {
        let exitReportRegistered = false;
        debuggable.debuggablePromise = function debuggablePromiseWithoutStack(p, ctx) {
            if (!exitReportRegistered) {
                // The SDK's own first call registers its leak report at exit; after that only
                // the tracking below matters.
                exitReportRegistered = true;
                const limit = Error.stackTraceLimit;
                Error.stackTraceLimit = 0;
                try {
                    return original(p, ctx);
                } finally {
                    Error.stackTraceLimit = limit;
                }
            }
            // What runtime/debuggable.js does besides the debug fields (three defineProperty calls
            // and an Error per promise, which turn every promise into a slow dictionary object):
            // the promise is a leak candidate until it settles, a rejection names its promise, and
            // the chain has the same two steps, so nothing settles a tick earlier or later.
            const store = state.getStore();
            store.leakCandidates.add(p);
            return p
                .then((val) => {
                    store.leakCandidates.delete(p);
                    return val;
                })
                .catch((err) => {
                    store.leakCandidates.delete(p);
                    err.promise = p;
                    throw err;
                });
        };
    } else {
        console.warn("tools/shared/fast-pulumi.cjs: @pulumi/pulumi/runtime/debuggable has no debuggablePromise any more; runs under mocks will be slower");
    }
}
