/**
 * Garbage collection, marking from roots (containerd's model):
 *   content roots:   image configs, manifests, layer blobs, blobs pinned by leases, and compressed
 *                    blobs recorded for a diffID some image still uses (layer_blobs)
 *   snapshot roots:  every chain ID of every image, snapshots pinned by leases, extra roots given by
 *                    the caller (container snapshots), and every active snapshot that is not an
 *                    unleased "extract-*" leftover; the parents of a kept snapshot are kept too.
 * Everything else is deleted: blobs, and snapshots children before parents.
 */
import type { ContentStore } from "../content/content-store.js";
import { isNotFound } from "../errdefs/index.js";
import type { Snapshotter, SnapshotInfo } from "../snapshots/snapshotter.js";
import type { Logger } from "../util/index.js";
import type { ImageStore } from "./image-store.js";
import type { LeaseManager } from "./leases.js";
import type { DistributionStore } from "./distribution-store.js";

export interface GcResult {
  blobsDeleted: string[];
  snapshotsDeleted: string[];
  bytesFreed: number;
}

export interface GcDeps {
  content: ContentStore;
  snapshotter: Snapshotter;
  store: ImageStore;
  leases: LeaseManager;
  log: Logger;
  /** Snapshot keys/names that must survive (containers' snapshots, later). */
  snapshotRoots?: () => Iterable<string> | Promise<Iterable<string>>;
  /** Registry transfer records: compressed blobs of layers still in use survive; entries of deleted blobs go. */
  distribution?: DistributionStore;
}

export async function collectGarbage(deps: GcDeps): Promise<GcResult> {
  const result: GcResult = { blobsDeleted: [], snapshotsDeleted: [], bytesFreed: 0 };

  // Snapshots.
  const infos = await deps.snapshotter.list();
  const byKey = new Map<string, SnapshotInfo>(infos.map((i) => [i.key, i]));
  const keep = new Set<string>();
  const roots = new Set<string>([...deps.store.referencedChains(), ...deps.leases.pinned("snapshot")]);
  if (deps.snapshotRoots) for (const k of await deps.snapshotRoots()) roots.add(k);
  for (const i of infos) if (i.kind !== "committed" && !i.key.startsWith("extract-")) roots.add(i.key);
  const mark = (k: string | undefined): void => {
    while (k !== undefined && !keep.has(k)) {
      keep.add(k);
      k = byKey.get(k)?.parent;
    }
  };
  for (const r of roots) if (byKey.has(r)) mark(r);
  const depth = (k: string): number => {
    let d = 0;
    for (let p = byKey.get(k)?.parent; p !== undefined; p = byKey.get(p)?.parent) d++;
    return d;
  };
  const doomed = infos.filter((i) => !keep.has(i.key)).sort((a, b) => depth(b.key) - depth(a.key));
  for (const s of doomed) {
    try {
      await deps.snapshotter.remove(s.key);
      result.snapshotsDeleted.push(s.key);
    } catch (err) {
      if (!isNotFound(err)) deps.log.warn("gc: cannot remove snapshot", { key: s.key, err });
    }
  }

  // Blobs.
  const blobRoots = deps.store.referencedBlobs();
  for (const d of deps.leases.pinned("content")) blobRoots.add(d);
  if (deps.distribution) for (const d of deps.distribution.referencedBlobs()) blobRoots.add(d);
  const unreferenced: { digest: string; size: number }[] = [];
  for await (const b of deps.content.list()) if (!blobRoots.has(b.digest)) unreferenced.push(b);
  for (const b of unreferenced) {
    try {
      await deps.content.delete(b.digest);
      result.blobsDeleted.push(b.digest);
      result.bytesFreed += b.size;
    } catch (err) {
      if (!isNotFound(err)) deps.log.warn("gc: cannot delete blob", { digest: b.digest, err });
    }
  }
  deps.distribution?.forgetBlobs(result.blobsDeleted);
  return result;
}
