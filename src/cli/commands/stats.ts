/**
 * `berth stats`: docker's stats table from GET /containers/{id}/stats (one collector per container), with
 * docker's computations (CPU % from the cpu/precpu deltas, memory without inactive file cache, block and
 * network sums) and its rendering (a refreshed table every 500 ms, or a single one with --no-stream).
 */
import type { Readable } from "node:stream";
import type { CliContext } from "../context.js";
import { bool, str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import type { ContainerStats, ContainerSummary } from "../../api/types/index.js";
import { jsonLines, type EngineClient } from "../../client/engine-client.js";
import { renderList } from "../format/formatter.js";
import { formatG, humanSizeWithPrecision } from "../format/units.js";
import { StatusError } from "../cli-error.js";
import { FORMAT_FLAG } from "./common.js";

export const flags: FlagSpec[] = [
  { long: "all", short: "a", type: "bool", usage: "Show all containers (default shows just running)" },
  FORMAT_FLAG,
  { long: "no-stream", type: "bool", usage: "Disable streaming stats and only pull the first result" },
  { long: "no-trunc", type: "bool", usage: "Do not truncate output" },
];
export const args: ArgRule = { kind: "any" };

export const DEFAULT_STATS_TABLE = "{{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";
export const STATS_HEADERS: Record<string, string> = {
  Container: "CONTAINER", ID: "CONTAINER ID", Name: "NAME", CPUPerc: "CPU %", MemUsage: "MEM USAGE / LIMIT",
  MemPerc: "MEM %", NetIO: "NET I/O", BlockIO: "BLOCK I/O", PIDs: "PIDS",
};

/** docker's StatsEntry: the numbers computed from one stats sample. */
export interface StatsEntry {
  container: string;
  name: string;
  id: string;
  cpuPercentage: number;
  memory: number;
  memoryLimit: number;
  memoryPercentage: number;
  networkRx: number;
  networkTx: number;
  blockRead: number;
  blockWrite: number;
  pidsCurrent: number;
  isInvalid: boolean;
}

/** The row a --format template sees (keys sorted as docker's JSON output). */
export interface StatsRow {
  BlockIO: string;
  CPUPerc: string;
  Container: string;
  ID: string;
  MemPerc: string;
  MemUsage: string;
  Name: string;
  NetIO: string;
  PIDs: string;
}

export function cpuPercentUnix(v: ContainerStats): number {
  const cpuDelta = v.cpu_stats.cpu_usage.total_usage - (v.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (v.cpu_stats.system_cpu_usage ?? 0) - (v.precpu_stats?.system_cpu_usage ?? 0);
  let online = v.cpu_stats.online_cpus ?? 0;
  if (online === 0) online = v.cpu_stats.cpu_usage.percpu_usage?.length ?? 0;
  return systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * online * 100 : 0;
}

export function blockIO(v: ContainerStats): [number, number] {
  let r = 0;
  let w = 0;
  for (const e of v.blkio_stats?.io_service_bytes_recursive ?? []) {
    const c = e.op[0];
    if (c === "r" || c === "R") r += e.value;
    else if (c === "w" || c === "W") w += e.value;
  }
  return [r, w];
}

export function network(v: ContainerStats): [number, number] {
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(v.networks ?? {})) {
    rx += n.rx_bytes;
    tx += n.tx_bytes;
  }
  return [rx, tx];
}

/** Usage without the inactive file cache (cgroup v1 total_inactive_file, v2 inactive_file). */
export function memUsageNoCache(mem: ContainerStats["memory_stats"]): number {
  const usage = mem.usage ?? 0;
  const s = mem.stats ?? {};
  const v1 = s.total_inactive_file;
  if (v1 !== undefined && v1 < usage) return usage - v1;
  const v2 = s.inactive_file ?? 0;
  if (v2 < usage) return usage - v2;
  return usage;
}

export function statsEntry(container: string, v: ContainerStats): StatsEntry {
  const mem = memUsageNoCache(v.memory_stats ?? {});
  const limit = v.memory_stats?.limit ?? 0;
  const [blockRead, blockWrite] = blockIO(v);
  const [networkRx, networkTx] = network(v);
  return {
    container,
    name: v.name ?? "",
    id: v.id ?? "",
    cpuPercentage: cpuPercentUnix(v),
    memory: mem,
    memoryLimit: limit,
    memoryPercentage: limit !== 0 ? (mem / limit) * 100 : 0,
    networkRx,
    networkTx,
    blockRead,
    blockWrite,
    pidsCurrent: v.pids_stats?.current ?? 0,
    isInvalid: false,
  };
}

export function emptyEntry(container: string): StatsEntry {
  return { container, name: "", id: container, cpuPercentage: 0, memory: 0, memoryLimit: 0, memoryPercentage: 0, networkRx: 0, networkTx: 0, blockRead: 0, blockWrite: 0, pidsCurrent: 0, isInvalid: false };
}

const BINARY = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];

/** go-units BytesSize: "%.4g" in powers of 1024. */
export function bytesSize(n: number): string {
  let i = 0;
  while (n >= 1024 && i < BINARY.length - 1) {
    n /= 1024;
    i++;
  }
  return `${formatG(n, 4)}${BINARY[i]}`;
}

const pct = (x: number): string => `${x.toFixed(2)}%`;
const h3 = (x: number): string => humanSizeWithPrecision(x, 3);

export function statsRow(e: StatsEntry, trunc: boolean): StatsRow {
  const bad = e.isInvalid;
  return {
    BlockIO: bad ? "--" : `${h3(e.blockRead)} / ${h3(e.blockWrite)}`,
    CPUPerc: bad ? "--" : pct(e.cpuPercentage),
    Container: e.container,
    ID: trunc ? e.id.replace(/^sha256:/, "").slice(0, 12) : e.id,
    MemPerc: bad ? "--" : pct(e.memoryPercentage),
    MemUsage: bad ? "-- / --" : `${bytesSize(e.memory)} / ${bytesSize(e.memoryLimit)}`,
    Name: e.name.length > 1 ? e.name.slice(1) : "--",
    NetIO: bad ? "--" : `${h3(e.networkRx)} / ${h3(e.networkTx)}`,
    PIDs: bad ? "--" : String(e.pidsCurrent),
  };
}

export function renderStats(format: string, entries: readonly StatsEntry[], trunc: boolean): string {
  return renderList(format, DEFAULT_STATS_TABLE, entries.map((e) => statsRow(e, trunc)), STATS_HEADERS);
}

/**
 * A streaming frame as docker 28 writes it: cursor home and the table, then (its buffer not having been
 * reset) cursor home again and each line followed by erase-to-end-of-line, then erase below.
 */
export function streamFrame(text: string): string {
  const home = `\x1b[H${text}`;
  return `${home}${home.split("\n").map((l) => `${l} \x1b[K\n`).join("")}\x1b[J`;
}

class Collector {
  entry: StatsEntry;
  error: Error | undefined;
  private res: Readable | undefined;
  stopped = false;
  readonly first: Promise<void>;

  constructor(
    client: EngineClient,
    readonly container: string,
    stream: boolean,
  ) {
    this.entry = emptyEntry(container);
    this.first = this.collect(client, stream);
  }

  private collect(client: EngineClient, stream: boolean): Promise<void> {
    return new Promise<void>((resolveFirst) => {
      const path = `/containers/${encodeURIComponent(this.container)}/stats`;
      (async () => {
        try {
          this.res = await client.request("GET", path, { query: { stream: stream ? "1" : "0" } });
          for await (const v of jsonLines<ContainerStats>(this.res)) {
            this.entry = statsEntry(this.container, v);
            this.error = undefined;
            resolveFirst();
            if (!stream || this.stopped) break;
          }
          // As docker: a stream that ends (the container went away) leaves the row invalid ("--").
          if (stream && !this.stopped) this.entry = { ...this.entry, isInvalid: true };
        } catch (e) {
          if (this.stopped) return;
          this.error = e instanceof Error ? e : new Error(String(e));
          this.entry = { ...this.entry, isInvalid: true };
        } finally {
          resolveFirst();
        }
      })();
    });
  }

  stop(): void {
    this.stopped = true;
    this.res?.destroy();
  }
}

function errText(e: Error): string {
  return e.name === "DaemonError" ? `Error response from daemon: ${e.message}` : e.message;
}

export async function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<number> {
  const client = await ctx.client();
  const stream = !bool(f, "no-stream");
  const trunc = !bool(f, "no-trunc");
  const all = bool(f, "all");
  const format = str(f, "format") ?? "";
  const collectors = new Map<string, Collector>();
  const listMode = argv.length === 0;
  const refresh = async (): Promise<void> => {
    const list = await client.get<ContainerSummary[]>("/containers/json", { all: all ? "1" : undefined });
    // docker keys listed containers by their short id (what {{.Container}} shows).
    const ids = new Set(list.map((c) => c.Id.slice(0, 12)));
    for (const [id, c] of collectors) {
      if (!ids.has(id)) {
        c.stop();
        collectors.delete(id);
      }
    }
    for (const id of ids) if (!collectors.has(id)) collectors.set(id, new Collector(client, id, stream));
  };
  if (listMode) await refresh();
  else for (const name of argv) if (!collectors.has(name)) collectors.set(name, new Collector(client, name, stream));
  await Promise.all([...collectors.values()].map((c) => c.first));
  if (!listMode) {
    const errs = [...collectors.values()].flatMap((c) => (c.error !== undefined ? [errText(c.error)] : []));
    if (errs.length > 0) {
      for (const c of collectors.values()) c.stop();
      throw new StatusError(errs.join("\n"), 1);
    }
  }
  const frame = (): string => renderStats(format, [...collectors.values()].map((c) => c.entry), trunc);
  if (!stream) {
    ctx.out(frame());
    return 0;
  }
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    ctx.out(streamFrame(frame()));
    if (listMode) await refresh().catch(() => undefined);
  }
}
