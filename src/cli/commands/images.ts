import type { ImageSummary } from "../../api/types/index.js";
import type { CliContext } from "../context.js";
import { bool, list, str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { renderList } from "../format/formatter.js";
import { FILTER_FLAG, FORMAT_FLAG, filtersJSON } from "./common.js";
import { IMAGE_HEADERS, imageRows } from "./image-rows.js";

export const flags: FlagSpec[] = [
  { long: "all", short: "a", type: "bool", usage: "Show all images (default hides intermediate images)" },
  { long: "digests", type: "bool", usage: "Show digests" },
  FILTER_FLAG,
  FORMAT_FLAG,
  { long: "no-trunc", type: "bool", usage: "Don't truncate output" },
  { long: "quiet", short: "q", type: "bool", usage: "Only show image IDs" },
  { long: "tree", type: "bool", usage: "List multi-platform images as a tree (EXPERIMENTAL)" },
];
export const args: ArgRule = { kind: "max", n: 1 };

export async function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<void> {
  const client = await ctx.client();
  const filters = filtersJSON(list(f, "filter"), argv[0] !== undefined ? { reference: [argv[0]] } : {});
  const images = await client.get<ImageSummary[]>("/images/json", { all: bool(f, "all") ? "1" : undefined, filters });
  const digests = bool(f, "digests");
  const rows = imageRows(images, { digests, noTrunc: bool(f, "no-trunc") });
  let format = str(f, "format") ?? "";
  if (bool(f, "quiet")) {
    ctx.out(rows.map((r) => `${r.ID}\n`).join(""));
    return;
  }
  const def = `{{.Repository}}\t{{.Tag}}\t${digests ? "{{.Digest}}\t" : ""}{{.ID}}\t{{.CreatedSince}}\t{{.Size}}`;
  if (format === "" && digests) format = `table ${def}`;
  ctx.out(renderList(format, def, rows, IMAGE_HEADERS));
}
