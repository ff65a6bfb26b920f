/** `berth update`: POST /containers/{id}/update with docker's flag parsing (go-units sizes, rational --cpus). */
import type { CliContext } from "../context.js";
import { int, str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import type { ContainerUpdateResponse, RestartPolicy } from "../../api/types/index.js";
import { StatusError } from "../cli-error.js";

export const flags: FlagSpec[] = [
  { long: "blkio-weight", type: "string", valueName: "uint16", usage: "Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)" },
  { long: "cpu-period", type: "int", usage: "Limit CPU CFS (Completely Fair Scheduler) period" },
  { long: "cpu-quota", type: "int", usage: "Limit CPU CFS (Completely Fair Scheduler) quota" },
  { long: "cpu-rt-period", type: "int", usage: "Limit the CPU real-time period in microseconds" },
  { long: "cpu-rt-runtime", type: "int", usage: "Limit the CPU real-time runtime in microseconds" },
  { long: "cpu-shares", short: "c", type: "int", usage: "CPU shares (relative weight)" },
  { long: "cpus", type: "string", valueName: "decimal", usage: "Number of CPUs" },
  { long: "cpuset-cpus", type: "string", valueName: "string", usage: "CPUs in which to allow execution (0-3, 0,1)" },
  { long: "cpuset-mems", type: "string", valueName: "string", usage: "MEMs in which to allow execution (0-3, 0,1)" },
  { long: "memory", short: "m", type: "string", valueName: "bytes", usage: "Memory limit" },
  { long: "memory-reservation", type: "string", valueName: "bytes", usage: "Memory soft limit" },
  { long: "memory-swap", type: "string", valueName: "bytes", usage: "Swap limit equal to memory plus swap: -1 to enable unlimited swap" },
  { long: "pids-limit", type: "int", usage: "Tune container pids limit (set -1 for unlimited)" },
  { long: "restart", type: "string", valueName: "string", usage: "Restart policy to apply when a container exits" },
];
export const args: ArgRule = { kind: "min", n: 1 };

const USAGE = "[OPTIONS] CONTAINER [CONTAINER...]";

/** A flag value the parser accepted as a string but docker's typed flag rejects: pflag's wording, exit 125. */
export class FlagValueError extends Error {}

const RAM_UNITS: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
const GO_FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** go-units RAMInBytes ("512m", "1.5GiB", "100"); throws with its error text. */
export function ramInBytes(s: string): number {
  let sep = -1;
  for (let i = s.length - 1; i >= 0; i--) {
    if ("0123456789. ".includes(s[i] as string)) {
      sep = i;
      break;
    }
  }
  if (sep === -1) throw new Error(`invalid size: '${s}'`);
  const num = s[sep] !== " " ? s.slice(0, sep + 1) : s.slice(0, sep);
  let sfx = s.slice(sep + 1);
  if (!GO_FLOAT.test(num)) throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(num)}: invalid syntax`);
  let size = Number(num);
  if (size < 0) throw new Error(`invalid size: '${s}'`);
  if (sfx === "") return Math.trunc(size);
  if (sfx.length > 3) throw new Error(`invalid suffix: '${sfx}'`);
  sfx = sfx.toLowerCase();
  if (sfx[0] === "b") {
    if (sfx.length > 1) throw new Error(`invalid suffix: '${sfx}'`);
    return Math.trunc(size);
  }
  const mul = RAM_UNITS[sfx[0] as string];
  if (mul === undefined) throw new Error(`invalid suffix: '${sfx}'`);
  size *= mul;
  if ((sfx.length === 2 && sfx[1] !== "b") || (sfx.length === 3 && sfx.slice(1) !== "ib")) throw new Error(`invalid suffix: '${sfx}'`);
  return Math.trunc(size);
}

/** docker's MemSwapBytes: "-1" is unlimited, anything else a RAM size. */
export function memSwapBytes(s: string): number {
  return s === "-1" ? -1 : ramInBytes(s);
}

/** docker's ParseCPUs: a rational number ("1.5", "3/2", "1e-3") times 1e9, which must be an integer. */
export function parseCpus(s: string): number {
  const rat = parseRat(s);
  if (rat === undefined) throw new Error(`failed to parse ${s} as a rational number`);
  const [n, d] = rat;
  const nano = n * 1_000_000_000n;
  if (nano % d !== 0n) throw new Error("value is too precise");
  return Number(nano / d);
}

/** big.Rat.SetString's accepted forms: "a/b" or a decimal with an optional exponent. Returns [num, den>0]. */
function parseRat(s: string): [bigint, bigint] | undefined {
  const frac = /^([+-]?\d+)\/(\d+)$/.exec(s);
  if (frac !== null) {
    const d = BigInt(frac[2] as string);
    return d === 0n ? undefined : [BigInt(frac[1] as string), d];
  }
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (m === null || ((m[2] ?? "") === "" && (m[3] ?? "") === "")) return undefined;
  const digits = `${m[2] ?? ""}${m[3] ?? ""}`;
  const exp = Number(m[4] ?? "0") - (m[3] ?? "").length;
  let n = BigInt(digits === "" ? "0" : digits);
  if (m[1] === "-") n = -n;
  return exp >= 0 ? [n * 10n ** BigInt(exp), 1n] : [n, 10n ** BigInt(-exp)];
}

/** docker's opts.ParseRestartPolicy ("no", "always", "on-failure:3"); the daemon validates the name. */
export function parseRestartPolicy(policy: string): RestartPolicy {
  if (policy === "") return { Name: "", MaximumRetryCount: 0 };
  const i = policy.indexOf(":");
  const name = i >= 0 ? policy.slice(0, i) : policy;
  const v = i >= 0 ? policy.slice(i + 1) : "";
  if (i >= 0 && name === "") throw new StatusError("invalid restart policy format: no policy provided before colon", 1);
  let count = 0;
  if (v !== "") {
    if (!/^[+-]?\d+$/.test(v)) throw new StatusError("invalid restart policy format: maximum retry count must be an integer", 1);
    count = Number.parseInt(v, 10);
  }
  return { Name: name as RestartPolicy["Name"], MaximumRetryCount: count };
}

function typed(f: FlagValues, long: string, display: string, parse: (s: string) => number): number {
  const raw = str(f, long);
  if (raw === undefined) return 0;
  try {
    return parse(raw);
  } catch (e) {
    throw new FlagValueError(`invalid argument ${JSON.stringify(raw)} for "${display}" flag: ${(e as Error).message}`);
  }
}

/** The UpdateConfig body docker sends (zero values mean "leave unchanged"). */
export function updateBody(f: FlagValues): Record<string, unknown> {
  const blkio = typed(f, "blkio-weight", "--blkio-weight", (s) => {
    if (!/^\+?\d+$/.test(s)) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`);
    const n = Number(s);
    if (n > 65535) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range`);
    return n;
  });
  const body: Record<string, unknown> = {
    BlkioWeight: blkio,
    CpusetCpus: str(f, "cpuset-cpus") ?? "",
    CpusetMems: str(f, "cpuset-mems") ?? "",
    CpuShares: int(f, "cpu-shares") ?? 0,
    Memory: typed(f, "memory", "-m, --memory", ramInBytes),
    MemoryReservation: typed(f, "memory-reservation", "--memory-reservation", ramInBytes),
    MemorySwap: typed(f, "memory-swap", "--memory-swap", memSwapBytes),
    KernelMemory: 0,
    CpuPeriod: int(f, "cpu-period") ?? 0,
    CpuQuota: int(f, "cpu-quota") ?? 0,
    CpuRealtimePeriod: int(f, "cpu-rt-period") ?? 0,
    CpuRealtimeRuntime: int(f, "cpu-rt-runtime") ?? 0,
    NanoCpus: typed(f, "cpus", "--cpus", parseCpus),
  };
  const pids = int(f, "pids-limit") ?? 0;
  if (pids !== 0) body.PidsLimit = pids;
  return body;
}

export async function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<number> {
  let body: Record<string, unknown>;
  try {
    body = updateBody(f);
  } catch (e) {
    if (!(e instanceof FlagValueError)) throw e;
    const path = `${ctx.prog} ${ctx.commandPath}`;
    ctx.err(`${e.message}\n\nUsage:  ${path} ${USAGE}\n\nRun '${path} --help' for more information\n`);
    return 125;
  }
  const given = flags.filter((s) => f[s.long] !== undefined);
  if (given.length === 0) throw new StatusError("you must provide one or more flags when using this command", 1);
  const restart = parseRestartPolicy(str(f, "restart") ?? "");
  const client = await ctx.client();
  const warns: string[] = [];
  const errs: string[] = [];
  for (const name of argv) {
    try {
      const r = await client.json<ContainerUpdateResponse>("POST", `/containers/${encodeURIComponent(name)}/update`, { body: { ...body, RestartPolicy: restart } });
      ctx.out(`${name}\n`);
      warns.push(...(r?.Warnings ?? []));
    } catch (e) {
      if (!(e instanceof Error)) throw e;
      errs.push(e.name === "DaemonError" ? `Error response from daemon: ${e.message}` : e.message);
    }
  }
  if (warns.length > 0) ctx.out(`${warns.join("\n")}\n`);
  if (errs.length > 0) throw new StatusError(errs.join("\n"), 1);
  return 0;
}
