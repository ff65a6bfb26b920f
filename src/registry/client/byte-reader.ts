/** Reads exact byte counts from an async iterable of chunks (for chunked uploads). */
export class ByteReader {
  private readonly it: AsyncIterator<Uint8Array>;
  private buf: Uint8Array | undefined;

  constructor(src: AsyncIterable<Uint8Array>) {
    this.it = src[Symbol.asyncIterator]();
  }

  /** Exactly `n` bytes (throws when the source ends first). */
  async *take(n: number): AsyncGenerator<Uint8Array> {
    let left = n;
    while (left > 0) {
      let c = this.buf;
      this.buf = undefined;
      if (c === undefined) {
        const r = await this.it.next();
        if (r.done) throw new SourceEndedError(n - left, n);
        c = r.value;
      }
      if (c.length > left) {
        this.buf = c.subarray(left);
        c = c.subarray(0, left);
      }
      left -= c.length;
      if (c.length > 0) yield c;
    }
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }
}

export class SourceEndedError extends Error {
  constructor(readonly got: number, readonly wanted: number) {
    super(`the blob source ended after ${got} of ${wanted} bytes`);
  }
}

/** Passes chunks through, reporting the running total after each. */
export async function* counted(src: AsyncIterable<Uint8Array>, start: number, onBytes: ((n: number) => void) | undefined): AsyncGenerator<Uint8Array> {
  let n = start;
  for await (const c of src) {
    n += c.length;
    onBytes?.(n);
    yield c;
  }
}
