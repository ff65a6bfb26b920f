import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { InternalError } from "../../errdefs/index.js";
import { SnapshotBase, type SnapshotRow } from "../snapshot-base.js";
import type { Mount } from "../snapshotter.js";

const run = promisify(execFile);

/**
 * Copy-based snapshots for file systems without overlay: each snapshot's <root>/<n>/fs holds the
 * whole tree. A child starts as a copy of its parent (owners, modes, xattrs, hardlinks, devices kept
 * by `cp -a`, reflinked where the file system can), layers apply whiteouts by deleting, and mounts are
 * bind mounts.
 */
export class NativeSnapshotter extends SnapshotBase {
  readonly name = "native";
  protected readonly whiteouts = "delete" as const;

  protected async populate(dir: string, parent: SnapshotRow | undefined): Promise<void> {
    if (!parent) return;
    const src = path.join(this.dirOf(parent), "fs");
    try {
      await run("cp", ["-a", "--reflink=auto", "--", `${src}/.`, path.join(dir, "fs")], { maxBuffer: 1 << 20 });
    } catch (err) {
      throw new InternalError(`copying snapshot ${parent.key}: ${(err as { stderr?: string }).stderr ?? String(err)}`, { cause: err });
    }
  }

  protected activeMounts(row: SnapshotRow): Mount[] {
    return [{ type: "bind", source: path.join(this.dirOf(row), "fs"), options: ["rbind", "rw"] }];
  }

  protected viewMounts(row: SnapshotRow): Mount[] {
    return [{ type: "bind", source: path.join(this.dirOf(row), "fs"), options: ["rbind", "ro"] }];
  }
}
