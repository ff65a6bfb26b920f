/**
 * The in-process event bus behind GET /events. Subsystems publish (type, action, actor); the bus
 * stamps the time, keeps the last `historySize` events for `since` queries and fans out to
 * subscribers. A slow subscriber never blocks publishers: each stream buffers (bounded) on its own.
 */
import type { EventMessage } from "../api/types/index.js";
import { matchesEventFilters, type EventFilters } from "./event-filter.js";

export interface EventActor {
  ID: string;
  Attributes: Record<string, string>;
}

export type EventListener = (ev: EventMessage) => void;

export interface EventStreamOptions {
  /** Unix seconds, fractional allowed. */
  since?: number;
  until?: number;
  filters: EventFilters;
}

/** Types for which docker still sends the deprecated status/id/from fields. */
const LEGACY_TYPES = new Set(["container", "image"]);

export class EventBus {
  private readonly history: EventMessage[] = [];
  private readonly listeners = new Set<EventListener>();
  private lastNano = 0n;

  constructor(
    private readonly historySize = 1024,
    private readonly now: () => bigint = () => BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n),
  ) {}

  publish(type: string, action: string, actor: EventActor): EventMessage {
    let nano = this.now();
    if (nano <= this.lastNano) nano = this.lastNano + 1n;
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

  get listenerCount(): number {
    return this.listeners.size;
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Past events (oldest first) with since ≤ time ≤ until. */
  past(since?: number, until?: number): EventMessage[] {
    return this.history.filter((ev) => inWindow(ev, since, until));
  }

  /**
   * docker's semantics: no since/until → live only; since → past then live; until in the past →
   * past then end; until in the future → live until it passes. Ends when the signal aborts.
   */
  async *stream(opts: EventStreamOptions, ctx: { signal: AbortSignal }): AsyncGenerator<EventMessage> {
    const { since, until, filters } = opts;
    const signal = ctx.signal;
    if (signal.aborted) return;
    const queue: EventMessage[] = [];
    let wake: (() => void) | undefined;
    let overflow = false;
    const unsubscribe = this.subscribe((ev) => {
      if (queue.length >= 4096) {
        overflow = true;
        return;
      }
      queue.push(ev);
      wake?.();
    });
    const nowSec = (): number => Date.now() / 1000;
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => wake?.();
    signal.addEventListener("abort", onAbort);
    try {
      let lastNano = -1;
      if (since !== undefined || until !== undefined) {
        for (const ev of this.past(since ?? 0, until)) {
          lastNano = ev.timeNano;
          if (matchesEventFilters(ev, filters)) yield ev;
        }
      }
      if (until !== undefined && until <= nowSec()) return;
      if (until !== undefined) {
        timer = setTimeout(() => wake?.(), Math.max(0, (until - nowSec()) * 1000) + 5);
      }
      for (;;) {
        while (queue.length > 0) {
          const ev = queue.shift();
          if (ev === undefined) break;
          if (ev.timeNano <= lastNano) continue;
          if (until !== undefined && ev.timeNano / 1e9 > until) return;
          if (matchesEventFilters(ev, filters)) yield ev;
          if (signal.aborted) return;
        }
        if (overflow || signal.aborted) return;
        if (until !== undefined && until <= nowSec()) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      if (timer) clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      unsubscribe();
    }
  }
}

function inWindow(ev: EventMessage, since?: number, until?: number): boolean {
  const t = ev.timeNano / 1e9;
  if (since !== undefined && t < since) return false;
  if (until !== undefined && t > until) return false;
  return true;
}
