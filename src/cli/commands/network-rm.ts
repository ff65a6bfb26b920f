import type { CliContext } from "../context.js";
import { StatusError } from "../cli-error.js";
import { bool } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";

export const flags: FlagSpec[] = [{ long: "force", short: "f", type: "bool", usage: "Do not error if the network does not exist" }];
export const args: ArgRule = { kind: "min", n: 1 };

export async function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<number> {
  const client = await ctx.client();
  let status = 0;
  for (const name of argv) {
    try {
      await client.json("DELETE", `/networks/${encodeURIComponent(name)}`);
      ctx.out(`${name}\n`);
    } catch (e) {
      if (!(e instanceof Error) || e.name !== "DaemonError") throw e;
      if (bool(f, "force") && (e as Error & { statusCode: number }).statusCode === 404) continue;
      // As docker: each failure is reported at once, the exit status says that one failed.
      ctx.err(`Error response from daemon: ${e.message}\n`);
      status = 1;
    }
  }
  // docker's cli.StatusError without a status text prints "exit status N".
  if (status !== 0) throw new StatusError(`exit status ${status}`, status);
  return 0;
}
