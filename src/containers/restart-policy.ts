import type { RestartPolicy } from "../api/types/containers.js";

/** docker's restart back-off: 100 ms doubling per restart, reset after 10 s of running, capped at 1 min. */
export class RestartBackoff {
  private delay = 0;

  /** The delay before the next restart, given how long the container just ran. */
  next(ranMs: number): number {
    if (ranMs >= 10_000) this.delay = 0;
    this.delay = this.delay === 0 ? 100 : Math.min(this.delay * 2, 60_000);
    return this.delay;
  }

  reset(): void {
    this.delay = 0;
  }
}

/**
 * Whether docker would restart a container that exited with `exitCode`.
 * `manuallyStopped`: stopped through the API (never restarted, and unless-stopped not at daemon start).
 */
export function shouldRestart(policy: RestartPolicy | undefined, exitCode: number, restartCount: number, manuallyStopped: boolean): boolean {
  if (manuallyStopped || !policy) return false;
  switch (policy.Name) {
    case "always":
    case "unless-stopped":
      return true;
    case "on-failure": {
      if (exitCode === 0) return false;
      const max = policy.MaximumRetryCount ?? 0;
      return max === 0 || restartCount < max;
    }
    default:
      return false;
  }
}
