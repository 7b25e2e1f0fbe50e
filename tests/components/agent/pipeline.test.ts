import { strict as assert } from "node:assert";
import {
    AGENT_PATHS,
    AGENT_PORTS,
    AgentPipelineSettings,
    buildAgentPipeline,
    HOST_CPU_COUNT_GAUGES,
    identityLabels,
    KUBELET_CADVISOR_URL,
    logsEnrichVrl,
    metricsEnrichVrl,
} from "../../../components/agent/pipeline";
import { nodeExporterNamesVrl } from "../../../components/agent/node-exporter";
import { toToml } from "../../../components/vector/toml";
import { topologyProblems } from "../../../components/vector/topology";
import { AgentConfig, parseStackConfig } from "../../../config";
import { snapshots } from "../../support/snapshot";
import { sink, source, transform } from "../../support/vector";

const matchSnapshot = snapshots(__filename);

// ---- fixtures ---------------------------------------------------------------------------------

const P = "vector-fleet";
const SOURCE_STACK = { role: "source", cluster: "dev", environment: "development", region: "hel1", monitoringStack: "monitoring", kubeContext: "dev" };

/** The agent section exactly as config/stack.ts defaults it for a minimal source stack. */
function defaultAgentConfig(): AgentConfig {
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(SOURCE_STACK)) values[`${P}:${k}`] = v;
    return parseStackConfig({ values, isSecret: () => false, project: P, stack: "test" }).agent;
}

const ENDPOINT = "https://10.0.64.250:6000";
const REMOTE_WRITE = "https://10.0.64.250:9201/api/v1/write";

/** Settings the way components/agent/index.ts derives them from the parsed config. */
function settingsFrom(agent: AgentConfig): AgentPipelineSettings {
    return {
        cluster: { name: "dev", environment: "development", region: "hel1" },
        namespace: agent.namespace,
        excludedNamespaces: agent.excludedNamespaces,
        hostMetrics: agent.hostMetrics,
        maxMergedLineBytes: agent.maxMergedLineBytes,
        kubelet: agent.kubelet,
        extraLabels: agent.extraLabels,
        buffers: agent.buffers,
        aggregatorEndpoint: ENDPOINT,
        remoteWriteUrl: REMOTE_WRITE,
    };
}

const defaults = (): AgentPipelineSettings => settingsFrom(defaultAgentConfig());
const withOverrides = (o: Partial<AgentPipelineSettings>): AgentPipelineSettings => ({ ...defaults(), ...o });

const lines = (program: string) => program.split("\n").filter((l) => l.length > 0);

// ---- the whole pipeline -----------------------------------------------------------------------

describe("agent pipeline", () => {
    it("builds the full default pipeline", () => {
        // The whole config as Vector reads it, VRL included: a change shows as a diff of this file.
        matchSnapshot("defaults.vector.toml", toToml(buildAgentPipeline(defaults())));
    });

    it("puts the logs, node-exporter naming and metrics VRL programs in their remap transforms", () => {
        const s = defaults();
        const c = buildAgentPipeline(s);
        assert.equal(transform(c, "logs_enrich", "remap").source, logsEnrichVrl(s));
        assert.equal(transform(c, "node_exporter_names", "remap").source, nodeExporterNamesVrl());
        assert.equal(transform(c, "metrics_enrich", "remap").source, metricsEnrichVrl(s));
    });

    it("is wired as Vector would accept it, with and without the kubelet scrape", () => {
        assert.deepEqual(topologyProblems(buildAgentPipeline(defaults())), []);
        assert.deepEqual(topologyProblems(buildAgentPipeline(withOverrides({ kubelet: { enabled: false, scrapeIntervalSecs: 30 } }))), []);
    });

    it("is pure: same settings give the same config and TOML, and the settings are not mutated", () => {
        const s = withOverrides({ hostMetrics: { collectors: ["network", "cpu"], scrapeIntervalSecs: 15 }, excludedNamespaces: ["b", "a"] });
        const before = JSON.stringify(s);
        assert.deepEqual(buildAgentPipeline(s), buildAgentPipeline(s));
        assert.equal(toToml(buildAgentPipeline(s)), toToml(buildAgentPipeline(s)));
        assert.equal(JSON.stringify(s), before);
    });
});

// ---- sources ----------------------------------------------------------------------------------

describe("agent pipeline: kubernetes_logs", () => {
    const selector = (s: AgentPipelineSettings) => source(buildAgentPipeline(s), "kubernetes_logs", "kubernetes_logs").extra_namespace_label_selector;

    it("always excludes the agent's own namespace, even when no other namespace is excluded", () => {
        assert.equal(selector(withOverrides({ namespace: "observability", excludedNamespaces: [] })), "kubernetes.io/metadata.name notin (observability)");
    });

    it("adds the excluded namespaces, sorted, to its own", () => {
        assert.equal(
            selector(withOverrides({ excludedNamespaces: ["kube-system", "cert-manager"] })),
            "kubernetes.io/metadata.name notin (cert-manager,kube-system,vector-system)",
        );
    });

    it("lists the own namespace once when it is also excluded explicitly", () => {
        assert.equal(
            selector(withOverrides({ excludedNamespaces: ["vector-system", "default", "default"] })),
            "kubernetes.io/metadata.name notin (default,vector-system)",
        );
    });

    // vectordotdev/vector src/sources/kubernetes_logs/mod.rs: max_merged_line_bytes unset (None) merges
    // partial lines without limit; max_merged_line_action (0.58+, PR 25567; absent at v0.57.0) defaults
    // to drop, and truncate keeps the first max_merged_line_bytes. In truncate mode single lines up to
    // max_line_bytes (default 32 KiB, above the runtimes' 16 KiB pieces) still pass to the merger.
    it("caps merged lines at the configured size and truncates past it instead of dropping", () => {
        const k = source(buildAgentPipeline(withOverrides({ maxMergedLineBytes: 512 * 1024 })), "kubernetes_logs", "kubernetes_logs");
        assert.equal(k.auto_partial_merge, true);
        assert.equal(k.max_merged_line_bytes, 512 * 1024);
        assert.equal(k.max_merged_line_action, "truncate");
        assert.equal(k.max_line_bytes, undefined, "Vector's 32 KiB default holds a whole 16 KiB runtime piece");
        assert.equal(source(buildAgentPipeline(defaults()), "kubernetes_logs", "kubernetes_logs").max_merged_line_bytes, 128 * 1024);
    });

    it("merges partial lines and leaves self_node_name to the VECTOR_SELF_NODE_NAME env var", () => {
        const k = source(buildAgentPipeline(defaults()), "kubernetes_logs", "kubernetes_logs");
        assert.equal(k.auto_partial_merge, true);
        assert.ok(!("self_node_name" in k), "self_node_name would need ${} interpolation; the source reads the env var itself");
    });
});

describe("agent pipeline: host_metrics", () => {
    it("uses the configured collectors, sorted, and the configured interval", () => {
        const h = source(
            buildAgentPipeline(withOverrides({ hostMetrics: { collectors: ["tcp", "cpu", "cgroups"], scrapeIntervalSecs: 10 } })),
            "host_metrics",
            "host_metrics",
        );
        assert.deepEqual(h.collectors, ["cgroups", "cpu", "tcp"]);
        assert.equal(h.scrape_interval_secs, 10);
    });

    it("defaults to the node-exporter dashboard collectors every 30 s, in the host namespace", () => {
        const h = source(buildAgentPipeline(defaults()), "host_metrics", "host_metrics");
        assert.deepEqual(h.collectors, ["cpu", "disk", "load", "memory", "network"]);
        assert.equal(h.scrape_interval_secs, 30);
        assert.equal(h.namespace, "host");
    });

    // vectordotdev/vector src/sources/host_metrics/filesystem.rs: the mounts come from
    // heim::disk::partitions() (<PROCFS_ROOT>/mounts, a link to self/mounts: the agent's own mount
    // namespace) and each is measured with statvfs at that path as the agent sees it; FilesystemConfig
    // has only include/exclude filters, no rootfs prefix (vector issue #18231). So no setting makes
    // the collector describe the node's disks, and it is never run.
    it("never runs the filesystem collector, which would measure the agent container's mounts", () => {
        const h = source(buildAgentPipeline(defaults()), "host_metrics", "host_metrics");
        assert.ok(!h.collectors.includes("filesystem"));
        assert.equal(h.filesystem, undefined);
        assert.throws(
            () => buildAgentPipeline(withOverrides({ hostMetrics: { collectors: ["cpu", "filesystem"], scrapeIntervalSecs: 30 } })),
            /filesystem collector measures the agent container's mounts.*#18231/,
        );
    });

    it("leaves out pod network interfaces", () => {
        const h = source(buildAgentPipeline(defaults()), "host_metrics", "host_metrics");
        assert.deepEqual(h.network?.devices?.excludes, ["lo", "veth*", "cali*", "cilium*", "lxc*", "flannel*", "cni*", "vxlan*", "kube-ipvs*"]);
        assert.equal(h.network?.devices?.includes, undefined);
    });

    // node-exporter's default --collector.diskstats.device-exclude
    // (prometheus/node_exporter collector/diskstats_common.go, diskstatsDefaultIgnoredDevices).
    const NODE_EXPORTER_DISK_EXCLUDE = /^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$/;
    // Device names as /proc/diskstats spells them: whole disks, partitions, virtual devices.
    const DEVICES = [
        "sda",
        "sda1",
        "sdb12",
        "sdz3",
        "sdaa",
        "sdaa1",
        "vda",
        "vda1",
        "vdb15",
        "xvda",
        "xvda1",
        "hda",
        "hda2",
        "nvme0n1",
        "nvme0n1p1",
        "nvme10n2p13",
        "nvme0c0n1",
        "dm-0",
        "dm-12",
        "md0",
        "md127",
        "loop0",
        "loop17",
        "ram0",
        "ram15",
        "zram0",
        "fd0",
        "sr0",
        "mmcblk0",
        "mmcblk0p1",
        "nbd0",
        "rbd0",
    ];

    /**
     * host_metrics matches `disk.devices` with the Rust glob crate's Pattern::matches on the
     * /proc/diskstats name (vectordotdev/vector src/sources/host_metrics/mod.rs, FilterList and
     * PatternWrapper; disk.rs calls contains_path(device_name)): `*`, `?`, `[...]`, `[!...]`.
     */
    function globMatches(glob: string, name: string): boolean {
        let re = "^";
        for (let i = 0; i < glob.length; i++) {
            const c = glob[i];
            if (c === "*") re += ".*";
            else if (c === "?") re += ".";
            else if (c === "[") {
                let start = i + 1;
                const negated = glob[start] === "!";
                if (negated) start++;
                const end = glob.indexOf("]", start + 1);
                assert.ok(end > 0, `unclosed bracket in ${glob}`);
                re += `[${negated ? "^" : ""}${glob.slice(start, end).replace(/[\\\]^]/g, "\\$&")}]`;
                i = end;
            } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
        }
        return new RegExp(`${re}$`).test(name);
    }

    it("excludes exactly the disk devices node-exporter excludes by default (partitions, loop, ram, fd)", () => {
        const h = source(buildAgentPipeline(defaults()), "host_metrics", "host_metrics");
        const excludes = h.disk?.devices?.excludes ?? [];
        assert.equal(h.disk?.devices?.includes, undefined);
        for (const d of DEVICES) {
            assert.equal(
                excludes.some((g) => globMatches(g, d)),
                NODE_EXPORTER_DISK_EXCLUDE.test(d),
                `${d}: host_metrics and node-exporter disagree`,
            );
        }
        // The whole disks stay, so per-node sums count each byte once.
        for (const d of ["sda", "vda", "nvme0n1", "dm-0"]) assert.ok(!excludes.some((g) => globMatches(g, d)), d);
    });
});

describe("agent pipeline: kubelet cAdvisor scrape", () => {
    it("scrapes the kubelet on loopback with the service-account token from the secret backend", () => {
        const c = buildAgentPipeline(defaults());
        const k = source(c, "kubelet_cadvisor", "prometheus_scrape");
        assert.deepEqual(k.endpoints, [KUBELET_CADVISOR_URL]);
        assert.equal(KUBELET_CADVISOR_URL, "https://127.0.0.1:10250/metrics/cadvisor");
        assert.deepEqual(k.auth, { strategy: "bearer", token: "SECRET[serviceaccount.token]" });
        assert.deepEqual(c.secret?.serviceaccount, { type: "directory", path: AGENT_PATHS.serviceAccountDir, remove_trailing_whitespace: true });
        assert.equal(k.honor_labels, true);
    });

    it("verifies the kubelet certificate against the cluster CA; only the hostname check is off (dialled on loopback)", () => {
        const k = source(buildAgentPipeline(defaults()), "kubelet_cadvisor", "prometheus_scrape");
        assert.deepEqual(k.tls, { ca_file: "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt", verify_certificate: true, verify_hostname: false });
    });

    it("uses the configured interval with a timeout of half of it, at most 10 s", () => {
        for (const [interval, timeout] of [
            [10, 5],
            [15, 7.5],
            [20, 10],
            [30, 10],
            [120, 10],
        ]) {
            const k = source(
                buildAgentPipeline(withOverrides({ kubelet: { enabled: true, scrapeIntervalSecs: interval } })),
                "kubelet_cadvisor",
                "prometheus_scrape",
            );
            assert.equal(k.scrape_interval_secs, interval);
            assert.equal(k.scrape_timeout_secs, timeout, `interval ${interval}`);
        }
    });

    it("disabled: no kubelet source, no serviceaccount secret backend, and metrics_enrich does not read it", () => {
        const c = buildAgentPipeline(withOverrides({ kubelet: { enabled: false, scrapeIntervalSecs: 30 } }));
        assert.deepEqual(Object.keys(c.sources).sort(), ["heartbeat", "host_metrics", "internal_metrics", "kubernetes_logs"]);
        assert.deepEqual(c.secret, {
            agent: { type: "directory", path: "/etc/vector/secrets", remove_trailing_whitespace: true },
            node: { type: "directory", path: "/run/vector-node", remove_trailing_whitespace: true },
        });
        assert.deepEqual(transform(c, "metrics_enrich", "remap").inputs, ["node_exporter_names", "internal_metrics", "heartbeat_sent"]);
        assert.doesNotMatch(toToml(c), /serviceaccount|10250/);
    });
});

describe("agent pipeline: internal metrics and API", () => {
    it("collects its own metrics every 15 s, for Prometheus (enriched) and for the local exporter", () => {
        const c = buildAgentPipeline(defaults());
        assert.deepEqual(source(c, "internal_metrics", "internal_metrics"), { type: "internal_metrics", scrape_interval_secs: 15 });
        assert.ok(transform(c, "metrics_enrich", "remap").inputs.includes("internal_metrics"));
        assert.deepEqual(sink(c, "internal_metrics_exporter", "prometheus_exporter"), {
            type: "prometheus_exporter",
            inputs: ["internal_metrics"],
            address: `SECRET[node.ip]:${AGENT_PORTS.metrics}`,
        });
    });

    it("serves the API (health) on loopback only, as the agent shares the node's network", () => {
        assert.deepEqual(buildAgentPipeline(defaults()).api, { enabled: true, address: `127.0.0.1:${AGENT_PORTS.api}` });
    });

    it("keeps checkpoints and buffers in the data dir outside the read-only /var/lib mount", () => {
        const c = buildAgentPipeline(defaults());
        assert.equal(c.data_dir, AGENT_PATHS.dataDir);
        assert.ok(!c.data_dir.startsWith("/var/lib/") && !c.data_dir.startsWith("/var/log/"));
    });
});

// ---- sinks ------------------------------------------------------------------------------------

describe("agent pipeline: aggregator (vector) sink", () => {
    it("uses routing.endpoints, not the deprecated address, with an explicit https scheme", () => {
        const v = sink(
            buildAgentPipeline(withOverrides({ aggregatorEndpoint: "https://vector-aggregator.vector-aggregator.svc.cluster.local:6000" })),
            "aggregator",
            "vector",
        );
        assert.deepEqual(v.routing, { endpoints: ["https://vector-aggregator.vector-aggregator.svc.cluster.local:6000"] });
        assert.ok(!("address" in v));
        assert.match(v.routing.endpoints[0], /^https:\/\/[^/]+:\d+$/);
    });

    it("speaks mutual TLS with certificate and hostname verification", () => {
        const v = sink(buildAgentPipeline(defaults()), "aggregator", "vector");
        assert.deepEqual(v.tls, {
            enabled: true,
            ca_file: AGENT_PATHS.caFile,
            crt_file: AGENT_PATHS.clientCert,
            key_file: AGENT_PATHS.clientKey,
            verify_certificate: true,
            verify_hostname: true,
        });
    });

    it("compresses with a string codec (the boolean form is gone in 0.59)", () => {
        const v = sink(buildAgentPipeline(defaults()), "aggregator", "vector");
        assert.equal(typeof v.compression, "string");
        assert.equal(v.compression, "zstd");
    });

    it("buffers logs on disk and blocks when full, sized from the settings", () => {
        const v = sink(buildAgentPipeline(withOverrides({ buffers: { logsMaxBytes: 2 * 1024 ** 3, metricsMaxEvents: 50_000 } })), "aggregator", "vector");
        assert.deepEqual(v.buffer, { type: "disk", max_size: 2 * 1024 ** 3, when_full: "block" });
    });

    it("retries without a finite attempt count, so an outage never throws logs away", () => {
        const v = sink(buildAgentPipeline(defaults()), "aggregator", "vector");
        assert.ok(v.request);
        assert.ok(!("retry_attempts" in v.request));
    });
});

describe("agent pipeline: prometheus remote-write sink", () => {
    it("writes to the configured URL with the bearer token as a SECRET reference", () => {
        const p = sink(buildAgentPipeline(withOverrides({ remoteWriteUrl: "https://rw.example:9201/api/v1/write" })), "prometheus", "prometheus_remote_write");
        assert.equal(p.endpoint, "https://rw.example:9201/api/v1/write");
        assert.deepEqual(p.auth, { strategy: "bearer", token: `SECRET[agent.${AGENT_PATHS.tokenKey}]` });
        assert.equal(AGENT_PATHS.tokenKey, "remote_write_token");
    });

    it("presents the client certificate and verifies the aggregators' certificate and hostname", () => {
        const p = sink(buildAgentPipeline(defaults()), "prometheus", "prometheus_remote_write");
        assert.deepEqual(p.tls, {
            ca_file: "/etc/vector/config/ca.crt",
            crt_file: "/etc/vector/secrets/tls.crt",
            key_file: "/etc/vector/secrets/tls.key",
            verify_certificate: true,
            verify_hostname: true,
        });
    });

    it("buffers metrics in memory and drops the newest when full, sized from the settings", () => {
        const p = sink(
            buildAgentPipeline(withOverrides({ buffers: { logsMaxBytes: 268435488, metricsMaxEvents: 7000 } })),
            "prometheus",
            "prometheus_remote_write",
        );
        assert.deepEqual(p.buffer, { type: "memory", max_events: 7000, when_full: "drop_newest" });
    });

    it("turns off the GET healthcheck the receiver cannot answer", () => {
        assert.deepEqual(sink(buildAgentPipeline(defaults()), "prometheus", "prometheus_remote_write").healthcheck, { enabled: false });
    });
});

// ---- identity and VRL -------------------------------------------------------------------------

describe("agent pipeline: identity labels", () => {
    it("orders the extra labels sorted by name, then cluster, environment and region last", () => {
        assert.deepEqual(
            identityLabels({ cluster: { name: "dev", environment: "development", region: "hel1" }, extraLabels: { zeta: "z", team: "platform", alpha: "a" } }),
            [
                ["alpha", "a"],
                ["team", "platform"],
                ["zeta", "z"],
                ["cluster", "dev"],
                ["environment", "development"],
                ["region", "hel1"],
            ],
        );
    });

    it("writes the extra labels into log fields and metric tags", () => {
        const s = withOverrides({ extraLabels: { team: "platform", Cost_Center: "42" } });
        const logs = lines(logsEnrichVrl(s));
        const metrics = lines(metricsEnrichVrl(s));
        assert.deepEqual(logs.slice(-5), [
            '."Cost_Center" = "42"',
            '.team = "platform"',
            '.cluster = "dev"',
            '.environment = "development"',
            '.region = "hel1"',
        ]);
        assert.deepEqual(metrics.slice(-5), [
            '.tags."Cost_Center" = "42"',
            '.tags.team = "platform"',
            '.tags.cluster = "dev"',
            '.tags.environment = "development"',
            '.tags.region = "hel1"',
        ]);
    });

    it("escapes label values as VRL strings", () => {
        const s = withOverrides({ extraLabels: { owner: 'ops "core" \\ team' } });
        assert.ok(lines(logsEnrichVrl(s)).includes('.owner = "ops \\"core\\" \\\\ team"'));
        assert.ok(lines(metricsEnrichVrl(s)).includes('.tags.owner = "ops \\"core\\" \\\\ team"'));
    });

    it("refuses a label value with a brace rather than emit VRL that means something else", () => {
        assert.throws(() => buildAgentPipeline(withOverrides({ extraLabels: { team: "{{ x }}" } })), /brace/);
    });

    // Was a bug: pipeline.ts:70-77 appends extraLabels after cluster/environment/region, and config/stack.ts:106
    // accepts any label name, so `extraLabels: { cluster: "prod" }` is assigned after the identity and
    // relabels every log and metric of the cluster; the VRL comment "Identity last, so nothing above can
    // overwrite it" promises the opposite. The identity must win (or the name be refused).
    it("never lets an extra label overwrite the cluster identity", () => {
        const s = withOverrides({ extraLabels: { cluster: "prod", region: "nbg1" } });
        const last = (program: string, prefix: string) =>
            lines(program)
                .filter((l) => l.startsWith(prefix))
                .pop();
        assert.equal(last(logsEnrichVrl(s), ".cluster = "), '.cluster = "dev"');
        assert.equal(last(logsEnrichVrl(s), ".region = "), '.region = "hel1"');
        assert.equal(last(metricsEnrichVrl(s), ".tags.cluster = "), '.tags.cluster = "dev"');
    });
});

describe("agent pipeline: logs VRL", () => {
    const program = () => logsEnrichVrl({ cluster: { name: "dev", environment: "development", region: "hel1" }, extraLabels: {} });

    it("merges JSON lines only when they parse to an object, keeping non-JSON lines as they are", () => {
        const l = lines(program()).map((x) => x.trim());
        const at = (s: string) => {
            const i = l.indexOf(s);
            assert.ok(i >= 0, `missing: ${s}`);
            return i;
        };
        const order = [
            "if is_string(.message) {",
            "parsed, err = parse_json(.message)",
            "if err == null {",
            "fields, not_object = object(parsed)",
            "if not_object == null {",
            ". = merge(., fields)",
        ].map(at);
        assert.deepEqual(
            order,
            [...order].sort((a, b) => a - b),
        );
        assert.ok(l.includes("if fields.message == null && is_string(fields.msg) { .message = fields.msg }"));
    });

    it("parses RFC 3339 application timestamps and falls back to the runtime's timestamp", () => {
        const p = program();
        assert.ok(p.includes("\nruntime_timestamp = .timestamp\n"));
        assert.ok(p.includes('  ts, err = parse_timestamp(.timestamp, "%+")\n  .timestamp = if err == null { ts } else { runtime_timestamp }\n'));
        assert.ok(p.includes("} else if !is_timestamp(.timestamp) {\n  .timestamp = runtime_timestamp\n}"));
    });

    // vectordotdev/vector src/sources/kubernetes_logs/parser/cri.rs: the source sets the event's
    // timestamp (log_schema's timestamp_key, LegacyKey::Overwrite) from the CRI line's own RFC 3339
    // timestamp with nanoseconds, "the timestamp of when the runtime processed this message". That
    // value, read before anything the line could change, is what the aggregators' dedupe compares.
    it("keeps the runtime's timestamp, read before the merge, in runtime_timestamp for the dedupe", () => {
        const l = lines(program()).map((x) => x.trim());
        const read = l.indexOf("runtime_timestamp = .timestamp");
        const merge = l.indexOf(". = merge(., fields)");
        const kept = l.indexOf(".runtime_timestamp = runtime_timestamp");
        assert.ok(read >= 0 && merge > read && kept > merge, "read before the merge, written after it");
        // Nothing between the merge and the write may reassign the variable.
        assert.ok(!l.slice(read + 1).some((x) => /^runtime_timestamp\s*=/.test(x)));
    });

    it("normalises severity from severity, level or lvl, defaulting to info", () => {
        const p = program();
        assert.ok(p.includes("raw_severity = .severity\nif raw_severity == null { raw_severity = .level }\nif raw_severity == null { raw_severity = .lvl }\n"));
        assert.ok(p.includes('sev = downcase(to_string(raw_severity) ?? "")\n'));
        for (const [from, to] of [
            ['includes(["trace"], sev)', '"trace"'],
            ['includes(["debug", "dbug", "dbg"], sev)', '"debug"'],
            ['starts_with(sev, "warn")', '"warning"'],
            ['includes(["err", "eror", "error"], sev)', '"error"'],
            ['includes(["crit", "critical", "fatal", "panic", "alert", "emerg", "emergency"], sev)', '"critical"'],
        ]) {
            assert.ok(p.includes(`${from} {\n  ${to}\n}`), from);
        }
        assert.ok(p.includes('} else {\n  "info"\n}\n'));
    });

    it("flattens the Kubernetes metadata into namespace/pod/container/node/labels and drops the rest", () => {
        assert.ok(
            program().includes(
                ".namespace = k8s.pod_namespace\n.pod = k8s.pod_name\n.container = k8s.container_name\n.node = k8s.pod_node_name\n.labels = k8s.pod_labels\ndel(.kubernetes)\n",
            ),
        );
    });

    // VRL semantics (vectordotdev/vrl src/stdlib/merge.rs): merge(to, from) is shallow by default and
    // a key present in both takes `from`'s value, so after `. = merge(., fields)` a JSON line's
    // top-level `kubernetes`, `namespace` or `pod` replaces the source's. VRL runs statements in
    // order and `k8s = .kubernetes` copies the value, so reading it before the merge and assigning
    // the identity fields after it is what makes the source's metadata win.
    it("takes the Kubernetes metadata before the merge and assigns the identity fields after it", () => {
        const l = lines(program()).map((x) => x.trim());
        const at = (stmt: string) => {
            const i = l.indexOf(stmt);
            assert.ok(i >= 0, `missing: ${stmt}`);
            return i;
        };
        const snapshot = at("k8s = .kubernetes");
        const merge = at(". = merge(., fields)");
        assert.ok(snapshot < merge, "metadata read before the merge");
        // After the merge, .kubernetes is whatever the line said: it is only ever deleted, never read.
        for (const x of l.slice(merge + 1)) assert.ok(!/\.kubernetes\b/.test(x) || x === "del(.kubernetes)", `reads .kubernetes after the merge: ${x}`);
        // And every field Loki labels, sampling and dedupe use is assigned after the merge, last time from k8s.
        for (const [field, from] of [
            ["namespace", "pod_namespace"],
            ["pod", "pod_name"],
            ["container", "container_name"],
            ["node", "pod_node_name"],
            ["labels", "pod_labels"],
        ]) {
            const assignments = l.map((x, i) => [x, i] as const).filter(([x]) => x.startsWith(`.${field} = `));
            assert.equal(assignments.length, 1, field);
            assert.equal(assignments[0][0], `.${field} = k8s.${from}`);
            assert.ok(assignments[0][1] > merge, `${field} assigned after the merge`);
        }
    });

    it("writes the identity last, after everything an application could set", () => {
        const l = lines(program());
        assert.deepEqual(l.slice(-4), [
            "# Identity last, so nothing above can overwrite it.",
            '.cluster = "dev"',
            '.environment = "development"',
            '.region = "hel1"',
        ]);
    });
});

describe("agent pipeline: metrics VRL", () => {
    it("is exactly the documented program", () => {
        assert.equal(
            metricsEnrichVrl({ cluster: { name: "dev", environment: "development", region: "hel1" }, extraLabels: { team: "platform" } }),
            [
                "# host_metrics' CPU counts are gauges of their own; node-exporter has no such series.",
                'if .namespace == "host" && includes(["logical_cpus", "physical_cpus"], .name) {',
                "  abort",
                "}",
                "# The node name comes from the downward API; host_metrics' own host tag is the hostname.",
                '.tags.node = get_env_var("VECTOR_SELF_NODE_NAME") ?? .tags.host',
                "# shipper tells these series from node-exporter's during a migration; vector_role tells agent from aggregator.",
                '.tags.shipper = "vector"',
                'if .namespace == "vector" { .tags.vector_role = "agent" }',
                '.tags.team = "platform"',
                '.tags.cluster = "dev"',
                '.tags.environment = "development"',
                '.tags.region = "hel1"',
                "",
            ].join("\n"),
        );
    });

    // vectordotdev/vector src/sources/host_metrics/cpu.rs: cpu_seconds_total carries only the
    // idle/io_wait/nice/system/user modes; the counts are gauges named LOGICAL_CPUS ("logical_cpus")
    // and PHYSICAL_CPUS ("physical_cpus") with no tags, in the source's namespace ("host" here).
    it("drops the CPU-count gauges by name (aborted events are dropped, not passed on)", () => {
        assert.deepEqual([...HOST_CPU_COUNT_GAUGES], ["logical_cpus", "physical_cpus"]);
        const c = buildAgentPipeline(defaults());
        assert.equal(source(c, "host_metrics", "host_metrics").namespace, "host");
        const m = transform(c, "metrics_enrich", "remap");
        assert.match(m.source, /^if \.namespace == "host" && includes\(\["logical_cpus", "physical_cpus"\], \.name\) \{\n {2}abort\n\}$/m);
        assert.doesNotMatch(m.source, /\.tags\.mode/, "the counts never come as a mode of cpu_seconds_total");
        assert.equal(m.drop_on_abort, true);
        assert.equal(m.drop_on_error, false);
        // node_exporter_names leaves them in the host namespace, so the check above still sees them.
        assert.doesNotMatch(nodeExporterNamesVrl(), /logical_cpus|physical_cpus/);
    });

    it("never drops a log event on error or abort by default (no abort in the logs program)", () => {
        const l = transform(buildAgentPipeline(defaults()), "logs_enrich", "remap");
        assert.equal(l.drop_on_error, false);
        assert.doesNotMatch(l.source, /\babort\b/);
    });
});

// ---- the rendered TOML ------------------------------------------------------------------------

describe("agent pipeline: rendered TOML", () => {
    const variants: [string, AgentPipelineSettings][] = [
        ["defaults", defaults()],
        ["kubelet off", withOverrides({ kubelet: { enabled: false, scrapeIntervalSecs: 30 } })],
        ["extra labels", withOverrides({ extraLabels: { team: "platform", Cost_Center: "42" }, excludedNamespaces: ["kube-system"] })],
    ];

    it("contains no ${ anywhere (env interpolation is off since 0.57)", () => {
        for (const [name, s] of variants) assert.ok(!toToml(buildAgentPipeline(s)).includes("${"), name);
    });

    it("holds no credentials: only SECRET[...] references to declared backends", () => {
        for (const [name, s] of variants) {
            const c = buildAgentPipeline(s);
            const toml = toToml(c);
            assert.doesNotMatch(toml, /BEGIN|PRIVATE KEY|Bearer /, name);
            for (const m of toml.matchAll(/^(token|password|key_pass)\s*=\s*(.*)$/gm))
                assert.match(m[2], /^"SECRET\[[a-z_]+\.[a-z0-9_.\-/]+\]"$/, `${name}: ${m[0]}`);
            const backends = new Set(Object.keys(c.secret ?? {}));
            for (const m of toml.matchAll(/SECRET\[([^.\]]+)\./g)) assert.ok(backends.has(m[1]), `${name}: SECRET backend ${m[1]} is not declared`);
            for (const b of backends) assert.match(b, /^[a-z_]+$/, "backend names without hyphens");
        }
    });

    it("references only files under the mounted config, secrets and service-account directories", () => {
        const toml = toToml(buildAgentPipeline(defaults()));
        const files = [...toml.matchAll(/^(?:ca_file|crt_file|key_file) = "([^"]+)"$/gm)].map((m) => m[1]);
        assert.ok(files.length >= 7, files.join(", "));
        for (const f of files) {
            assert.ok(
                [AGENT_PATHS.configDir, AGENT_PATHS.secretsDir, AGENT_PATHS.serviceAccountDir].some((d) => f.startsWith(`${d}/`)),
                f,
            );
        }
    });
});
