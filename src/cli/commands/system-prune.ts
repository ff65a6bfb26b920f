import type { CliContext } from "../context.js";
import { bool, list } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { humanSize } from "../format/units.js";
import { pruneImages } from "./image-prune.js";
import { confirm } from "./prompt.js";

export const flags: FlagSpec[] = [
  { long: "all", short: "a", type: "bool", usage: "Remove all unused images not just dangling ones" },
  { long: "filter", type: "stringArray", valueName: "filter", usage: 'Provide filter values (e.g. "label=<key>=<value>")' },
  { long: "force", short: "f", type: "bool", usage: "Do not prompt for confirmation" },
  { long: "volumes", type: "bool", usage: "Prune anonymous volumes" },
];
export const args: ArgRule = { kind: "none" };

export async function run(ctx: CliContext, _argv: string[], f: FlagValues): Promise<number> {
  const all = bool(f, "all");
  const warning = `WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n${all ? "  - all images without at least one container associated to them\n" : "  - all dangling images\n"}  - unused build cache\n`;
  if (!bool(f, "force") && !(await confirm(ctx, warning))) return 0;
  const { text, reclaimed } = await pruneImages(ctx, all, list(f, "filter"));
  ctx.out(`${text}Total reclaimed space: ${humanSize(reclaimed)}\n`);
  return 0;
}
