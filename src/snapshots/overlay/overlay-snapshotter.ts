import { randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import * as path from "node:path";
import { readFileSync } from "node:fs";
import { SnapshotBase, type SnapshotRow } from "../snapshot-base.js";
import type { Mount } from "../snapshotter.js";


const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
function shortId(): string {
  const b = randomBytes(26);
  let s = "";
  for (const x of b) s += alphabet[x % 32];
  return s;
}

/**
 * overlayfs snapshots: <root>/<n>/fs holds the layer's own files (overlay upper dir, whiteouts as
 * char 0/0 and trusted.overlay.opaque), <root>/<n>/work the overlay work dir, <root>/<n>/link a short
 * id, and <root>/l/<short> → ../<n>/fs. Mounts name lower layers as l/<short> relative to <root>
 * (Mount.cwd), so a chain of 120+ layers fits in the one page mount(2) accepts.
 */
export class OverlaySnapshotter extends SnapshotBase {
  readonly name = "overlayfs";
  protected readonly whiteouts = "overlay" as const;

  protected async populate(dir: string): Promise<void> {
    await fsp.mkdir(path.join(dir, "work"), { mode: 0o700 });
    await fsp.writeFile(path.join(dir, "link"), shortId());
  }

  protected override async afterCreate(dir: string): Promise<void> {
    const id = (await fsp.readFile(path.join(dir, "link"), "utf8")).trim();
    await fsp.mkdir(path.join(this.root, "l"), { recursive: true, mode: 0o700 });
    await fsp.rm(path.join(this.root, "l", id), { force: true });
    await fsp.symlink(path.join("..", path.basename(dir), "fs"), path.join(this.root, "l", id));
  }

  protected override async beforeRemove(dir: string): Promise<void> {
    const id = await fsp.readFile(path.join(dir, "link"), "utf8").catch(() => "");
    if (/^[A-Z2-7]{26}$/.test(id.trim())) await fsp.rm(path.join(this.root, "l", id.trim()), { force: true });
  }

  protected override async afterSweep(): Promise<void> {
    const l = path.join(this.root, "l");
    await fsp.mkdir(l, { recursive: true, mode: 0o700 });
    for (const n of await fsp.readdir(l)) {
      const ok = await fsp.stat(path.join(l, n)).then(() => true, () => false);
      if (!ok) await fsp.rm(path.join(l, n), { force: true });
    }
  }

  private linkOf(row: SnapshotRow): string {
    return `l/${readFileSync(path.join(this.dirOf(row), "link"), "utf8").trim()}`;
  }

  protected activeMounts(row: SnapshotRow): Mount[] {
    const dir = this.dirOf(row);
    const lowers = this.lowerLinks(row);
    if (lowers.length === 0) return [{ type: "bind", source: path.join(dir, "fs"), options: ["rbind", "rw"] }];
    return [
      {
        type: "overlay",
        source: "overlay",
        cwd: this.root,
        options: [`lowerdir=${lowers.join(":")}`, `upperdir=${path.join(dir, "fs")}`, `workdir=${path.join(dir, "work")}`, "index=off"],
      },
    ];
  }

  protected viewMounts(row: SnapshotRow): Mount[] {
    const lowers = this.lowerLinks(row);
    if (lowers.length === 0) return [{ type: "bind", source: path.join(this.dirOf(row), "fs"), options: ["rbind", "ro"] }];
    if (lowers.length === 1) return [{ type: "bind", source: path.join(this.root, lowers[0] ?? ""), options: ["rbind", "ro"] }];
    return [{ type: "overlay", source: "overlay", cwd: this.root, options: [`lowerdir=${lowers.join(":")}`, "ro"] }];
  }

  private lowerLinks(row: SnapshotRow): string[] {
    const out: string[] = [];
    for (const r of this.ancestors(row)) out.push(this.linkOf(r));
    return out;
  }
}

