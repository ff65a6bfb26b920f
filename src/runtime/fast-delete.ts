/**
 * Deleting a container whose init is already gone, without spawning the runtime: what `runc delete`
 * (or `crun delete`, whose state is <root>/<id>/status) does then is remove the (empty) cgroups and the state directory. A runc spawn costs ~8 ms, paid on
 * every exit; this costs microseconds. Anything unexpected (a live init, a busy cgroup, a state file
 * of another shape) returns false and the caller runs the runtime's own delete.
 */
import { existsSync, rmSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { procStat, readState } from "./runtime-state-file.js";

/** True when the state directory is gone (deleted here, or never there). */
export function tryFastDelete(runtimeRoot: string, id: string): boolean {
  const dir = join(runtimeRoot, id);
  if (!existsSync(dir)) return true;
  const st = readState(dir);
  if (!st) return false;
  const ticks = procStat(st.pid)?.startTicks;
  if (ticks !== undefined && (st.start === undefined || ticks === st.start)) return false; // still alive
  for (const p of st.cgroups) {
    if (!p.startsWith("/sys/fs/cgroup/")) return false;
    try {
      rmdirSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") return false;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return true;
}
