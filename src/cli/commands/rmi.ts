import type { ImageDeleteResponseItem } from "../../api/types/index.js";
import type { CliContext } from "../context.js";
import { bool } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";

export const flags: FlagSpec[] = [
  { long: "force", short: "f", type: "bool", usage: "Force removal of the image" },
  { long: "no-prune", type: "bool", usage: "Do not delete untagged parents" },
  { long: "platform", type: "stringArray", valueName: "strings", usage: "Remove only the given platform variant. Formatted as \"os[/arch[/variant]]\" (e.g., \"linux/amd64\")" },
];
export const args: ArgRule = { kind: "min", n: 1 };

export async function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<number> {
  const client = await ctx.client();
  const errors: string[] = [];
  for (const name of argv) {
    try {
      const items = await client.json<ImageDeleteResponseItem[]>("DELETE", `/images/${encodeURIComponent(name)}`, {
        query: { force: bool(f, "force") ? "1" : undefined, noprune: bool(f, "no-prune") ? "1" : undefined },
      });
      for (const d of items ?? []) {
        if (d.Deleted !== undefined) ctx.out(`Deleted: ${d.Deleted}\n`);
        else if (d.Untagged !== undefined) ctx.out(`Untagged: ${d.Untagged}\n`);
      }
    } catch (e) {
      if (!(e instanceof Error)) throw e;
      // As docker: with --force, a missing image is reported but does not fail the command.
      if (bool(f, "force") && (e as { statusCode?: number }).statusCode === 404) {
        ctx.err(`Error response from daemon: ${e.message}\n`);
        continue;
      }
      errors.push(e.name === "DaemonError" ? `Error response from daemon: ${e.message}` : e.message);
      if (e.name === "ConnectError") break;
    }
  }
  if (errors.length > 0) {
    ctx.err(`${errors.join("\n")}\n`);
    return 1;
  }
  return 0;
}
