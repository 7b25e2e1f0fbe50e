import { strict as assert } from "node:assert";
import { SIGNAL_PANELS, signalsDashboard, signalsDashboardConfigMap, SIGNALS_DASHBOARD_FILE } from "../../../components/monitoring/signal-dashboard";
import { signalAlertRules } from "../../../components/monitoring/signal-rules";
import { DASHBOARD_UID } from "../../../components/monitoring/dashboard";

describe("signals dashboard (issue 19)", () => {
    it("shows each signal the alerts watch, on the same counter of the same component", () => {
        const components = (s: string) => [...s.matchAll(/component_id="([a-z_]+)"/g)].map((m) => m[1]);
        const watched = signalAlertRules().flatMap((r) => components(r.expr));
        const shown = SIGNAL_PANELS.flatMap(([, , expr]) => components(expr));
        for (const c of new Set(watched)) assert.ok(shown.includes(c), `no panel shows ${c}`);
    });

    it("is a dashboard of its own (uid apart from the fleet's), laid out without overlaps, for the sidecar", () => {
        const d = signalsDashboard() as { uid: string; panels: { id: number; gridPos: { x: number; y: number; w: number } }[] };
        assert.notEqual(d.uid, DASHBOARD_UID);
        const cells = d.panels.map((p) => `${p.gridPos.x},${p.gridPos.y}`);
        assert.equal(new Set(cells).size, cells.length);
        for (const p of d.panels) assert.ok(p.gridPos.x + p.gridPos.w <= 24);
        const cm = signalsDashboardConfigMap({ name: "vector-fleet-signals-dashboard", namespace: "monitoring" });
        assert.equal((cm.metadata.labels as Record<string, string>).grafana_dashboard, "1");
        assert.deepEqual(JSON.parse((cm.data as Record<string, string>)[SIGNALS_DASHBOARD_FILE]), d);
    });
});
