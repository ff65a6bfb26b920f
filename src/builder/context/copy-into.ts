/**
 * Docker's COPY/ADD into a mounted container root.
 *
 * - dest is relative to workdir; a dest ending in `/` (or `.`), or more than one source, names a
 *   directory (created, with missing parents, 0755 and owned by chown or 0:0).
 * - A directory source copies its contents; files keep their mode (unless chmod) and mtime and get
 *   chown or 0:0 (or keep their own with keepOwners); symlinks are copied as symlinks; hardlinks
 *   become separate files.
 * - dest is resolved inside rootfs (symlinks in the image never lead outside it); below dest nothing
 *   is followed: an existing non-directory in the way is replaced, like docker's untar.
 * - ADD (extractArchives) extracts a local tar, optionally gzip/bzip2/xz/zstd compressed (detected by
 *   content), into dest, keeping the archive's modes, and its owners unless chown is given (chown
 *   then applies to every extracted entry, like BuildKit ≥ 0.23; chmod does not apply).
 */
import {
  chmodSync,
  constants,
  copyFileSync,
  createReadStream,
  lchownSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  type Stats,
} from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { applyLayer, decompress } from "../../archive/index.js";
import { resolveInRoot } from "../../containers/fs/index.js";
import { InvalidArgumentError } from "../../errdefs/index.js";
import { S_IFBLK, S_IFCHR, S_IFIFO, mknod } from "../../native/index.js";
import type { SourceEntry } from "./copy-sources.js";
import { lstatOrNull } from "../../util/fs-stat.js";

export interface CopyIntoOptions {
  /** The container's working directory (absolute; "" or "/" for the root). */
  workdir: string;
  chown?: { uid: number; gid: number };
  /** Permission bits applied to every copied file and directory. */
  chmod?: number;
  /** ADD: extract local archives instead of copying them. */
  extractArchives: boolean;
  /** Sources never extracted even with extractArchives (ADD's URL downloads, as docker does). */
  noExtract?: ReadonlySet<string>;
  /** The instruction name for error messages (default "COPY"). */
  instruction?: string;
  /**
   * Without chown, keep each source's uid/gid instead of 0:0 — BuildKit's behaviour for
   * `COPY --from=<stage|image>` (the legacy builder chowns to 0:0 there too). Context sources
   * should leave this off: BuildKit resets context owners to 0:0.
   */
  keepOwners?: boolean;
  /**
   * Offered each regular file whose copy keeps the source's owner, mode and mtime, once `dst` is clear.
   * When it returns true, copyInto leaves `dst` alone and the caller puts the file there afterwards
   * (DeferredLinks: a hard link of the source, made in the unmounted snapshot's upper dir).
   */
  deferFile?: (src: string, st: Stats, dst: string) => boolean;
}

interface Ctx {
  /** Owner of everything written; undefined keeps each source's own (archive extraction without --chown). */
  owner: { uid: number; gid: number } | undefined;
  chmod: number | undefined;
  deferFile?: CopyIntoOptions["deferFile"];
}

const ownerOf = (ctx: Ctx, st: Stats): { uid: number; gid: number } => ctx.owner ?? { uid: st.uid, gid: st.gid };

// Synchronous calls per entry (lstatOrNull, copies): a thread-pool round trip per call costs more than
// the work itself (a COPY of thousands of small files is several times faster this way).

/** The absolute container path of dest (joined to workdir when relative) and whether dest names a directory (ends in `/` or `.`). */
export function normalizeDest(workdir: string, dest: string): { path: string; isDir: boolean } {
  const isDir = dest.endsWith("/") || dest === "." || dest.endsWith("/.") || dest === "" || dest === ".." || dest.endsWith("/..");
  const joined = dest.startsWith("/") ? dest : `${workdir.startsWith("/") ? workdir : "/" + workdir}/${dest}`;
  return { path: path.posix.normalize(joined), isDir };
}

/** Makes dir (host path under rootfs) and its missing parents, each owned by the owner (or 0:0), mode 0755. */
function mkdirOwned(ctx: Ctx, rootfs: string, containerDir: string): string {
  const fs = { rootfs, extraMounts: [] };
  let cur = "/";
  for (const c of containerDir.split("/").filter((x) => x !== "")) {
    const r = resolveInRoot(fs, path.posix.join(cur, c), { followFinal: true });
    const st = lstatOrNull(r.host);
    if (st === null) {
      mkdirSync(r.host, { mode: 0o755 });
      chmodSync(r.host, 0o755);
      lchownSync(r.host, ctx.owner?.uid ?? 0, ctx.owner?.gid ?? 0);
    } else if (!st.isDirectory()) {
      throw new InvalidArgumentError(`failed to copy files: mkdir ${r.containerPath}: not a directory`);
    }
    cur = r.containerPath;
  }
  return resolveInRoot(fs, cur, { followFinal: true }).host;
}

/** Clears the way for a new entry at p (a real path below a resolved dest); keeps a directory when keepDir. */
function clearFor(p: string, keepDir: boolean): boolean {
  const st = lstatOrNull(p);
  if (st === null) return false;
  if (st.isDirectory() && keepDir) return true;
  rmSync(p, { recursive: true, force: true });
  return false;
}

function finish(ctx: Ctx, dst: string, st: Stats, chmod: boolean): void {
  const o = ownerOf(ctx, st);
  lchownSync(dst, o.uid, o.gid); // before chmod: chown clears setuid/setgid
  if (chmod) chmodSync(dst, ctx.chmod ?? st.mode & 0o7777);
  lutimesSync(dst, st.atime, st.mtime);
}

/** Whether copying the file st would leave its owner and mode as they are. */
function keepsMetadata(ctx: Ctx, st: Stats): boolean {
  const o = ownerOf(ctx, st);
  return o.uid === st.uid && o.gid === st.gid && (ctx.chmod === undefined || ctx.chmod === (st.mode & 0o7777));
}

function copyNode(ctx: Ctx, src: string, st: Stats, dst: string): void {
  if (st.isFile()) {
    clearFor(dst, false);
    // deferred: the caller links src at dst later, and the link carries src's owner, mode and mtime
    if (ctx.deferFile && keepsMetadata(ctx, st) && ctx.deferFile(src, st, dst)) return;
    // COPYFILE_EXCL on a freshly cleared path: never writes through a link planted at dst.
    copyFileSync(src, dst, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE); // reflink where the fs can
    finish(ctx, dst, st, true);
  } else if (st.isDirectory()) {
    if (!clearFor(dst, true)) mkdirSync(dst, { mode: 0o700 });
    copyChildren(ctx, src, dst);
    finish(ctx, dst, st, true);
  } else if (st.isSymbolicLink()) {
    clearFor(dst, false);
    symlinkSync(readlinkSync(src), dst);
    finish(ctx, dst, st, false);
  } else if (st.isFIFO() || st.isCharacterDevice() || st.isBlockDevice()) {
    clearFor(dst, false);
    const kind = st.isFIFO() ? S_IFIFO : st.isCharacterDevice() ? S_IFCHR : S_IFBLK;
    mknod(dst, kind | (st.mode & 0o777), (st.rdev >> 8) & 0xfff, (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00));
    finish(ctx, dst, st, true);
  }
  // sockets are skipped, like docker's tar
}

function copyChildren(ctx: Ctx, srcDir: string, dstDir: string): void {
  for (const n of readdirSync(srcDir).sort()) {
    const s = path.join(srcDir, n);
    const st = lstatOrNull(s);
    if (st !== null) copyNode(ctx, s, st, path.join(dstDir, n));
  }
}

/** Whether a file is a (possibly compressed) tar archive, by content. */
export async function isArchiveFile(p: string): Promise<boolean> {
  const fh = await open(p, "r");
  let head: Buffer;
  try {
    const b = Buffer.alloc(8);
    const { bytesRead } = await fh.read(b, 0, 8, 0);
    head = b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  if (head.length === 0) return false;
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await decompress(createReadStream(p, { end: 64 * 1024 }))).stream;
  } catch {
    return false;
  }
  const parts: Buffer[] = [];
  let len = 0;
  try {
    for await (const c of stream) {
      const b = typeof c === "string" ? Buffer.from(c) : Buffer.from(c);
      parts.push(b);
      len += b.length;
      if (len >= 512) break;
    }
  } catch {
    // a truncated compressed prefix errors at its end: the bytes read so far still tell
  } finally {
    (stream as { destroy?: () => void }).destroy?.();
  }
  const block = Buffer.concat(parts).subarray(0, 512);
  return isTarHeaderBlock(block);
}

function isTarHeaderBlock(b: Buffer): boolean {
  if (b.length < 512) return false;
  const field = b.toString("latin1", 148, 156).replace(/[\0 ]+$/, "").trim();
  if (!/^[0-7]+$/.test(field)) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : (b[i] as number);
  return sum === parseInt(field, 8) && b[0] !== 0;
}

/**
 * Extracts an archive into dstHost: first into a private staging dir (applyLayer's confinement),
 * then merged in like a directory copy, so existing symlinks under dest are replaced, never
 * followed. Owners come from the archive, or from --chown (as BuildKit ≥ 0.23 does).
 */
async function extractArchive(ctx: Ctx, src: string, dstHost: string): Promise<void> {
  const staging = await mkdtemp(path.join(tmpdir(), "berth-add-"));
  try {
    const { stream } = await decompress(createReadStream(src));
    await applyLayer(stream, staging, { whiteouts: "delete" });
    copyChildren({ owner: ctx.owner, chmod: undefined }, staging, dstHost);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

export async function copyInto(
  entries: ReadonlyArray<SourceEntry>,
  rootfs: string,
  dest: string,
  opts: CopyIntoOptions,
): Promise<void> {
  const instr = opts.instruction ?? "COPY";
  const ctx: Ctx = {
    owner: opts.chown ?? (opts.keepOwners === true ? undefined : { uid: 0, gid: 0 }),
    chmod: opts.chmod,
    ...(opts.deferFile ? { deferFile: opts.deferFile } : {}),
  };
  const d = normalizeDest(opts.workdir, dest);
  if (entries.length > 1 && !d.isDir) {
    throw new InvalidArgumentError(`When using ${instr} with more than one source file, the destination must be a directory and end with a /`);
  }
  const fs = { rootfs, extraMounts: [] };
  for (const e of entries) {
    const st = lstatSync(e.host);
    if (st.isDirectory()) {
      // A directory source: its contents go into dest. Like BuildKit, a missing dest is made 0755
      // (owned by chown or 0:0) rather than taking the source directory's mode (the context root is
      // a private 0700 temp dir); an existing dest keeps its metadata.
      const r = resolveInRoot(fs, d.path, { followFinal: true });
      copyChildren(ctx, e.host, mkdirOwned(ctx, rootfs, r.containerPath));
      continue;
    }
    if (opts.extractArchives && !opts.noExtract?.has(e.host) && st.isFile() && (await isArchiveFile(e.host))) {
      const r = resolveInRoot(fs, d.path, { followFinal: true });
      const host = mkdirOwned(ctx, rootfs, r.containerPath);
      await extractArchive({ owner: opts.chown, chmod: undefined }, e.host, host);
      continue;
    }
    // A single file (or special file): into dest when dest is a directory, else as dest.
    let target = d.path;
    const r = resolveInRoot(fs, d.path, { followFinal: true });
    const existing = lstatOrNull(r.host);
    if (d.isDir || existing?.isDirectory()) {
      target = path.posix.join(r.containerPath, path.posix.basename(e.rel === "." ? e.host : e.rel));
    }
    const tr = resolveInRoot(fs, target, { followFinal: false });
    if (tr.containerPath === "/") throw new InvalidArgumentError(`${instr} failed: cannot copy to the root directory`);
    const parent = mkdirOwned(ctx, rootfs, path.posix.dirname(tr.containerPath));
    const dst = path.join(parent, path.posix.basename(tr.containerPath));
    const ex = lstatOrNull(dst);
    if (ex?.isDirectory()) rmSync(dst, { recursive: true, force: true });
    copyNode(ctx, e.host, st, dst);
  }
}
