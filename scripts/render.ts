/**
 * `npm run render [-- --stack NAME ...] [--out DIR]`: runs the real program for every stack
 * offline (Pulumi mocks, a simulated Hetzner Cloud) and writes what would be applied to out/.
 */
import * as path from "node:path";
import program = require("../index");
import { renderFleet, writeRendered } from "../lib/offline/render";

const USAGE = `usage: npm run render [-- --stack NAME ...] [--out DIR]

Renders every Pulumi.<stack>.yaml (or only the named stacks) without a cluster or the Pulumi CLI.
Writes out/<stack>/manifests.yaml, resources.txt, outputs.json and <component>.vector.toml.
Hub stacks are always evaluated first: agent stacks read their outputs through a StackReference.`;

async function main(argv: string[]): Promise<number> {
    const stacks: string[] = [];
    let out = "out";
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--help" || a === "-h") {
            console.log(USAGE);
            return 0;
        } else if (a === "--stack" && argv[i + 1]) stacks.push(argv[++i]);
        else if (a === "--out" && argv[i + 1]) out = argv[++i];
        else {
            console.error(`render: unknown argument ${JSON.stringify(a)}\n\n${USAGE}`);
            return 2;
        }
    }
    const root = path.resolve(__dirname, "..");
    const started = Date.now();
    try {
        const rendered = await renderFleet(program, root, stacks.length > 0 ? stacks : undefined);
        writeRendered(path.resolve(root, out), rendered);
        for (const r of rendered) {
            const kinds = new Map<string, number>();
            for (const res of r.result.resources) if (res.type.startsWith("kubernetes:") && res.custom) {
                const kind = res.type.split(":").pop()!;
                kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
            }
            const summary = [...kinds].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${n} ${k}`).join(", ");
            console.log(`${r.stack}: ${r.result.resources.length} resources (${summary}) -> ${path.join(out, r.stack)}/`);
        }
        console.log(`rendered ${rendered.length} stack(s) in ${Date.now() - started} ms`);
        return 0;
    } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        console.error(`render failed, nothing written:\n${msg}`);
        return 1;
    }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
