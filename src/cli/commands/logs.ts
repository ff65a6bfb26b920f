/**
 * `berth logs`: inspect (for the id and whether it has a TTY), then GET /containers/{id}/logs with
 * stdout and stderr, copying raw (TTY) or demultiplexed output. --since/--until take docker's forms
 * (RFC 3339, unix seconds, or a Go duration before now).
 */
import type { CliContext } from "../context.js";
import { bool, str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import type { ContainerInspect } from "../../api/types/index.js";
import { StdcopyDemuxer } from "../../client/stdcopy-demux.js";
import { StatusError } from "../cli-error.js";
import { parseGoDuration } from "./container-opts-values.js";

export const flags: FlagSpec[] = [
  { long: "details", type: "bool", usage: "Show extra details provided to logs" },
  { long: "follow", short: "f", type: "bool", usage: "Follow log output" },
  { long: "since", type: "string", valueName: "string", usage: 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
  { long: "tail", short: "n", type: "string", valueName: "string", usage: "Number of lines to show from the end of the logs", default: "all" },
  { long: "timestamps", short: "t", type: "bool", usage: "Show timestamps" },
  { long: "until", type: "string", valueName: "string", usage: 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
];
export const args: ArgRule = { kind: "exact", n: 1 };

/** docker's timetypes.GetTimestamp: the value the API takes for since/until. Throws its error text. */
export function getTimestamp(value: string, now = Date.now()): string {
  if (value !== "0") {
    try {
      const ns = parseGoDuration(value);
      return String(Math.floor((now - ns / 1e6) / 1000));
    } catch {
      // not a duration
    }
  }
  const fail = (): Error => new Error(`failed to parse value as time or duration: ${JSON.stringify(value)}`);
  const unix = /^-?\d+(\.\d{1,9})?$/;
  const dashes = (value.match(/-/g) ?? []).length;
  if (!value.includes("T") && dashes !== 2 && !value.includes(".")) {
    if (!unix.test(value)) throw fail();
    return value;
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(value);
  if (m === null) {
    if (value.includes("-")) throw new Error(`parsing time ${JSON.stringify(value)}: cannot parse ${JSON.stringify(value)}`);
    if (!unix.test(value)) throw fail();
    return value;
  }
  const [, y, mo, d, h = "00", mi = "00", se = "00", frac = "", zone] = m;
  // Without a zone docker parses in the local time zone.
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${se}${zone ?? ""}`;
  const ms = zone !== undefined ? Date.parse(iso) : new Date(`${y}-${mo}-${d}T${h}:${mi}:${se}`).getTime();
  if (Number.isNaN(ms)) throw fail();
  return `${Math.floor(ms / 1000)}.${frac.padEnd(9, "0")}`;
}

export async function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<number> {
  const client = await ctx.client();
  const c = await client.get<ContainerInspect>(`/containers/${encodeURIComponent(argv[0] ?? "")}/json`);
  const query: Record<string, string | boolean> = { stdout: true, stderr: true };
  for (const k of ["since", "until"] as const) {
    const v = str(f, k);
    if (v === undefined || v === "") continue;
    try {
      query[k] = getTimestamp(v);
    } catch (e) {
      throw new StatusError(`invalid value for "${k}": ${(e as Error).message}`, 1);
    }
  }
  if (bool(f, "timestamps")) query.timestamps = true;
  if (bool(f, "follow")) query.follow = true;
  query.tail = str(f, "tail") ?? "all";
  if (bool(f, "details")) query.details = true;
  const res = await client.request("GET", `/containers/${c.Id}/logs`, { query });
  const tty = c.Config.Tty === true;
  const demux = tty ? undefined : new StdcopyDemuxer({ stdout: (b) => ctx.stdout.write(b), stderr: (b) => ctx.stderr.write(b) });
  let broken: Error | undefined;
  const onErr = (e: NodeJS.ErrnoException): void => {
    broken = new StatusError(e.code === "EPIPE" ? "write /dev/stdout: broken pipe" : e.message, 1);
    res.destroy();
  };
  ctx.stdout.on("error", onErr);
  ctx.stderr.on("error", onErr);
  try {
    for await (const chunk of res) {
      const b = chunk as Buffer;
      if (demux !== undefined) demux.push(b);
      else ctx.stdout.write(b);
    }
  } catch (e) {
    if (broken === undefined) throw e;
  }
  if (broken !== undefined) throw broken;
  return 0;
}
