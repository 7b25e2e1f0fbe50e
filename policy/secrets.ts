/**
 * Finds secret material in configuration text. Findings name the line and the kind of secret,
 * never the value: violation messages end up in CI logs.
 *
 * What counts as a reference rather than a secret: Vector's `SECRET[backend.key]`, environment
 * interpolation (`${VAR}`, `$VAR`), templates (`{{ field }}`), file paths (`/etc/...`), and
 * redaction placeholders (`<...>`). Certificates (`BEGIN CERTIFICATE`) are public and pass.
 */

export interface SecretFinding {
    /** 1-based line in the scanned text. */
    line: number;
    what: string;
}

const PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----/;

/** Token formats recognisable on their own, wherever they appear. */
const TOKEN_FORMATS: [RegExp, string][] = [
    [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, "an AWS access key id"],
    [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/, "a GitHub token"],
    [/\bglpat-[A-Za-z0-9_-]{20,}/, "a GitLab token"],
    [/\bxox[abposr]-[A-Za-z0-9-]{10,}/, "a Slack token"],
    [/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/, "a JSON Web Token"],
    [/\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@'"]+:[^/\s@'"]+@/i, "a password in a URL (user:password@host)"],
];

/** `Authorization: Bearer <token>` with the token written out (SECRET[...] and ${...} are not matched). */
const BEARER = /\bBearer\s+([A-Za-z0-9\-._~+/]{16,}=*)/gi;

/**
 * A key naming a credential, assigned a value: `token = "..."`, `"password": "..."`,
 * `remote_write_token: ...`. Keys that merely mention one (`token_file`, `secretName`) do not match.
 */
const CREDENTIAL_KEY =
    /(?:^|[\s{,;[(])["']?([A-Za-z0-9_.-]*(?:password|passwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?))["']?\s*[:=]\s*(.*)$/i;

function isReference(value: string): boolean {
    const v = value.trim();
    return (
        v === "" ||
        /^SECRET\[[^\]]+\]$/.test(v) ||
        /^\$\{[^}]+\}$/.test(v) ||
        /^\$[A-Za-z_][A-Za-z0-9_]*$/.test(v) ||
        /^\{\{.*\}\}$/.test(v) ||
        /^<.*>$/.test(v) ||
        v.startsWith("/") ||
        /^(true|false|null|none|~)$/i.test(v)
    );
}

/** The assigned value without quotes, or undefined when it is not a literal (a table, a call, an object). */
function literalValue(rest: string): string | undefined {
    const r = rest.trim();
    const quote = r[0];
    if (quote === '"' || quote === "'") {
        const end = r.indexOf(quote, 1);
        return end < 0 ? r.slice(1) : r.slice(1, end);
    }
    const interpolation = /^\$\{[^}]*\}/.exec(r)?.[0];
    if (interpolation !== undefined) return interpolation;
    // Objects, arrays, multi-line strings and expressions are not credentials written inline.
    if (r === "" || /^[[{(|>]/.test(r)) return undefined;
    const bare = /^[^\s,;#}\]]+/.exec(r)?.[0];
    if (bare === undefined || /[()]/.test(bare)) return undefined;
    return bare;
}

export function findSecrets(text: string): SecretFinding[] {
    const findings: SecretFinding[] = [];
    text.split(/\r?\n/).forEach((line, i) => {
        const at = i + 1;
        if (PRIVATE_KEY.test(line)) findings.push({ line: at, what: "a PEM private key" });
        for (const [re, what] of TOKEN_FORMATS) if (re.test(line)) findings.push({ line: at, what });
        for (const m of line.matchAll(BEARER)) {
            // A token has digits; prose after the word "Bearer" does not.
            if (/[0-9]/.test(m[1])) findings.push({ line: at, what: "a bearer token written out" });
        }
        const cred = CREDENTIAL_KEY.exec(line);
        if (cred) {
            const value = literalValue(cred[2]);
            if (value !== undefined && !isReference(value)) findings.push({ line: at, what: `a literal value for "${cred[1]}"` });
        }
    });
    return findings;
}
