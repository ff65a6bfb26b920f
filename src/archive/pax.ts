/**
 * pax extended header records: `"<len> <key>=<value>\n"`. Keys are text; values stay raw bytes, so
 * binary `SCHILY.xattr.*` values and non-UTF-8 paths survive a round trip.
 */
import { InvalidArgumentError } from "../errdefs/index.js";

export type PaxRecords = Map<string, Buffer>;

export function parsePax(data: Buffer): PaxRecords {
  const out: PaxRecords = new Map();
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break; // some writers pad with NULs
    const sp = data.indexOf(0x20, pos);
    if (sp < 0) throw new InvalidArgumentError("invalid pax header: missing length");
    const lenText = data.toString("latin1", pos, sp);
    if (!/^[0-9]+$/.test(lenText)) throw new InvalidArgumentError("invalid pax header: bad record length");
    const len = parseInt(lenText, 10);
    const end = pos + len;
    if (len <= sp - pos + 1 || end > data.length || data[end - 1] !== 0x0a) {
      throw new InvalidArgumentError("invalid pax header: bad record");
    }
    const eq = data.indexOf(0x3d, sp + 1);
    if (eq < 0 || eq >= end) throw new InvalidArgumentError("invalid pax header: record without '='");
    const key = data.toString("utf8", sp + 1, eq);
    out.set(key, Buffer.from(data.subarray(eq + 1, end - 1)));
    pos = end;
  }
  return out;
}

function record(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from("\n")]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

/** Encodes records in the map's order (callers insert in a fixed order: output is deterministic). */
export function encodePax(records: PaxRecords): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of records) {
    if (k.includes("=") || k.includes("\n")) throw new InvalidArgumentError(`invalid pax key ${JSON.stringify(k)}`);
    parts.push(record(k, v));
  }
  return Buffer.concat(parts);
}

export const XATTR_PREFIX = "SCHILY.xattr.";
const LIBARCHIVE_XATTR = "LIBARCHIVE.xattr.";

/** xattrs carried by pax records (SCHILY.xattr.<name>, and libarchive's base64 form). */
export function paxXattrs(records: PaxRecords): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of records) {
    if (k.startsWith(XATTR_PREFIX)) out.set(k.slice(XATTR_PREFIX.length), v);
  }
  for (const [k, v] of records) {
    if (!k.startsWith(LIBARCHIVE_XATTR)) continue;
    let name: string;
    try {
      name = decodeURIComponent(k.slice(LIBARCHIVE_XATTR.length));
    } catch {
      continue;
    }
    if (!out.has(name)) out.set(name, Buffer.from(v.toString("latin1"), "base64"));
  }
  return out;
}
