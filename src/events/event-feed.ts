/**
 * One subscriber's queue: registered with the bus eagerly (so nothing published after creation is
 * missed), drained by an async iterator. Bounded: a subscriber that falls `limit` events behind is
 * cut off (its iteration ends) rather than slowing publishers or growing without bound.
 */
import type { EventMessage } from "../api/types/index.js";

export class EventFeed {
  private readonly queue: EventMessage[] = [];
  private wake: (() => void) | undefined;
  private closed = false;
  /** True when the feed was cut off because its reader fell too far behind. */
  overflowed = false;

  constructor(private readonly limit = 4096) {}

  push = (ev: EventMessage): void => {
    if (this.closed) return;
    if (this.queue.length >= this.limit) {
      this.overflowed = true;
      this.close();
      return;
    }
    this.queue.push(ev);
    this.poke();
  };

  /** Wakes a waiting reader (e.g. a timer or an abort) without an event. */
  poke = (): void => {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  };

  close(): void {
    this.closed = true;
    this.poke();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The next queued event, or undefined when the queue is empty. */
  take(): EventMessage | undefined {
    return this.queue.shift();
  }

  /** Resolves when an event arrives, the feed closes or poke() is called. */
  wait(): Promise<void> {
    if (this.queue.length > 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }
}
