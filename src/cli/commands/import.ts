import { openInput } from "./common.js";
import type { CliContext } from "../context.js";
import { list, str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { streamMessages } from "./load.js";
import { splitRepoTag } from "./tag.js";

export const flags: FlagSpec[] = [
  { long: "change", short: "c", type: "stringArray", valueName: "list", usage: "Apply Dockerfile instruction to the created image" },
  { long: "message", short: "m", type: "string", valueName: "string", usage: "Set commit message for imported image" },
  { long: "platform", type: "string", valueName: "string", usage: "Set platform if server is multi-platform capable" },
];
export const args: ArgRule = { kind: "range", min: 1, max: 2 };

export async function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<void> {
  const src = argv[0] as string;
  const ref = argv[1];
  const isUrl = /^https?:\/\//.test(src);
  const body = isUrl ? undefined : src === "-" ? ctx.stdin : openInput(src);
  const client = await ctx.client();
  const { repo, tag } = ref !== undefined ? splitRepoTag(ref) : { repo: undefined, tag: undefined };
  const changes = list(f, "change");
  const qs = new URLSearchParams();
  qs.set("fromSrc", isUrl ? src : "-");
  if (repo !== undefined) qs.set("repo", repo);
  if (tag !== undefined) qs.set("tag", tag);
  const msg = str(f, "message");
  if (msg !== undefined) qs.set("message", msg);
  const plat = str(f, "platform");
  if (plat !== undefined) qs.set("platform", plat);
  for (const c of changes) qs.append("changes", c);
  const res = await client.request("POST", `/images/create?${qs.toString()}`, { body, headers: { "Content-Type": "application/x-tar" } });
  await streamMessages(ctx, res);
}
