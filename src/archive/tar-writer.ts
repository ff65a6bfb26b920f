/**
 * Streaming tar writer. Output is deterministic: the same entries give the same bytes (fixed pax
 * record order, no pids or wall-clock times in pax header names). Long or non-ASCII names, big
 * numbers, fractional mtimes and xattrs go into a pax header before the entry.
 */
import { closeSync, constants, openSync, readSync } from "node:fs";
import { open } from "node:fs/promises";
import { Readable } from "node:stream";
import { InvalidArgumentError } from "../errdefs/index.js";
import { bufferPool } from "../util/buffer-pool.js";
import { XATTR_PREFIX, encodePax, type PaxRecords } from "./pax.js";
import { BLOCK, TYPE, encodeHeader, fitsOctal, padding, type EntryType } from "./tar-format.js";

export type TarSource = Uint8Array | AsyncIterable<Uint8Array> | { file: string | Buffer };

export interface TarWriteEntry {
  name: string | Buffer;
  type: EntryType;
  /** Permission bits incl. setuid/setgid/sticky; default 0o644 (files) or 0o755 (dirs). */
  mode?: number;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  /** Seconds since the epoch (or a Date); default 0. */
  mtime?: number | Date;
  /** Files: the body length. Required unless source is a Uint8Array. */
  size?: number;
  /** Files: the body. A `{ file }` source is opened with O_NOFOLLOW. */
  source?: TarSource;
  /** Symlink target or hardlink target (a path inside the archive). */
  linkname?: string | Buffer;
  devmajor?: number;
  devminor?: number;
  /** Written as pax SCHILY.xattr.<name> records, in sorted name order. */
  xattrs?: Map<string, Buffer> | Record<string, Buffer>;
}

const TYPEFLAGS: Record<EntryType, number> = {
  file: TYPE.file,
  hardlink: TYPE.hardlink,
  symlink: TYPE.symlink,
  char: TYPE.char,
  block: TYPE.block,
  dir: TYPE.dir,
  fifo: TYPE.fifo,
};

const bytes = (v: string | Buffer): Buffer => (typeof v === "string" ? Buffer.from(v, "utf8") : v);
const isAscii = (b: Buffer): boolean => b.every((c) => c > 0 && c < 0x80);

function entrySize(e: TarWriteEntry): number {
  if (e.type !== "file") return 0;
  if (e.size !== undefined) return e.size;
  if (e.source instanceof Uint8Array) return e.source.byteLength;
  if (e.source === undefined) return 0;
  throw new InvalidArgumentError(`tar: size of ${JSON.stringify(String(e.name))} is required for a stream source`);
}

function mtimeOf(e: TarWriteEntry): number {
  const m = e.mtime instanceof Date ? e.mtime.getTime() / 1000 : (e.mtime ?? 0);
  if (!Number.isFinite(m) || m < 0) throw new InvalidArgumentError(`tar: invalid mtime for ${String(e.name)}`);
  return m;
}

function sortedXattrs(x: TarWriteEntry["xattrs"]): [string, Buffer][] {
  if (!x) return [];
  const list = x instanceof Map ? [...x] : Object.entries(x);
  return list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The header blocks (pax header if needed, then the ustar header) for one entry. */
export function encodeEntryHeaders(e: TarWriteEntry): Buffer {
  let name = bytes(e.name);
  if (e.type === "dir" && name[name.length - 1] !== 0x2f) name = Buffer.concat([name, Buffer.from("/")]);
  const link = bytes(e.linkname ?? "");
  if ((e.type === "symlink" || e.type === "hardlink") && link.length === 0) {
    throw new InvalidArgumentError(`tar: ${e.type} ${JSON.stringify(name.toString())} has no link target`);
  }
  const size = entrySize(e);
  const uid = e.uid ?? 0;
  const gid = e.gid ?? 0;
  const mtime = mtimeOf(e);
  const pax: PaxRecords = new Map();
  if (name.length > 100 || !isAscii(name)) pax.set("path", name);
  if (link.length > 100 || (link.length > 0 && !isAscii(link))) pax.set("linkpath", link);
  if (!fitsOctal(size, 12)) pax.set("size", Buffer.from(String(size)));
  if (!fitsOctal(uid, 8)) pax.set("uid", Buffer.from(String(uid)));
  if (!fitsOctal(gid, 8)) pax.set("gid", Buffer.from(String(gid)));
  const uname = bytes(e.uname ?? "");
  const gname = bytes(e.gname ?? "");
  if (uname.length > 32 || !uname.every((c) => c < 0x80)) pax.set("uname", uname);
  if (gname.length > 32 || !gname.every((c) => c < 0x80)) pax.set("gname", gname);
  if (!Number.isInteger(mtime) || !fitsOctal(mtime, 12)) pax.set("mtime", Buffer.from(String(mtime)));
  for (const [k, v] of sortedXattrs(e.xattrs)) {
    if (k.length === 0 || k.includes("\0")) throw new InvalidArgumentError(`tar: invalid xattr name ${JSON.stringify(k)}`);
    pax.set(XATTR_PREFIX + k, Buffer.from(v));
  }
  const defaultMode = e.type === "dir" ? 0o755 : e.type === "symlink" ? 0o777 : 0o644;
  const header = encodeHeader({
    name: name.subarray(0, 100),
    mode: (e.mode ?? defaultMode) & 0o7777,
    uid,
    gid,
    size,
    mtime: Math.floor(mtime),
    typeflag: TYPEFLAGS[e.type],
    linkname: link.subarray(0, 100),
    uname,
    gname,
    devmajor: e.devmajor ?? 0,
    devminor: e.devminor ?? 0,
  });
  if (pax.size === 0) return header;
  const data = encodePax(pax);
  const base = name.subarray(name.lastIndexOf(0x2f, name.length - 2) + 1).toString("latin1").replace(/\/$/, "");
  const paxName = Buffer.from(("PaxHeaders/" + base.replace(/[^\x21-\x7e]/g, "_")).slice(0, 100), "latin1");
  const paxHeader = encodeHeader({
    name: paxName,
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: data.length,
    mtime: Math.min(Math.floor(mtime), 8 ** 11 - 1),
    typeflag: TYPE.paxLocal,
    linkname: Buffer.alloc(0),
    uname: Buffer.alloc(0),
    gname: Buffer.alloc(0),
    devmajor: 0,
    devminor: 0,
  });
  return Buffer.concat([paxHeader, data, Buffer.alloc(padding(data.length)), header]);
}

/** writeTar reads file bodies in pieces of at most this many bytes. */
const READ_PIECE = 1 << 20;
/** writeTar's pairs of body buffers. */
const readPieces = bufferPool(READ_PIECE, 4);

async function* sourceChunks(src: TarSource | undefined): AsyncGenerator<Uint8Array> {
  if (src === undefined) return;
  if (src instanceof Uint8Array) {
    yield src;
    return;
  }
  if ("file" in src) {
    const fh = await open(src.file, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      for (;;) {
        const buf = Buffer.allocUnsafe(256 * 1024);
        const { bytesRead } = await fh.read(buf, 0, buf.length, null);
        if (bytesRead === 0) return;
        yield buf.subarray(0, bytesRead);
      }
    } finally {
      await fh.close();
    }
  }
  yield* src;
}

function checkBodySize(e: TarWriteEntry, written: number, size: number): void {
  if (written !== size) throw new InvalidArgumentError(`tar: ${JSON.stringify(String(e.name))}: source gave ${written} bytes, expected ${size}`);
}

/** The body and padding of a file entry of `size` bytes. Throws when the source's length differs. */
async function* encodeBody(e: TarWriteEntry, size: number): AsyncGenerator<Buffer> {
  let written = 0;
  const it = sourceChunks(e.source)[Symbol.asyncIterator]();
  try {
    while (written < size) {
      const r = await it.next();
      if (r.done) break;
      const chunk = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
      const take = chunk.subarray(0, size - written);
      written += take.length;
      if (take.length > 0) yield take;
    }
  } finally {
    await it.return?.(undefined);
  }
  checkBodySize(e, written, size);
  const pad = padding(size);
  if (pad > 0) yield Buffer.alloc(pad);
}

/** Header, body and padding of one entry. Throws when the source's length differs from size. */
export async function* encodeEntry(e: TarWriteEntry): AsyncGenerator<Buffer> {
  yield encodeEntryHeaders(e);
  if (e.type !== "file") return;
  yield* encodeBody(e, entrySize(e));
}

/** The end-of-archive marker (two zero blocks). */
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);

/** A tar byte stream (async generator) from entries; ends with the end-of-archive marker. */
export async function* tarChunks(entries: Iterable<TarWriteEntry> | AsyncIterable<TarWriteEntry>): AsyncGenerator<Buffer> {
  for await (const e of entries) yield* encodeEntry(e);
  yield END_OF_ARCHIVE;
}

/**
 * Where writeTar puts a tar's bytes. The chunk given to one call may be changed again once the sink's
 * next call has resolved, not before: a sink may keep one write in flight (ContentWriter.write, owned).
 */
export type TarSink = (chunk: Uint8Array) => Promise<void>;

/**
 * Writes the tar of entries to sink: the same bytes packTar gives, without a stream in between. File bodies
 * go through two 1 MiB buffers used in turn (see TarSink; pooled), so a big tree costs no garbage and no GC, and are
 * read synchronously: for files just written (a build step's), a read from the page cache costs less than
 * the thread pool's round trip, and the sink's writes in flight still let other work in between pieces.
 */
export async function writeTar(entries: Iterable<TarWriteEntry> | AsyncIterable<TarWriteEntry>, sink: TarSink, signal?: AbortSignal): Promise<void> {
  const bufs = [readPieces.take(), readPieces.take()];
  await writeEntries(entries, sink, bufs, signal);
  // sink(END_OF_ARCHIVE) has resolved: no write in flight still reads them (on an error one might)
  for (const b of bufs) readPieces.give(b);
}

async function writeEntries(entries: Iterable<TarWriteEntry> | AsyncIterable<TarWriteEntry>, sink: TarSink, bufs: Buffer[], signal?: AbortSignal): Promise<void> {
  let turn = 0;
  for await (const e of entries) {
    signal?.throwIfAborted();
    await sink(encodeEntryHeaders(e));
    if (e.type !== "file") continue;
    const size = entrySize(e);
    const src = e.source;
    if (src === undefined || src instanceof Uint8Array || !("file" in src)) {
      // not a file on disk: the generic path (its chunks are the source's own)
      for await (const c of encodeBody(e, size)) await sink(c);
      continue;
    }
    const fd = openSync(src.file, constants.O_RDONLY | constants.O_NOFOLLOW);
    let written = 0;
    try {
      while (written < size) {
        const buf = bufs[turn] as Buffer;
        turn ^= 1;
        const bytesRead = readSync(fd, buf, 0, Math.min(buf.length, size - written), null);
        if (bytesRead === 0) break;
        written += bytesRead;
        await sink(buf.subarray(0, bytesRead));
      }
    } finally {
      closeSync(fd);
    }
    checkBodySize(e, written, size);
    const pad = padding(size);
    if (pad > 0) await sink(Buffer.alloc(pad));
  }
  await sink(END_OF_ARCHIVE);
}

/** A Readable tar stream from entries. */
export function packTar(entries: Iterable<TarWriteEntry> | AsyncIterable<TarWriteEntry>): Readable {
  return Readable.from(tarChunks(entries), { objectMode: false });
}
