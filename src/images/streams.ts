import { Digester } from "../oci/index.js";

/**
 * Wraps a byte stream so a consumer (a layer extractor) can read it while every byte is digested and
 * optionally copied to `sink` (a content writer). The consumer may stop early (a tar ends before its
 * padding): finish() then drains the rest, so the digest always covers the whole stream.
 */
export class TeeDigest {
  readonly digester = new Digester();
  private readonly it: AsyncIterator<Uint8Array>;
  private ended = false;

  constructor(
    src: AsyncIterable<Uint8Array>,
    private readonly sink?: (chunk: Uint8Array) => Promise<void>,
    private readonly hashing = true,
  ) {
    this.it = src[Symbol.asyncIterator]();
  }

  private async pull(): Promise<IteratorResult<Uint8Array>> {
    if (this.ended) return { done: true, value: undefined };
    const r = await this.it.next();
    if (r.done) {
      this.ended = true;
      return r;
    }
    const chunk = typeof r.value === "string" ? Buffer.from(r.value) : r.value;
    if (this.hashing) this.digester.update(chunk);
    else this.digester.size += chunk.length;
    if (this.sink) await this.sink(chunk);
    return { done: false, value: chunk };
  }

  /** An iterable for the consumer; its early exit does not close the source. */
  iterable(): AsyncIterable<Uint8Array> {
    return {
      [Symbol.asyncIterator]: () => ({
        next: () => this.pull(),
        return: async () => ({ done: true, value: undefined }),
      }),
    };
  }

  /** Drains what the consumer left and returns the digest and size of the whole stream. */
  async finish(): Promise<{ digest: string; size: number }> {
    while (!(await this.pull()).done) {
      /* drain */
    }
    return { digest: this.digester.digest(), size: this.digester.size };
  }

  /** Stops reading the source (on error). */
  async close(): Promise<void> {
    this.ended = true;
    await this.it.return?.();
  }
}

/** Collects a stream into one Buffer, failing past `max` bytes. */
export async function collect(src: AsyncIterable<Uint8Array>, max: number, what: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of src) {
    n += c.length;
    if (n > max) throw new Error(`${what} is too large (more than ${max} bytes)`);
    parts.push(Buffer.from(c));
  }
  return Buffer.concat(parts, n);
}
