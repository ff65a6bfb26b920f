/**
 * The in-process event bus behind GET /events. Subsystems publish (type, action, actor); the bus
 * stamps the time, keeps the last `historySize` events for `since` queries and fans out to
 * subscribers. A slow subscriber never blocks publishers: each one has its own bounded queue.
 *
 *   bus.publish("image", "tag", { ID: id, Attributes: { name: "busybox:latest" } });
 *   const sub = bus.subscribe({ type: ["image"] });     // live events from now on
 *   for await (const ev of sub) { … }                    // sub.unsubscribe() ends the loop
 *   bus.stream({ since, until, filters }, { signal })    // docker's /events semantics
 */
import type { EventMessage } from "../api/types/index.js";
import { EventFeed } from "./event-feed.js";
import { matchesEventFilters, type EventFilters } from "./event-filter.js";

export interface EventActor {
  ID: string;
  Attributes: Record<string, string>;
}

export type EventListener = (ev: EventMessage) => void;

/** A live subscription: iterate it for matching events; unsubscribe() (or leaving the loop) ends it. */
export interface EventSubscription extends AsyncIterable<EventMessage> {
  unsubscribe(): void;
}

export interface EventStreamOptions {
  /** Unix seconds, fractional allowed. */
  since?: number;
  until?: number;
  filters: EventFilters;
}

/** Types for which docker still sends the deprecated status/id/from fields. */
const LEGACY_TYPES = new Set(["container", "image"]);

const defaultNow = (): bigint => BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);

export class EventBus {
  private readonly history: EventMessage[] = [];
  private readonly listeners = new Set<EventListener>();
  private lastNano = 0n;
  /** Publication order, for de-duplicating history against live events (timeNano is a lossy double). */
  private readonly seq = new WeakMap<EventMessage, number>();
  private nextSeq = 1;

  /** `historySize`: how many past events `since` can reach (docker keeps 256). `now`: unix nanoseconds. */
  constructor(
    private readonly historySize = 1024,
    private readonly now: () => bigint = defaultNow,
  ) {}

  /**
   * Records and fans out one event. `time` defaults to now. timeNano is kept increasing by at least
   * 1 µs per event, so it still orders events after its conversion to a JSON number.
   */
  publish(type: string, action: string, actor: EventActor, time?: Date): EventMessage {
    let nano = time ? BigInt(time.getTime()) * 1_000_000n : this.now();
    if (nano <= this.lastNano) nano = this.lastNano + 1_000n;
    this.lastNano = nano;
    const ev: EventMessage = {
      Type: type,
      Action: action,
      Actor: { ID: actor.ID, Attributes: { ...actor.Attributes } },
      scope: "local",
      time: Number(nano / 1_000_000_000n),
      timeNano: Number(nano),
    };
    if (LEGACY_TYPES.has(type)) {
      ev.status = action;
      ev.id = actor.ID;
      const from = actor.Attributes["image"];
      if (type === "container" && from !== undefined) ev.from = from;
    }
    this.seq.set(ev, this.nextSeq++);
    this.history.push(ev);
    if (this.history.length > this.historySize) this.history.splice(0, this.history.length - this.historySize);
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch {
        // a listener's failure is its own
      }
    }
    return ev;
  }

  /** Subscribers right now (docker's NEventsListener). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  /** A callback for every event from now on. Returns the unsubscribe function. */
  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Live events matching `filters`, from the moment of the call (no history). */
  subscribe(filters: EventFilters = {}): EventSubscription {
    const feed = new EventFeed();
    const off = this.onEvent(feed.push);
    const unsubscribe = (): void => {
      off();
      feed.close();
    };
    async function* iterate(): AsyncGenerator<EventMessage> {
      try {
        for (;;) {
          await feed.wait();
          for (let ev = feed.take(); ev !== undefined; ev = feed.take()) {
            if (matchesEventFilters(ev, filters)) yield ev;
          }
          if (feed.isClosed) return;
        }
      } finally {
        unsubscribe();
      }
    }
    const it = iterate();
    return { [Symbol.asyncIterator]: () => it, unsubscribe };
  }

  /** Past events (oldest first) with since ≤ time ≤ until. */
  past(since?: number, until?: number): EventMessage[] {
    return this.history.filter((ev) => inWindow(ev, since, until));
  }

  /**
   * docker's semantics: no since/until → live only; since → past then live; until in the past →
   * past then end; until in the future → (past if since) live until it passes. Ends when the
   * signal aborts or the reader falls too far behind.
   */
  stream(opts: EventStreamOptions, ctx: { signal: AbortSignal }): AsyncGenerator<EventMessage> {
    // Subscribe before reading history, so an event published in between is not lost.
    // The abort handler is registered now too, so a stream that is never iterated still ends.
    const feed = new EventFeed();
    const off = this.onEvent(feed.push);
    const onAbort = (): void => {
      off();
      feed.close();
    };
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    const detach = (): void => {
      ctx.signal.removeEventListener("abort", onAbort);
      onAbort();
    };
    return this.run(opts, ctx.signal, feed, detach);
  }

  private async *run(opts: EventStreamOptions, signal: AbortSignal, feed: EventFeed, detach: () => void): AsyncGenerator<EventMessage> {
    const { since, until, filters } = opts;
    const nowSec = (): number => Date.now() / 1000;
    let timer: NodeJS.Timeout | undefined;
    try {
      if (signal.aborted) return;
      let lastSeq = 0;
      if (since !== undefined || until !== undefined) {
        for (const ev of this.past(since ?? 0, until)) {
          lastSeq = this.seq.get(ev) ?? lastSeq;
          if (matchesEventFilters(ev, filters)) yield ev;
        }
      }
      if (until !== undefined) {
        if (until <= nowSec()) return;
        timer = setTimeout(feed.poke, Math.max(0, (until - nowSec()) * 1000) + 5);
      }
      for (;;) {
        await feed.wait();
        for (let ev = feed.take(); ev !== undefined; ev = feed.take()) {
          if ((this.seq.get(ev) ?? Infinity) <= lastSeq) continue;
          if (until !== undefined && ev.timeNano / 1e9 > until) return;
          if (matchesEventFilters(ev, filters)) yield ev;
          if (signal.aborted) return;
        }
        if (feed.isClosed || signal.aborted) return;
        if (until !== undefined && until <= nowSec()) return;
      }
    } finally {
      if (timer) clearTimeout(timer);
      detach();
    }
  }
}

function inWindow(ev: EventMessage, since?: number, until?: number): boolean {
  const t = ev.timeNano / 1e9;
  if (since !== undefined && t < since) return false;
  if (until !== undefined && t > until) return false;
  return true;
}
