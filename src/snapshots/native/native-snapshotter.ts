import * as path from "node:path";
import { NotImplementedError } from "../../errdefs/index.js";
import { SnapshotBase } from "../snapshot-base.js";
import type { SnapshotRow } from "../snapshot-rows.js";
import type { Mount } from "../snapshotter.js";
import { copyTree } from "./copy-tree.js";

/**
 * Copy-based snapshots for file systems without overlay: each <root>/<dir_id>/fs holds the whole tree.
 * A child starts as a full copy of its parent (copy-tree.ts keeps owners, modes, xattrs, hardlinks,
 * devices and symlinks), layers apply whiteouts by deleting, and mounts are bind mounts.
 */
export class NativeSnapshotter extends SnapshotBase {
  readonly name = "native";
  protected readonly whiteouts = "delete" as const;

  protected async populate(tmp: string, _final: string, parent: SnapshotRow | undefined): Promise<void> {
    if (parent) await copyTree(path.join(this.dirOf(parent), "fs"), path.join(tmp, "fs"));
  }

  protected activeMounts(row: SnapshotRow): Mount[] {
    return [{ type: "bind", source: path.join(this.dirOf(row), "fs"), options: ["rbind", "rw"] }];
  }

  protected viewMounts(row: SnapshotRow): Mount[] {
    return [{ type: "bind", source: path.join(this.dirOf(row), "fs"), options: ["rbind", "ro"] }];
  }

  /** A native snapshot holds a whole tree, not a diff; computing the diff against the parent is not done yet. */
  override async diffDir(key: string): Promise<string> {
    this.rows.must(key);
    throw new NotImplementedError(`snapshot ${key}: the native snapshotter keeps whole trees, not layer diffs`);
  }
}
