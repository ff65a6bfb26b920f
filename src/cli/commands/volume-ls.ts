import type { VolumeListResponse } from "../../api/types/index.js";
import type { CliContext } from "../context.js";
import { bool, list, str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { renderList } from "../format/formatter.js";
import { FORMAT_FLAG, filtersJSON } from "./common.js";
import { naturalCompare } from "./volume-kv.js";
import { VOLUME_HEADERS, headerContext, volumeRow } from "./volume-rows.js";

export const flags: FlagSpec[] = [
  { long: "filter", short: "f", type: "stringArray", valueName: "filter", usage: 'Provide filter values (e.g. "dangling=true")' },
  FORMAT_FLAG,
  { long: "quiet", short: "q", type: "bool", usage: "Only display volume names" },
];
export const args: ArgRule = { kind: "none" };

export async function run(ctx: CliContext, _argv: string[], f: FlagValues): Promise<number> {
  const client = await ctx.client();
  const r = await client.get<VolumeListResponse>("/volumes", { filters: filtersJSON(list(f, "filter")) });
  const vols = [...(r.Volumes ?? [])].sort((a, b) => naturalCompare(a.Name, b.Name));
  const rows = vols.map(volumeRow);
  let format = str(f, "format") ?? "";
  if (bool(f, "quiet") && format === "") format = "{{.Name}}";
  ctx.out(renderList(format, "{{.Driver}}\t{{.Name}}", rows, headerContext(VOLUME_HEADERS)));
  return 0;
}
