/**
 * Health checks: one timer per running container with a HEALTHCHECK (from the image or --health-*),
 * running the probe inside the container and folding results into State.Health the way docker does:
 * success → healthy and the streak resets; a failure counts toward Retries unless the container is
 * still "starting" inside its start period; Retries failures in a row → unhealthy. The last five
 * results are kept, each output cut to 4 KiB. Status changes raise "health_status: …" events.
 */
import type { HealthLog } from "../api/types/containers.js";
import type { HealthConfig } from "../oci/types.js";
import { isoTime } from "../util/iso-time.js";

export type HealthStatus = "starting" | "healthy" | "unhealthy";

export interface HealthState {
  Status: HealthStatus;
  FailingStreak: number;
  Log: HealthLog[];
}

export interface ProbeOutcome {
  exitCode: number;
  output: string;
  timedOut: boolean;
}

const NS = 1_000_000;
const DEFAULT_INTERVAL = 30_000;
const DEFAULT_TIMEOUT = 30_000;
const DEFAULT_START_INTERVAL = 5_000;
const DEFAULT_RETRIES = 3;
const MAX_LOG = 5;
const MAX_OUTPUT = 4096;

/** The probe's argv, or undefined when the check is off (no test, or NONE). */
export function probeArgs(hc: HealthConfig | undefined, shell: readonly string[] | undefined): string[] | undefined {
  const t = hc?.Test ?? [];
  if (t.length === 0 || t[0] === "NONE") return undefined;
  if (t[0] === "CMD") return t.length > 1 ? t.slice(1) : undefined;
  if (t[0] === "CMD-SHELL") return [...(shell && shell.length > 0 ? shell : ["/bin/sh", "-c"]), t.slice(1).join(" ")];
  return undefined;
}

function ms(ns: number | undefined, dflt: number): number {
  return ns !== undefined && ns > 0 ? Math.max(1, Math.round(ns / NS)) : dflt;
}

/** Folds one probe result into the state (pure; the monitor and tests share it). */
export function applyResult(prev: HealthState, hc: HealthConfig, r: ProbeOutcome, start: Date, end: Date, startedAt: Date): HealthState {
  const timeoutMs = ms(hc.Timeout, DEFAULT_TIMEOUT);
  const output = r.timedOut ? `Health check exceeded timeout (${timeoutMs / 1000}s)` : r.output.slice(0, MAX_OUTPUT);
  const entry: HealthLog = { Start: isoTime(start.getTime()), End: isoTime(end.getTime()), ExitCode: r.timedOut ? -1 : r.exitCode, Output: output };
  const log = [...prev.Log, entry].slice(-MAX_LOG);
  if (!r.timedOut && r.exitCode === 0) return { Status: "healthy", FailingStreak: 0, Log: log };
  const inStartPeriod = prev.Status === "starting" && start.getTime() - startedAt.getTime() < ms(hc.StartPeriod, 0);
  if (inStartPeriod) return { ...prev, Log: log };
  const streak = prev.FailingStreak + 1;
  const retries = hc.Retries !== undefined && hc.Retries > 0 ? hc.Retries : DEFAULT_RETRIES;
  return { Status: streak >= retries ? "unhealthy" : prev.Status, FailingStreak: streak, Log: log };
}

export interface HealthTarget {
  config: HealthConfig;
  args: string[];
  startedAt: Date;
  initial: HealthState;
}

export interface HealthMonitorHooks {
  probe(id: string, args: string[], timeoutMs: number): Promise<ProbeOutcome>;
  /** Persists the new state; `changed` when Status differs from before. */
  update(id: string, state: HealthState, changed: boolean): void;
}

/** Runs each container's checks on its own timer; never two probes of one container at once. */
export class HealthMonitor {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly states = new Map<string, HealthState>();

  constructor(private readonly hooks: HealthMonitorHooks) {}

  start(id: string, t: HealthTarget): void {
    this.stop(id);
    this.states.set(id, t.initial);
    const schedule = (): void => {
      const st = this.states.get(id);
      if (!st) return;
      const startPeriod = ms(t.config.StartPeriod, 0);
      const inStart = st.Status === "starting" && Date.now() - t.startedAt.getTime() < startPeriod;
      const delay = inStart ? ms(t.config.StartInterval, DEFAULT_START_INTERVAL) : ms(t.config.Interval, DEFAULT_INTERVAL);
      const timer = setTimeout(() => void tick(), delay);
      timer.unref();
      this.timers.set(id, timer);
    };
    const tick = async (): Promise<void> => {
      if (!this.states.has(id)) return;
      const start = new Date();
      let r: ProbeOutcome;
      try {
        r = await this.hooks.probe(id, t.args, ms(t.config.Timeout, DEFAULT_TIMEOUT));
      } catch (e) {
        r = { exitCode: -1, output: e instanceof Error ? e.message : String(e), timedOut: false };
      }
      const prev = this.states.get(id);
      if (!prev) return; // stopped meanwhile
      const next = applyResult(prev, t.config, r, start, new Date(), t.startedAt);
      this.states.set(id, next);
      this.hooks.update(id, next, next.Status !== prev.Status);
      schedule();
    };
    schedule();
  }

  stop(id: string): void {
    const timer = this.timers.get(id);
    if (timer) clearTimeout(timer);
    this.timers.delete(id);
    this.states.delete(id);
  }

  stopAll(): void {
    for (const id of [...this.timers.keys()]) this.stop(id);
  }
}
