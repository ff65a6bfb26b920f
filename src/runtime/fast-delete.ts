/**
 * Deleting a container whose init is already gone, without spawning the runtime: what `runc delete`
 * (or `crun delete`, whose state is <root>/<id>/status) does then is remove the (empty) cgroups and the state directory. A runc spawn costs ~8 ms, paid on
 * every exit; this costs microseconds. Anything unexpected (a live init, a busy cgroup, a state file
 * of another shape) returns false and the caller runs the runtime's own delete.
 */
import { existsSync, readFileSync, readdirSync, rmSync, rmdirSync } from "node:fs";
import { join } from "node:path";

/** crun's <root>/<id>/status (its cgroup path is relative to each v1 controller's mount). */
interface CrunStatus {
  pid?: number;
  "process-start-time"?: number;
  "cgroup-path"?: string;
  "systemd-cgroup"?: boolean;
}

const CGROUP_ROOT = "/sys/fs/cgroup";

/** The directories crun made for `rel` (one per mounted hierarchy; a v2 host has one). */
function crunCgroupDirs(rel: string): string[] | undefined {
  const clean = rel.split("/").filter((p) => p !== "" && p !== "." && p !== "..").join("/");
  if (clean === "") return undefined;
  if (existsSync(join(CGROUP_ROOT, "cgroup.controllers"))) return [join(CGROUP_ROOT, clean)];
  let names: string[];
  try {
    names = readdirSync(CGROUP_ROOT);
  } catch {
    return undefined;
  }
  return names.map((n) => join(CGROUP_ROOT, n, clean));
}

/** runc's state.json or crun's status, as the pid, its start time and the cgroup directories. */
function readState(dir: string): { pid: number; start: number | undefined; cgroups: string[] } | undefined {
  try {
    const st = JSON.parse(readFileSync(join(dir, "state.json"), "utf8")) as RuncState;
    if (!st.cgroup_paths || !st.init_process_pid) return undefined;
    return { pid: st.init_process_pid, start: st.init_process_start, cgroups: [...new Set(Object.values(st.cgroup_paths))] };
  } catch {
    // not runc's
  }
  try {
    const st = JSON.parse(readFileSync(join(dir, "status"), "utf8")) as CrunStatus;
    if (!st.pid || st["systemd-cgroup"] || typeof st["cgroup-path"] !== "string") return undefined;
    const cgroups = crunCgroupDirs(st["cgroup-path"]);
    return cgroups ? { pid: st.pid, start: st["process-start-time"], cgroups } : undefined;
  } catch {
    return undefined;
  }
}

interface RuncState {
  init_process_pid?: number;
  init_process_start?: number;
  cgroup_paths?: Record<string, string>;
}

/** The start time (clock ticks since boot) of a live pid, or undefined when it is gone. */
function startTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[19]);
  } catch {
    return undefined;
  }
}

/** True when the state directory is gone (deleted here, or never there). */
export function tryFastDelete(runtimeRoot: string, id: string): boolean {
  const dir = join(runtimeRoot, id);
  if (!existsSync(dir)) return true;
  const st = readState(dir);
  if (!st) return false;
  const ticks = startTicks(st.pid);
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
