/**
 * docker stats samples: the container's cgroup counters (runtime/cgroups.ts) in the Engine API's
 * StatsJSON shape, with the host's CPU time from /proc/stat (system_cpu_usage, online_cpus) and the
 * network counters of the container's init from /proc/<pid>/net/dev.
 *
 * As dockerd: a container that is not running gives a sample holding only name and id (every other
 * field at its zero value); stream=false waits for a second sample so precpu_stats is filled, unless
 * one-shot.
 */
import { readFile } from "node:fs/promises";
import { totalmem } from "node:os";
import type { ContainerStats, CpuStats } from "../api/types/containers.js";
import { readCgroupStats } from "../runtime/index.js";
import type { CgroupStats } from "../runtime/types.js";
import { isoTime } from "../util/iso-time.js";

/** Go's zero time, as encoding/json writes it. */
export const ZERO_TIME = "0001-01-01T00:00:00Z";
/** USER_HZ: /proc/stat counts in 1/100 s. */
const CLOCK_TICKS = 100;

type NetStats = NonNullable<ContainerStats["networks"]>;

export interface SampleTarget {
  id: string;
  /** With its leading "/". */
  name: string;
  /** cgroupfs path relative to the hierarchy root; undefined when the container is not running. */
  cgroupsPath?: string;
  /** The container's init on the host; 0 or undefined when not running. */
  pid?: number;
}

function zeroCpu(): CpuStats {
  return { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } };
}

function nullBlkio(): ContainerStats["blkio_stats"] {
  return {
    io_service_bytes_recursive: null,
    io_serviced_recursive: null,
    io_queue_recursive: null,
    io_service_time_recursive: null,
    io_wait_time_recursive: null,
    io_merged_recursive: null,
    io_time_recursive: null,
    sectors_recursive: null,
  };
}

/** The sample dockerd gives for a container that is not running. */
export function emptySample(t: { id: string; name: string }): ContainerStats {
  return {
    read: ZERO_TIME,
    preread: ZERO_TIME,
    pids_stats: {},
    blkio_stats: nullBlkio(),
    num_procs: 0,
    storage_stats: {},
    cpu_stats: zeroCpu(),
    precpu_stats: zeroCpu(),
    memory_stats: {},
    name: t.name,
    id: t.id,
  };
}

/** Host CPU time in ns (all fields of the aggregate "cpu" line but guest ones) and the number of CPUs listed. */
export function parseProcStat(text: string): { systemNs: number; onlineCpus: number } {
  let systemNs = 0;
  let onlineCpus = 0;
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f[0] === "cpu") {
      // user nice system idle iowait irq softirq steal (guest/guest_nice are already in user/nice)
      const ticks = f.slice(1, 9).reduce((a, v) => a + (Number(v) || 0), 0);
      systemNs = (ticks * 1e9) / CLOCK_TICKS;
    } else if (/^cpu\d+$/.test(f[0] ?? "")) onlineCpus++;
  }
  return { systemNs, onlineCpus };
}

/** Per-interface counters of a /proc/<pid>/net/dev, without the loopback (as dockerd, which reports the sandbox's interfaces). */
export function parseNetDev(text: string): NetStats {
  const out: NetStats = {};
  for (const line of text.split("\n").slice(2)) {
    const i = line.indexOf(":");
    if (i < 0) continue;
    const name = line.slice(0, i).trim();
    if (name === "" || name === "lo") continue;
    const v = line.slice(i + 1).trim().split(/\s+/).map((x) => Number(x) || 0);
    out[name] = {
      rx_bytes: v[0] ?? 0,
      rx_packets: v[1] ?? 0,
      rx_errors: v[2] ?? 0,
      rx_dropped: v[3] ?? 0,
      tx_bytes: v[8] ?? 0,
      tx_packets: v[9] ?? 0,
      tx_errors: v[10] ?? 0,
      tx_dropped: v[11] ?? 0,
    };
  }
  return out;
}

/**
 * blkio entries as dockerd reports them: cgroup v1's ops ("Read", "Write", …) pass through; v2's io.stat
 * keys become read/write entries of io_service_bytes_recursive (rbytes/wbytes) and io_serviced_recursive
 * (rios/wios).
 */
export function blkioOf(entries: CgroupStats["blkio"]): ContainerStats["blkio_stats"] {
  const out = nullBlkio();
  if (entries.length === 0) return out;
  const bytes: Array<{ major: number; minor: number; op: string; value: number }> = [];
  const ios: Array<{ major: number; minor: number; op: string; value: number }> = [];
  const v2: Record<string, [typeof bytes, string]> = { rbytes: [bytes, "read"], wbytes: [bytes, "write"], rios: [ios, "read"], wios: [ios, "write"] };
  for (const e of entries) {
    const m = v2[e.op];
    if (m) m[0].push({ major: e.major, minor: e.minor, op: m[1], value: e.value });
    else if (/^[A-Z]/.test(e.op)) bytes.push(e);
  }
  out.io_service_bytes_recursive = bytes;
  if (ios.length > 0) out.io_serviced_recursive = ios;
  return out;
}

async function readText(p: string): Promise<string | undefined> {
  try {
    return await readFile(p, "utf8");
  } catch {
    return undefined;
  }
}

/** One sample of a running container (precpu empty; see withPrevious). */
export async function sampleStats(t: SampleTarget): Promise<ContainerStats> {
  if (!t.cgroupsPath || !t.pid) return emptySample(t);
  const [cg, procStat, netDev] = await Promise.all([readCgroupStats(t.cgroupsPath), readText("/proc/stat"), readText(`/proc/${t.pid}/net/dev`)]);
  const read = isoTime();
  const sys = parseProcStat(procStat ?? "");
  const cpu: CpuStats = {
    cpu_usage: {
      total_usage: cg.cpu.totalNs,
      ...(cg.cpu.perCpuNs.length > 0 ? { percpu_usage: cg.cpu.perCpuNs } : {}),
      usage_in_kernelmode: cg.cpu.systemNs,
      usage_in_usermode: cg.cpu.userNs,
    },
    system_cpu_usage: sys.systemNs,
    online_cpus: sys.onlineCpus,
    throttling_data: { periods: cg.cpu.throttlingPeriods, throttled_periods: cg.cpu.throttledPeriods, throttled_time: cg.cpu.throttledNs },
  };
  // Without a limit of its own, dockerd reports the machine's memory.
  const machine = totalmem();
  const limit = cg.memory.limit > 0 && cg.memory.limit < machine ? cg.memory.limit : machine;
  const s: ContainerStats = {
    read,
    preread: ZERO_TIME,
    pids_stats: { ...(cg.pids.current > 0 ? { current: cg.pids.current } : {}), ...(cg.pids.limit > 0 ? { limit: cg.pids.limit } : {}) },
    blkio_stats: blkioOf(cg.blkio),
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpu,
    precpu_stats: zeroCpu(),
    memory_stats: {
      usage: cg.memory.usage,
      ...(cg.memory.maxUsage > 0 ? { max_usage: cg.memory.maxUsage } : {}),
      stats: cg.memory.stats,
      ...(cg.memory.failcnt > 0 ? { failcnt: cg.memory.failcnt } : {}),
      limit,
    },
    name: t.name,
    id: t.id,
  };
  if (netDev !== undefined) {
    const nets = parseNetDev(netDev);
    if (Object.keys(nets).length > 0) s.networks = nets;
  }
  return s;
}

/** `cur` with the previous sample's read time and cpu_stats as preread/precpu_stats. */
export function withPrevious(cur: ContainerStats, prev: ContainerStats | undefined): ContainerStats {
  if (!prev) return cur;
  return { ...cur, preread: prev.read, precpu_stats: prev.cpu_stats };
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

export interface StatsStreamOptions {
  stream: boolean;
  oneShot: boolean;
  signal: AbortSignal;
  /** The container now, or undefined once it is gone (ends the stream). */
  target: () => SampleTarget | undefined;
  intervalMs?: number;
}

/** Samples as GET /containers/{id}/stats gives them: one per interval while streaming, else one. */
export async function* statsStream(o: StatsStreamOptions): AsyncGenerator<ContainerStats> {
  const interval = o.intervalMs ?? 1000;
  let t = o.target();
  if (!t) return;
  if (!o.stream) {
    if (!t.pid) {
      yield emptySample(t);
      return;
    }
    const first = await sampleStats(t);
    if (o.oneShot) {
      yield first;
      return;
    }
    await delay(interval, o.signal);
    t = o.target();
    if (!t || o.signal.aborted) return;
    yield withPrevious(await sampleStats(t), first.read === ZERO_TIME ? undefined : first);
    return;
  }
  let prev: ContainerStats | undefined;
  while (t && !o.signal.aborted) {
    const s = await sampleStats(t);
    yield withPrevious(s, prev && prev.read !== ZERO_TIME && s.read !== ZERO_TIME ? prev : undefined);
    prev = s;
    await delay(interval, o.signal);
    t = o.target();
  }
}
