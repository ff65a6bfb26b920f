/**
 * Whiteouts while applying a layer. `.wh.<name>` hides <name> of lower layers; `.wh..wh..opq` makes
 * its directory opaque. Mode "overlay" writes them as overlayfs does (char device 0/0,
 * trusted.overlay.opaque=y); mode "delete" applies them to a full tree by deleting, keeping what this
 * same layer wrote before an opaque marker.
 */
import { lchownSync, readdirSync } from "node:fs";
import { InvalidArgumentError } from "../errdefs/index.js";
import { S_IFCHR, lsetxattr, mknod } from "../native/index.js";
import { LayerRoot, lstatOrNull, quoteName, type Components } from "./layer-root.js";
import type { TarEntry } from "./tar-reader.js";
import { OVERLAY_OPAQUE_XATTR, WHITEOUT_OPAQUE } from "./whiteouts.js";

/** Remembers the paths this layer wrote, so an opaque marker in "delete" mode spares them. */
export class OpaqueTracker {
  private readonly written = new Set<string>();
  private readonly ancestors = new Set<string>();

  constructor(private readonly root: LayerRoot) {}

  record(comps: Components): void {
    this.written.add(this.root.key(comps));
    for (let i = 1; i < comps.length; i++) this.ancestors.add(this.root.key(comps, i));
  }

  /** Removes everything under dir that this layer did not write. */
  clearOpaque(dir: Components): void {
    for (const name of readdirSync(this.root.abs(dir), { encoding: "buffer" })) {
      const child = [...dir, name];
      const k = this.root.key(child);
      if (!this.written.has(k) && !this.ancestors.has(k)) {
        this.root.remove(child);
        continue;
      }
      if (lstatOrNull(this.root.abs(child))?.isDirectory()) this.clearOpaque(child);
    }
  }
}

function isDots(b: Buffer): boolean {
  return b.length === 0 || b.equals(Buffer.from(".")) || b.equals(Buffer.from(".."));
}

export function applyWhiteout(
  root: LayerRoot,
  comps: Components,
  e: TarEntry,
  mode: "overlay" | "delete",
  tracker: OpaqueTracker | undefined,
  sameOwner: boolean,
): void {
  const what = quoteName(e.nameBytes);
  const last = comps[comps.length - 1] as Buffer;
  const dir = comps.slice(0, -1);
  if (last.toString("latin1") === WHITEOUT_OPAQUE) {
    root.ensureParents(comps, what, true);
    if (mode === "overlay") lsetxattr(root.abs(dir), OVERLAY_OPAQUE_XATTR, Buffer.from("y"));
    else tracker?.clearOpaque(dir);
    return;
  }
  const name = last.subarray(".wh.".length);
  if (isDots(name)) throw new InvalidArgumentError(`layer entry ${what} is an invalid whiteout`);
  const target = [...dir, name];
  if (mode === "delete") {
    if (root.ensureParents(target, what, false)) root.remove(target);
    return;
  }
  root.ensureParents(target, what, true);
  root.clear(target, false);
  const p = root.abs(target);
  mknod(p, S_IFCHR, 0, 0);
  if (sameOwner) lchownSync(p, e.uid, e.gid);
}
