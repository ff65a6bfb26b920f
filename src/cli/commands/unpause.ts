import type { CliContext } from "../context.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { forEachContainer, cpath } from "./container-each.js";

export const flags: FlagSpec[] = [];
export const args: ArgRule = { kind: "min", n: 1 };

export async function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<number> {
  return forEachContainer(ctx, argv, async (client, name) => {
    await client.json("POST", cpath(name, "unpause"), { query: {} });
    return undefined;
  });
}
