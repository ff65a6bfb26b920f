/**
 * What berthd reads of an OCI runtime's own files to act without spawning it (fast-delete.ts,
 * fast-start.ts): runc's <root>/<id>/state.json or crun's status, and the init's /proc/<pid>/stat.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
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
export function readState(dir: string): { pid: number; start: number | undefined; cgroups: string[] } | undefined {
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

/** A pid's state letter ("R", "S", "Z"…) and start time (clock ticks since boot); undefined when it is gone. */
export function procStat(pid: number): { state: string; startTicks: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0] ?? "", startTicks: Number(fields[19]) };
  } catch {
    return undefined;
  }
}
