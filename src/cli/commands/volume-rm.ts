import type { CliContext } from "../context.js";
import { bool } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";

export const flags: FlagSpec[] = [{ long: "force", short: "f", type: "bool", usage: "Force the removal of one or more volumes" }];
export const args: ArgRule = { kind: "min", n: 1 };

export async function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<number> {
  const client = await ctx.client();
  const errors: string[] = [];
  for (const name of argv) {
    try {
      await client.json("DELETE", `/volumes/${encodeURIComponent(name)}`, { query: { force: bool(f, "force") ? "1" : undefined } });
      ctx.out(`${name}\n`);
    } catch (e) {
      if (!(e instanceof Error) || e.name !== "DaemonError") throw e;
      errors.push(`Error response from daemon: ${e.message}`);
    }
  }
  if (errors.length > 0) {
    ctx.err(`${errors.join("\n")}\n`);
    return 1;
  }
  return 0;
}
