/**
 * The policy pack's entry point, loaded by the Pulumi CLI (`pulumi preview --policy-pack policy`).
 * Constructing a PolicyPack starts the analyzer's gRPC server and prints its port for the CLI:
 * never import this file from tests; they import ./policies.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("vector-fleet", {
    description:
        "vector-fleet guardrails: pinned images, requests and limits, private load balancers, no secrets in ConfigMaps, verified TLS in Vector, a PDB for the aggregators.",
    enforcementLevel: "mandatory",
    policies,
});
