/**
 * Snapshotters keep filesystem trees. They plan mounts; they never mount anything themselves
 * (only mount/ executes mounts).
 *
 * Keys: committed snapshots are named by the layer's chain ID ("sha256:…"); active snapshots by
 * their owner's key (a container id, or "extract-<random>" while a layer is unpacked). Names and keys
 * share one namespace.
 *
 * Unpacking a layer (images/):
 *   const key = `extract-${random}`;
 *   const target = await sn.prepareApply(key, parentChainId);  // writable dir + whiteout mode
 *   await applyLayer(tarStream, target.dir, { whiteouts: target.whiteouts });
 *   await sn.commit(chainId, key);                               // atomic: visible only now
 * On failure: await sn.remove(key).
 *
 * Running a container (containers/, later):
 *   const mounts = await sn.prepare(containerId, imageChainId); // overlay: lowerdir…upperdir
 *   mount/ mounts them at the bundle's rootfs; sn.remove(containerId) after unmount.
 *
 * Active snapshots left by a crash (extract-*) are swept at start by sweep().
 */
export interface Mount {
  type: string; // "overlay" | "bind"
  source: string;
  options: string[];
  /** Directory relative option paths are resolved from (overlay lowerdirs use short relative links). */
  cwd?: string;
}

export type SnapshotKind = "committed" | "active" | "view";

/**
 * Label of an active snapshot whose files need not survive an OS crash, because what matters of them is
 * kept durably elsewhere (a build step's: its layer blob, fsynced; the snapshot is committed under the
 * blob's chain ID or removed). overlayfs mounts it `volatile`: unmounting it does not sync the whole
 * upper file system. Only for snapshots nobody else depends on before that durable copy exists.
 */
export const VOLATILE_LABEL = "berth.volatile";

export interface SnapshotInfo {
  key: string;
  parent?: string;
  kind: SnapshotKind;
  created: string;
  labels: Record<string, string>;
}

export interface Usage {
  size: number;
  inodes: number;
}

export interface ApplyTarget {
  /** Directory into which a layer tar is extracted. */
  dir: string;
  /** "overlay": write whiteouts as overlayfs expects (char 0/0, trusted.overlay.opaque=y);
   *  "delete": apply whiteouts by deleting from dir (copy-based snapshots hold the whole tree). */
  whiteouts: "overlay" | "delete";
}

export interface Snapshotter {
  readonly name: string; // "overlayfs" | "native"
  stat(key: string): Promise<SnapshotInfo>; // NotFoundError when absent
  list(): Promise<SnapshotInfo[]>;
  usage(key: string): Promise<Usage>;
  /** A writable snapshot on top of parent (or empty). Returns the mounts for its root. */
  prepare(key: string, parent?: string, opts?: { labels?: Record<string, string> }): Promise<Mount[]>;
  /** A read-only view of parent. */
  view(key: string, parent?: string): Promise<Mount[]>;
  /** Mounts of an existing active snapshot or view. */
  mounts(key: string): Promise<Mount[]>;
  /** Like prepare, but for unpacking a layer without mounting. */
  prepareApply(key: string, parent?: string): Promise<ApplyTarget>;
  /** Turns active snapshot `key` into committed snapshot `name`. ConflictError when name exists. */
  commit(name: string, key: string, opts?: { labels?: Record<string, string> }): Promise<void>;
  /** ConflictError when it has children. NotFoundError when absent. */
  remove(key: string): Promise<void>;
  /** The directory holding a snapshot's own layer contents (its diff), for export. NotImplementedError
   *  where snapshots hold whole trees (native). */
  diffDir(key: string): Promise<string>;
  /** Removes leftovers of interrupted work (extract-* snapshots, half-built or half-removed directories).
   *  Only at start, before any other call. */
  sweep(): Promise<void>;
}
