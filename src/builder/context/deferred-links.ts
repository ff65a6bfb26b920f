/**
 * COPY without copying: a file that keeps its source's owner, mode and mtime (the common case: context
 * files are 0:0, as COPY makes them) becomes a hard link of the source in the step's snapshot instead of a
 * copy of its bytes. copyInto makes an empty placeholder with the right metadata through the overlay
 * mount, so overlayfs still does everything about directories (copy-up, opaque dirs, whiteouts); once the
 * snapshot is unmounted, each placeholder in the upper dir is replaced by a link of its source.
 *
 * Sound because nothing writes to either name afterwards: build-context files are never written through
 * (the context store's rule; a context extracted from a tar is private to the build and only deleted), and
 * a committed snapshot never changes (a container's writes go to its own upper dir by copy-up). A source
 * on another file system, or one whose inode this step already linked (two names would become a
 * hardlink in the layer; docker makes two files), is copied as before.
 */
import { randomBytes } from "node:crypto";
import { constants, copyFileSync, linkSync, lstatSync, renameSync, statSync, utimesSync, type Stats } from "node:fs";
import * as path from "node:path";
import { InternalError, errnoCode } from "../../errdefs/index.js";

/** ext4 allows 65000 links to an inode; leave room for everything else. */
const MAX_LINKS = 60_000;

export class DeferredLinks {
  private readonly dev: number;
  private readonly inodes = new Set<number>();
  private readonly files: Array<{ src: string; rel: string; mtime: number; atime: number }> = [];

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
    if (rel.startsWith("..") || path.isAbsolute(rel)) return false;
    this.inodes.add(st.ino);
    this.files.push({ src, rel, mtime: st.mtimeMs / 1000, atime: st.atimeMs / 1000 });
    return true;
  };

  get count(): number {
    return this.files.length;
  }

  /**
   * With the snapshot unmounted: each placeholder becomes a link of its source (a link under a temp name,
   * renamed over it), or, where linking fails (another file system, too many links), a copy of it. The
   * directories touched keep the mtimes the copy gave them.
   */
  finish(): void {
    const dirs = new Map<string, Stats>();
    for (const f of this.files) {
      const target = path.join(this.upper, f.rel);
      const dir = path.dirname(target);
      if (!dirs.has(dir)) dirs.set(dir, lstatSync(dir));
      const ph = lstatSync(target);
      if (!ph.isFile() || ph.size !== 0) throw new InternalError(`COPY: ${f.rel} in the step's layer is not the placeholder it made`);
      const tmp = path.join(dir, `.berth-link-${randomBytes(6).toString("hex")}`);
      try {
        linkSync(f.src, tmp);
      } catch (err) {
        if (!["EXDEV", "EMLINK", "EPERM"].includes(errnoCode(err) ?? "")) throw err;
        // the placeholder already has the owner and mode; only its bytes and mtime change
        copyFileSync(f.src, target, constants.COPYFILE_FICLONE);
        utimesSync(target, f.atime, f.mtime);
        continue;
      }
      renameSync(tmp, target);
    }
    for (const [dir, st] of dirs) utimesSync(dir, st.atimeMs / 1000, st.mtimeMs / 1000);
  }
}
