/**
 * Reading back what `npm run render` wrote (writeRendered in render.ts): the render's summary
 * compares with the previous out/, and `npm run diff` reads a child's. Free of Pulumi, so a
 * command that only reads loads no SDK.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** A rendered fleet: stack -> file name -> content, as `npm run render` writes it. */
export type RenderedFleet = Record<string, Record<string, string>>;

/** Reads every out/<stack>/ folder below `dir` (a missing dir is an empty fleet). */
export function readRendered(dir: string): RenderedFleet {
    const fleet: RenderedFleet = {};
    if (!fs.existsSync(dir)) return fleet;
    for (const stack of fs.readdirSync(dir).sort()) {
        const stackDir = path.join(dir, stack);
        // writeRendered's half-written folders are named <stack>.tmp-<pid>.
        if (!fs.statSync(stackDir).isDirectory() || stack.includes(".tmp-")) continue;
        fleet[stack] = {};
        for (const f of fs.readdirSync(stackDir).sort()) fleet[stack][f] = fs.readFileSync(path.join(stackDir, f), "utf8");
    }
    return fleet;
}
