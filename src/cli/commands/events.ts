import type { EventMessage } from "../../api/types/index.js";
import type { CliContext } from "../context.js";
import { list, str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { jsonLines } from "../../client/engine-client.js";
import { execTemplate, parseTemplate } from "../format/formatter.js";
import { FILTER_FLAG, filtersJSON } from "./common.js";
import { isoTime } from "../../util/iso-time.js";

export const flags: FlagSpec[] = [
  FILTER_FLAG,
  { long: "format", type: "string", valueName: "string", usage: "Format output using a custom template" },
  { long: "since", type: "string", valueName: "string", usage: "Show all events created since timestamp" },
  { long: "until", type: "string", valueName: "string", usage: "Stream events until this timestamp" },
];
export const args: ArgRule = { kind: "none" };

/** docker's --since/--until: RFC 3339, unix seconds(.nanos), or a duration relative to now ("10m"). */
export function timeArg(v: string | undefined, now = Date.now()): string | undefined {
  if (v === undefined || v === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return v;
  const dur = /^(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)$/.exec(v);
  if (dur !== null) {
    const mult: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
    return ((now - Number(dur[1]) * (mult[dur[2] as string] as number)) / 1000).toFixed(9);
  }
  const t = Date.parse(v);
  if (Number.isNaN(t)) return v;
  return (t / 1000).toFixed(9);
}

export function eventLine(e: EventMessage): string {
  const ns = BigInt(e.timeNano ?? e.time * 1e9);
  const sec = Number(ns / 1000000000n);
  const frac = String(ns % 1000000000n).padStart(9, "0");
  const ts = `${isoTime(sec * 1000).slice(0, 19)}.${frac}Z`;
  const attrs = Object.keys(e.Actor.Attributes ?? {})
    .sort()
    .map((k) => `${k}=${e.Actor.Attributes[k]}`);
  return `${ts} ${e.Type} ${e.Action} ${e.Actor.ID}${attrs.length > 0 ? ` (${attrs.join(", ")})` : ""}\n`;
}

export async function run(ctx: CliContext, _argv: string[], f: FlagValues): Promise<void> {
  const client = await ctx.client();
  const format = str(f, "format") ?? "";
  const tmpl = format !== "" && format !== "json" ? parseTemplate(format) : undefined;
  const res = await client.request("GET", "/events", { query: { since: timeArg(str(f, "since")), until: timeArg(str(f, "until")), filters: filtersJSON(list(f, "filter")) } });
  for await (const raw of jsonLines<EventMessage>(res)) {
    const e = inDockerOrder(raw);
    if (format === "json") ctx.out(`${JSON.stringify(e)}\n`);
    else if (tmpl !== undefined) ctx.out(`${execTemplate(tmpl, e)}\n`);
    else ctx.out(eventLine(e));
  }
}

/** The field order of docker's events.Message, which `{{json .}}` prints; absent deprecated fields stay absent. */
function inDockerOrder(e: EventMessage): EventMessage {
  const out: Record<string, unknown> = {};
  for (const k of ["status", "id", "from", "Type", "Action", "Actor", "scope", "time", "timeNano"]) {
    const v = (e as unknown as Record<string, unknown>)[k];
    if (v !== undefined && v !== "") out[k] = v;
  }
  return out as unknown as EventMessage;
}
