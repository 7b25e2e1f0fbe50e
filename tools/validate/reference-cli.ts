/**
 * `npm run vector:reference -- --src DIR [--ref REF] [--vrl DIR] [--vrl-ref REF] [--release X.Y.Z] [--out FILE]`
 *
 * Regenerates tools/validate/data/vector-<release>.json from Vector's own generated reference
 * (website/cue/reference/**\/generated/*.cue), the components' hand-written input/output event
 * types, and the VRL standard library that Vector's Cargo.lock pins; then applies the reviewed
 * overlay (tools/validate/data/overlay-<release>.json) for changes the source does not yet contain.
 *
 * DIR is a Vector checkout (files read from disk) or a git directory with --ref (files read with
 * `git show REF:path`, so a bare mirror works). --vrl is the VRL git directory; the commit comes
 * from Vector's Cargo.lock unless --vrl-ref names one. tools/validate/reference-main.ts only wires a
 * process to main().
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { applyOverlay, Overlay } from "./overlay";
import {
    componentOptions,
    componentSourceFacts,
    markLaxObjects,
    OptNode,
    structFacts,
    ComponentRef,
    eventTypes,
    fallibleHelpers,
    optionsOf,
    ReferenceData,
    VrlFunction,
    vrlFunction,
} from "./reference";
import { CueValue, parseCue } from "./cue";
import { VECTOR_VERSION } from "../../config/versions";
import { ProcessIO, ToolError, UsageError, wantsHelp } from "../shared/cli";

export const USAGE = `usage: npm run vector:reference -- --src DIR [--ref REF] [--vrl DIR] [--vrl-ref REF] [--release X.Y.Z] [--out FILE] [--overlay FILE|none]

Regenerates tools/validate/data/vector-<release>.json from a Vector checkout (DIR), or from a git
directory at REF (a bare mirror works), and the VRL commit its Cargo.lock pins; then applies the
reviewed overlay tools/validate/data/overlay-<release>.json unless --overlay none.`;

interface Tree {
    list(dir: string): string[];
    read(file: string): string;
    commit: string;
    date?: string;
}

function gitTree(dir: string, ref: string): Tree {
    const git = (...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", maxBuffer: 256 << 20, stdio: ["ignore", "pipe", "pipe"] });
    const commit = git("rev-parse", `${ref}^{commit}`).trim();
    return {
        commit,
        date: git("show", "-s", "--format=%cI", commit).trim(),
        list: (d) => git("ls-tree", "-r", "--name-only", commit, "--", d).split("\n").filter(Boolean),
        read: (f) => git("show", `${commit}:${f}`),
    };
}

function diskTree(dir: string): Tree {
    const walk = (d: string): string[] =>
        fs.existsSync(path.join(dir, d))
            ? fs.readdirSync(path.join(dir, d), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]))
            : [];
    let commit = "unknown (not a git checkout)";
    try {
        commit = execFileSync("git", ["-C", dir, "rev-parse", "HEAD"], { encoding: "utf8" }).trim();
    } catch {
        /* a plain source tree: the commit stays unknown and is recorded so */
    }
    return { commit, list: walk, read: (f) => fs.readFileSync(path.join(dir, f), "utf8") };
}

const REF = "website/cue/reference";
const KINDS = ["sources", "transforms", "sinks"] as const;

/** The part of Vector's generated CUE files read here (the generator decides the rest). */
interface GeneratedCue {
    generated?: { configuration?: { configuration?: CueValue }; components?: Record<string, { configuration?: CueValue } | undefined> };
}

export function buildReference(vector: Tree, vrl: Tree, vrlVersion: string, release: string, sourceLabel: string, vrlLabel: string): ReferenceData {
    const conf = parseCue(vector.read(`${REF}/generated/configuration.cue`)) as GeneratedCue;
    const globals = optionsOf(conf.generated?.configuration?.configuration);
    const common = Object.fromEntries(
        KINDS.map((k) => [
            k,
            optionsOf((parseCue(vector.read(`${REF}/components/generated/${k}.cue`)) as GeneratedCue).generated?.components?.[k]?.configuration),
        ]),
    ) as ReferenceData["common"];
    // lib/vector-buffers/src/config.rs BufferConfig is untagged: Single(BufferType) or
    // Chained(Vec<BufferType>), and WhenFull has a docs::hidden `overflow` for chained stages. The
    // generated reference shows only the single form.
    const buffer = common.sinks.buffer;
    if (buffer?.o) {
        const stage = { ...buffer, t: ["object"] };
        const whenFull = stage.o?.when_full;
        if (whenFull?.e && !whenFull.e.includes("overflow")) stage.o = { ...stage.o, when_full: { ...whenFull, e: [...whenFull.e, "overflow"] } };
        common.sinks.buffer = { ...stage, t: ["array", "object"], i: stage };
    }
    const comps = {} as Record<(typeof KINDS)[number], Record<string, ComponentRef>>;
    for (const kind of KINDS) {
        comps[kind] = {};
        for (const file of vector
            .list(`${REF}/components/${kind}/generated`)
            .filter((f) => f.endsWith(".cue"))
            .sort()) {
            const name = path.basename(file, ".cue");
            const c: ComponentRef = { o: componentOptions(vector.read(file), kind, name) };
            const handWritten = `${REF}/components/${kind}/${name}.cue`;
            let hw = "";
            try {
                hw = vector.read(handWritten);
            } catch {
                /* no hand-written page: event types stay unknown and the edge check skips it */
            }
            if (hw && kind !== "sources") c.in = eventTypes(hw, "input");
            if (hw && kind !== "sinks") c.out = eventTypes(hw, "output");
            comps[kind][name] = c;
        }
    }
    // Components whose top-level config struct lacks `deny_unknown_fields` ignore unknown keys.
    for (const file of vector.list("src").filter((f) => f.endsWith(".rs"))) {
        const text = vector.read(file);
        if (!text.includes("configurable_component(")) continue;
        for (const f of componentSourceFacts(text)) {
            const c = comps[f.kind]?.[f.name];
            if (!c) continue;
            if (f.lax) c.lax = 1;
            // Hidden fields are accepted by the engine; they are taken as they come (any type).
            for (const h of f.hidden) c.o[h] ??= { dep: 1 };
            for (const [alias, field] of f.aliases)
                if (c.o[field] && !c.o[alias]) {
                    const { r: _required, ...rest } = c.o[field];
                    void _required;
                    c.o[alias] = { ...rest, dep: 1, al: field };
                }
        }
    }
    // Nested option structs that ignore unknown keys (matched by their exact set of field names).
    const structs = vector
        .list("src")
        .concat(vector.list("lib"))
        .filter((f) => f.endsWith(".rs"))
        .flatMap((f) => {
            const text = vector.read(f);
            return text.includes("configurable_component") ? structFacts(text) : [];
        });
    const all: OptNode[] = [
        ...Object.values(globals),
        ...KINDS.flatMap((k) => Object.values(common[k])),
        ...KINDS.flatMap((k) => Object.values(comps[k]).flatMap((c) => Object.values(c.o))),
    ];
    markLaxObjects(all, structs);
    const stdlibFiles = vrl.list("src/stdlib").filter((f) => f.endsWith(".rs"));
    const vectorFns = vector.list("lib/vector-vrl").filter((f) => /\/src\/.*\.rs$/.test(f) && !/test/.test(f));
    const sources = [...stdlibFiles.map((f) => vrl.read(f)), ...vectorFns.map((f) => vector.read(f))];
    const helpers = new Set(sources.flatMap(fallibleHelpers));
    const functions: Record<string, VrlFunction> = {};
    for (const src of sources) {
        const fn = vrlFunction(src, helpers);
        if (fn) {
            const { name, ...rest } = fn;
            functions[name] = rest;
        }
    }
    return {
        release,
        tag: `v${release}`,
        commit: vector.commit,
        source: sourceLabel,
        base_commit: vector.commit,
        base_date: vector.date,
        overlay: [],
        vrl: { version: vrlVersion, commit: vrl.commit, source: vrlLabel, functions: Object.fromEntries(Object.entries(functions).sort()) },
        global: globals,
        common,
        sources: comps.sources,
        transforms: comps.transforms,
        sinks: comps.sinks,
    };
}

export function main(argv: string[], io: ProcessIO): number {
    if (wantsHelp(argv)) {
        io.stdout(`${USAGE}\n`);
        return 0;
    }
    const opt: Record<string, string> = {};
    for (let i = 0; i < argv.length; i++) {
        const m = /^--(src|ref|vrl|vrl-ref|release|out|overlay)$/.exec(argv[i]);
        if (!m) throw new UsageError(`unknown argument ${JSON.stringify(argv[i])}`);
        if (argv[i + 1] === undefined) throw new UsageError(`${argv[i]} needs a value`);
        opt[m[1]] = argv[++i];
    }
    if (!opt.src) throw new UsageError("--src DIR is required (a Vector checkout, or a git dir with --ref)");
    const release = opt.release ?? VECTOR_VERSION;
    const vector = opt.ref ? gitTree(opt.src, opt.ref) : diskTree(opt.src);
    // Cargo.lock names the VRL commit Vector builds with (a git dependency on VRL's main branch).
    const lock = vector.read("Cargo.lock");
    const vrlEntry = /name = "vrl"\nversion = "([^"]+)"\nsource = "git\+[^#"]*#([0-9a-f]{40})"/.exec(lock);
    const vrlRef = opt["vrl-ref"] ?? vrlEntry?.[2];
    if (!vrlRef) throw new ToolError("no VRL git commit in Cargo.lock; pass --vrl-ref");
    const vrlDir = opt.vrl ?? "/work/.mirror/vectordotdev+vrl/repo";
    const vrl = gitTree(vrlDir, vrlRef);
    const source = `vectordotdev/vector@${vector.commit}${vector.date ? ` (${vector.date})` : ""} ${REF}/**/generated/*.cue, read from ${opt.src}${opt.ref ? ` at ${opt.ref}` : ""}`;
    let data = buildReference(
        vector,
        vrl,
        vrlEntry?.[1] ?? "unknown",
        release,
        source,
        `vectordotdev/vrl@${vrl.commit} src/stdlib (the commit Vector's Cargo.lock pins)`,
    );
    const root = io.rootDir;
    const overlayFile = opt.overlay ?? path.join(root, `tools/validate/data/overlay-${release}.json`);
    if (overlayFile !== "none" && fs.existsSync(overlayFile)) {
        data = applyOverlay(data, JSON.parse(fs.readFileSync(overlayFile, "utf8")) as Overlay);
    } else if (opt.overlay === undefined) io.stderr(`note: no overlay ${path.relative(root, overlayFile)}; the data is the source as is\n`);
    const out = opt.out ?? path.join(root, `tools/validate/data/vector-${release}.json`);
    const text = `${JSON.stringify(data)}\n`;
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, text);
    const count = (k: (typeof KINDS)[number]) => Object.keys(data[k]).length;
    io.stdout(
        `wrote ${path.relative(io.cwd, out)} (${(text.length / 1024).toFixed(0)} KiB): release ${data.release}, base ${data.base_commit.slice(0, 12)}, ` +
            `${count("sources")} sources, ${count("transforms")} transforms, ${count("sinks")} sinks, ${Object.keys(data.vrl.functions).length} VRL functions (vrl ${data.vrl.version} @ ${data.vrl.commit.slice(0, 12)}), overlay: ${data.overlay.length} change(s)\n`,
    );
    return 0;
}
