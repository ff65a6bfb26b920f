import { constants, promises as fsp, type BigIntStats } from "node:fs";
import * as native from "../../native/index.js";

/**
 * Copies the contents of directory src into the existing directory dst, keeping what a layer can
 * carry: owners, modes (setuid/setgid/sticky included), xattrs (trusted.*, security.* and user.*),
 * timestamps, hardlinks (within the tree), symlinks, device nodes, fifos and sockets. Regular files are
 * reflinked where the file system can (COPYFILE_FICLONE), else copied in the kernel. Never follows a
 * symlink from the tree. Names are handled as raw bytes (not every layer's names are UTF-8).
 * Ownership needs root; as another user, files keep that user (lchown to oneself is allowed).
 */
export async function copyTree(src: string, dst: string): Promise<void> {
  const ctx: CopyContext = { links: new Map(), limit: new Limiter(16) };
  const s = Buffer.from(src);
  const d = Buffer.from(dst);
  await copyDirContents(ctx, s, d);
  await copyMeta(s, d, await fsp.lstat(s, { bigint: true }));
}

interface CopyContext {
  /** Multiply-linked non-directories already copied ("dev:ino" → the copy's path). */
  links: Map<string, Promise<Buffer>>;
  limit: Limiter;
}

/** At most n leaf operations in flight (directories never hold a slot, so nesting cannot deadlock). */
class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly n: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.n) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

const slash = Buffer.from("/");
const join = (a: Buffer, b: Buffer): Buffer => Buffer.concat([a, slash, b]);

async function copyDirContents(ctx: CopyContext, src: Buffer, dst: Buffer): Promise<void> {
  const names = await fsp.readdir(src, { encoding: "buffer" });
  await Promise.all(names.map((n) => copyEntry(ctx, join(src, n), join(dst, n))));
}

async function copyEntry(ctx: CopyContext, s: Buffer, d: Buffer): Promise<void> {
  const st = await fsp.lstat(s, { bigint: true });
  if (st.isDirectory()) {
    await fsp.mkdir(d, { mode: 0o700 });
    await copyDirContents(ctx, s, d);
    await ctx.limit.run(() => copyMeta(s, d, st)); // after the children: keeps the mtime and any read-only mode
    return;
  }
  if (st.nlink > 1n) {
    const id = `${st.dev}:${st.ino}`;
    const first = ctx.links.get(id);
    if (first) {
      const target = await first;
      await ctx.limit.run(() => fsp.link(target, d));
      return;
    }
    const copied = ctx.limit.run(() => copyNode(s, d, st)).then(() => d);
    ctx.links.set(id, copied);
    await copied;
    return;
  }
  await ctx.limit.run(() => copyNode(s, d, st));
}

const S_IFMT = 0o170000n;

function devParts(rdev: bigint): { major: number; minor: number } {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return { major: Number(major), minor: Number(minor) };
}

async function copyNode(s: Buffer, d: Buffer, st: BigIntStats): Promise<void> {
  if (st.isFile()) {
    await fsp.copyFile(s, d, constants.COPYFILE_FICLONE);
  } else if (st.isSymbolicLink()) {
    await fsp.symlink(await fsp.readlink(s, { encoding: "buffer" }), d);
  } else {
    // Character and block devices, fifos, sockets.
    const { major, minor } = devParts(st.rdev);
    native.mknod(d, Number(st.mode & (S_IFMT | 0o777n)), major, minor);
  }
  await copyMeta(s, d, st);
}

/** Owner, then mode (a chown clears setuid bits), then xattrs (a chown clears security.capability), then times. */
async function copyMeta(s: Buffer, d: Buffer, st: BigIntStats): Promise<void> {
  await fsp.lchown(d, Number(st.uid), Number(st.gid));
  if (!st.isSymbolicLink()) await fsp.chmod(d, Number(st.mode & 0o7777n));
  for (const name of native.llistxattr(s)) {
    const value = native.lgetxattr(s, name);
    if (value !== undefined) native.lsetxattr(d, name, value);
  }
  await fsp.lutimes(d, nsToSeconds(st.atimeNs), nsToSeconds(st.mtimeNs));
}

function nsToSeconds(ns: bigint): number {
  return Number(ns / 1000n) / 1e6;
}
