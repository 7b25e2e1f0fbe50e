/**
 * The generated alert rules and the dashboard's expressions through promtool (Debian's prometheus
 * package, which .ci/run installs): `check rules` and the `test rules` fixtures of
 * tests/support/promtool/rule-tests.ts. Skipped, saying why, where promtool is not installed.
 */
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { PrometheusRecordingRule, promtoolRuleFile, vectorDashboard, vectorPrometheusRule } from "../../../components/monitoring";
import { RULE_TEST_SETTINGS, ruleTestFile } from "../../support/promtool/rule-tests";
import { findPromtool, PROMTOOL_MISSING, tempDir, writeYaml } from "../../support/promtool/support";
import { startEarly } from "../../support/early";

/** Recording and alerting rules in the rendered file: what promtool must report having found. */
const RULE_COUNT = promtoolRuleFile(vectorPrometheusRule(RULE_TEST_SETTINGS)).groups.reduce((n, g) => n + g.rules.length, 0);

/** What `npm run`-independent promtool said about one file: its exit status and its output. */
interface PromtoolResult {
    status: number | null;
    output: string;
}

function promtoolAsync(promtool: string, args: string[], cwd: string): Promise<PromtoolResult> {
    return new Promise((resolve, reject) => {
        execFile(promtool, args, { cwd, encoding: "utf8", timeout: 60_000 }, (err, stdout, stderr) => {
            // A non-zero exit is a result to assert on; failing to run promtool at all is not.
            if (err && typeof err.code !== "number") reject(new Error(`cannot run ${promtool}: ${err.message}`, { cause: err }));
            else resolve({ status: err ? (err.code as number) : 0, output: `${stdout}${stderr}` });
        });
    });
}

/** The dashboard's expressions as recording rules, Grafana variables substituted, so promtool parses them. */
function dashboardExpressionRules(): PrometheusRecordingRule[] {
    const dashboard = vectorDashboard();
    // Grafana's own variables get durations; ours get a plain value that fits both = and =~.
    const builtins: Record<string, string> = { __rate_interval: "5m", __interval: "1m", __range: "1h" };
    const substitute = (expr: string) => expr.replace(/\$\{?(\w+)\}?/g, (_, name: string) => builtins[name] ?? "dev");
    const rules: PrometheusRecordingRule[] = dashboard.panels.flatMap((p) =>
        p.targets.map((t) => ({ record: `dashboard:panel_${p.id}:${t.refId}`, expr: substitute(t.expr) })),
    );
    for (const v of dashboard.templating.list) {
        if (v.type !== "query") continue;
        // label_values(<selector>, <label>): the selector is the PromQL part.
        const m = /^label_values\((.*), *\w+\)$/.exec(v.query);
        assert.ok(m, `${v.name}: unexpected variable query ${v.query}`);
        rules.push({ record: `dashboard:variable:${v.name}`, expr: substitute(m[1]) });
    }
    return rules;
}

/**
 * Every promtool run below, started together when the mocha run starts (promtool test rules
 * alone takes ~0.7 s) and awaited by the tests; undefined when promtool is not installed. Each
 * file is written from the same pure builders the tests name; a builder that throws fails only
 * the test of its own file.
 */
const promtoolRuns = startEarly(async () => {
    const promtool = findPromtool();
    if (promtool === undefined) return undefined;
    const tmp = tempDir("vector-fleet-promtool-");
    const run = (files: Record<string, () => unknown>, args: string[]): Promise<PromtoolResult> => {
        try {
            for (const [name, content] of Object.entries(files)) writeYaml(join(tmp.dir, name), content());
        } catch (e) {
            return Promise.reject(e);
        }
        return promtoolAsync(promtool, args, tmp.dir);
    };
    const rules = () => promtoolRuleFile(vectorPrometheusRule(RULE_TEST_SETTINGS));
    const runs = {
        checkRules: run({ "rules.yaml": rules }, ["check", "rules", "rules.yaml"]),
        checkOtherSettings: run(
            {
                "rules-5.yaml": () =>
                    promtoolRuleFile(
                        vectorPrometheusRule({
                            name: "r",
                            namespace: "m",
                            aggregatorReplicas: 5,
                            agentNamespace: "a",
                            aggregatorNamespace: "b",
                            runbookBaseUrl: "https://x/y.md",
                        }),
                    ),
            },
            ["check", "rules", "rules-5.yaml"],
        ),
        // Its own copy of the rules: it must not race the check above writing rules.yaml.
        testRules: run({ "tested-rules.yaml": rules, "rule-tests.yaml": () => ruleTestFile("tested-rules.yaml") }, ["test", "rules", "rule-tests.yaml"]),
        checkDashboard: run({ "dashboard.yaml": () => ({ groups: [{ name: "dashboard-expressions", rules: dashboardExpressionRules() }] }) }, [
            "check",
            "rules",
            "dashboard.yaml",
        ]),
    };
    for (const r of Object.values(runs)) r.catch(() => undefined);
    void Promise.allSettled(Object.values(runs)).then(tmp.cleanup);
    return runs;
});

describe("monitoring: promtool", function () {
    let runs: NonNullable<Awaited<ReturnType<typeof promtoolRuns>>>;

    before(async function () {
        const started = await promtoolRuns();
        if (started === undefined) {
            console.warn(`      ${PROMTOOL_MISSING}`);
            this.skip();
        }
        runs = started;
    });

    const check = async (run: Promise<PromtoolResult>) => {
        const r = await run;
        assert.equal(r.status, 0, r.output);
        return r.output;
    };

    it("`promtool check rules` accepts the rule file", async () => {
        assert.match(await check(runs.checkRules), new RegExp(`SUCCESS: ${RULE_COUNT} rules found`));
    });

    it("`promtool check rules` accepts other settings too (5 replicas, other namespaces)", async () => {
        assert.match(await check(runs.checkOtherSettings), new RegExp(`SUCCESS: ${RULE_COUNT} rules found`));
    });

    it("`promtool test rules`: every alert fires and stays silent when it should (tests/support/promtool/rule-tests.ts)", async () => {
        const r = await runs.testRules;
        assert.equal(r.status, 0, r.output);
        assert.match(r.output, /SUCCESS/);
    });

    it("every dashboard expression parses (as recording rules, Grafana variables substituted)", async () => {
        const rules = dashboardExpressionRules();
        assert.match(await check(runs.checkDashboard), new RegExp(`SUCCESS: ${rules.length} rules found`));
    });
});
