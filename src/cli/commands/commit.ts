/** `berth commit`: POST /commit?container=…&repo=…&tag=… and print the new image id. */
import type { CliContext } from "../context.js";
import { bool, list, str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import type { QueryValue } from "../../client/engine-client.js";
import { StatusError } from "../cli-error.js";
import { parseNormalizedNamed, tagNameOnly } from "../../oci/reference.js";

export const flags: FlagSpec[] = [
  { long: "author", short: "a", type: "string", valueName: "string", usage: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' },
  { long: "change", short: "c", type: "stringArray", valueName: "list", usage: "Apply Dockerfile instruction to the created image" },
  { long: "message", short: "m", type: "string", valueName: "string", usage: "Commit message" },
  { long: "pause", short: "p", type: "bool", usage: "Pause container during commit", default: true },
];
export const args: ArgRule = { kind: "range", min: 1, max: 2 };

/** The query docker's client sends: the reference split into repo (full name) and tag (default "latest"). */
export function commitQuery(container: string, reference: string, f: FlagValues): Array<[string, QueryValue]> {
  let repo = "";
  let tag = "";
  if (reference !== "") {
    let ref;
    try {
      ref = parseNormalizedNamed(reference);
    } catch (e) {
      throw new StatusError((e as Error).message, 1);
    }
    if (ref.digest !== undefined) throw new StatusError("refusing to create a tag with a digest reference", 1);
    ref = tagNameOnly(ref);
    tag = ref.tag ?? "";
    repo = ref.name;
  }
  const q: Array<[string, QueryValue]> = [["container", container], ["repo", repo], ["tag", tag], ["comment", str(f, "message") ?? ""], ["author", str(f, "author") ?? ""]];
  for (const c of list(f, "change")) q.push(["changes", c]);
  if (!bool(f, "pause")) q.push(["pause", "0"]);
  return q;
}

export async function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<void> {
  const [container = "", reference = ""] = argv;
  const q = commitQuery(container, reference, f);
  const client = await ctx.client();
  const qs = q.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join("&");
  const r = await client.json<{ Id: string }>("POST", `/commit?${qs}`);
  ctx.out(`${r.Id}\n`);
}
