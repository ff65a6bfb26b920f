/**
 * Reading an image archive's tar stream entry by entry (regular files, links, dirs; GNU long names and
 * pax path/linkpath). Only what load needs: metadata and blobs, never extracted to disk. Kept here until
 * archive/ exports its streaming reader; the shape below is what load.ts relies on.
 */
import { InvalidArgumentError } from "../errdefs/index.js";

export interface InEntry {
  name: string;
  type: "file" | "dir" | "symlink" | "hardlink" | "other";
  size: number;
  linkname: string;
  /** The entry's bytes; must be consumed (or drain()ed) before the next entry. */
  body: AsyncIterable<Uint8Array>;
  drain(): Promise<void>;
  bytes(): Promise<Buffer>;
}

class Source {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;
  offset = 0;
  constructor(private readonly it: AsyncIterator<Uint8Array | string>) {}

  private async pull(): Promise<boolean> {
    for (;;) {
      if (this.done) return false;
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        return false;
      }
      const b = typeof r.value === "string" ? Buffer.from(r.value) : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
      if (b.length === 0) continue;
      this.chunks.push(b);
      this.buffered += b.length;
      return true;
    }
  }

  private take(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    let out = first;
    if (first.length <= n) this.chunks.shift();
    else {
      out = first.subarray(0, n);
      this.chunks[0] = first.subarray(n);
    }
    this.buffered -= out.length;
    this.offset += out.length;
    return out;
  }

  async exact(n: number): Promise<Buffer | null> {
    while (this.buffered < n) if (!(await this.pull())) {
      if (this.buffered === 0) return null;
      throw new InvalidArgumentError(`unexpected EOF: tar archive truncated at offset ${this.offset + this.buffered}`);
    }
    const parts: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const b = this.take(left);
      parts.push(b);
      left -= b.length;
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, n);
  }

  /** Up to n bytes (at least one), as they arrive. */
  async some(n: number): Promise<Buffer> {
    if (this.buffered === 0 && !(await this.pull()))
      throw new InvalidArgumentError(`unexpected EOF: tar archive truncated at offset ${this.offset}`);
    return this.take(Math.min(n, this.buffered));
  }

  async close(): Promise<void> {
    this.done = true;
    await this.it.return?.();
  }
}

function str(b: Buffer, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const z = s.indexOf(0);
  return (z >= 0 ? s.subarray(0, z) : s).toString("utf8");
}

function num(b: Buffer, off: number, len: number): number {
  if ((b[off] ?? 0) & 0x80) {
    let v = 0;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + (b[i] ?? 0);
    return v;
  }
  const s = str(b, off, len).trim();
  if (s === "") return 0;
  if (!/^[0-7]+$/.test(s)) throw new InvalidArgumentError("archive/tar: invalid tar header");
  return parseInt(s, 8);
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : (h[i] ?? 0);
  return num(h, 148, 8) === sum;
}

function parsePax(b: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < b.length) {
    const sp = b.indexOf(0x20, i);
    if (sp < 0) break;
    const len = parseInt(b.subarray(i, sp).toString("ascii"), 10);
    if (!(len > 0)) break;
    const rec = b.subarray(sp + 1, i + len - 1).toString("utf8");
    const eq = rec.indexOf("=");
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

export async function* readTar(input: AsyncIterable<Uint8Array | string>): AsyncGenerator<InEntry> {
  const src = new Source(input[Symbol.asyncIterator]());
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Record<string, string> = {};
  try {
    for (;;) {
      const h = await src.exact(512);
      if (h === null) return;
      if (h.every((x) => x === 0)) return; // end of archive (the rest is padding)
      if (!checksumOk(h)) throw new InvalidArgumentError("archive/tar: invalid tar header");
      const size = num(h, 124, 12);
      const flag = String.fromCharCode(h[156] ?? 0x30);
      const pad = (512 - (size % 512)) % 512;
      const meta = async (): Promise<Buffer> => {
        if (size > 1 << 20) throw new InvalidArgumentError("archive/tar: header too large");
        const b = (await src.exact(size)) ?? Buffer.alloc(0);
        if (pad) await src.exact(pad);
        return b;
      };
      if (flag === "L") {
        longName = str(await meta(), 0, size);
        continue;
      }
      if (flag === "K") {
        longLink = str(await meta(), 0, size);
        continue;
      }
      if (flag === "x") {
        pax = { ...pax, ...parsePax(await meta()) };
        continue;
      }
      if (flag === "g") {
        await meta();
        continue;
      }
      const prefix = h.subarray(257, 263).toString("binary") === "ustar\u0000" ? str(h, 345, 155) : "";
      let name = longName ?? pax.path ?? (prefix ? `${prefix}/${str(h, 0, 100)}` : str(h, 0, 100));
      const linkname = longLink ?? pax.linkpath ?? str(h, 157, 100);
      const realSize = pax.size !== undefined ? Number(pax.size) : size;
      longName = longLink = undefined;
      pax = {};
      const type =
        flag === "0" || flag === "\u0000" || flag === "7"
          ? "file"
          : flag === "5"
            ? "dir"
            : flag === "2"
              ? "symlink"
              : flag === "1"
                ? "hardlink"
                : "other";
      if (type === "file" && name.endsWith("/")) name = name.slice(0, -1);
      const bodySize = type === "file" || type === "other" ? realSize : 0;
      let left = bodySize;
      // The consumer may stop early; the rest is skipped before the next header.
      const body: AsyncIterable<Uint8Array> = {
        [Symbol.asyncIterator]: () => ({
          next: async (): Promise<IteratorResult<Uint8Array>> => {
            if (left === 0) return { done: true, value: undefined };
            const b = await src.some(left);
            left -= b.length;
            return { done: false, value: b };
          },
          return: async (): Promise<IteratorResult<Uint8Array>> => ({ done: true, value: undefined }),
        }),
      };
      const entry: InEntry = {
        name,
        type,
        size: bodySize,
        linkname,
        body,
        drain: async () => {
          for await (const _ of body) void _;
        },
        bytes: async () => {
          const parts: Buffer[] = [];
          for await (const c of body) parts.push(Buffer.from(c));
          return Buffer.concat(parts);
        },
      };
      yield entry;
      for await (const _ of body) void _;
      const p = (512 - (bodySize % 512)) % 512;
      if (p) await src.exact(p);
    }
  } finally {
    await src.close().catch(() => undefined);
  }
}
