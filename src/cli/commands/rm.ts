import type { CliContext } from "../context.js";
import { bool } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { forEachContainer } from "./container-each.js";

export const flags: FlagSpec[] = [
  { long: "force", short: "f", type: "bool", usage: "Force the removal of a running container (uses SIGKILL)" },
  { long: "link", short: "l", type: "bool", usage: "Remove the specified link" },
  { long: "volumes", short: "v", type: "bool", usage: "Remove anonymous volumes associated with the container" },
];
export const args: ArgRule = { kind: "min", n: 1 };

export async function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<number> {
  return forEachContainer(ctx, argv, async (client, name) => {
    await client.json("DELETE", `/containers/${encodeURIComponent(name)}`, {
      query: { force: bool(f, "force") ? "1" : undefined, v: bool(f, "volumes") ? "1" : undefined, link: bool(f, "link") ? "1" : undefined },
    });
    return undefined;
  });
}
