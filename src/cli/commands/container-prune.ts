import type { ContainerPruneResponse } from "../../api/types/index.js";
import type { CliContext } from "../context.js";
import { bool, list } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { humanSize } from "../format/units.js";
import { filtersJSON } from "./common.js";
import { confirm } from "./prompt.js";

export const flags: FlagSpec[] = [
  { long: "filter", type: "stringArray", valueName: "filter", usage: 'Provide filter values (e.g. "until=<timestamp>")' },
  { long: "force", short: "f", type: "bool", usage: "Do not prompt for confirmation" },
];
export const args: ArgRule = { kind: "none" };

/** Docker's report text for a container prune ("" when nothing was deleted). */
export function pruneReport(r: ContainerPruneResponse): string {
  const del = r.ContainersDeleted ?? [];
  return del.length > 0 ? `Deleted Containers:\n${del.map((id) => `${id}\n`).join("")}\n` : "";
}

/** Prunes stopped containers; returns the report text and the reclaimed bytes (for system prune too). */
export async function pruneContainers(ctx: CliContext, filters: string[]): Promise<{ text: string; reclaimed: number }> {
  const client = await ctx.client();
  const r = await client.json<ContainerPruneResponse>("POST", "/containers/prune", { query: { filters: filtersJSON(filters) } });
  return { text: pruneReport(r), reclaimed: r.SpaceReclaimed ?? 0 };
}

export async function run(ctx: CliContext, _argv: string[], f: FlagValues): Promise<number> {
  if (!bool(f, "force") && !(await confirm(ctx, "WARNING! This will remove all stopped containers."))) {
    return 0;
  }
  const { text, reclaimed } = await pruneContainers(ctx, list(f, "filter"));
  ctx.out(`${text}Total reclaimed space: ${humanSize(reclaimed)}\n`);
  return 0;
}
