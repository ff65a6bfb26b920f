/**
 * A few large I/O buffers kept for reuse. Every 1–4 MiB Buffer counts as external memory for V8, and a
 * build allocating one per blob write or per tar made V8 start a full GC every few tens of milliseconds;
 * taking them from here instead keeps that garbage from being made. A taker gives a buffer back only
 * when nothing (a write in flight included) still uses it. `drain()` lets an idle daemon drop them.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];

  constructor(
    readonly size: number,
    private readonly keep: number,
  ) {}

  /** A buffer of `size` bytes with unspecified contents. */
  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.size);
  }

  /** Gives back a buffer taken from this pool that nothing uses any more. */
  give(b: Buffer): void {
    if (b.length === this.size && this.free.length < this.keep && !this.free.includes(b)) this.free.push(b);
  }

  /** How many buffers wait for reuse. */
  get idle(): number {
    return this.free.length;
  }

  drain(): void {
    this.free.length = 0;
  }
}

const pools: BufferPool[] = [];

/** A pool of buffers of `size` bytes keeping at most `keep`, registered for drainBufferPools. */
export function bufferPool(size: number, keep: number): BufferPool {
  const p = new BufferPool(size, keep);
  pools.push(p);
  return p;
}

/** Drops every pooled buffer (an idle daemon giving memory back). */
export function drainBufferPools(): void {
  for (const p of pools) p.drain();
}
