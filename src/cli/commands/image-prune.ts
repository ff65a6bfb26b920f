import type { ImagePruneResponse } from "../../api/types/index.js";
import type { CliContext } from "../context.js";
import { bool, list } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { humanSize } from "../format/units.js";
import { filtersJSON } from "./common.js";
import { confirm } from "./prompt.js";

export const flags: FlagSpec[] = [
  { long: "all", short: "a", type: "bool", usage: "Remove all unused images, not just dangling ones" },
  { long: "filter", type: "stringArray", valueName: "filter", usage: 'Provide filter values (e.g. "until=<timestamp>")' },
  { long: "force", short: "f", type: "bool", usage: "Do not prompt for confirmation" },
];
export const args: ArgRule = { kind: "none" };

/** Prunes images; returns the report text and the reclaimed bytes (used by system prune too). */
export async function pruneImages(ctx: CliContext, all: boolean, filters: string[]): Promise<{ text: string; reclaimed: number }> {
  const client = await ctx.client();
  const extra: Record<string, string[]> = all ? { dangling: ["false"] } : {};
  const r = await client.json<ImagePruneResponse>("POST", "/images/prune", { query: { filters: filtersJSON(filters, extra) } });
  let text = "";
  const del = r.ImagesDeleted ?? [];
  if (del.length > 0) {
    text += "Deleted Images:\n";
    for (const d of del) text += d.Deleted !== undefined ? `deleted: ${d.Deleted}\n` : `untagged: ${d.Untagged ?? ""}\n`;
    text += "\n";
  }
  return { text, reclaimed: r.SpaceReclaimed ?? 0 };
}

export async function run(ctx: CliContext, _argv: string[], f: FlagValues): Promise<number> {
  const all = bool(f, "all");
  const warning = all
    ? "WARNING! This will remove all images without at least one container associated to them."
    : "WARNING! This will remove all dangling images.";
  if (!bool(f, "force") && !(await confirm(ctx, warning))) {
    return 0;
  }
  const { text, reclaimed } = await pruneImages(ctx, all, list(f, "filter"));
  ctx.out(`${text}Total reclaimed space: ${humanSize(reclaimed)}\n`);
  return 0;
}
