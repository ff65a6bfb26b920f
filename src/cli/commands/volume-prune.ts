import type { VolumePruneResponse } from "../../api/types/index.js";
import type { CliContext } from "../context.js";
import { StatusError } from "../cli-error.js";
import { bool, list } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { humanSize } from "../format/units.js";
import { filtersJSON } from "./common.js";
import { confirm } from "./prompt.js";

export const flags: FlagSpec[] = [
  { long: "all", short: "a", type: "bool", usage: "Remove all unused volumes, not just anonymous ones" },
  { long: "filter", type: "stringArray", valueName: "filter", usage: 'Provide filter values (e.g. "label=<label>")' },
  { long: "force", short: "f", type: "bool", usage: "Do not prompt for confirmation" },
];
export const args: ArgRule = { kind: "none" };

/** Docker's report text for a volume prune ("" when nothing was deleted). */
export function volumePruneReport(r: VolumePruneResponse): string {
  const del = r.VolumesDeleted ?? [];
  return del.length > 0 ? `Deleted Volumes:\n${del.map((n) => `${n}\n`).join("")}\n` : "";
}

export async function run(ctx: CliContext, _argv: string[], f: FlagValues): Promise<number> {
  const all = bool(f, "all");
  const filters = list(f, "filter");
  if (all && filters.some((x) => /^all=/i.test(x.trim()))) {
    throw new StatusError("conflicting options: cannot specify both --all and --filter all=1", 1);
  }
  const warning = all
    ? "WARNING! This will remove all local volumes not used by at least one container."
    : "WARNING! This will remove anonymous local volumes not used by at least one container.";
  // Declined: docker 28 prints nothing more and exits 0.
  if (!bool(f, "force") && !(await confirm(ctx, warning))) return 0;
  const client = await ctx.client();
  const r = await client.json<VolumePruneResponse>("POST", "/volumes/prune", { query: { filters: filtersJSON(filters, all ? { all: ["true"] } : {}) } });
  const text = volumePruneReport(r);
  ctx.out(`${text}Total reclaimed space: ${humanSize(text === "" ? 0 : (r.SpaceReclaimed ?? 0))}\n`);
  return 0;
}
