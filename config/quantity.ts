/**
 * Kubernetes resource quantities ("500m", "2", "1.5Gi", "1e3"): the one parser of the repository,
 * used by the config's validators, the policy pack and the cost report, each with its own
 * handling of what does not parse.
 *
 * The grammar is Kubernetes' own (kubernetes/apimachinery pkg/api/resource/quantity.go, the
 * comment on `Quantity` and `parseQuantityString`; the suffix table in suffix.go):
 *
 *   <quantity>        ::= <signedNumber><suffix>
 *   <signedNumber>    ::= <number> | <sign><number>          <sign> ::= "+" | "-"
 *   <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
 *   <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI>
 *   <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei               (powers of 1024)
 *   <decimalSI>       ::= n | u | m | "" | k | M | G | T | P | E   (powers of 1000; n and u are
 *                                                                   in suffix.go, not the comment)
 *   <decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber>  (an integer: 1e3, 1E-3)
 *
 * so "1E" is one exa, "1e" nothing; "1K", "1ki" and "1 Gi" are refused; no white space. Three
 * things the parser does and this does not model: it rounds a value up to whole nanos, caps it at
 * 2^63-1, and its scanner lets a lone sign or "." through as zero (outside the grammar above).
 * Values are JavaScript numbers: exact for every quantity a manifest of ours holds, close
 * enough for comparisons and sums of any other.
 */

/** Decimal suffixes and their power of ten (kubernetes/apimachinery pkg/api/resource/suffix.go). */
export const DECIMAL_SI: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
/** Binary suffixes and their power of two. */
export const BINARY_SI: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

const QUANTITY = /^([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE]([+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/;

/**
 * The quantity in base units (cores, bytes) times 10^`scale` (3 gives millicores), or undefined
 * when the text is not a quantity. Decimal values are converted from their digits, so "100m"
 * at scale 3 is exactly 100 (not 100.00000000000001).
 */
export function parseQuantity(text: string, scale = 0): number | undefined {
    const m = QUANTITY.exec(text);
    if (!m) return undefined;
    const [, sign, digits, exponent, suffix = ""] = m;
    const value =
        suffix in BINARY_SI
            ? Number(`${digits}e${scale}`) * 2 ** BINARY_SI[suffix]
            : Number(`${digits}e${(exponent === undefined ? DECIMAL_SI[suffix] : Number(exponent)) + scale}`);
    return sign === "-" && value !== 0 ? -value : value;
}

/** A CPU quantity in millicores ("500m" -> 500, "2" -> 2000), or undefined. */
export function cpuMillis(text: string): number | undefined {
    return parseQuantity(text, 3);
}

/** A memory or storage quantity in bytes ("256Mi" -> 268435456), or undefined. */
export function memoryBytes(text: string): number | undefined {
    return parseQuantity(text);
}
