/**
 * A lock between berthd processes sharing one network namespace (test daemons side by side): picking
 * a free subnet and creating its bridge must not interleave, or two daemons take the same subnet.
 * A directory made with mkdir is the lock; one older than 10 s is taken to be stale.
 */
import { mkdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

const LOCK = path.join(tmpdir(), ".berth-subnet-pick.lock");

export async function withHostLock<T>(fn: () => Promise<T>): Promise<T> {
  const end = Date.now() + 15_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > 10_000) rmSync(LOCK, { recursive: true, force: true });
      } catch {
        // gone meanwhile
      }
      if (Date.now() > end) break; // proceed unlocked rather than hang the daemon
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
