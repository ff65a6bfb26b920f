import type { CliContext } from "../context.js";
import type { FlagSpec } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import type { ContainerTopResponse } from "../../api/types/index.js";
import { tabwrite } from "../format/tabwriter.js";

export const flags: FlagSpec[] = [];
export const args: ArgRule = { kind: "min", n: 1 };
/** ps options after the container belong to ps. */
export const interspersed = false;

/** Docker's top table: tabwriter(minwidth 20, padding 3). */
export function renderTop(top: ContainerTopResponse): string {
  const lines = [top.Titles.join("\t"), ...(top.Processes ?? []).map((p) => p.join("\t"))];
  return tabwrite(`${lines.join("\n")}\n`, { minwidth: 20, padding: 3 });
}

export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const [name = "", ...psArgs] = argv;
  const client = await ctx.client();
  try {
    const query = psArgs.length > 0 ? { ps_args: psArgs.join(" ") } : {};
    const top = await client.json<ContainerTopResponse>("GET", `/containers/${encodeURIComponent(name)}/top`, { query });
    ctx.out(renderTop(top));
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    ctx.err(`${e.name === "DaemonError" ? `Error response from daemon: ${e.message}` : e.message}\n`);
    return 1;
  }
  return 0;
}
