/**
 * Extracts an uncompressed layer tar into `dest`, refusing anything that would write outside it:
 * absolute paths, `..` escapes, writes through symlinks (parents are lstat-checked, files opened
 * O_EXCL|O_NOFOLLOW), hardlinks to targets outside dest. Devices and fifos are made with mknod,
 * owners/modes/mtimes/xattrs restored (never trusted.overlay.* from a tar). Whiteouts are written
 * for overlayfs or applied by deletion (see ApplyTarget in snapshots/snapshotter.ts).
 */
import { createHash } from "../util/crypto.js";
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  futimesSync,
  lchownSync,
  linkSync,
  lutimesSync,
  mkdirSync,
  openSync,
  symlinkSync,
  writeSync,
} from "node:fs";
import { CanceledError, InvalidArgumentError, errnoCode } from "../errdefs/index.js";
import { S_IFBLK, S_IFCHR, S_IFIFO, lsetxattr, mknod } from "../native/index.js";
import type { ByteInput } from "./byte-source.js";
import { LayerRoot, lstatOrNull, normalizeEntryPath, quoteName, type Components } from "./layer-root.js";
import { walkTar, type TarEntry } from "./tar-reader.js";
import { applyWhiteout, OpaqueTracker } from "./apply-whiteouts.js";
import { WHITEOUT_META_PREFIX, WHITEOUT_OPAQUE, WHITEOUT_PREFIX, isForbiddenXattr } from "./whiteouts.js";

export interface ApplyOptions {
  /** "overlay": whiteouts become char 0/0 devices and opaque xattrs; "delete": they delete from dest. */
  whiteouts: "overlay" | "delete";
  /** Budget of file bytes written (default 64 GiB). */
  maxBytes?: number;
  /** Budget of tar entries (default 4 million). */
  maxEntries?: number;
  signal?: AbortSignal;
  /** Restore owners from the tar (default true; berthd runs as root). */
  sameOwner?: boolean;
  /** Non-fatal problems (an xattr the filesystem refuses, a skipped overlay xattr). */
  onWarning?: (message: string) => void;
  /** Called with each regular file's path and the sha256 of its content, hashed as it is written. */
  onFileDigest?: (path: string, sha256: Buffer) => void;
}

export interface ApplyResult {
  /** Sum of file body sizes. */
  size: number;
  /** What docker reports as a layer's size: file bytes plus symlink target lengths (hardlinks count once). */
  diffSize: number;
  entries: number;
}

export const DEFAULT_MAX_BYTES = 64 * 1024 ** 3;
export const DEFAULT_MAX_ENTRIES = 4_000_000;

interface Ctx {
  root: LayerRoot;
  opts: ApplyOptions;
  sameOwner: boolean;
  warn: (m: string) => void;
  dirTimes: Map<string, { comps: Components; mtime: number }>;
  opaque: OpaqueTracker | undefined;
}

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CanceledError("layer extraction canceled", { cause: signal.reason });
}

function applyXattrs(ctx: Ctx, p: Buffer, e: TarEntry): void {
  for (const [name, value] of e.xattrs) {
    if (isForbiddenXattr(name)) {
      ctx.warn(`skipped xattr ${name} on ${quoteName(e.nameBytes)} (overlay metadata is never taken from a tar)`);
      continue;
    }
    try {
      lsetxattr(p, name, value);
    } catch (err) {
      const code = errnoCode(err);
      if (code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "EPERM") throw err;
      ctx.warn(`cannot set xattr ${name} on ${quoteName(e.nameBytes)}: ${code}`);
    }
  }
}

/** Owner, then mode (chown clears setuid/setgid and capabilities), then xattrs, for a path we just made. */
function applyPathMeta(ctx: Ctx, p: Buffer, e: TarEntry, chmod: boolean): void {
  if (ctx.sameOwner) lchownSync(p, e.uid, e.gid);
  if (chmod) chmodSync(p, e.mode);
  applyXattrs(ctx, p, e);
}

async function writeFile(ctx: Ctx, comps: Components, e: TarEntry): Promise<void> {
  const p = ctx.root.abs(comps);
  ctx.root.clear(comps, false);
  // Synchronous calls on one fd: a thread-pool round trip per call would cost more than the work.
  const fd = openSync(p, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  const hash = ctx.opts.onFileDigest ? createHash("sha256") : undefined;
  try {
    for await (const chunk of e.body()) {
      checkAbort(ctx.opts.signal);
      hash?.update(chunk);
      let off = 0;
      while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
    }
    if (hash) ctx.opts.onFileDigest?.(p.toString(), hash.digest());
    if (ctx.sameOwner) fchownSync(fd, e.uid, e.gid);
    fchmodSync(fd, e.mode);
    applyXattrs(ctx, p, e);
    futimesSync(fd, e.mtime, e.mtime);
  } finally {
    closeSync(fd);
  }
}

function writeDir(ctx: Ctx, comps: Components, e: TarEntry): void {
  const p = ctx.root.abs(comps);
  if (ctx.root.clear(comps, true) === null) mkdirSync(p, 0o700);
  ctx.root.markDir(comps);
  applyPathMeta(ctx, p, e, true);
  ctx.dirTimes.set(ctx.root.key(comps), { comps, mtime: e.mtime });
}

function writeSymlink(ctx: Ctx, comps: Components, e: TarEntry): void {
  const p = ctx.root.abs(comps);
  ctx.root.clear(comps, false);
  symlinkSync(e.linknameBytes, p);
  applyPathMeta(ctx, p, e, false);
  lutimesSync(p, e.mtime, e.mtime);
}

function writeNode(ctx: Ctx, comps: Components, e: TarEntry): void {
  const p = ctx.root.abs(comps);
  ctx.root.clear(comps, false);
  const kind = e.type === "char" ? S_IFCHR : e.type === "block" ? S_IFBLK : S_IFIFO;
  mknod(p, kind | (e.mode & 0o777), e.devmajor, e.devminor);
  applyPathMeta(ctx, p, e, true);
  lutimesSync(p, e.mtime, e.mtime);
}

function writeHardlink(ctx: Ctx, comps: Components, e: TarEntry): void {
  const what = quoteName(e.nameBytes);
  let target: Components;
  try {
    target = normalizeEntryPath(e.linknameBytes, what);
  } catch {
    throw new InvalidArgumentError(`layer entry ${what} links to ${quoteName(e.linknameBytes)} outside the layer root`);
  }
  if (target.length === 0) throw new InvalidArgumentError(`layer entry ${what} is a hardlink to the layer root`);
  if (!ctx.root.ensureParents(target, what, false)) {
    throw new InvalidArgumentError(`layer entry ${what}: hardlink target ${quoteName(e.linknameBytes)} does not exist`);
  }
  const tp = ctx.root.abs(target);
  const st = lstatOrNull(tp);
  if (st === null) throw new InvalidArgumentError(`layer entry ${what}: hardlink target ${quoteName(e.linknameBytes)} does not exist`);
  if (st.isDirectory()) throw new InvalidArgumentError(`layer entry ${what}: hardlink target ${quoteName(e.linknameBytes)} is a directory`);
  if (ctx.root.key(target) === ctx.root.key(comps)) return;
  ctx.root.clear(comps, false);
  linkSync(tp, ctx.root.abs(comps)); // link(2) does not follow a symlink target: the link names the symlink itself
}

/** Sets directory mtimes last (their contents changed them), re-checking each path is still a real dir. */
function finishDirTimes(ctx: Ctx): void {
  for (const { comps, mtime } of ctx.dirTimes.values()) {
    try {
      if (!ctx.root.ensureParents(comps, quoteName(ctx.root.abs(comps)), false, false)) continue;
    } catch {
      continue;
    }
    const p = ctx.root.abs(comps);
    if (lstatOrNull(p)?.isDirectory()) lutimesSync(p, mtime, mtime);
  }
}

async function applyEntries(tar: ByteInput, ctx: Ctx, maxBytes: number, maxEntries: number): Promise<ApplyResult> {
  const { root, opts } = ctx;
  let size = 0;
  let linkBytes = 0;
  let entries = 0;
  for await (const e of walkTar(tar, { drain: true, maxTrailing: () => maxBytes - size })) {
    checkAbort(opts.signal);
    entries++;
    if (entries > maxEntries) {
      throw new InvalidArgumentError(`layer has more than ${maxEntries} entries: entry budget (maxEntries) exceeded`);
    }
    if (size + e.size > maxBytes) {
      throw new InvalidArgumentError(`layer exceeds the size budget of ${maxBytes} bytes (maxBytes) at entry ${quoteName(e.nameBytes)}`);
    }
    size += e.size;
    if (e.type === "symlink") linkBytes += e.linknameBytes.length;
    const what = quoteName(e.nameBytes);
    const comps = normalizeEntryPath(e.nameBytes, what);
    if (comps.length === 0) continue; // the root itself: dest's metadata belongs to the snapshotter
    const base = (comps[comps.length - 1] as Buffer).toString("latin1");
    if (base.startsWith(WHITEOUT_PREFIX)) {
      if (base.startsWith(WHITEOUT_META_PREFIX) && base !== WHITEOUT_OPAQUE) continue;
      applyWhiteout(root, comps, e, opts.whiteouts, ctx.opaque, ctx.sameOwner);
      continue;
    }
    root.ensureParents(comps, what, true);
    switch (e.type) {
      case "file":
        await writeFile(ctx, comps, e);
        break;
      case "dir":
        writeDir(ctx, comps, e);
        break;
      case "symlink":
        writeSymlink(ctx, comps, e);
        break;
      case "hardlink":
        writeHardlink(ctx, comps, e);
        break;
      case "char":
      case "block":
      case "fifo":
        writeNode(ctx, comps, e);
        break;
    }
    ctx.opaque?.record(comps);
  }
  finishDirTimes(ctx);
  return { size, entries, diffSize: size + linkBytes };
}

/** Applies an uncompressed layer tar to dest. On error nothing outside dest has been touched;
 *  the caller removes dest. */
export async function applyLayer(tar: ByteInput, dest: string, opts: ApplyOptions): Promise<ApplyResult> {
  checkAbort(opts.signal);
  const root = new LayerRoot(dest);
  const ctx: Ctx = {
    root,
    opts,
    sameOwner: opts.sameOwner ?? true,
    warn: opts.onWarning ?? (() => undefined),
    dirTimes: new Map(),
    opaque: opts.whiteouts === "delete" ? new OpaqueTracker(root) : undefined,
  };
  // An abort must also end a wait for input that never comes: destroy a stream input.
  const onAbort = (): void => (tar as { destroy?: (e: Error) => void }).destroy?.(new CanceledError("layer extraction canceled"));
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    return await applyEntries(tar, ctx, opts.maxBytes ?? DEFAULT_MAX_BYTES, opts.maxEntries ?? DEFAULT_MAX_ENTRIES);
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
  }
}
