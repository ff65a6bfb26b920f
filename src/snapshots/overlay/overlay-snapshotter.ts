import { promises as fsp, readFileSync, rmSync, unlinkSync } from "node:fs";
import * as path from "node:path";
import { SnapshotBase } from "../snapshot-base.js";
import { infoOf, type SnapshotRow } from "../snapshot-rows.js";
import { VOLATILE_LABEL, type Mount } from "../snapshotter.js";
import { shortId, shortIdRe } from "./short-id.js";

/**
 * overlayfs snapshots.
 *   <root>/<dir_id>/fs      the layer's own files: the overlay upper dir (whiteouts are char 0/0,
 *                           opaque dirs carry trusted.overlay.opaque=y), unpacked into directly
 *   <root>/<dir_id>/work    the overlay work dir
 *   <root>/<dir_id>/link    the snapshot's short id
 *   <root>/l/<short id>     symlink → ../<dir_id>/fs
 * Mounts name lower layers "l/<short id>" relative to <root> (Mount.cwd): 29 bytes a layer, so a chain
 * of 128 layers still fits in the one page of data mount(2) accepts.
 */
export class OverlaySnapshotter extends SnapshotBase {
  readonly name = "overlayfs";
  protected readonly whiteouts = "overlay" as const;

  protected async populate(tmp: string, final: string): Promise<void> {
    await fsp.mkdir(path.join(tmp, "work"), { mode: 0o700 });
    const id = shortId();
    await fsp.writeFile(path.join(tmp, "link"), id);
    await fsp.mkdir(path.join(this.root, "l"), { recursive: true, mode: 0o700 });
    // Dangling until the rename puts <dir_id> in place.
    await fsp.symlink(path.join("..", path.basename(final), "fs"), path.join(this.root, "l", id));
  }

  protected override release(dir: string): void {
    let id = "";
    try {
      id = readFileSync(path.join(dir, "link"), "utf8").trim();
    } catch {
      return;
    }
    if (!shortIdRe.test(id)) return;
    try {
      unlinkSync(path.join(this.root, "l", id));
    } catch {
      /* already gone */
    }
  }

  protected override async afterSweep(): Promise<void> {
    const l = path.join(this.root, "l");
    await fsp.mkdir(l, { recursive: true, mode: 0o700 });
    for (const n of await fsp.readdir(l)) {
      const alive = await fsp.stat(path.join(l, n)).then(
        () => true,
        () => false,
      );
      if (!alive) await fsp.rm(path.join(l, n), { force: true });
    }
  }

  private linkOf(row: SnapshotRow): string {
    return `l/${readFileSync(path.join(this.dirOf(row), "link"), "utf8").trim()}`;
  }

  private lowers(row: SnapshotRow): string[] {
    return this.rows.ancestors(row).map((r) => this.linkOf(r));
  }

  protected activeMounts(row: SnapshotRow): Mount[] {
    const dir = this.dirOf(row);
    const lowers = this.lowers(row);
    if (lowers.length === 0) return [{ type: "bind", source: path.join(dir, "fs"), options: ["rbind", "rw"] }];
    const options = ["index=off", `lowerdir=${lowers.join(":")}`, `upperdir=${path.join(dir, "fs")}`, `workdir=${path.join(dir, "work")}`];
    if (infoOf(row).labels[VOLATILE_LABEL] === "true") {
      // After a volatile mount the kernel refuses the upper dir again until work/work/incompat/volatile is
      // gone (it cannot tell a clean unmount from a crash). The label says the files are disposable anyway.
      rmSync(path.join(dir, "work", "work", "incompat", "volatile"), { recursive: true, force: true });
      options.push("volatile");
    }
    return [{ type: "overlay", source: "overlay", cwd: this.root, options }];
  }

  protected viewMounts(row: SnapshotRow): Mount[] {
    const parents = this.rows.ancestors(row);
    const [only] = parents;
    if (only === undefined) return [{ type: "bind", source: path.join(this.dirOf(row), "fs"), options: ["rbind", "ro"] }];
    if (parents.length === 1) return [{ type: "bind", source: path.join(this.dirOf(only), "fs"), options: ["rbind", "ro"] }];
    return [{ type: "overlay", source: "overlay", cwd: this.root, options: ["ro", "index=off", `lowerdir=${parents.map((r) => this.linkOf(r)).join(":")}`] }];
  }
}
