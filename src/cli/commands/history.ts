import type { HistoryResponseItem } from "../../api/types/index.js";
import type { CliContext } from "../context.js";
import { bool, str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { renderList } from "../format/formatter.js";
import { humanSizeWithPrecision, since } from "../format/units.js";
import { FORMAT_FLAG, truncateId } from "./common.js";
import { isoTime } from "../../util/iso-time.js";

export const flags: FlagSpec[] = [
  FORMAT_FLAG,
  { long: "human", short: "H", type: "bool", default: true, usage: "Print sizes and dates in human readable format" },
  { long: "no-trunc", type: "bool", usage: "Don't truncate output" },
  { long: "platform", type: "string", valueName: "string", usage: "Show history for the given platform. Formatted as \"os[/arch[/variant]]\" (e.g., \"linux/amd64\")" },
  { long: "quiet", short: "q", type: "bool", usage: "Only show image IDs" },
];
export const args: ArgRule = { kind: "exact", n: 1 };

const HEADERS = { ID: "IMAGE", CreatedSince: "CREATED", CreatedAt: "CREATED AT", CreatedBy: "CREATED BY", Size: "SIZE", Comment: "COMMENT" };

function goRFC3339(unix: number): string {
  return isoTime(unix * 1000).replace(/\.\d+Z$/, "Z");
}

export async function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<void> {
  const client = await ctx.client();
  const items = await client.get<HistoryResponseItem[]>(`/images/${encodeURIComponent(argv[0] as string)}/history`, { platform: str(f, "platform") });
  const human = bool(f, "human");
  const noTrunc = bool(f, "no-trunc");
  const rows = items.map((h) => {
    let createdBy = h.CreatedBy.replace(/\t/g, " ");
    if (!noTrunc && [...createdBy].length > 45) createdBy = `${[...createdBy].slice(0, 44).join("")}…`;
    return {
      Comment: h.Comment,
      CreatedAt: human ? goRFC3339(h.Created) : goRFC3339(h.Created),
      CreatedBy: createdBy,
      CreatedSince: human ? since(h.Created) : goRFC3339(h.Created),
      ID: h.Id.startsWith("sha256:") ? (noTrunc ? h.Id : truncateId(h.Id)) : h.Id,
      Size: human ? humanSizeWithPrecision(h.Size, 3) : String(h.Size),
    };
  });
  if (bool(f, "quiet")) {
    ctx.out(rows.map((r) => `${r.ID}\n`).join(""));
    return;
  }
  const created = human ? "{{.CreatedSince}}" : "{{.CreatedAt}}"; // docker shows CREATED AT with -H=false
  ctx.out(renderList(str(f, "format") ?? "", `{{.ID}}\t${created}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}`, rows, HEADERS));
}
