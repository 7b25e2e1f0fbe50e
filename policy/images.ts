/**
 * Image references: `[registry[:port]/]repository[:tag][@digest]`. A colon after the last `/`
 * starts the tag; one before it belongs to a registry port (`registry:5000/vector` has no tag).
 */

export interface ImageRef {
    repository: string;
    tag?: string;
    digest?: string;
}

export function parseImage(ref: string): ImageRef {
    const at = ref.indexOf("@");
    const name = at >= 0 ? ref.slice(0, at) : ref;
    const digest = at >= 0 ? ref.slice(at + 1) : undefined;
    const colon = name.lastIndexOf(":");
    const hasTag = colon > name.lastIndexOf("/");
    return {
        repository: hasTag ? name.slice(0, colon) : name,
        ...(hasTag ? { tag: name.slice(colon + 1) } : {}),
        ...(digest !== undefined ? { digest } : {}),
    };
}

/** The OCI distribution spec's tag grammar. */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** The digests registries serve: sha256 (64 hex) or sha512 (128 hex). */
const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

/**
 * Why `ref` does not pin an image, or undefined when it does. A valid digest pins it whatever the
 * tag says (the runtime pulls by digest); otherwise an explicit tag other than `latest` is needed.
 */
export function unpinnedReason(ref: string): string | undefined {
    if (ref.trim() === "" || /\s/.test(ref)) return "is empty or contains whitespace";
    const img = parseImage(ref);
    if (img.digest !== undefined) return DIGEST.test(img.digest) ? undefined : `has a malformed digest "@${img.digest}" (expected sha256:<64 hex>)`;
    if (img.tag === undefined) return "has no tag, so the runtime pulls `latest`";
    if (img.tag === "") return "ends in an empty tag";
    if (!TAG.test(img.tag)) return `has an invalid tag "${img.tag}"`;
    if (img.tag.toLowerCase() === "latest") return "uses the floating tag `latest`";
    return undefined;
}
