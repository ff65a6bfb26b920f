import type { NetworkResource } from "../../api/types/index.js";
import type { CliContext } from "../context.js";
import { bool, list, str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { renderList } from "../format/formatter.js";
import { FORMAT_FLAG, filtersJSON } from "./common.js";
import { NETWORK_HEADERS, networkRow } from "./network-rows.js";
import { naturalCompare } from "./volume-kv.js";
import { headerContext } from "./volume-rows.js";

export const flags: FlagSpec[] = [
  { long: "filter", short: "f", type: "stringArray", valueName: "filter", usage: 'Provide filter values (e.g. "driver=bridge")' },
  FORMAT_FLAG,
  { long: "no-trunc", type: "bool", usage: "Do not truncate the output" },
  { long: "quiet", short: "q", type: "bool", usage: "Only display network IDs" },
];
export const args: ArgRule = { kind: "none" };

export async function run(ctx: CliContext, _argv: string[], f: FlagValues): Promise<number> {
  const client = await ctx.client();
  const nets = await client.get<NetworkResource[]>("/networks", { filters: filtersJSON(list(f, "filter")) });
  const sorted = [...(nets ?? [])].sort((a, b) => naturalCompare(a.Name, b.Name));
  const rows = sorted.map((n) => networkRow(n, bool(f, "no-trunc")));
  let format = str(f, "format") ?? "";
  if (bool(f, "quiet") && format === "") format = "{{.ID}}";
  ctx.out(renderList(format, "{{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}", rows, headerContext(NETWORK_HEADERS)));
  return 0;
}
