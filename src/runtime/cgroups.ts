import { existsSync, statfsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { CgroupStats } from "./types.js";

export type CgroupMode = "v1" | "hybrid" | "v2";
const CGROUP2_MAGIC = 0x63677270;
const ROOT = "/sys/fs/cgroup";

/** Probes the host's cgroup layout (or the layout under another root, for tests). */
export function cgroupMode(root = ROOT): CgroupMode {
  try {
    if (statfsSync(root).type === CGROUP2_MAGIC) return "v2";
  } catch {
    // fall through
  }
  if (existsSync(join(root, "cgroup.controllers"))) return "v2";
  try {
    if (statfsSync(join(root, "unified")).type === CGROUP2_MAGIC) return "hybrid";
  } catch {
    // fall through
  }
  return "v1";
}

async function text(p: string): Promise<string | undefined> {
  try {
    return await readFile(p, "utf8");
  } catch {
    return undefined;
  }
}
async function num(p: string): Promise<number> {
  const t = (await text(p))?.trim();
  if (!t || t === "max") return 0;
  const n = Number(t);
  return Number.isFinite(n) ? n : 0;
}
function kv(t: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (t ?? "").split("\n")) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && Number.isFinite(Number(v))) out[k] = Number(v);
  }
  return out;
}

function v1Path(root: string, controller: string, cgroupsPath: string): string {
  return join(root, controller, cgroupsPath);
}

/** Reads cpu/memory/pids/blkio statistics of a container's cgroup (cgroupfs path relative to the hierarchy root). */
export async function readCgroupStats(cgroupsPath: string, root = ROOT, mode: CgroupMode = cgroupMode(root)): Promise<CgroupStats> {
  const stats: CgroupStats = {
    cpu: { totalNs: 0, userNs: 0, systemNs: 0, perCpuNs: [], throttlingPeriods: 0, throttledPeriods: 0, throttledNs: 0 },
    memory: { usage: 0, maxUsage: 0, limit: 0, stats: {}, failcnt: 0 },
    pids: { current: 0, limit: 0 },
    blkio: [],
  };
  if (mode === "v2") {
    const d = join(root, cgroupsPath);
    const cpu = kv(await text(join(d, "cpu.stat")));
    stats.cpu.totalNs = (cpu.usage_usec ?? 0) * 1000;
    stats.cpu.userNs = (cpu.user_usec ?? 0) * 1000;
    stats.cpu.systemNs = (cpu.system_usec ?? 0) * 1000;
    stats.cpu.throttlingPeriods = cpu.nr_periods ?? 0;
    stats.cpu.throttledPeriods = cpu.nr_throttled ?? 0;
    stats.cpu.throttledNs = (cpu.throttled_usec ?? 0) * 1000;
    stats.memory.usage = await num(join(d, "memory.current"));
    stats.memory.maxUsage = await num(join(d, "memory.peak"));
    stats.memory.limit = await num(join(d, "memory.max"));
    stats.memory.stats = kv(await text(join(d, "memory.stat")));
    stats.memory.failcnt = kv(await text(join(d, "memory.events"))).max ?? 0;
    stats.pids.current = await num(join(d, "pids.current"));
    stats.pids.limit = await num(join(d, "pids.max"));
    for (const line of ((await text(join(d, "io.stat"))) ?? "").split("\n")) {
      const parts = line.trim().split(/\s+/);
      const dev = /^(\d+):(\d+)$/.exec(parts[0] ?? "");
      if (!dev) continue;
      for (const f of parts.slice(1)) {
        const [k, v] = f.split("=");
        if (k && v !== undefined) stats.blkio.push({ major: Number(dev[1]), minor: Number(dev[2]), op: k, value: Number(v) });
      }
    }
    return stats;
  }
  const cpuacct = v1Path(root, "cpu,cpuacct", cgroupsPath);
  const acct = existsSync(cpuacct) ? cpuacct : v1Path(root, "cpuacct", cgroupsPath);
  stats.cpu.totalNs = await num(join(acct, "cpuacct.usage"));
  stats.cpu.perCpuNs = ((await text(join(acct, "cpuacct.usage_percpu"))) ?? "").trim().split(/\s+/).filter(Boolean).map(Number);
  const ticks = kv(await text(join(acct, "cpuacct.stat")));
  const nsPerTick = 1e9 / 100;
  stats.cpu.userNs = (ticks.user ?? 0) * nsPerTick;
  stats.cpu.systemNs = (ticks.system ?? 0) * nsPerTick;
  const cpuDir = existsSync(cpuacct) ? cpuacct : v1Path(root, "cpu", cgroupsPath);
  const cs = kv(await text(join(cpuDir, "cpu.stat")));
  stats.cpu.throttlingPeriods = cs.nr_periods ?? 0;
  stats.cpu.throttledPeriods = cs.nr_throttled ?? 0;
  stats.cpu.throttledNs = cs.throttled_time ?? 0;
  const m = v1Path(root, "memory", cgroupsPath);
  stats.memory.usage = await num(join(m, "memory.usage_in_bytes"));
  stats.memory.maxUsage = await num(join(m, "memory.max_usage_in_bytes"));
  const lim = await num(join(m, "memory.limit_in_bytes"));
  stats.memory.limit = lim >= 0x7ffffffffffff000 ? 0 : lim;
  stats.memory.stats = kv(await text(join(m, "memory.stat")));
  stats.memory.failcnt = await num(join(m, "memory.failcnt"));
  const pd = v1Path(root, "pids", cgroupsPath);
  stats.pids.current = await num(join(pd, "pids.current"));
  stats.pids.limit = await num(join(pd, "pids.max"));
  const bd = v1Path(root, "blkio", cgroupsPath);
  for (const line of ((await text(join(bd, "blkio.throttle.io_service_bytes"))) ?? "").split("\n")) {
    const parts = line.trim().split(/\s+/);
    const dev = /^(\d+):(\d+)$/.exec(parts[0] ?? "");
    if (!dev || parts.length < 3) continue;
    stats.blkio.push({ major: Number(dev[1]), minor: Number(dev[2]), op: parts[1] ?? "", value: Number(parts[2]) });
  }
  return stats;
}

/** Did the kernel OOM-kill something in this container? (conmon's "oom" file, or the cgroup's counters.) */
export async function readOomKilled(stateDir: string, cgroupsPath: string, root = ROOT, mode: CgroupMode = cgroupMode(root)): Promise<boolean> {
  if (existsSync(join(stateDir, "oom"))) return true;
  if (mode === "v2") return (kv(await text(join(root, cgroupsPath, "memory.events"))).oom_kill ?? 0) > 0;
  return (kv(await text(join(v1Path(root, "memory", cgroupsPath), "memory.oom_control"))).oom_kill ?? 0) > 0;
}
