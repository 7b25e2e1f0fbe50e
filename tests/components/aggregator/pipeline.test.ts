import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import {
    AGGREGATOR_PATHS,
    AGGREGATOR_PORTS,
    aggregatorMetricsVrl,
    AggregatorPipelineSettings,
    agentPorts,
    bindIdentityVrl,
    buildAggregatorPipeline,
    impersonationCondition,
    remoteWriteAuthVrl,
    LIMITED_BATCH_MAX_EVENTS,
    MAX_SAMPLE_AHEAD_SECS,
    metricRateLimit,
    sampleAgeCondition,
    sampleRateVrl,
} from "../../../components/aggregator/pipeline";
import { logsEnrichVrl } from "../../../components/agent/pipeline";
import { tokenSha256 } from "../../../components/identity";
import { GrpcKeepalive, HttpKeepalive, ServerTls } from "../../../components/vector/model";
import { MIN_VECTOR_VERSION, VECTOR_VERSION } from "../../../config/versions";
import { toToml } from "../../../components/vector/toml";
import { topologyProblems } from "../../../components/vector/topology";
import { snapshots } from "../../support/snapshot";
import { errorsOf, validateVectorConfig } from "../../../tools/validate";
import { sink, source, transform, upstreamOf } from "../../support/vector";

const matchSnapshot = snapshots(__filename);
import { HubConfig, parseStackConfig } from "../../../config";
import { DEFAULT_MAX_SAMPLE_AGE_SECS, MIN_DISK_BUFFER_BYTES, minMetricsBufferBytes, OWN_METRICS_BUFFER_BYTES } from "../../../config/stack";
import { MINIMAL_HUB, rawConfig } from "../../support/stack-values";

// ---- fixtures ---------------------------------------------------------------------------------

const HUB_STACK = MINIMAL_HUB;

/** The hub config exactly as config/stack.ts defaults it. */
function hubConfig(): HubConfig {
    const c = parseStackConfig(rawConfig(HUB_STACK));
    assert.equal(c.role, "hub");
    return c;
}

/** Settings the way components/aggregator/index.ts derives them from the parsed config. */
function defaults(): AggregatorPipelineSettings {
    const c = hubConfig();
    const s = c.aggregator;
    return {
        cluster: c.cluster,
        loki: s.loki,
        prometheusRemoteWriteUrl: s.prometheus.remoteWriteUrl,
        sampling: s.sampling,
        dedupeCacheEvents: s.dedupeCacheEvents,
        buffers: s.buffers,
        agents: c.agentIdentities,
    };
}
const withOverrides = (o: Partial<AggregatorPipelineSettings>): AggregatorPipelineSettings => ({ ...defaults(), ...o });

/** What the cluster's own stack exports for a token (components/identity): node's lowercase hex SHA-256. */
const DEV_SHA256 = tokenSha256("dev-token");
/** One agent cluster, for whole-object expectations. */
const DEV = { name: "dev", environment: "development", region: "hel1", slot: 1, tokenSha256: [DEV_SHA256] };
const ids = (...names: string[]) => names.map((name, i) => ({ name, slot: i + 1 }));

const SERVER_TLS: ServerTls = {
    enabled: true,
    ca_file: "/etc/vector/tls/client-ca-dev.crt",
    crt_file: "/etc/vector/tls/tls.crt",
    key_file: "/etc/vector/tls/tls.key",
    verify_certificate: true,
};

// ---- the whole pipeline -----------------------------------------------------------------------

describe("aggregator pipeline", () => {
    it("builds the full default pipeline", () => {
        // The whole config as Vector reads it, VRL included: a change shows as a diff of this file.
        matchSnapshot("defaults-one-agent.vector.toml", toToml(buildAggregatorPipeline(withOverrides({ agents: [DEV] }))));
    });

    it("places each VRL program where it belongs", () => {
        const s = defaults();
        const c = buildAggregatorPipeline(s);
        assert.equal(transform(c, "sample_rate", "remap").source, sampleRateVrl(s.sampling));
        assert.equal(transform(c, "logs_finalize", "remap").source, "del(.sample_n)\ndel(.runtime_timestamp)\n");
        assert.equal(transform(c, "aggregator_metrics_enrich", "remap").source, aggregatorMetricsVrl(s.cluster));
        for (const a of s.agents) {
            assert.deepEqual(source(c, `remote_write_${a.name}`, "prometheus_remote_write").auth, {
                strategy: "custom",
                source: remoteWriteAuthVrl(a.tokenSha256),
            });
            assert.equal(transform(c, `bind_logs_${a.name}`, "remap").source, bindIdentityVrl("logs", a));
            assert.equal(transform(c, `bind_metrics_${a.name}`, "remap").source, bindIdentityVrl("metrics", a));
            assert.deepEqual(transform(c, `identity_logs_${a.name}`, "route").route, { impersonating: impersonationCondition("logs", a.name) });
            assert.deepEqual(transform(c, `identity_metrics_${a.name}`, "route").route, { impersonating: impersonationCondition("metrics", a.name) });
        }
    });

    it("is wired as Vector would accept it for any sampling and cluster list", () => {
        const samplings: Record<string, number>[] = [{}, { a: 2 }, { a: 2, b: 3, c: 1 }];
        for (const sampling of samplings) {
            for (const agents of [[], ids("dev"), ids("dev", "staging", "monitoring")]) {
                assert.deepEqual(topologyProblems(buildAggregatorPipeline(withOverrides({ sampling, agents }))), [], JSON.stringify({ sampling, agents }));
            }
        }
    });

    it("is pure: same settings, same config and TOML; the settings are not mutated", () => {
        const s = withOverrides({ agents: ids("staging", "dev"), sampling: { b: 2, a: 3 } });
        const before = JSON.stringify(s);
        assert.deepEqual(buildAggregatorPipeline(s), buildAggregatorPipeline(s));
        assert.equal(toToml(buildAggregatorPipeline(s)), toToml(buildAggregatorPipeline(s)));
        assert.equal(JSON.stringify(s), before);
    });

    it("listens for the API on every interface (probed through the pod IP) and keeps its data on the volume", () => {
        const c = buildAggregatorPipeline(defaults());
        assert.deepEqual(c.api, { enabled: true, address: `0.0.0.0:${AGGREGATOR_PORTS.api}` });
        assert.equal(c.data_dir, AGGREGATOR_PATHS.dataDir);
    });
});

// ---- sources ----------------------------------------------------------------------------------

describe("aggregator pipeline: sources", () => {
    it("accepts each cluster's logs on its own vector port only with a client certificate from that cluster's CA", () => {
        const a = source(buildAggregatorPipeline(withOverrides({ agents: [DEV] })), "agents_dev", "vector");
        assert.equal(a.address, `0.0.0.0:${agentPorts(1).vector}`);
        assert.deepEqual(a.tls, SERVER_TLS);
        assert.equal(a.tls.verify_certificate, true);
    });

    it("recycles agent connections every 5 minutes so the load balancer spreads them again", () => {
        const c = buildAggregatorPipeline(withOverrides({ agents: [DEV] }));
        assert.deepEqual(source(c, "agents_dev", "vector").keepalive, { max_connection_age_secs: 300, max_connection_age_grace_secs: 30 });
        assert.deepEqual(source(c, "remote_write_dev", "prometheus_remote_write").keepalive, {
            max_connection_age_secs: 300,
            max_connection_age_jitter_factor: 0.1,
        });
    });

    // Both structs are `#[serde(deny_unknown_fields)]`: one unknown key and Vector refuses the config.
    // Their fields in every release from v0.57.0 to the pinned one (main of 2026-08-21, and the 0.58.0 and
    // 0.59.0 release notes, which add only `tcp_keepalive` to the HTTP struct in 0.59): the gRPC
    // jitter exists only on an unmerged pull request branch.
    const GRPC_KEEPALIVE_FIELDS = ["max_connection_age_secs", "max_connection_age_grace_secs"]; // vectordotdev/vector src/sources/util/grpc/mod.rs, GrpcKeepaliveConfig
    const HTTP_KEEPALIVE_FIELDS = ["max_connection_age_secs", "max_connection_age_jitter_factor"]; // vectordotdev/vector src/http.rs, KeepaliveConfig
    it("cannot type one source's keepalive field into the other's (checked by tsc)", () => {
        // @ts-expect-error GrpcKeepaliveConfig has no jitter factor
        const grpc: GrpcKeepalive = { max_connection_age_secs: 300, max_connection_age_jitter_factor: 0.1 };
        // @ts-expect-error the HTTP KeepaliveConfig has no grace period
        const http: HttpKeepalive = { max_connection_age_secs: 300, max_connection_age_grace_secs: 30 };
        assert.ok(grpc && http);
    });

    it("gives each source only the keepalive fields its own struct has (gRPC for vector, HTTP for remote write)", () => {
        const c = buildAggregatorPipeline(withOverrides({ agents: [DEV] }));
        const grpc = source(c, "agents_dev", "vector").keepalive ?? {};
        const http = source(c, "remote_write_dev", "prometheus_remote_write").keepalive ?? {};
        for (const k of Object.keys(grpc)) assert.ok(GRPC_KEEPALIVE_FIELDS.includes(k), `vector source keepalive.${k} is not a GrpcKeepaliveConfig field`);
        for (const k of Object.keys(http))
            assert.ok(HTTP_KEEPALIVE_FIELDS.includes(k), `prometheus_remote_write keepalive.${k} is not a KeepaliveConfig field`);
        // KeepaliveConfig: #[configurable(validation(range(min = 0.0, max = 1.0)))] on the jitter factor.
        const f = http.max_connection_age_jitter_factor ?? 0;
        assert.ok(f >= 0 && f <= 1);
        assert.match(toToml(c), /\[sources\.agents_dev\.keepalive\]\nmax_connection_age_grace_secs = 30\nmax_connection_age_secs = 300\n\n/);
    });

    it("accepts each cluster's remote write on its own port with that cluster's client CA and its token only", () => {
        const r = source(buildAggregatorPipeline(withOverrides({ agents: [DEV] })), "remote_write_dev", "prometheus_remote_write");
        assert.equal(r.address, `0.0.0.0:${agentPorts(1).remoteWrite}`);
        assert.equal(r.path, "/api/v1/write");
        assert.deepEqual(r.tls, SERVER_TLS);
        assert.deepEqual(r.auth, { strategy: "custom", source: remoteWriteAuthVrl([DEV_SHA256]) });
    });

    it("holds no token and reads no secret backend: the config carries the tokens' digests only", () => {
        const c = buildAggregatorPipeline(defaults());
        assert.equal(c.secret, undefined);
        assert.doesNotMatch(toToml(c), /SECRET\[/);
    });
});

describe("aggregator pipeline: remote-write auth VRL", () => {
    it("has no agent source when no cluster may send", () => {
        const c = buildAggregatorPipeline(withOverrides({ agents: [] }));
        assert.deepEqual(Object.keys(c.sources), ["internal_metrics"]);
    });

    it("compares the SHA-256 of the bearer token, as lowercase hex, with the cluster's own digests", () => {
        // vectordotdev/vrl src/stdlib/sha2.rs: sha2(value, variant: "SHA-256") is hex::encode of the
        // digest, i.e. lowercase hex, which is what node's digest("hex") writes for the same bytes.
        assert.equal(DEV_SHA256, createHash("sha256").update("dev-token").digest("hex"));
        assert.match(DEV_SHA256, /^[0-9a-f]{64}$/);
        assert.equal(
            remoteWriteAuthVrl([DEV_SHA256]),
            'auth = string(.headers.authorization) ?? ""\n' +
                'digest = sha2(slice(auth, 7) ?? "", variant: "SHA-256")\n' +
                `starts_with(auth, "Bearer ") && (digest == "${DEV_SHA256}")\n`,
        );
        // The token is what follows "Bearer " (7 characters): the agent sends `Authorization: Bearer <token>`.
        assert.equal("Bearer ".length, 7);
    });

    it("handles every error, so the program compiles: a missing header is null, slice is always fallible", () => {
        // vectordotdev/vector src/common/http/server_auth.rs: compiled with vector_vrl_functions::all()
        // (which chains vrl::stdlib::all(), lib/vector-vrl/functions/src/lib.rs, so sha2 exists) and
        // refused unless the result is a boolean. An unhandled fallible call fails compilation (E103);
        // string() is fallible for a non-string argument (vrl src/stdlib/string.rs), slice() always
        // (src/stdlib/slice.rs); sha2 and starts_with are infallible on strings.
        const program = remoteWriteAuthVrl([DEV_SHA256]);
        assert.match(program, /string\(\.headers\.authorization\) \?\? ""/);
        assert.match(program, /slice\(auth, 7\) \?\? ""/);
        assert.doesNotMatch(program, /!\(/, "no abort-on-error calls: a bad request must be refused, not crash the program");
    });

    it("accepts both digests while a rotation is in progress, and nothing at all for a pending cluster", () => {
        const next = tokenSha256("dev-token-g1");
        assert.match(remoteWriteAuthVrl([next, DEV_SHA256]), new RegExp(`digest == "${next}" \\|\\| digest == "${DEV_SHA256}"`));
        assert.equal(remoteWriteAuthVrl([]), "false\n");
        const c = buildAggregatorPipeline(
            withOverrides({
                agents: [
                    { ...DEV, tokenSha256: [next, DEV_SHA256] },
                    { name: "staging", slot: 2 },
                ],
            }),
        );
        assert.deepEqual(source(c, "remote_write_dev", "prometheus_remote_write").auth, { strategy: "custom", source: remoteWriteAuthVrl([next, DEV_SHA256]) });
        assert.deepEqual(source(c, "remote_write_staging", "prometheus_remote_write").auth, { strategy: "custom", source: "false\n" });
    });

    it("refuses a digest that is not lowercase hex SHA-256, which could never match", () => {
        assert.throws(() => remoteWriteAuthVrl([DEV_SHA256.toUpperCase()]), /not a lowercase hex SHA-256/);
        assert.throws(() => remoteWriteAuthVrl(['" || true || "']), /not a lowercase hex SHA-256/);
    });
});

// ---- log path ---------------------------------------------------------------------------------

describe("aggregator pipeline: per-cluster log limit", () => {
    it("throttles a limited cluster's logs on its own path, after its identity is bound and before the shared path", () => {
        const c = buildAggregatorPipeline(
            withOverrides({
                agents: [
                    { ...DEV, logEventsPerSec: 300 },
                    { name: "staging", slot: 2 },
                ],
            }),
        );
        // vectordotdev/vector src/transforms/throttle: `threshold` events per `window_secs`, logs only.
        assert.deepEqual(transform(c, "throttle_logs_dev", "throttle"), { type: "throttle", inputs: ["bind_logs_dev"], threshold: 3000, window_secs: 10 });
        assert.deepEqual(transform(c, "route_logs", "route").inputs, ["throttle_logs_dev", "bind_logs_staging"]);
        assert.equal(c.transforms.throttle_logs_staging, undefined);
        assert.deepEqual(topologyProblems(c), []);
    });

    it("has no throttle when no limit is set", () => {
        const c = buildAggregatorPipeline(withOverrides({ agents: [DEV] }));
        assert.deepEqual(
            Object.values(c.transforms).filter((t) => t.type === "throttle"),
            [],
        );
    });
});

describe("aggregator pipeline: log path", () => {
    it("routes pod logs through dedupe and sampling, and anything else straight to Loki", () => {
        const c = buildAggregatorPipeline(withOverrides({ agents: [DEV] }));
        const r = transform(c, "route_logs", "route");
        assert.deepEqual(r.route, { kubernetes: "is_string(.namespace) && is_string(.pod)" });
        assert.equal(r.reroute_unmatched, true);
        assert.deepEqual(transform(c, "dedupe_logs", "dedupe").inputs, ["route_logs.kubernetes"]);
        assert.deepEqual(sink(c, "loki", "loki").inputs, ["logs_finalize", "route_logs._unmatched"]);
    });

    it("deduplicates on cluster, namespace, pod, container, message and both timestamps with the configured cache", () => {
        const d = transform(buildAggregatorPipeline(withOverrides({ dedupeCacheEvents: 123_456 })), "dedupe_logs", "dedupe");
        assert.deepEqual(d.fields, { match: ["cluster", "namespace", "pod", "container", "message", "timestamp", "runtime_timestamp"] });
        assert.deepEqual(d.cache, { num_events: 123_456 });
    });

    // Was a bug: pipeline.ts:130 matches duplicates without `timestamp`, so a line a pod legitimately repeats
    // (a health-check access log, a retry warning) is dropped for as long as it stays among the last
    // `dedupeCacheEvents` events; on a quiet pod that is forever. Redelivered batches (what dedupe is
    // for) carry the original timestamp, so matching on it loses nothing. Vector's own default match
    // list includes timestamp.
    it("keeps a line the same pod repeats at a later time (timestamp is part of the match)", () => {
        const d = transform(buildAggregatorPipeline(defaults()), "dedupe_logs", "dedupe");
        assert.ok("match" in d.fields);
        if ("match" in d.fields) assert.ok(d.fields.match.includes("timestamp"), d.fields.match.join(", "));
    });

    // Was a bug (issue 14, item 6): the agent replaces .timestamp with the application's, often whole
    // seconds, so two equal lines in one second matched. vectordotdev/vector src/transforms/dedupe:
    // events are duplicates when every `match` field is equal; the agent's runtime_timestamp is the
    // CRI line's nanosecond timestamp (src/sources/kubernetes_logs/parser/cri.rs), unique per line of a
    // container and unchanged when the agent re-sends the line after a restart.
    it("tells two equal lines of one second apart by the runtime's nanosecond timestamp the agent keeps", () => {
        const d = transform(buildAggregatorPipeline(defaults()), "dedupe_logs", "dedupe");
        assert.ok("match" in d.fields && d.fields.match.includes("runtime_timestamp"));
        assert.match(logsEnrichVrl({ cluster: defaults().cluster, extraLabels: {} }), /^\.runtime_timestamp = runtime_timestamp$/m);
        // Loki gets the line without it.
        assert.match(transform(buildAggregatorPipeline(defaults()), "logs_finalize", "remap").source, /^del\(\.runtime_timestamp\)$/m);
    });

    it("samples each namespace at its own rate from sample_n, keeping everything by default", () => {
        const c = buildAggregatorPipeline(defaults());
        assert.deepEqual(transform(c, "sample_logs", "sample"), {
            type: "sample",
            inputs: ["sample_rate"],
            rate: 1,
            rate_field: "sample_n",
            group_by: "{{ namespace }}",
            sample_rate_key: "",
        });
        assert.ok(!("key_field" in transform(c, "sample_logs", "sample")), "key_field cannot be combined with rate_field");
        assert.deepEqual(transform(c, "logs_finalize", "remap"), {
            type: "remap",
            inputs: ["sample_logs"],
            source: "del(.sample_n)\ndel(.runtime_timestamp)\n",
            drop_on_error: false,
        });
    });

    // vectordotdev/vector src/transforms/sample/config.rs: sample_rate_key is an OptionalValuePath
    // defaulting to "sample_rate" (default_sample_rate_key), and transform.rs writes the rate there
    // with LegacyKey::Overwrite, replacing an application's own `sample_rate`. lib/vector-lookup
    // src/lookup_v2/optional_path.rs: the empty string deserialises to None, and None writes nothing.
    // Same field and default at v0.57.0.
    it("writes no sample_rate into kept events (the empty key path turns it off)", () => {
        const t = transform(buildAggregatorPipeline(defaults()), "sample_logs", "sample");
        assert.equal(t.sample_rate_key, "");
        assert.match(toToml(buildAggregatorPipeline(defaults())), /^sample_rate_key = ""$/m);
    });

    // vectordotdev/vector src/transforms/sample/config.rs: group_by is an UnconfinedTemplate; only sinks
    // confine templates (0.57 upgrade guide, "Template confinement for sink routing templates").
    it("groups by a bare namespace template, which transforms do not confine", () => {
        assert.equal(transform(buildAggregatorPipeline(defaults()), "sample_logs", "sample").group_by, "{{ namespace }}");
    });
});

describe("aggregator pipeline: sampling VRL", () => {
    it("keeps everything when no namespace is sampled", () => {
        assert.equal(sampleRateVrl({}), ".sample_n = 1\n");
    });

    it("ignores namespaces sampled at 1 (keep all)", () => {
        assert.equal(sampleRateVrl({ a: 1, b: 1 }), ".sample_n = 1\n");
    });

    it("sets one namespace's rate", () => {
        assert.equal(sampleRateVrl({ "kube-system": 10 }), '.sample_n = if .namespace == "kube-system" {\n  10\n} else {\n  1\n}\n');
    });

    it("sets several namespaces' rates, sorted by namespace", () => {
        assert.equal(
            sampleRateVrl({ "kube-system": 10, "ingress-nginx": 5, default: 1, argocd: 2 }),
            [
                '.sample_n = if .namespace == "argocd" {',
                "  2",
                '} else if .namespace == "ingress-nginx" {',
                "  5",
                '} else if .namespace == "kube-system" {',
                "  10",
                "} else {",
                "  1",
                "}",
                "",
            ].join("\n"),
        );
    });

    it("uses the default sampling (ingress-nginx 1 in 5, kube-system 1 in 10)", () => {
        assert.deepEqual(defaults().sampling, { "ingress-nginx": 5, "kube-system": 10 });
        assert.equal(
            transform(buildAggregatorPipeline(defaults()), "sample_rate", "remap").source,
            '.sample_n = if .namespace == "ingress-nginx" {\n  5\n} else if .namespace == "kube-system" {\n  10\n} else {\n  1\n}\n',
        );
    });
});

// ---- sinks ------------------------------------------------------------------------------------

describe("aggregator pipeline: Loki sink", () => {
    it("labels streams from event fields, sorted by label name", () => {
        const l = sink(
            buildAggregatorPipeline(
                withOverrides({ loki: { endpoint: "http://loki:3100", labels: { team: "labels.team", app: "kubernetes.pod_labels.app" } } }),
            ),
            "loki",
            "loki",
        );
        assert.deepEqual(l.labels, { app: "{{ kubernetes.pod_labels.app }}", team: "{{ labels.team }}" });
        assert.deepEqual(Object.keys(l.labels), ["app", "team"]);
        assert.equal(l.endpoint, "http://loki:3100");
    });

    /**
     * Vector's build-time confinement of one sink template (vectordotdev/vector
     * src/template/confinement.rs, ConfinementChecker::for_template, and src/template/unconfined.rs):
     * a template with no `{{ field }}` reference is never checked; one with references needs a literal
     * prefix (the text before the first `{{` or `%`) that is neither empty (NoDerivableBase) nor "/"
     * (DerivedBaseIsRoot), or the sink fails to build and Vector exits.
     */
    function confinementBuildError(template: string): string | undefined {
        if (!/\{\{.*?\}\}/.test(template)) return undefined;
        const prefix = template.slice(0, template.search(/\{\{|%/));
        if (prefix === "") return "NoDerivableBase";
        if (prefix === "/") return "DerivedBaseIsRoot";
        return undefined;
    }

    it("encodes Vector's confinement rule faithfully", () => {
        assert.equal(confinementBuildError("{{ namespace }}"), "NoDerivableBase");
        assert.equal(confinementBuildError("/{{ host }}"), "DerivedBaseIsRoot");
        assert.equal(confinementBuildError("%Y-{{ host }}"), "NoDerivableBase");
        assert.equal(confinementBuildError("logs-{{ topic }}"), undefined);
        assert.equal(confinementBuildError("fleet"), undefined);
    });

    // Which loki templates are confined: vectordotdev/vector src/sinks/loki/sink.rs (confine_template_map
    // over label keys and values, and tenant_id) at main of 2026-08-21; since 0.58.0 (PR 26176, release
    // notes website/cue/reference/releases/0.58.0.cue) label and structured-metadata VALUES are no longer
    // confined, keys and tenant_id still are. Our pinned release is 0.59, so bare `{{ field }}` values
    // build, and MIN_VECTOR_VERSION keeps that from being forgotten.
    it("builds under Vector's confinement: label keys and tenant_id confinable, bare values only from 0.58", () => {
        const variants = [
            defaults(),
            withOverrides({ loki: { endpoint: "http://loki:3100", tenantId: "fleet", labels: { team: "labels.team", app: "labels.app" } } }),
        ];
        for (const s of variants) {
            const l = sink(buildAggregatorPipeline(s), "loki", "loki");
            for (const key of Object.keys(l.labels)) assert.equal(confinementBuildError(key), undefined, `label key ${key}`);
            if (l.tenant_id !== undefined) assert.equal(confinementBuildError(l.tenant_id), undefined, `tenant_id ${l.tenant_id}`);
            // The values would not build on 0.57: that is why the floor is 0.58.
            assert.ok(Object.values(l.labels).every((v) => confinementBuildError(v) === "NoDerivableBase"));
        }
        const [major, minor] = MIN_VECTOR_VERSION.split(".").map(Number);
        assert.ok(major > 0 || minor >= 58, MIN_VECTOR_VERSION);
        const [pMajor, pMinor] = VECTOR_VERSION.split(".").map(Number);
        assert.ok(pMajor > major || (pMajor === major && pMinor >= minor), `pinned ${VECTOR_VERSION} is below ${MIN_VECTOR_VERSION}`);
        assert.doesNotMatch(toToml(buildAggregatorPipeline(defaults())), /dangerously_allow_unconfined_template_resolution/);
    });

    // The other sinks we render carry no template at all (prometheus_remote_write's only confined
    // field is tenant_id, src/sinks/prometheus/remote_write/config.rs; the vector sink has none).
    it("renders no template in any other sink", () => {
        const c = buildAggregatorPipeline(defaults());
        for (const [id, k] of Object.entries(c.sinks)) {
            if (k.type === "loki") continue;
            assert.doesNotMatch(JSON.stringify(k), /\{\{/, id);
        }
    });

    it("sends no tenant by default and the configured static tenant when set", () => {
        assert.doesNotMatch(toToml(buildAggregatorPipeline(defaults())), /tenant_id/);
        const s = withOverrides({ loki: { endpoint: "http://loki:3100", tenantId: "fleet", labels: { cluster: "cluster" } } });
        assert.equal(sink(buildAggregatorPipeline(s), "loki", "loki").tenant_id, "fleet");
        assert.match(toToml(buildAggregatorPipeline(s)), /^tenant_id = "fleet"$/m);
    });

    it("sends JSON with RFC 3339 timestamps, gzip, accepting out-of-order lines", () => {
        const l = sink(buildAggregatorPipeline(defaults()), "loki", "loki");
        assert.deepEqual(l.encoding, { codec: "json", timestamp_format: "rfc3339" });
        assert.equal(l.compression, "gzip");
        assert.equal(l.out_of_order_action, "accept");
    });

    it("buffers on disk, blocks when full, sized from the settings, and acknowledges end to end", () => {
        const l = sink(buildAggregatorPipeline(withOverrides({ buffers: { lokiMaxBytes: 5 * 1024 ** 3, prometheusMaxBytes: 2 * 1024 ** 3 } })), "loki", "loki");
        assert.deepEqual(l.buffer, { type: "disk", max_size: 5 * 1024 ** 3, when_full: "block" });
        assert.deepEqual(l.acknowledgements, { enabled: true });
    });
});

describe("aggregator pipeline: Prometheus sinks, one per cluster", () => {
    const GiB = 1024 ** 3;

    it("gives each cluster's samples their own sink and buffer, and the aggregators' own metrics the shared one", () => {
        const c = buildAggregatorPipeline(
            withOverrides({
                agents: [DEV, { name: "staging", slot: 2 }],
                prometheusRemoteWriteUrl: "https://mimir:8080/api/v1/push",
                buffers: { lokiMaxBytes: GiB, prometheusMaxBytes: 2 * GiB },
            }),
        );
        const perCluster = Math.floor((2 * GiB - OWN_METRICS_BUFFER_BYTES) / 2);
        for (const n of ["dev", "staging"])
            assert.deepEqual(sink(c, `prometheus_${n}`, "prometheus_remote_write"), {
                type: "prometheus_remote_write",
                inputs: [`sample_age_${n}`],
                endpoint: "https://mimir:8080/api/v1/push",
                buffer: { type: "disk", max_size: perCluster, when_full: "block" },
                batch: { max_bytes: 1048576, max_events: 10000, timeout_secs: 10 },
                acknowledgements: { enabled: true },
                healthcheck: { enabled: false },
            });
        assert.deepEqual(sink(c, "prometheus", "prometheus_remote_write"), {
            type: "prometheus_remote_write",
            inputs: ["aggregator_metrics_enrich", "heartbeat_metrics"],
            endpoint: "https://mimir:8080/api/v1/push",
            buffer: { type: "disk", max_size: OWN_METRICS_BUFFER_BYTES, when_full: "drop_newest" },
            batch: { max_bytes: 1048576, max_events: 10000, timeout_secs: 10 },
            acknowledgements: { enabled: true },
            healthcheck: { enabled: false },
        });
    });

    it("splits buffers.prometheusMaxBytes: every sink at least Vector's minimum, together no more than the total", () => {
        for (const n of [1, 2, 5, 6]) {
            const agents = ids(...Array.from({ length: n }, (_, i) => `c${i}`));
            const total = 2 * GiB;
            const c = buildAggregatorPipeline(withOverrides({ agents, buffers: { lokiMaxBytes: GiB, prometheusMaxBytes: total } }));
            const sizes = Object.values(c.sinks)
                .filter((k) => k.type === "prometheus_remote_write")
                .map((k) => (k.buffer?.type === "disk" ? k.buffer.max_size : 0));
            assert.equal(sizes.length, n + 1);
            // vectordotdev/vector lib/vector-buffers/src/config.rs: a disk buffer's max_size is at least 268435488.
            for (const b of sizes) assert.ok(b >= MIN_DISK_BUFFER_BYTES, `${n} clusters: ${b}`);
            assert.ok(sizes.reduce((a, b) => a + b, 0) <= total, `${n} clusters`);
        }
    });

    it("turns a cluster's samples-per-second limit into its own sink's request rate and batch size, at or just below the limit", () => {
        // vectordotdev/vector src/sinks/util/service.rs TowerRequestConfig: at most rate_limit_num
        // requests per rate_limit_duration_secs (a tower RateLimit in front of the service); a
        // request is one batch of at most batch.max_events samples. The batcher measures max_bytes
        // by the samples' size in memory (src/sinks/prometheus/remote_write/sink.rs, ByteSizeOfItemSize):
        // room for 4 KiB a sample keeps max_events the cap that ends a full batch.
        for (const limit of [1, 7, 150, 999, 1001, 15_000, 1_000_000, 100_000_000]) {
            const { request, batch } = metricRateLimit(limit);
            const perSec = (request.rate_limit_num! * batch.max_events!) / request.rate_limit_duration_secs!;
            assert.ok(perSec <= limit, `${limit}: ${perSec}`);
            assert.ok(perSec > limit - request.rate_limit_num! / request.rate_limit_duration_secs!, `${limit}: ${perSec}`);
            assert.ok(batch.max_events! <= LIMITED_BATCH_MAX_EVENTS && batch.max_events! >= 1);
            assert.ok(batch.max_bytes! >= batch.max_events! * 4096);
        }
        const c = buildAggregatorPipeline(
            withOverrides({
                agents: [
                    { ...DEV, metricSamplesPerSec: 15_000 },
                    { name: "staging", slot: 2 },
                ],
            }),
        );
        const dev = sink(c, "prometheus_dev", "prometheus_remote_write");
        assert.deepEqual(dev.request, { rate_limit_num: 150, rate_limit_duration_secs: 10 });
        assert.deepEqual(dev.batch, { max_bytes: 1000 * 4096, max_events: 1000, timeout_secs: 10 });
        // Only the cluster with a limit gets one; the shared sink never does.
        assert.equal(sink(c, "prometheus_staging", "prometheus_remote_write").request, undefined);
        assert.equal(sink(c, "prometheus", "prometheus_remote_write").request, undefined);
        // The pinned release's reference knows request.rate_limit_* on this sink.
        assert.deepEqual(errorsOf(validateVectorConfig(toToml(c), "aggregator")), []);
    });

    it("refuses a total that leaves a cluster's sink below Vector's minimum rather than render it", () => {
        assert.throws(
            () =>
                buildAggregatorPipeline(
                    withOverrides({ agents: ids("a", "b"), buffers: { lokiMaxBytes: GiB, prometheusMaxBytes: 2 * MIN_DISK_BUFFER_BYTES } }),
                ),
            /below Vector's minimum/,
        );
        assert.equal(minMetricsBufferBytes(2), 3 * MIN_DISK_BUFFER_BYTES);
    });

    it("feeds each sink from one cluster's listener at most, so a refused request or a full buffer stays that cluster's", () => {
        // Prometheus refuses a whole remote-write request with one bad sample (400; measured in
        // tests/components/aggregator/batch-poisoning.integration.test.ts), and Vector does not
        // retry a 4xx but 408 and 429 (vectordotdev/vector src/sinks/util/http.rs,
        // RetryStrategy::Default): the request's events are rejected and counted as
        // vector_component_discarded_events_total{intentional="false"} with an error
        // (lib/vector-stream/src/driver.rs handle_response -> lib/vector-common/src/internal_event/service.rs CallError).
        // A full `block` buffer holds back the components that feed it, and each of those waits
        // until every one of its outputs took a batch (lib/vector-core/src/fanout.rs Fanout::send):
        // back-pressure reaches exactly the sources upstream of the sink. So: one source per sink.
        const c = buildAggregatorPipeline(withOverrides({ agents: ids("dev", "staging", "prod") }));
        const sources = (id: string) => [...upstreamOf(c, id)].filter((x) => x in c.sources && x !== "internal_metrics");
        for (const [id, k] of Object.entries(c.sinks).filter(([, k]) => k.type === "prometheus_remote_write")) {
            assert.ok(!("retry_strategy" in k), "Vector's default retries: 5xx, 408, 429");
            if (id === "prometheus") {
                // Heartbeat metrics are counted off every cluster's log path: this sink must never hold it back.
                assert.deepEqual(sources(id), ["agents_dev", "agents_prod", "agents_staging"]);
                assert.equal(k.buffer?.when_full, "drop_newest");
                // Nothing any agent sent as a metric: no sample of theirs shares its requests.
                assert.ok(![...upstreamOf(c, id)].some((x) => x.startsWith("remote_write_")));
            } else {
                assert.deepEqual(sources(id), [`remote_write_${id.replace(/^prometheus_/, "")}`], id);
                assert.equal(k.buffer?.when_full, "block");
            }
        }
        // And no remote_write source feeds anything but its own sink's path.
        for (const n of ["dev", "staging", "prod"]) {
            const sinksFed = Object.keys(c.sinks).filter((id) => upstreamOf(c, id).has(`remote_write_${n}`));
            assert.deepEqual(sinksFed, [`prometheus_${n}`]);
        }
    });

    it("exposes its own metrics on :9598", () => {
        assert.deepEqual(sink(buildAggregatorPipeline(defaults()), "internal_metrics_exporter", "prometheus_exporter"), {
            type: "prometheus_exporter",
            inputs: ["internal_metrics"],
            address: `0.0.0.0:${AGGREGATOR_PORTS.metrics}`,
        });
    });
});

describe("aggregator pipeline: own metrics VRL", () => {
    it("tags the hub's identity, role, node and pod", () => {
        assert.equal(
            aggregatorMetricsVrl({ name: "monitoring", environment: "production", region: "fsn1" }),
            [
                '.tags.cluster = "monitoring"',
                '.tags.environment = "production"',
                '.tags.region = "fsn1"',
                '.tags.vector_role = "aggregator"',
                '.tags.shipper = "vector"',
                '.tags.node = get_env_var("VECTOR_SELF_NODE_NAME") ?? .tags.host',
                '.tags.pod = get_env_var("VECTOR_SELF_POD_NAME") ?? null',
                "",
            ].join("\n"),
        );
    });

    it("refuses an identity value with a brace", () => {
        assert.throws(() => aggregatorMetricsVrl({ name: "{x}", environment: "production", region: "fsn1" }), /brace/);
    });
});

// ---- the rendered TOML ------------------------------------------------------------------------

describe("aggregator pipeline: rendered TOML", () => {
    const variants: [string, AggregatorPipelineSettings][] = [
        ["defaults", defaults()],
        ["no clusters, no sampling", withOverrides({ agents: [], sampling: {} })],
        ["tenant", withOverrides({ loki: { endpoint: "http://loki:3100", tenantId: "fleet", labels: { cluster: "cluster" } } })],
        ["metric limits", withOverrides({ agents: [{ ...DEV, metricSamplesPerSec: 5000 }] })],
    ];

    it("contains no ${ anywhere (env interpolation is off since 0.57)", () => {
        for (const [name, s] of variants) assert.ok(!toToml(buildAggregatorPipeline(s)).includes("${"), name);
    });

    it("holds no token and no secret reference: each auth rule holds its own cluster's digests only", () => {
        for (const [name, s] of variants) {
            const agents = s.agents.map((a, i) => ({ ...a, tokenSha256: [tokenSha256(`token-${i}`)] }));
            const c = buildAggregatorPipeline({ ...s, agents });
            assert.doesNotMatch(toToml(c), /SECRET\[/, name);
            for (const a of agents) {
                const digests = [
                    ...String((source(c, `remote_write_${a.name}`, "prometheus_remote_write").auth as { source: string } | undefined)?.source).matchAll(
                        /"([0-9a-f]{64})"/g,
                    ),
                ].map((m) => m[1]);
                assert.deepEqual(digests, a.tokenSha256, `${name}: ${a.name}`);
            }
        }
    });

    it("references TLS files only under the mounted TLS directory", () => {
        const toml = toToml(buildAggregatorPipeline(defaults()));
        const files = [...toml.matchAll(/^(?:ca_file|crt_file|key_file) = "([^"]+)"$/gm)].map((m) => m[1]);
        // Two sources per cluster, three files each.
        assert.equal(files.length, 6 * defaults().agents.length);
        for (const f of files) assert.ok(f.startsWith(`${AGGREGATOR_PATHS.tlsDir}/`), f);
    });
});

describe("aggregator pipeline: samples Prometheus would refuse", () => {
    // prometheus/prometheus storage/remote/write_handler.go: remote write 1.0 appends a request's
    // samples in one appender and rolls all of it back on the first out-of-bounds, out-of-order,
    // duplicate or too-old sample (HTTP 400); vectordotdev/vector src/sinks/util/http.rs
    // RetryStrategy::Default retries 5xx, 408 and 429 only. One stale sample loses the batch.
    const PROMETHEUS_MAX_AHEAD_SECS = 10 * 60; // write_handler.go maxAheadTime
    const PROMETHEUS_HEAD_WINDOW_SECS = (2 * 3600) / 2; // tsdb/head_append.go MaxTime - chunkRange/2, tsdb/db.go DefaultBlockDuration 2h

    it("keeps the age limits inside what Prometheus accepts, with room for batching and clock skew", () => {
        assert.ok(
            DEFAULT_MAX_SAMPLE_AGE_SECS < PROMETHEUS_HEAD_WINDOW_SECS,
            "a sample the guard passes must still be in the head's window when the batch lands",
        );
        assert.ok(PROMETHEUS_HEAD_WINDOW_SECS - DEFAULT_MAX_SAMPLE_AGE_SECS >= 60, "at least a minute for batch timeouts and retries");
        assert.ok(MAX_SAMPLE_AHEAD_SECS < PROMETHEUS_MAX_AHEAD_SECS, "the guard must refuse before Prometheus does");
    });

    it("filters every cluster's metrics on its own path, after its identity is bound and before its own sink", () => {
        const c = buildAggregatorPipeline(withOverrides({ agents: ids("dev", "staging") }));
        for (const n of ["dev", "staging"]) {
            const f = transform(c, `sample_age_${n}`, "filter");
            assert.deepEqual(f.inputs, [`bind_metrics_${n}`]);
            assert.deepEqual(f.condition, { type: "vrl", source: sampleAgeCondition(DEFAULT_MAX_SAMPLE_AGE_SECS) });
        }
        // Nothing an agent sent reaches a sink around the guard; the aggregators' own metrics are made now.
        for (const n of ["dev", "staging"]) assert.deepEqual(sink(c, `prometheus_${n}`, "prometheus_remote_write").inputs, [`sample_age_${n}`]);
        assert.deepEqual(sink(c, "prometheus", "prometheus_remote_write").inputs, ["aggregator_metrics_enrich", "heartbeat_metrics"]);
    });

    it("keeps a sample without a timestamp and one inside both limits, in milliseconds as VRL's now() compares", () => {
        const src = sampleAgeCondition(600);
        // timestamp() fails on a missing .timestamp: Vector's sink stamps such a sample at write time.
        assert.match(src, /^t, err = timestamp\(\.timestamp\)\nif err != null \{ true \} else \{\n/);
        assert.match(src, /age_ms <= 600000 && age_ms >= -300000\n\}\n?$/);
    });

    it("takes the limit from aggregator.prometheus.maxSampleAgeSecs", () => {
        const c = buildAggregatorPipeline(withOverrides({ agents: [DEV], prometheusMaxSampleAgeSecs: 7200 }));
        assert.deepEqual(transform(c, "sample_age_dev", "filter").condition, { type: "vrl", source: sampleAgeCondition(7200) });
    });
});
