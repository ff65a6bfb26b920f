/**
 * Packs a directory tree into a layer tar: lstat walk in sorted byte order (deterministic), owners,
 * modes, mtimes (whole seconds, as docker), xattrs (not overlay metadata or SELinux labels),
 * hardlinks detected by (dev, ino), devices, fifos. With `overlayWhiteouts`, an overlayfs upper
 * dir's whiteouts become tar whiteouts: char 0/0 → `.wh.<name>`, opaque dir → `.wh..wh..opq`.
 */
import { lstatSync, readdirSync, readlinkSync, type BigIntStats } from "node:fs";
import type { Readable } from "node:stream";
import { CanceledError } from "../errdefs/index.js";
import { lgetxattr, llistxattr } from "../native/index.js";
import { packTar, type TarWriteEntry } from "./tar-writer.js";
import { OVERLAY_OPAQUE_XATTR, WHITEOUT_OPAQUE, WHITEOUT_PREFIX, isForbiddenXattr } from "./whiteouts.js";

export interface PackDirOptions {
  /** Convert overlayfs whiteouts (char 0/0, trusted.overlay.opaque=y) into tar whiteouts. */
  overlayWhiteouts?: boolean;
  /** Include xattrs (default true). */
  xattrs?: boolean;
  /** Keep only the paths (relative, raw bytes, no leading "./") for which this returns true. */
  filter?: (rel: Buffer, st: BigIntStats) => boolean;
  signal?: AbortSignal;
}

const SKIPPED_XATTRS = new Set(["security.selinux"]);

function readXattrs(p: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const name of llistxattr(p).sort()) {
    if (isForbiddenXattr(name) || SKIPPED_XATTRS.has(name)) continue;
    const v = lgetxattr(p, name);
    if (v !== undefined) out.set(name, v);
  }
  return out;
}

/** Linux dev_t encoding (glibc's gnu_dev_major/minor). */
export function devMajor(rdev: bigint): number {
  return Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
}
export function devMinor(rdev: bigint): number {
  return Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
}

const join = (a: Buffer, b: Buffer): Buffer => (a.length === 0 ? b : Buffer.concat([a, Buffer.from("/"), b]));

/** The tar entries for dir's contents (dir itself is not included). */
export async function* dirEntries(dir: string, opts: PackDirOptions = {}): AsyncGenerator<TarWriteEntry> {
  const withXattrs = opts.xattrs ?? true;
  const seen = new Map<string, Buffer>(); // "dev:ino" → first name (hardlinks)
  const base = Buffer.from(dir);
  const abs = (rel: Buffer): Buffer => (rel.length === 0 ? base : Buffer.concat([base, Buffer.from("/"), rel]));

  async function* walk(rel: Buffer): AsyncGenerator<TarWriteEntry> {
    const names = readdirSync(abs(rel), { encoding: "buffer" }).sort(Buffer.compare);
    for (const name of names) {
      if (opts.signal?.aborted) throw new CanceledError("pack canceled", { cause: opts.signal.reason });
      const r = join(rel, name);
      const p = abs(r);
      const st = lstatSync(p, { bigint: true });
      if (opts.filter && !opts.filter(r, st)) continue;
      const common = {
        mode: Number(st.mode & 0o7777n),
        uid: Number(st.uid),
        gid: Number(st.gid),
        mtime: Number(st.mtimeMs / 1000n),
      };
      if (opts.overlayWhiteouts && st.isCharacterDevice() && st.rdev === 0n) {
        yield { ...common, name: join(rel, Buffer.concat([Buffer.from(WHITEOUT_PREFIX), name])), type: "file", mode: 0o600, size: 0 };
        continue;
      }
      const xattrs = withXattrs ? readXattrs(p) : undefined;
      if (st.isDirectory()) {
        yield { ...common, name: r, type: "dir", xattrs };
        if (opts.overlayWhiteouts && lgetxattr(p, OVERLAY_OPAQUE_XATTR)?.toString() === "y") {
          yield { ...common, name: join(r, Buffer.from(WHITEOUT_OPAQUE)), type: "file", mode: common.mode & 0o777, size: 0 };
        }
        yield* walk(r);
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1n ? seen.get(key) : undefined;
        if (first) {
          yield { ...common, name: r, type: "hardlink", linkname: first };
          continue;
        }
        if (st.nlink > 1n) seen.set(key, r);
        yield { ...common, name: r, type: "file", size: Number(st.size), source: { file: p }, xattrs };
      } else if (st.isSymbolicLink()) {
        yield { ...common, name: r, type: "symlink", linkname: readlinkSync(p, { encoding: "buffer" }), xattrs };
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        const type = st.isCharacterDevice() ? "char" : "block";
        yield { ...common, name: r, type, devmajor: devMajor(st.rdev), devminor: devMinor(st.rdev), xattrs };
      } else if (st.isFIFO()) {
        yield { ...common, name: r, type: "fifo", xattrs };
      }
      // sockets are skipped, as docker does
    }
  }

  if (opts.overlayWhiteouts && lgetxattr(base, OVERLAY_OPAQUE_XATTR)?.toString() === "y") {
    const st = lstatSync(base, { bigint: true });
    yield { name: WHITEOUT_OPAQUE, type: "file", mode: Number(st.mode & 0o777n), uid: Number(st.uid), gid: Number(st.gid), size: 0 };
  }
  yield* walk(Buffer.alloc(0));
}

/** A tar stream (uncompressed) of dir's contents. */
export function packDir(dir: string, opts: PackDirOptions = {}): Readable {
  return packTar(dirEntries(dir, opts));
}
