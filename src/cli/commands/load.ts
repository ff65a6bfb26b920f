import type { JSONMessage } from "../../api/types/index.js";
import type { CliContext } from "../context.js";
import { bool, str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { jsonLines } from "../../client/engine-client.js";
import { displayJSONMessages, JSONMessageError } from "../format/jsonmessage.js";
import { StatusError } from "../cli-error.js";
import { openInput } from "./common.js";

export const flags: FlagSpec[] = [
  { long: "input", short: "i", type: "string", valueName: "string", usage: "Read from tar archive file, instead of STDIN" },
  { long: "platform", type: "stringArray", valueName: "stringSlice", usage: "Load only the given platform(s)" },
  { long: "quiet", short: "q", type: "bool", usage: "Suppress the load output" },
];
export const args: ArgRule = { kind: "none" };

export async function run(ctx: CliContext, _argv: string[], f: FlagValues): Promise<void> {
  const input = str(f, "input");
  if (input === undefined && ctx.stdin.isTTY === true) {
    throw new StatusError("requested load from stdin, but stdin is empty", 1);
  }
  const body = input !== undefined ? openInput(input) : ctx.stdin;
  const client = await ctx.client();
  const res = await client.request("POST", "/images/load", { query: { quiet: bool(f, "quiet") ? "1" : undefined }, body, headers: { "Content-Type": "application/x-tar" } });
  await streamMessages(ctx, res);
}

export async function streamMessages(ctx: CliContext, res: AsyncIterable<unknown> & NodeJS.ReadableStream): Promise<void> {
  try {
    await displayJSONMessages(jsonLines<JSONMessage>(res as unknown as import("node:stream").Readable), ctx.stdout, ctx.stdout.isTTY === true);
  } catch (e) {
    if (e instanceof JSONMessageError) throw new StatusError(e.message, 1);
    throw e;
  }
}
