import type { CliContext } from "../context.js";
import type { FlagSpec } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { StatusError } from "../cli-error.js";
import { parseAnyReference, parseNormalizedNamed } from "../../oci/reference.js";

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

/** As docker's client library: references are checked before anything is sent. */
function checkRef(ref: string, parse: (s: string) => unknown): void {
  try {
    parse(ref);
  } catch (e) {
    throw new StatusError(`Error parsing reference: ${JSON.stringify(ref)} is not a valid repository/tag: ${(e as Error).message}`, 1);
  }
}

export async function run(ctx: CliContext, argv: string[]): Promise<void> {
  const [src, target] = argv as [string, string];
  checkRef(src, parseAnyReference);
  checkRef(target, parseNormalizedNamed);
  if (target.includes("@")) throw new StatusError("refusing to create a tag with a digest reference", 1);
  const client = await ctx.client();
  const { repo, tag } = splitRepoTag(target);
  const res = await client.request("POST", `/images/${encodeURIComponent(src)}/tag`, { query: { repo, tag } });
  res.resume();
}
