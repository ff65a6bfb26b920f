import type { CliContext } from "../context.js";
import { bool, str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { inspectAll } from "./inspect-core.js";
import { StatusError } from "../cli-error.js";

export const flags: FlagSpec[] = [
  { long: "format", short: "f", type: "string", valueName: "string", usage: "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates" },
  { long: "size", short: "s", type: "bool", usage: "Display total file sizes if the type is container" },
  { long: "type", type: "string", valueName: "string", usage: "Only inspect objects of the given type" },
];
export const args: ArgRule = { kind: "min", n: 1 };

const TYPES = ["config", "container", "image", "network", "node", "plugin", "secret", "service", "task", "volume"];

export function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<number> {
  const type = str(f, "type") ?? "";
  if (type !== "" && !TYPES.includes(type)) throw new StatusError(`unknown type: "${type}": must be one of ${TYPES.map((t) => `"${t}"`).join(", ")}`, 1);
  return inspectAll(ctx, argv, str(f, "format") ?? "", type === "" ? "any" : type, bool(f, "size"));
}
