/** Whiteout names in layer tars (OCI image spec, "Representing Changes"; docker/aufs heritage). */
export const WHITEOUT_PREFIX = ".wh.";
/** Metadata names (aufs): `.wh..wh.plnk`, `.wh..wh.aufs`... Skipped when applying. */
export const WHITEOUT_META_PREFIX = ".wh..wh.";
/** Marks its directory opaque: lower layers' contents of the directory are hidden. */
export const WHITEOUT_OPAQUE = ".wh..wh..opq";
/** overlayfs: a directory with this xattr set to "y" hides the lower directories' contents. */
export const OVERLAY_OPAQUE_XATTR = "trusted.overlay.opaque";
/** xattr prefixes never applied from a tar (overlayfs metadata would let a layer steer the mount). */
export const FORBIDDEN_XATTR_PREFIXES = ["trusted.overlay.", "user.overlay."] as const;

export function isForbiddenXattr(name: string): boolean {
  return FORBIDDEN_XATTR_PREFIXES.some((p) => name.startsWith(p));
}
