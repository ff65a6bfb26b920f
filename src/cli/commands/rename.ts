import type { CliContext } from "../context.js";
import type { FlagSpec } from "../flags/parser.js";
import type { ArgRule } from "../command.js";

export const flags: FlagSpec[] = [];
export const args: ArgRule = { kind: "exact", n: 2 };

export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const [oldName = "", newName = ""] = argv.map((s) => s.trim());
  if (oldName === "" || newName === "") {
    ctx.err("Error: Neither old nor new names may be empty\n");
    return 1;
  }
  const client = await ctx.client();
  try {
    await client.json("POST", `/containers/${encodeURIComponent(oldName)}/rename`, { query: { name: newName } });
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    ctx.err(`${e.name === "DaemonError" ? `Error response from daemon: ${e.message}` : e.message}\n`);
    return 1;
  }
  return 0;
}
