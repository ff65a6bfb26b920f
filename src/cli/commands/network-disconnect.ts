import type { CliContext } from "../context.js";
import { bool } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";

export const flags: FlagSpec[] = [{ long: "force", short: "f", type: "bool", usage: "Force the container to disconnect from a network" }];
export const args: ArgRule = { kind: "exact", n: 2 };

export async function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<number> {
  const [network = "", container = ""] = argv;
  const client = await ctx.client();
  await client.json("POST", `/networks/${encodeURIComponent(network)}/disconnect`, { body: { Container: container, Force: bool(f, "force") } });
  return 0;
}
