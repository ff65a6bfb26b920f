/**
 * A minimal deterministic tar writer for save: regular files and directories with short names,
 * uid/gid 0, fixed modes and mtimes, bodies streamed from buffers or content blobs. (Kept here
 * until archive/ offers a streaming writer with the same guarantees.)
 */
import { Readable } from "node:stream";

export interface OutEntry {
  name: string;
  type: "file" | "dir";
  size: number;
  mtime: number; // unix seconds
  /** The body (files only), produced when the entry is written. Must yield exactly `size` bytes. */
  body?: () => Promise<AsyncIterable<Uint8Array>> | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

function octal(buf: Buffer, off: number, len: number, value: number): void {
  const s = value.toString(8).padStart(len - 1, "0");
  if (s.length > len - 1) {
    // GNU base-256 for values that do not fit.
    buf[off] = 0x80;
    let v = BigInt(value);
    for (let i = off + len - 1; i > off; i--) {
      buf[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    return;
  }
  buf.write(s, off, len - 1, "ascii");
  buf[off + len - 1] = 0;
}

export function tarHeader(e: OutEntry): Buffer {
  const h = Buffer.alloc(512);
  const nameBytes = Buffer.from(e.name, "utf8");
  if (nameBytes.length > 100) throw new Error(`tar name too long: ${e.name}`);
  nameBytes.copy(h, 0);
  octal(h, 100, 8, e.type === "dir" ? 0o755 : 0o644);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, e.type === "dir" ? 0 : e.size);
  octal(h, 136, 12, e.mtime);
  h.fill(0x20, 148, 156);
  h[156] = e.type === "dir" ? 0x35 : 0x30;
  h.write("ustar\u0000", 257, "binary");
  h.write("00", 263, "ascii");
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += h[i] ?? 0;
  h.write(sum.toString(8).padStart(6, "0") + "\u0000 ", 148, "ascii");
  return h;
}

/** Streams `entries` as a tar archive (with backpressure: a body is read only as fast as it is consumed). */
export function writeTar(entries: readonly OutEntry[], onDone?: () => void): Readable {
  async function* gen(): AsyncGenerator<Uint8Array> {
    for (const e of entries) {
      yield tarHeader(e);
      if (e.type !== "file") continue;
      let n = 0;
      if (e.body) {
        for await (const chunk of await e.body()) {
          n += chunk.length;
          if (n > e.size) throw new Error(`tar entry ${e.name} is larger than its header says`);
          yield chunk;
        }
      }
      if (n !== e.size) throw new Error(`tar entry ${e.name}: expected ${e.size} bytes, got ${n}`);
      const pad = (512 - (e.size % 512)) % 512;
      if (pad) yield Buffer.alloc(pad);
    }
    yield Buffer.alloc(1024);
    onDone?.();
  }
  return Readable.from(gen(), { objectMode: false, highWaterMark: 1 << 20 });
}
