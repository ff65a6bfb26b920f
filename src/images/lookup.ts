/**
 * Resolving what a user typed to an image, as dockerd's GetImage does: a full id/digest; a name[:tag]
 * or name@digest (normalised); else a unique id prefix (with or without "sha256:").
 */
import { InvalidArgumentError, NoSuchImageError } from "../errdefs/index.js";
import { familiarString, parseAnyReference, referenceString, tagNameOnly } from "../oci/index.js";
import type { ImageStore } from "./image-store.js";

export class AmbiguousImageError extends InvalidArgumentError {
  constructor(readonly prefix: string) {
    super(`multiple IDs found with provided prefix: ${prefix}`);
  }
}

/** Returns the image id for `ref`; throws NoSuchImageError (docker's message) or InvalidArgumentError. */
export function resolveImageId(store: ImageStore, ref: string): string {
  const any = parseAnyReference(ref);
  if (any.name === undefined) {
    if (store.has(any.digest)) return any.digest;
    throw new NoSuchImageError(any.digest);
  }
  const named = any;
  let id: string | undefined;
  if (named.digest !== undefined) {
    id = store.byDigest(`${named.name}@${named.digest}`);
    // name:tag@digest and name@<image id> resolve through the digest as docker does.
    if (id === undefined && store.has(named.digest)) id = named.digest;
  } else {
    id = store.byTag(referenceString(tagNameOnly(named)));
  }
  if (id !== undefined) return id;
  const prefix = ref.startsWith("sha256:") ? ref.slice(7) : ref;
  if (/^[a-f0-9]{1,64}$/.test(prefix)) {
    const ids = store.byPrefix(prefix);
    if (ids.length > 1) throw new AmbiguousImageError(prefix);
    if (ids[0] !== undefined) return ids[0];
  }
  throw new NoSuchImageError(familiarString(tagNameOnly(named)));
}

/** True when `ref` is a prefix of the id (with or without "sha256:"), i.e. the user named an id. */
export function isImageIdPrefix(id: string, ref: string): boolean {
  return id.startsWith(ref) || id.slice(id.indexOf(":") + 1).startsWith(ref);
}
