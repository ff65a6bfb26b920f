import type { CliContext } from "../context.js";
import { str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { execTemplate, parseTemplate } from "../format/formatter.js";
import { indentJSON } from "./inspect-core.js";

export const INSPECT_FORMAT_FLAG: FlagSpec = {
  long: "format",
  short: "f",
  type: "string",
  valueName: "string",
  usage: "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates",
};

export const flags: FlagSpec[] = [INSPECT_FORMAT_FLAG];
export const args: ArgRule = { kind: "min", n: 1 };

/**
 * docker's inspect.Inspect for one object kind: GET `pathOf(name)` for each name, print a JSON array
 * or the template per object; failures are collected and reported together (exit 1).
 */
export async function inspectObjects(ctx: CliContext, names: readonly string[], format: string, pathOf: (name: string) => string, query?: Record<string, string>): Promise<number> {
  const tmpl = format !== "" && format !== "json" ? parseTemplate(format.replace(/\\t/g, "\t").replace(/\\n/g, "\n")) : undefined;
  const client = await ctx.client();
  const found: unknown[] = [];
  const errors: string[] = [];
  for (const name of names) {
    try {
      found.push(await client.get(pathOf(name), query));
    } catch (e) {
      if (e instanceof Error && e.name === "DaemonError") errors.push(`Error response from daemon: ${e.message}`);
      else throw e;
    }
  }
  if (format === "json") {
    // docker re-marshals the objects: compact, map keys sorted.
    ctx.out(`${JSON.stringify(found.map(sortMaps))}\n`);
  } else if (tmpl !== undefined) {
    for (const v of found) ctx.out(`${execTemplate(tmpl, v)}\n`);
    if (found.length === 0) ctx.out("\n");
  } else {
    ctx.out(`${indentJSON(found)}\n`);
  }
  if (errors.length > 0) {
    ctx.err(`${errors.join("\n")}\n`);
    return 1;
  }
  return 0;
}

export function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<number> {
  return inspectObjects(ctx, argv, str(f, "format") ?? "", (n) => `/volumes/${encodeURIComponent(n)}`);
}

/** Fields of the Engine API objects that are Go maps (so docker's re-marshalling sorts their keys). */
const MAP_FIELDS = new Set(["Labels", "Options", "Containers", "AuxiliaryAddresses", "DriverOpts", "Peers", "Services", "Status"]);

export function sortMaps(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortMaps);
  if (v === null || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (MAP_FIELDS.has(k) && x !== null && typeof x === "object" && !Array.isArray(x)) {
      const m: Record<string, unknown> = {};
      for (const key of Object.keys(x).sort()) m[key] = sortMaps((x as Record<string, unknown>)[key]);
      out[k] = m;
    } else {
      out[k] = sortMaps(x);
    }
  }
  return out;
}
