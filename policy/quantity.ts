/**
 * A resource quantity as the policies read it: Kubernetes' grammar from the one parser in
 * config/quantity.ts (the pack runs in place, so it may import it: README.md), plus what the API
 * server does around it. A value it would reject reads as undefined.
 */
import { parseQuantity as parseKubernetesQuantity } from "../config/quantity";

/**
 * The quantity's value in base units, or undefined when Kubernetes would reject it: a JSON
 * number is taken as is and a string with white space trimmed (kubernetes/apimachinery
 * pkg/api/resource/quantity.go UnmarshalJSON: `ParseQuantity(strings.TrimSpace(...))`); a
 * negative request or limit fails validation (kubernetes/kubernetes pkg/apis/core/validation
 * validation.go ValidateResourceQuantityValue: "must be greater than or equal to 0").
 */
export function parseQuantity(q: unknown): number | undefined {
    const value = typeof q === "number" ? (Number.isFinite(q) ? q : undefined) : typeof q === "string" ? parseKubernetesQuantity(q.trim()) : undefined;
    return value !== undefined && value >= 0 ? value : undefined;
}
