/**
 * Gives memory back once berthd has been idle for a while, as Go's scavenger does for dockerd: a busy
 * spell (an image load, a build, a burst of API calls) leaves V8's young generation at its largest and
 * glibc's arenas full of freed blocks, which stay resident until something asks for them back.
 * After `delayMs` without an API request starting or ending, and only if there was one since the last
 * time, `reclaim` runs once (the native addon's full low-memory GC plus malloc_trim).
 */
import type { Logger } from "../util/log.js";
import { monotonicMs } from "../util/monotonic.js";

export interface IdleReclaimOptions {
  delayMs: number;
  reclaim: () => void;
  log?: Logger;
}

export class IdleReclaimer {
  private timer: NodeJS.Timeout | undefined;
  private dirty = true;
  private closed = false;

  constructor(private readonly opts: IdleReclaimOptions) {
    this.arm();
  }

  /** Activity: an API request started or ended. */
  touch(): void {
    if (this.closed) return;
    this.dirty = true;
    if (this.timer) this.timer.refresh();
    else this.arm();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    this.timer = setTimeout(() => this.fire(), this.opts.delayMs);
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    if (this.closed || !this.dirty) return;
    this.dirty = false;
    const before = process.memoryUsage.rss();
    const t0 = monotonicMs();
    try {
      this.opts.reclaim();
    } catch (err) {
      this.opts.log?.warn("giving idle memory back failed", { err });
      return;
    }
    const m = process.memoryUsage();
    const kib = (n: number): number => Math.round(n / 1024);
    this.opts.log?.debug("gave idle memory back", {
      rssBeforeKiB: kib(before),
      rssAfterKiB: kib(m.rss),
      heapUsedKiB: kib(m.heapUsed),
      heapTotalKiB: kib(m.heapTotal),
      externalKiB: kib(m.external),
      ms: Math.round(monotonicMs() - t0),
    });
  }
}
