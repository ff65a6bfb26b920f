import type { CliContext } from "../context.js";
import type { EngineClient, QueryValue } from "../../client/engine-client.js";
import type { FlagValues } from "../flags/parser.js";

/** Docker's "for each argument" loop: prints each argument as given on success, collects errors, exit 1 if any failed. */
export async function forEachContainer(
  ctx: CliContext,
  names: readonly string[],
  action: (client: EngineClient, name: string) => Promise<string | undefined>,
): Promise<number> {
  const client = await ctx.client();
  const errors: string[] = [];
  for (const name of names) {
    try {
      const out = await action(client, name);
      ctx.out(`${out ?? name}\n`);
    } catch (e) {
      if (!(e instanceof Error)) throw e;
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

export function cpath(name: string, action: string): string {
  return `/containers/${encodeURIComponent(name)}/${action}`;
}

/** A command that POSTs /containers/{name}/{action} for each argument, with a query made from its flags. */
export function postForEach(action: string, query: (f: FlagValues) => Record<string, QueryValue> = () => ({})): (ctx: CliContext, argv: string[], f: FlagValues) => Promise<number> {
  return (ctx, argv, f) =>
    forEachContainer(ctx, argv, async (client, name) => {
      await client.json("POST", cpath(name, action), { query: query(f) });
      return undefined;
    });
}
