/** How docker names a missing image in "No such image: busybox:latest": the familiar name with a tag. */
import { familiarString, parseNormalizedNamed } from "../oci/index.js";

export function parseFamiliarNamed(ref: string): string {
  if (/^(sha256:)?[0-9a-f]{12,64}$/.test(ref)) return ref;
  try {
    const named = parseNormalizedNamed(ref);
    const s = familiarString(named);
    return s.includes("@") || /:[^/]+$/.test(s) ? s : `${s}:latest`;
  } catch {
    return ref;
  }
}
