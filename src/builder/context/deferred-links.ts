/**
 * COPY without copying: a file that keeps its source's owner, mode and mtime (the common case: context
 * files are 0:0, as COPY makes them) becomes a hard link of the source in the step's snapshot instead of a
 * copy of its bytes. copyInto does everything else through the overlay mount, so overlayfs still handles
 * the directories (copy-up, opaque dirs) and what the file replaces (a whiteout); once the snapshot is
 * unmounted, each deferred file is linked into the upper dir. A file goes this way only when its
 * directory is in the upper dir already (made or copied up by the COPY); otherwise it is copied, which
 * copies the directory up for the files after it.
 *
 * Sound because nothing writes to either name afterwards: build-context files are never written through
 * (the context store's rule; a context extracted from a tar is private to the build and only deleted), and
 * a committed snapshot never changes (a container's writes go to its own upper dir by copy-up). A source
 * on another file system, or one whose inode this step already linked (two names would become a
 * hardlink in the layer; docker makes two files), is copied as before.
 */
import { randomBytes } from "../../util/crypto.js";
import { chmodSync, constants, copyFileSync, lchownSync, linkSync, renameSync, statSync, utimesSync, type Stats } from "node:fs";
import * as path from "node:path";
import { errnoCode } from "../../errdefs/index.js";
import { lstatOrNull } from "../../util/fs-stat.js";

/** ext4 allows 65000 links to an inode; leave room for everything else. */
const MAX_LINKS = 60_000;

export class DeferredLinks {
  private readonly dev: number;
  private readonly inodes = new Set<number>();
  /** By path relative to the root: a later source copied to the same path replaces an earlier one. */
  private readonly files = new Map<string, { src: string; uid: number; gid: number; mode: number; mtime: number; atime: number }>();

  /** `mountRoot`: where the snapshot is mounted while copyInto runs; `upper`: its overlay upper dir. */
  constructor(
    private readonly mountRoot: string,
    private readonly upper: string,
  ) {
    this.dev = statSync(upper).dev;
  }

  /** copyInto's deferFile: true when src (stat st) will be linked at dst (a path under mountRoot). */
  defer = (src: string, st: Stats, dst: string): boolean => {
    if (st.dev !== this.dev || st.nlink >= MAX_LINKS || this.inodes.has(st.ino)) return false;
    const rel = path.relative(this.mountRoot, dst);
    if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) return false;
    if (lstatOrNull(path.dirname(path.join(this.upper, rel)))?.isDirectory() !== true) return false;
    this.inodes.add(st.ino);
    this.files.set(rel, { src, uid: st.uid, gid: st.gid, mode: st.mode & 0o7777, mtime: st.mtimeMs / 1000, atime: st.atimeMs / 1000 });
    return true;
  };

  get count(): number {
    return this.files.size;
  }

  /**
   * With the snapshot unmounted: each deferred file is linked into the upper dir (over the whiteout that
   * clearing a file of a lower layer left there, if any; not over what a later source put there), or,
   * where linking fails (another file system, too many links), copied there with its owner, mode and
   * mtime. The directories touched keep the mtimes the copy gave them.
   */
  finish(): void {
    const dirs = new Map<string, Stats>();
    for (const [rel, f] of this.files) {
      const target = path.join(this.upper, rel);
      const dir = path.dirname(target);
      const there = lstatOrNull(target);
      // something copied to the same path (or over its directory) after this file was deferred took its place
      if (there !== null && !(there.isCharacterDevice() && there.rdev === 0)) continue;
      const dirSt = dirs.get(dir) ?? lstatOrNull(dir);
      if (dirSt === null || !dirSt.isDirectory()) continue;
      dirs.set(dir, dirSt);
      const tmp = path.join(dir, `.berth-link-${randomBytes(6).toString("hex")}`);
      try {
        linkSync(f.src, tmp);
      } catch (err) {
        if (!["EXDEV", "EMLINK", "EPERM"].includes(errnoCode(err) ?? "")) throw err;
        copyFileSync(f.src, tmp, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
        lchownSync(tmp, f.uid, f.gid);
        chmodSync(tmp, f.mode);
        utimesSync(tmp, f.atime, f.mtime);
      }
      renameSync(tmp, target);
    }
    for (const [dir, st] of dirs) utimesSync(dir, st.atimeMs / 1000, st.mtimeMs / 1000);
  }
}
