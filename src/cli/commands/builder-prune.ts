/** `berth builder prune`: POST /build/prune, printed as the docker CLI does. */
import type { CliContext } from "../context.js";
import { bool, list } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { humanSize } from "../format/units.js";
import { filtersJSON } from "./common.js";
import { confirm } from "./prompt.js";

export const flags: FlagSpec[] = [
  { long: "all", short: "a", type: "bool", usage: "Remove all unused build cache, not just dangling ones" },
  { long: "filter", type: "stringArray", valueName: "filter", usage: 'Provide filter values (e.g. "until=24h")' },
  { long: "force", short: "f", type: "bool", usage: "Do not prompt for confirmation" },
];
export const args: ArgRule = { kind: "none" };

export async function run(ctx: CliContext, _argv: string[], f: FlagValues): Promise<number> {
  const all = bool(f, "all");
  const warning = all ? "WARNING! This will remove all build cache." : "WARNING! This will remove all dangling build cache.";
  if (!bool(f, "force") && !(await confirm(ctx, warning))) {
    return 0;
  }
  const client = await ctx.client();
  const r = await client.json<{ CachesDeleted?: string[] | null; SpaceReclaimed?: number }>("POST", "/build/prune", { query: { all: all ? "1" : undefined, filters: filtersJSON(list(f, "filter")) } });
  const del = r.CachesDeleted ?? [];
  let text = "";
  if (del.length > 0) text += `Deleted build cache objects:\n${del.map((d) => `${d}\n`).join("")}\n`;
  ctx.out(`${text}Total reclaimed space: ${humanSize(r.SpaceReclaimed ?? 0)}\n`);
  return 0;
}
