import type { CliContext } from "../context.js";
import type { FlagSpec } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import type { ContainerChange } from "../../api/types/index.js";

export const flags: FlagSpec[] = [];
export const args: ArgRule = { kind: "exact", n: 1 };

const KIND = ["C", "A", "D"] as const;

/** Docker's `diff` lines: "C /etc", "A /new", "D /gone". */
export function renderChanges(changes: readonly ContainerChange[] | null | undefined): string {
  return (changes ?? []).map((c) => `${KIND[c.Kind] ?? "?"} ${c.Path}\n`).join("");
}

export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const client = await ctx.client();
  try {
    const changes = await client.json<ContainerChange[] | null>("GET", `/containers/${encodeURIComponent(argv[0] ?? "")}/changes`);
    ctx.out(renderChanges(changes));
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    ctx.err(`${e.name === "DaemonError" ? `Error response from daemon: ${e.message}` : e.message}\n`);
    return 1;
  }
  return 0;
}
