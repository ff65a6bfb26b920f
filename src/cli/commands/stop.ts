import type { CliContext } from "../context.js";
import { str, int } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { forEachContainer, cpath } from "./container-each.js";

export const flags: FlagSpec[] = [
  { long: "signal", short: "s", type: "string", usage: "Signal to send to the container" },
  { long: "time", short: "t", type: "int", usage: "Seconds to wait before killing the container" },
];
export const args: ArgRule = { kind: "min", n: 1 };

export async function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<number> {
  return forEachContainer(ctx, argv, async (client, name) => {
    await client.json("POST", cpath(name, "stop"), { query: { signal: str(f, "signal"), t: int(f, "time") } });
    return undefined;
  });
}
