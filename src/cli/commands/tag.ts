import type { CliContext } from "../context.js";
import type { FlagSpec } from "../flags/parser.js";
import type { ArgRule } from "../command.js";

export const flags: FlagSpec[] = [];
export const args: ArgRule = { kind: "exact", n: 2 };

/** Splits "repo[:tag]" (a colon after the last slash is the tag). */
export function splitRepoTag(ref: string): { repo: string; tag: string | undefined } {
  const at = ref.indexOf("@");
  const base = at >= 0 ? ref.slice(0, at) : ref;
  const slash = base.lastIndexOf("/");
  const colon = base.lastIndexOf(":");
  if (colon > slash) return { repo: base.slice(0, colon), tag: base.slice(colon + 1) };
  return { repo: base, tag: undefined };
}

export async function run(ctx: CliContext, argv: string[]): Promise<void> {
  const client = await ctx.client();
  const [src, target] = argv as [string, string];
  const { repo, tag } = splitRepoTag(target);
  const res = await client.request("POST", `/images/${encodeURIComponent(src)}/tag`, { query: { repo, tag } });
  res.resume();
}
