import { constants } from "node:os";
import { InvalidArgumentError } from "../errdefs/index.js";

const SIGNALS: Record<string, number> = { ...(constants.signals as Record<string, number>) };

/** "SIGTERM", "TERM", "15", "sigkill", 9 → signal number. */
export function parseSignal(sig: string | number): number {
  if (typeof sig === "number") {
    if (Number.isInteger(sig) && sig > 0 && sig <= 64) return sig;
    throw new InvalidArgumentError(`Invalid signal: ${sig}`);
  }
  const s = sig.trim();
  if (/^\d+$/.test(s)) {
    const n = Number.parseInt(s, 10);
    if (n > 0 && n <= 64) return n;
    throw new InvalidArgumentError(`Invalid signal: ${sig}`);
  }
  const up = s.toUpperCase();
  const name = up.startsWith("SIG") ? up : `SIG${up}`;
  const rt = /^SIGRTMIN(?:\+(\d+))?$/.exec(name) ?? null;
  if (rt) return 34 + (rt[1] ? Number.parseInt(rt[1], 10) : 0);
  const rtm = /^SIGRTMAX(?:-(\d+))?$/.exec(name);
  if (rtm) return 64 - (rtm[1] ? Number.parseInt(rtm[1], 10) : 0);
  const n = SIGNALS[name];
  if (n === undefined) throw new InvalidArgumentError(`Invalid signal: ${sig}`);
  return n;
}

/** Signal number → "SIGTERM" (or the number as text when unknown). */
export function signalName(n: number): string {
  for (const [k, v] of Object.entries(SIGNALS)) if (v === n && k !== "SIGIOT" && k !== "SIGPOLL") return k;
  return String(n);
}
