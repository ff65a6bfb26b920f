import { createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import type { CliContext } from "../context.js";
import { list, str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { StatusError } from "../cli-error.js";

export const flags: FlagSpec[] = [
  { long: "output", short: "o", type: "string", valueName: "string", usage: "Write to a file, instead of STDOUT" },
  { long: "platform", type: "stringArray", valueName: "stringSlice", usage: "Save only the given platform(s)" },
];
export const args: ArgRule = { kind: "min", n: 1 };

export async function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<void> {
  const out = str(f, "output");
  if (out === undefined && ctx.stdout.isTTY === true) {
    throw new StatusError("Cowardly refusing to save to a terminal. Use the -o flag or redirect", 1);
  }
  void list;
  const client = await ctx.client();
  const query = argv.map((n) => `names=${encodeURIComponent(n)}`).join("&");
  const res = await client.request("GET", `/images/get?${query}`);
  await pipeline(res, out !== undefined ? createWriteStream(out) : ctx.stdout);
}
