/**
 * The 512-byte tar header: field layout (ustar, with GNU and pax extensions handled by the reader and
 * writer), numeric fields (octal, or GNU base-256 when a value does not fit), and the checksum.
 */
import { InvalidArgumentError } from "../errdefs/index.js";

export const BLOCK = 512;

/** Typeflags berth reads and writes. */
export const TYPE = {
  file: 0x30, // '0'
  fileOld: 0x00, // '\0'
  hardlink: 0x31, // '1'
  symlink: 0x32, // '2'
  char: 0x33, // '3'
  block: 0x34, // '4'
  dir: 0x35, // '5'
  fifo: 0x36, // '6'
  contiguous: 0x37, // '7' (read as a file)
  paxLocal: 0x78, // 'x'
  paxGlobal: 0x67, // 'g'
  gnuLongName: 0x4c, // 'L'
  gnuLongLink: 0x4b, // 'K'
} as const;

export type EntryType = "file" | "hardlink" | "symlink" | "char" | "block" | "dir" | "fifo";

const FIELDS = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  chksum: [148, 8],
  linkname: [157, 100],
  magic: [257, 6],
  version: [263, 2],
  uname: [265, 32],
  gname: [297, 32],
  devmajor: [329, 8],
  devminor: [337, 8],
  prefix: [345, 155],
} as const satisfies Record<string, readonly [number, number]>;
type Field = keyof typeof FIELDS;

/** A decoded header block, before pax/GNU overrides. Names are raw bytes. */
export interface RawHeader {
  name: Buffer;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: number;
  linkname: Buffer;
  uname: Buffer;
  gname: Buffer;
  devmajor: number;
  devminor: number;
}

function field(block: Buffer, f: Field): Buffer {
  const [off, len] = FIELDS[f];
  return block.subarray(off, off + len);
}

/** The bytes of a NUL-terminated field. */
export function cstring(b: Buffer): Buffer {
  const nul = b.indexOf(0);
  return nul < 0 ? b : b.subarray(0, nul);
}

/** Parses an octal or base-256 numeric field. Throws on garbage. */
export function parseNumeric(b: Buffer, what: string): number {
  if (b.length > 0 && ((b[0] as number) & 0x80) !== 0) {
    if (b[0] === 0xff) throw new InvalidArgumentError(`invalid tar header: negative ${what}`);
    let v = (b[0] as number) & 0x7f;
    for (let i = 1; i < b.length; i++) {
      v = v * 256 + (b[i] as number);
      if (v > Number.MAX_SAFE_INTEGER) throw new InvalidArgumentError(`invalid tar header: ${what} too large`);
    }
    return v;
  }
  const s = cstring(b).toString("latin1").replace(/^[ ]+|[ ]+$/g, "");
  if (s === "") return 0;
  if (!/^[0-7]+$/.test(s)) throw new InvalidArgumentError(`invalid tar header: bad ${what} field ${JSON.stringify(s)}`);
  return parseInt(s, 8);
}

function sums(block: Buffer): { unsigned: number; signed: number } {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : (block[i] as number);
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  return { unsigned, signed };
}

export function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/** Decodes one header block; `offset` names its position in errors. */
export function decodeHeader(block: Buffer, offset: number): RawHeader {
  const stored = parseNumeric(field(block, "chksum"), "checksum");
  const { unsigned, signed } = sums(block);
  if (stored !== unsigned && stored !== signed) {
    throw new InvalidArgumentError(`invalid tar header: checksum mismatch at offset ${offset}`);
  }
  const magic = field(block, "magic").toString("latin1");
  const version = field(block, "version").toString("latin1");
  let name = Buffer.from(cstring(field(block, "name")));
  if (magic === "ustar\0" && version === "00") {
    // POSIX ustar: a non-empty prefix is the leading part of the name. (GNU's "ustar  \0" has none.)
    const prefix = cstring(field(block, "prefix"));
    if (prefix.length > 0) name = Buffer.concat([prefix, Buffer.from("/"), name]);
  }
  return {
    name,
    mode: parseNumeric(field(block, "mode"), "mode"),
    uid: parseNumeric(field(block, "uid"), "uid"),
    gid: parseNumeric(field(block, "gid"), "gid"),
    size: parseNumeric(field(block, "size"), "size"),
    mtime: parseNumeric(field(block, "mtime"), "mtime"),
    typeflag: block[156] as number,
    linkname: Buffer.from(cstring(field(block, "linkname"))),
    uname: Buffer.from(cstring(field(block, "uname"))),
    gname: Buffer.from(cstring(field(block, "gname"))),
    devmajor: parseNumeric(field(block, "devmajor"), "devmajor"),
    devminor: parseNumeric(field(block, "devminor"), "devminor"),
  };
}

/** True when v fits the field as octal (len-1 digits plus NUL). */
export function fitsOctal(v: number, len: number): boolean {
  return Number.isInteger(v) && v >= 0 && v < 8 ** (len - 1);
}

function writeNumeric(block: Buffer, f: Field, v: number): void {
  const [off, len] = FIELDS[f];
  if (!Number.isInteger(v) || v < 0) throw new InvalidArgumentError(`tar: invalid ${f} ${v}`);
  if (fitsOctal(v, len)) {
    block.write(v.toString(8).padStart(len - 1, "0") + "\0", off, len, "latin1");
    return;
  }
  // GNU base-256: high bit set, big-endian value in the remaining bytes.
  let rest = v;
  for (let i = len - 1; i >= 1; i--) {
    block[off + i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  if (rest > 0x7f) throw new InvalidArgumentError(`tar: ${f} ${v} too large`);
  block[off] = 0x80 | rest;
}

function writeBytes(block: Buffer, f: Field, b: Buffer): void {
  const [off, len] = FIELDS[f];
  b.copy(block, off, 0, Math.min(len, b.length));
}

/** Encodes a ustar header block. Fields that do not fit are truncated (names) or base-256 (numbers):
 *  the writer puts the full values in a pax header before it. */
export function encodeHeader(h: RawHeader): Buffer {
  const block = Buffer.alloc(BLOCK);
  writeBytes(block, "name", h.name);
  writeNumeric(block, "mode", h.mode);
  writeNumeric(block, "uid", h.uid);
  writeNumeric(block, "gid", h.gid);
  writeNumeric(block, "size", h.size);
  writeNumeric(block, "mtime", h.mtime);
  block[156] = h.typeflag;
  writeBytes(block, "linkname", h.linkname);
  block.write("ustar\0" + "00", 257, 8, "latin1");
  writeBytes(block, "uname", h.uname);
  writeBytes(block, "gname", h.gname);
  writeNumeric(block, "devmajor", h.devmajor);
  writeNumeric(block, "devminor", h.devminor);
  const { unsigned } = sums(block);
  block.write(unsigned.toString(8).padStart(6, "0") + "\0 ", 148, 8, "latin1");
  return block;
}

export function padding(size: number): number {
  const r = size % BLOCK;
  return r === 0 ? 0 : BLOCK - r;
}
