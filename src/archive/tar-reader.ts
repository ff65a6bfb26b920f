/**
 * Streaming tar reader. `walkTar(input)` yields one TarEntry per file-system entry (ustar, GNU long
 * names/links, pax local and global headers with raw-byte values, base-256 numbers). An entry's body
 * must be consumed before the next entry is requested, or it is skipped then; reading a body after
 * moving on throws.
 */
import { InvalidArgumentError } from "../errdefs/index.js";
import { ByteSource, type ByteInput } from "./byte-source.js";
import { parsePax, paxXattrs, type PaxRecords } from "./pax.js";
import { BLOCK, TYPE, cstring, decodeHeader, isZeroBlock, padding, type EntryType } from "./tar-format.js";

export interface TarEntry {
  type: EntryType;
  /** The entry's path as raw bytes (pax `path` > GNU `L` > ustar prefix/name). */
  nameBytes: Buffer;
  /** nameBytes decoded as UTF-8 (lossy for other encodings: use nameBytes to create files). */
  name: string;
  /** Link target (symlinks, hardlinks) as raw bytes; empty otherwise. */
  linknameBytes: Buffer;
  linkname: string;
  /** Permission bits including setuid/setgid/sticky (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** Body size in bytes (0 for everything but files). */
  size: number;
  /** Modification time in seconds since the epoch (may be fractional from pax). */
  mtime: number;
  devmajor: number;
  devminor: number;
  /** Extended attributes from pax SCHILY.xattr.* records, values as raw bytes. */
  xattrs: Map<string, Buffer>;
  /** All pax records that applied (global then local), raw values. */
  pax: PaxRecords;
  /** Offset of the entry's header in the archive. */
  offset: number;
  /** The body, readable once while this entry is current. */
  body(): AsyncIterable<Buffer>;
  /** The whole body in memory (for small entries). */
  readAll(): Promise<Buffer>;
}

export interface WalkTarOptions {
  /** Largest accepted pax/GNU meta header (default 8 MiB). */
  maxMetaSize?: number;
  /** Called for entries of a type berth does not extract (sparse, volume labels...); they are skipped. */
  onUnsupported?: (typeflag: string, name: string) => void;
  /** Read and discard what follows the end-of-archive marker (default true), so digests see all bytes. */
  drain?: boolean;
  /** Most bytes accepted after the end-of-archive marker when draining (a budget: beyond it, an error). */
  maxTrailing?: number | (() => number);
}

const ENTRY_TYPES = new Map<number, EntryType>([
  [TYPE.file, "file"],
  [TYPE.fileOld, "file"],
  [TYPE.contiguous, "file"],
  [TYPE.hardlink, "hardlink"],
  [TYPE.symlink, "symlink"],
  [TYPE.char, "char"],
  [TYPE.block, "block"],
  [TYPE.dir, "dir"],
  [TYPE.fifo, "fifo"],
]);

function paxNumber(v: Buffer | undefined, key: string, integer: boolean): number | undefined {
  if (v === undefined) return undefined;
  const s = v.toString("latin1");
  const re = integer ? /^[0-9]+$/ : /^-?[0-9]+(\.[0-9]+)?$/;
  if (!re.test(s)) throw new InvalidArgumentError(`invalid pax header: bad ${key} ${JSON.stringify(s)}`);
  const n = Number(s);
  if (!Number.isFinite(n) || (integer && !Number.isSafeInteger(n))) {
    throw new InvalidArgumentError(`invalid pax header: ${key} out of range`);
  }
  return n;
}

/** Iterates the entries of an uncompressed tar stream. */
export async function* walkTar(input: ByteInput, opts: WalkTarOptions = {}): AsyncGenerator<TarEntry> {
  const src = new ByteSource(input);
  const maxMeta = opts.maxMetaSize ?? 8 << 20;
  let global: PaxRecords = new Map();
  let local: PaxRecords | undefined;
  let longName: Buffer | undefined;
  let longLink: Buffer | undefined;
  try {
    for (;;) {
      const offset = src.offset;
      const block = await src.readExactOrEnd(BLOCK, "header");
      if (block === null) return; // no end-of-archive marker: accepted, as Go's archive/tar does
      if (isZeroBlock(block)) {
        const second = await src.readExactOrEnd(BLOCK, "end-of-archive marker");
        if (second !== null && !isZeroBlock(second)) {
          throw new InvalidArgumentError(`invalid tar header: zero block followed by data at offset ${offset}`);
        }
        if (opts.drain !== false) {
          const limit = typeof opts.maxTrailing === "function" ? opts.maxTrailing() : (opts.maxTrailing ?? Infinity);
          const n = await src.drain(limit);
          if (n > limit) throw new InvalidArgumentError(`tar archive has more than ${limit} bytes after its end marker (budget exceeded)`);
        }
        return;
      }
      const h = decodeHeader(block, offset);
      const pad = padding(h.size);
      const tf = h.typeflag;
      if (tf === TYPE.paxLocal || tf === TYPE.paxGlobal || tf === TYPE.gnuLongName || tf === TYPE.gnuLongLink) {
        if (h.size > maxMeta) throw new InvalidArgumentError(`tar meta header at offset ${offset} too large (${h.size} bytes)`);
        const data = await src.readExact(h.size, "extended header");
        await src.skip(pad, "extended header padding");
        if (tf === TYPE.paxLocal) local = new Map([...(local ?? []), ...parsePax(data)]);
        else if (tf === TYPE.paxGlobal) global = new Map([...global, ...parsePax(data)]);
        else if (tf === TYPE.gnuLongName) longName = Buffer.from(cstring(data));
        else longLink = Buffer.from(cstring(data));
        continue;
      }
      const pax: PaxRecords = new Map([...global, ...(local ?? [])]);
      for (const [k, v] of pax) if (v.length === 0) pax.delete(k); // an empty value deletes
      local = undefined;
      const nameBytes = pax.get("path") ?? longName ?? h.name;
      const linknameBytes = pax.get("linkpath") ?? longLink ?? h.linkname;
      longName = longLink = undefined;
      let type = ENTRY_TYPES.get(tf);
      if (tf === TYPE.fileOld && nameBytes[nameBytes.length - 1] === 0x2f) type = "dir";
      const size = paxNumber(pax.get("size"), "size", true) ?? h.size;
      if (type === undefined || pax.has("GNU.sparse.major") || pax.has("GNU.sparse.size")) {
        const flag = tf === 0 ? "\\0" : String.fromCharCode(tf);
        opts.onUnsupported?.(flag, nameBytes.toString("utf8"));
        if (!opts.onUnsupported) {
          throw new InvalidArgumentError(`unsupported tar entry type '${flag}' for ${JSON.stringify(nameBytes.toString("utf8"))}`);
        }
        await src.skip(size + padding(size), "unsupported entry");
        continue;
      }
      // As in Go's archive/tar, only files have data: other types' size fields are ignored.
      const dataSize = type === "file" ? size : 0;
      let remaining = dataSize;
      let current = true;
      const body = async function* (): AsyncGenerator<Buffer> {
        if (!current) throw new Error("tar entry body read after the next entry was requested");
        for await (const b of src.stream(remaining, `body of ${JSON.stringify(nameBytes.toString("utf8"))}`)) {
          remaining -= b.length;
          yield b;
        }
      };
      const entry: TarEntry = {
        type,
        nameBytes,
        name: nameBytes.toString("utf8"),
        linknameBytes,
        linkname: linknameBytes.toString("utf8"),
        mode: h.mode & 0o7777,
        uid: paxNumber(pax.get("uid"), "uid", true) ?? h.uid,
        gid: paxNumber(pax.get("gid"), "gid", true) ?? h.gid,
        uname: (pax.get("uname") ?? h.uname).toString("utf8"),
        gname: (pax.get("gname") ?? h.gname).toString("utf8"),
        size: dataSize,
        mtime: paxNumber(pax.get("mtime"), "mtime", false) ?? h.mtime,
        devmajor: h.devmajor,
        devminor: h.devminor,
        xattrs: paxXattrs(pax),
        pax,
        offset,
        body,
        readAll: async () => {
          const parts: Buffer[] = [];
          for await (const b of body()) parts.push(b);
          return Buffer.concat(parts);
        },
      };
      yield entry;
      current = false;
      await src.skip(remaining + padding(dataSize), "entry body");
    }
  } finally {
    await src.close();
  }
}
