import type { DiskUsage } from "../../api/types/index.js";
import type { CliContext } from "../context.js";
import { bool, str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { renderList } from "../format/formatter.js";
import { humanSize } from "../format/units.js";
import { imageRows, IMAGE_HEADERS } from "./image-rows.js";

export const flags: FlagSpec[] = [
  { long: "format", type: "string", valueName: "string", usage: "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates" },
  { long: "verbose", short: "v", type: "bool", usage: "Show detailed information on space usage" },
];
export const args: ArgRule = { kind: "none" };

const HEADERS = { Type: "TYPE", TotalCount: "TOTAL", Active: "ACTIVE", Size: "SIZE", Reclaimable: "RECLAIMABLE" };

function reclaim(reclaimable: number, total: number): string {
  const pct = total > 0 ? Math.trunc((reclaimable * 100) / total) : 0;
  return total > 0 ? `${humanSize(reclaimable)} (${pct}%)` : humanSize(reclaimable);
}

export async function run(ctx: CliContext, _argv: string[], f: FlagValues): Promise<void> {
  const client = await ctx.client();
  const du = await client.get<DiskUsage>("/system/df");
  const images = du.Images ?? [];
  const activeImages = images.filter((i) => i.Containers > 0);
  let used = 0;
  for (const i of activeImages) used += i.Size - Math.max(0, i.SharedSize);
  const total = du.LayersSize ?? 0;
  // Keys in alphabetical order: docker's `{{json .}}` of a formatter context is a sorted map.
  const row = (Type: string, TotalCount: number, Active: number, Size: string, Reclaimable: string) => ({ Active: String(Active), Reclaimable, Size, TotalCount: String(TotalCount), Type });
  const rows = [
    row("Images", images.length, activeImages.length, humanSize(total), reclaim(Math.max(0, total - used), total)),
    row("Containers", (du.Containers ?? []).length, 0, humanSize(0), humanSize(0)),
    row("Local Volumes", (du.Volumes ?? []).length, 0, humanSize(0), humanSize(0)),
    row("Build Cache", (du.BuildCache ?? []).length, 0, humanSize(0), humanSize(0)),
  ];
  if (bool(f, "verbose")) {
    // One row per image, named by its first tag, as docker's df -v; shared and unique sizes in HumanSize's precision.
    const firstTag = images.map((i) => ({ ...i, RepoTags: (i.RepoTags ?? []).slice(0, 1) }));
    const ir = imageRows(firstTag, { digests: false, noTrunc: false }).map((r, n) => {
      const img = firstTag[n];
      return img ? { ...r, SharedSize: humanSize(Math.max(0, img.SharedSize)), UniqueSize: humanSize(img.Size - Math.max(0, img.SharedSize)) } : r;
    });
    ctx.out(`Images space usage:\n\n${renderList("table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}", "", ir, IMAGE_HEADERS)}`);
    ctx.out(`\nContainers space usage:\n\nCONTAINER ID   IMAGE     COMMAND   LOCAL VOLUMES   SIZE      CREATED   STATUS    NAMES\n\nLocal Volumes space usage:\n\nVOLUME NAME   LINKS     SIZE\n\nBuild cache usage: 0B\n\nCACHE ID   CACHE TYPE   SIZE      CREATED   LAST USED   USAGE     SHARED\n`);
    return;
  }
  ctx.out(renderList(str(f, "format") ?? "", "{{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}", rows, HEADERS));
}
