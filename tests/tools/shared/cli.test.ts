import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { main as bench } from "../../../tools/bench/cli";
import { main as cost } from "../../../tools/cost/cli";
import { main as diff } from "../../../tools/diff/cli";
import { main as docs } from "../../../tools/docs/cli";
import { main as engines } from "../../../tools/engines/cli";
import { main as gate } from "../../../tools/gate/cli";
import { main as k8sSchema } from "../../../tools/k8s-schema/cli";
import { main as render } from "../../../tools/render/cli";
import { EXIT, ProcessIO, reportError, runTool, ToolError, ToolMain, UsageError } from "../../../tools/shared/cli";
import { main as reference } from "../../../tools/validate/reference-cli";
import { main as validate } from "../../../tools/validate/cli";
import { main as verify } from "../../../tools/verify/cli";
import { ROOT } from "../../support/fleet";

function report(e: unknown): { code: number; stderr: string } {
    let stderr = "";
    const code = reportError("tool", e, (t) => (stderr += t));
    return { code, stderr };
}

describe("shared: how a tool ends on an error", () => {
    it("prints a usage mistake as one line and a pointer to --help, exit 2", () => {
        assert.deepEqual(report(new UsageError('unknown argument "--x"')), {
            code: EXIT.usage,
            stderr: 'tool: unknown argument "--x"\n(run with --help for usage)\n',
        });
    });

    it("prints an error the tool expects as one line, with the exit code it carries (2 unless told)", () => {
        assert.deepEqual(report(new ToolError("no out/dev/manifests.yaml: render the stack first")), {
            code: 2,
            stderr: "tool: no out/dev/manifests.yaml: render the stack first\n",
        });
        assert.deepEqual(report(new ToolError("changed", EXIT.result)), { code: 1, stderr: "tool: changed\n" });
    });

    it("prints anything else as a crash with its stack, exit 4, apart from every documented outcome", () => {
        const r = report(new TypeError("x is undefined"));
        assert.equal(r.code, EXIT.crash);
        assert.match(r.stderr, /^tool: internal error \(a bug in tool, not a finding\): TypeError: x is undefined\n {4}at /);
        assert.deepEqual(report("a string"), { code: 4, stderr: "tool: internal error (a bug in tool, not a finding): a string\n" });
    });
});

/**
 * Every command as its process would run it (runTool is runEntry minus the process), in-process:
 * a child per tool would cost a Pulumi start-up each. tools/diff/main.ts and tools/verify/main.ts
 * are run as real child processes by their own integration tests.
 */
describe("every tool's command line", () => {
    const io = (): ProcessIO & { out: string; err: string; color: boolean } => {
        const r = {
            out: "",
            err: "",
            color: false,
            env: {},
            rootDir: ROOT,
            cwd: ROOT,
            stdout: (t: string) => void (r.out += t),
            stderr: (t: string) => void (r.err += t),
        };
        return r;
    };
    /** Entry file -> the name it reports under and its main, as the entry wires them. */
    const TOOLS: Record<string, [string, ToolMain<ReturnType<typeof io>>]> = {
        "tools/bench/main.ts": ["bench", bench],
        "tools/cost/main.ts": ["cost", cost],
        "tools/diff/main.ts": ["diff", diff],
        "tools/docs/main.ts": ["docs", docs],
        "tools/engines/main.ts": ["engines", engines],
        "tools/gate/main.ts": ["gate", gate],
        "tools/k8s-schema/main.ts": ["k8s:schema", k8sSchema],
        "tools/render/main.ts": ["render", render],
        "tools/validate/main.ts": ["validate", validate],
        "tools/validate/reference-main.ts": ["vector:reference", reference],
        "tools/verify/main.ts": ["verify", verify],
    };

    it("has one entry per tool, each a runEntry call under the tool's name and nothing else", () => {
        const entries = fs
            .readdirSync(path.join(ROOT, "tools"))
            .flatMap((t) =>
                fs
                    .readdirSync(path.join(ROOT, "tools", t))
                    .filter((f) => /(^|-)main\.ts$/.test(f))
                    .map((f) => `tools/${t}/${f}`),
            )
            .sort();
        assert.deepEqual(entries, Object.keys(TOOLS).sort());
        for (const [entry, [name]] of Object.entries(TOOLS)) {
            const code = fs
                .readFileSync(path.join(ROOT, entry), "utf8")
                .replace(/\/\*[\s\S]*?\*\/|^import .*$/gm, "")
                .trim();
            assert.match(code, new RegExp(`^runEntry\\(\\s*"${name}",[\\s\\S]*\\);$`), entry);
            assert.equal(code.match(/;$/gm)?.length, 1, `${entry}: one statement`);
        }
    });

    it("answers --help with its usage on stdout and exit 0", async () => {
        for (const [entry, [name, main]] of Object.entries(TOOLS)) {
            const r = io();
            assert.equal(await runTool(name, main, ["--help"], r), 0, `${entry}: ${r.err}`);
            assert.match(r.out, /^usage: /i, entry);
            assert.equal(r.err, "", entry);
        }
    });

    it("refuses a flag it does not have with exit 2 and a first line naming the tool and the flag, never a stack", async () => {
        for (const [entry, [name, main]] of Object.entries(TOOLS)) {
            const r = io();
            assert.equal(await runTool(name, main, ["--no-such-flag"], r), 2, `${entry}: ${r.err}`);
            assert.equal(r.out, "", entry);
            assert.match(r.err.split("\n")[0], new RegExp(`^${name}: .*--no-such-flag`), `${entry}: ${r.err}`);
            assert.doesNotMatch(r.err, /^\s+at /m, `${entry}: ${r.err}`);
        }
    });
});
