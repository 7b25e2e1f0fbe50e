/**
 * `npm run k8s:schema -- --from DIR [--out FILE]`: regenerates tests/support/k8s-api-schema.json,
 * the field names and types of every stable (v1) Kubernetes kind at the API version the fleet
 * targets, from an unpacked @kubernetes/client-node package (its models are generated from
 * Kubernetes' own OpenAPI document; 1.1.x is generated from v1.32.0):
 *
 *   npm pack @kubernetes/client-node@1.1.2 && tar xzf kubernetes-client-node-1.1.2.tgz
 *   npm run k8s:schema -- --from package
 *
 * Only data is kept (kind -> model, model -> field -> type), with the package version and the
 * OpenAPI version it names; no code of the package is copied or run beyond reading its tables.
 * tools/k8s-schema/main.ts only wires a process to main().
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ProcessIO, UsageError, wantsHelp } from "../shared/cli";

interface TypeMapEntry {
    baseName: string;
    type: string;
}

export const USAGE = `usage: npm run k8s:schema -- --from DIR [--out FILE]

Regenerates tests/support/k8s-api-schema.json (or FILE) from an unpacked @kubernetes/client-node
package in DIR: the fields and types of every stable (v1) Kubernetes kind.`;

export function main(argv: string[], io: ProcessIO): number {
    if (wantsHelp(argv)) {
        io.stdout(`${USAGE}\n`);
        return 0;
    }
    let from: string | undefined;
    let out = path.join(io.rootDir, "tests", "support", "k8s-api-schema.json");
    for (let i = 0; i < argv.length; i++) {
        const value = argv[i + 1];
        if ((argv[i] === "--from" || argv[i] === "--out") && value === undefined) throw new UsageError(`${argv[i]} needs a value`);
        if (argv[i] === "--from") from = path.resolve(io.cwd, argv[++i]);
        else if (argv[i] === "--out") out = path.resolve(io.cwd, argv[++i]);
        else throw new UsageError(`unknown argument ${JSON.stringify(argv[i])}`);
    }
    if (!from) throw new UsageError("--from DIR is required");
    const pkg = JSON.parse(fs.readFileSync(path.join(from, "package.json"), "utf8")) as { name: string; version: string };
    const gen = path.join(from, "dist", "gen");
    const modelsDir = path.join(gen, "models");

    // Models: every exported class with an attributeTypeMap.
    const models: Record<string, Record<string, string>> = {};
    let openapi = "";
    for (const f of fs.readdirSync(modelsDir).filter((x) => x.endsWith(".js") && x !== "all.js" && x !== "ObjectSerializer.js")) {
        const file = path.join(modelsDir, f);
        openapi ||= /OpenAPI spec version: (\S+)/.exec(fs.readFileSync(file, "utf8"))?.[1] ?? "";
        const mod = require(file) as Record<string, { attributeTypeMap?: TypeMapEntry[] }>;
        for (const [name, cls] of Object.entries(mod)) {
            if (!Array.isArray(cls?.attributeTypeMap)) continue;
            models[name] = Object.fromEntries(cls.attributeTypeMap.map((a) => [a.baseName, a.type]));
        }
    }

    // Kinds: every create operation on a collection path, in the stable v1 API versions.
    const kinds: Record<string, string> = {};
    const op = /async create\w*\([^)]*\) \{[\s\S]*?localVarPath = '([^']+)'[\s\S]*?serialize\(body, "(\w+)"/g;
    for (const f of fs.readdirSync(path.join(gen, "apis")).filter((x) => x.endsWith(".js"))) {
        const text = fs.readFileSync(path.join(gen, "apis", f), "utf8");
        for (const m of text.matchAll(op)) {
            const [, urlPath, model] = m;
            if (urlPath.includes("{name}")) continue; // a subresource (binding, eviction, token)
            const gv = /^\/api\/(v1)\/|^\/apis\/([^/]+\/v1)\//.exec(urlPath);
            if (!gv || !models[model]) continue;
            const kind = model.replace(/^[A-Za-z]*?V1(?=[A-Z])/, "");
            kinds[`${gv[1] ?? gv[2]} ${kind}`] = model;
        }
    }

    // Keep the models reachable from the kinds.
    const keep = new Set<string>();
    const visit = (t: string) => {
        for (const name of t.match(/[A-Za-z0-9]+/g) ?? []) {
            if (!models[name] || keep.has(name)) continue;
            keep.add(name);
            for (const ft of Object.values(models[name])) visit(ft);
        }
    };
    for (const model of Object.values(kinds)) visit(model);

    const data = {
        source: { package: `${pkg.name}@${pkg.version}`, openapi },
        kinds: Object.fromEntries(Object.entries(kinds).sort(([a], [b]) => a.localeCompare(b))),
        models: Object.fromEntries([...keep].sort().map((m) => [m, models[m]])),
    };
    fs.writeFileSync(out, `${JSON.stringify(data, null, 1)}\n`);
    io.stderr(
        `k8s:schema: ${Object.keys(data.kinds).length} kinds, ${keep.size} models from ${data.source.package} (OpenAPI ${openapi}) -> ${path.relative(io.cwd, out)}\n`,
    );
    return 0;
}
