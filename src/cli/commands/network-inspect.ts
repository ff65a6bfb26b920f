import type { CliContext } from "../context.js";
import { bool, str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { INSPECT_FORMAT_FLAG, inspectObjects } from "./volume-inspect.js";

export const flags: FlagSpec[] = [INSPECT_FORMAT_FLAG, { long: "verbose", short: "v", type: "bool", usage: "Verbose output for diagnostics" }];
export const args: ArgRule = { kind: "min", n: 1 };

export function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<number> {
  const query = bool(f, "verbose") ? { verbose: "true" } : undefined;
  return inspectObjects(ctx, argv, str(f, "format") ?? "", (n) => `/networks/${encodeURIComponent(n)}`, query);
}
