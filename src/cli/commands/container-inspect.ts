/** `berth container inspect`: docker's container-only inspect (JSON array or a template per container). */
import type { CliContext } from "../context.js";
import { bool, str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { inspectAll } from "./inspect-core.js";

export const flags: FlagSpec[] = [
  { long: "format", short: "f", type: "string", valueName: "string", usage: "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates" },
  { long: "size", short: "s", type: "bool", usage: "Display total file sizes" },
];
export const args: ArgRule = { kind: "min", n: 1 };

export function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<number> {
  return inspectAll(ctx, argv, str(f, "format") ?? "", "container", bool(f, "size"));
}
