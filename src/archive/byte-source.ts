/**
 * A pull-based buffered reader over a byte stream (any async iterable of chunks, e.g. a Readable).
 * The tar reader takes exact-size reads (512-byte blocks) and streams entry bodies through it
 * without copying more than it must.
 */
import { InvalidArgumentError } from "../errdefs/index.js";

/** Bytes to read: a stream, an (async) iterable of chunks, or one buffer. */
export type ByteInput = AsyncIterable<Uint8Array | string> | Iterable<Uint8Array> | NodeJS.ReadableStream | Uint8Array;

export class UnexpectedEofError extends InvalidArgumentError {
  constructor(readonly offset: number, what: string) {
    super(`unexpected EOF: tar archive truncated at offset ${offset} (in ${what})`);
  }
}

/** An async iterator over the chunks of any ByteInput. */
export function toIterator(input: ByteInput): AsyncIterator<Uint8Array | string> {
  if (input instanceof Uint8Array) input = [input];
  const ai = (input as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator];
  if (typeof ai === "function") return ai.call(input);
  const si = (input as Iterable<Uint8Array>)[Symbol.iterator];
  if (typeof si === "function") {
    const it = si.call(input);
    return {
      next: async () => it.next(),
      return: async () => it.return?.() ?? { done: true, value: undefined },
    };
  }
  throw new TypeError("byte input is not a stream, an iterable of chunks or a buffer");
}

export class ByteSource {
  private readonly it: AsyncIterator<Uint8Array | string>;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;
  /** Bytes handed out so far (the offset of the next byte). */
  offset = 0;

  constructor(input: ByteInput) {
    this.it = toIterator(input);
  }

  /** Pulls one more chunk into the buffer; false at end of input. */
  private async pull(): Promise<boolean> {
    if (this.done) return false;
    for (;;) {
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        return false;
      }
      const v = r.value;
      const b = typeof v === "string" ? Buffer.from(v) : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
      if (b.length === 0) continue;
      this.chunks.push(b);
      this.buffered += b.length;
      return true;
    }
  }

  /** Takes up to n bytes from what is buffered (at least one chunk is buffered). */
  private take(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    let out: Buffer;
    if (first.length <= n) {
      this.chunks.shift();
      out = first;
    } else {
      out = first.subarray(0, n);
      this.chunks[0] = first.subarray(n);
    }
    this.buffered -= out.length;
    this.offset += out.length;
    return out;
  }

  /** Exactly n bytes, or null when the input ended before the first byte; throws on a short read. */
  async readExactOrEnd(n: number, what: string): Promise<Buffer | null> {
    while (this.buffered < n) {
      if (!(await this.pull())) {
        if (this.buffered === 0) return null;
        throw new UnexpectedEofError(this.offset + this.buffered, what);
      }
    }
    if ((this.chunks[0] as Buffer).length >= n) return this.take(n);
    const parts: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const b = this.take(left);
      parts.push(b);
      left -= b.length;
    }
    return Buffer.concat(parts, n);
  }

  async readExact(n: number, what: string): Promise<Buffer> {
    if (n === 0) return Buffer.alloc(0);
    const b = await this.readExactOrEnd(n, what);
    if (b === null) throw new UnexpectedEofError(this.offset, what);
    return b;
  }

  /** Yields exactly n bytes in chunks as they arrive; throws on a short input. */
  async *stream(n: number, what: string): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.buffered === 0 && !(await this.pull())) throw new UnexpectedEofError(this.offset, what);
      const b = this.take(Math.min(left, this.buffered));
      left -= b.length;
      yield b;
    }
  }

  /** Discards exactly n bytes. */
  async skip(n: number, what: string): Promise<void> {
    for await (const _ of this.stream(n, what)) void _;
  }

  /** Reads and discards everything left; returns the byte count. Stops early past `limit`. */
  async drain(limit = Number.POSITIVE_INFINITY): Promise<number> {
    let total = this.buffered;
    this.offset += this.buffered;
    this.chunks = [];
    this.buffered = 0;
    while (total <= limit && !this.done) {
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        break;
      }
      const len = typeof r.value === "string" ? Buffer.byteLength(r.value) : r.value.byteLength;
      total += len;
      this.offset += len;
    }
    return total;
  }

  /** Stops the underlying iterator (lets a Readable release its resources). */
  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.it.return?.();
  }
}
