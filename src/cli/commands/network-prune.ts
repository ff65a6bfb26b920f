import type { NetworkPruneResponse } from "../../api/types/index.js";
import type { CliContext } from "../context.js";
import { bool, list } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { filtersJSON } from "./common.js";
import { confirm } from "./prompt.js";

export const flags: FlagSpec[] = [
  { long: "filter", type: "stringArray", valueName: "filter", usage: 'Provide filter values (e.g. "until=<timestamp>")' },
  { long: "force", short: "f", type: "bool", usage: "Do not prompt for confirmation" },
];
export const args: ArgRule = { kind: "none" };

/** Docker's report text for a network prune ("" when nothing was deleted). */
export function networkPruneReport(r: NetworkPruneResponse): string {
  const del = r.NetworksDeleted ?? [];
  return del.length > 0 ? `Deleted Networks:\n${del.map((n) => `${n}\n`).join("")}\n` : "";
}

export async function run(ctx: CliContext, _argv: string[], f: FlagValues): Promise<number> {
  if (!bool(f, "force") && !(await confirm(ctx, "WARNING! This will remove all custom networks not used by at least one container."))) {
    return 0;
  }
  const client = await ctx.client();
  const r = await client.json<NetworkPruneResponse>("POST", "/networks/prune", { query: { filters: filtersJSON(list(f, "filter")) } });
  ctx.out(networkPruneReport(r));
  return 0;
}
