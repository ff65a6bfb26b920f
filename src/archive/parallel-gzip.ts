/**
 * gzip on several cores, the way pgzip does: the input is cut into fixed-size blocks, each block is
 * raw-deflated on its own (node:zlib's async calls run on the libuv thread pool, so blocks in flight
 * use several cores), by default with the previous block's last 32 KiB as its dictionary, and the
 * blocks are joined into ONE gzip member. Every block but the last ends with a sync flush (byte-aligned, not
 * final); the last ends with Z_FINISH. The CRC-32 is computed in order on the calling thread.
 *
 * The output depends only on the input bytes, the level and the block size (not on how the input is
 * chunked), so the same layer always gives the same blob with the same zlib.
 */
import { Readable } from "node:stream";
import type { ZlibOptions } from "node:zlib";
import { toIterator, type ByteInput } from "./byte-source.js";

const zlib = (): typeof import("node:zlib") => process.getBuiltinModule("node:zlib");

/** Bytes per deflate block (pgzip's default is 1 MB). */
export const PARALLEL_GZIP_BLOCK = 1 << 20;
/** Deflate's window: what a block may refer back to in the previous one. */
const DICT_BYTES = 32 * 1024;

export interface ParallelGzipOptions {
  /** zlib level, 0-9 (default 6). */
  level?: number;
  /** Bytes of input per block (default 1 MiB). */
  blockSize?: number;
  /** Blocks being deflated at once (default: defaultGzipConcurrency()). */
  concurrency?: number;
  /** Seed each block with the previous block's last 32 KiB (default true: a smaller output). */
  dictionary?: boolean;
}

/**
 * Blocks deflated at once by default: one more than the cores (every core stays busy while a block
 * is read), but leaving one libuv thread-pool thread free for file reads and writes (the pool has
 * UV_THREADPOOL_SIZE threads, 4 by default). At least 2. 3 on a 2-core machine.
 */
export function defaultGzipConcurrency(): number {
  const cores = process.getBuiltinModule("node:os").availableParallelism();
  const pool = Number(process.env["UV_THREADPOOL_SIZE"]) || 4;
  return Math.max(2, Math.min(cores + 1, pool - 1));
}

/** The 10-byte gzip header zlib writes: no name, mtime 0, OS unix; XFL as zlib sets it for `level`. */
function gzipHeader(level: number): Buffer {
  const xfl = level === 9 ? 2 : level < 2 ? 4 : 0;
  return Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 3]);
}

/** Cuts a byte input into blocks of exactly `size` bytes (the last shorter); marks the last one. */
async function* blocks(input: ByteInput, size: number): AsyncGenerator<{ data: Buffer; last: boolean }> {
  const it = toIterator(input);
  let parts: Buffer[] = [];
  let have = 0;
  let done = false;
  try {
    for (;;) {
      // Read until more than a block is buffered: only then is it known that the block is not the last.
      while (!done && have <= size) {
        const r = await it.next();
        if (r.done) {
          done = true;
          break;
        }
        const v = r.value;
        const b = typeof v === "string" ? Buffer.from(v) : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
        if (b.length === 0) continue;
        parts.push(b);
        have += b.length;
      }
      if (done && have <= size) {
        yield { data: parts.length === 1 ? Buffer.from(parts[0] as Buffer) : Buffer.concat(parts, have), last: true };
        return;
      }
      // The block goes to the thread pool: it must not be a view of a caller's buffer (copy it then);
      // a concatenation is already our own.
      const own = parts.length > 1;
      const all = own ? Buffer.concat(parts, have) : (parts[0] as Buffer);
      const block = own ? all.subarray(0, size) : Buffer.from(all.subarray(0, size));
      parts = [all.subarray(size)];
      have -= size;
      yield { data: block, last: false };
    }
  } finally {
    if (!done) await it.return?.();
  }
}

/**
 * Deflate jobs queued on the thread pool, process-wide. libuv's pool runs jobs first come first
 * served, so several streams (a push gzips up to 5 layers at once) each queuing their window would
 * make every file read and write wait behind a dozen deflates; this keeps at most
 * defaultGzipConcurrency() deflates queued in all, taken in arrival order.
 */
const pool = {
  active: 0,
  waiting: [] as (() => void)[],
  limit: 0,
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.limit === 0) this.limit = defaultGzipConcurrency();
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  },
};

/** Deflates one block on the thread pool; skipped (empty) when its stream ended while it waited. */
function deflateBlock(data: Buffer, opts: ZlibOptions, stream: { ended: boolean }): Promise<Buffer> {
  return pool.run(
    () =>
      new Promise((resolve, reject) => {
        if (stream.ended) return resolve(Buffer.alloc(0));
        zlib().deflateRaw(data, opts, (err, out) => (err ? reject(err) : resolve(out)));
      }),
  );
}

/**
 * Gzips `input` with up to `concurrency` blocks in flight; one gzip member out. Memory stays at about
 * `concurrency` blocks (in and out): no new block is read until the oldest is handed on. All streams
 * together keep at most defaultGzipConcurrency() deflates on the thread pool.
 * An input error ends the output with that error; destroying the output stops reading the input.
 */
export function parallelGzip(input: ByteInput, opts: ParallelGzipOptions = {}): Readable {
  const z = zlib();
  const level = opts.level ?? 6;
  const blockSize = opts.blockSize ?? PARALLEL_GZIP_BLOCK;
  const concurrency = Math.max(1, opts.concurrency ?? defaultGzipConcurrency());
  const useDict = opts.dictionary ?? true;
  if (!Number.isInteger(blockSize) || blockSize < DICT_BYTES) throw new RangeError(`parallel gzip: block size ${blockSize} is below ${DICT_BYTES}`);
  // One thread-pool round trip per block: room for deflate's worst case (stored blocks) and the flush.
  const chunkSize = blockSize + (blockSize >> 8) + 1024;

  async function* gen(): AsyncGenerator<Buffer> {
    yield gzipHeader(level);
    const inFlight: Promise<Buffer>[] = [];
    const state = { ended: false };
    let crc = 0;
    let isize = 0;
    let prev: Buffer | undefined;
    try {
      for await (const { data, last } of blocks(input, blockSize)) {
        crc = z.crc32(data, crc);
        isize = (isize + data.length) >>> 0;
        const o: ZlibOptions = { level, chunkSize, finishFlush: last ? z.constants.Z_FINISH : z.constants.Z_SYNC_FLUSH };
        if (useDict && prev) o.dictionary = prev.subarray(prev.length - DICT_BYTES);
        const p = deflateBlock(data, o, state);
        p.catch(() => undefined); // awaited in order below; never an unhandled rejection meanwhile
        inFlight.push(p);
        prev = data;
        if (inFlight.length >= concurrency) yield await (inFlight.shift() as Promise<Buffer>);
      }
      while (inFlight.length > 0) yield await (inFlight.shift() as Promise<Buffer>);
    } finally {
      // Normal end (nothing left in flight) or an error / a destroyed output: queued blocks are dropped.
      state.ended = true;
      inFlight.length = 0;
    }
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc >>> 0, 0);
    trailer.writeUInt32LE(isize, 4);
    yield trailer;
  }

  const out = Readable.from(gen(), { objectMode: false, highWaterMark: 1 });
  out.on("error", () => undefined); // readers see it through iteration or their own listener
  return out;
}
