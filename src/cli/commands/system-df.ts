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

type Row = { Active: string; Reclaimable: string; Size: string; TotalCount: string; Type: string };
const dfRow = (Type: string, TotalCount: number, Active: number, Size: string, Reclaimable: string): Row => ({ Active: String(Active), Reclaimable, Size, TotalCount: String(TotalCount), Type });
const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/** docker's containers row: running, paused and restarting ones are active; sizes are SizeRw. */
function containersRow(list: readonly unknown[]): Row {
  let active = 0;
  let total = 0;
  let reclaimable = 0;
  for (const c of list as { State?: string; SizeRw?: number }[]) {
    const on = /running|paused|restarting/.test(c.State ?? "");
    if (on) active++;
    else reclaimable += num(c.SizeRw);
    total += num(c.SizeRw);
  }
  return dfRow("Containers", list.length, active, humanSize(total), reclaim(reclaimable, total));
}

/** docker's volumes row: a volume some container references is active; unknown sizes (-1) are left out. */
function volumesRow(list: readonly unknown[]): Row {
  let active = 0;
  let total = 0;
  let reclaimable = 0;
  for (const v of list as { UsageData?: { Size?: number; RefCount?: number } | null }[]) {
    const refs = num(v.UsageData?.RefCount);
    const size = v.UsageData?.Size ?? -1;
    if (refs > 0) active++;
    if (size === -1) continue;
    if (refs === 0) reclaimable += size;
    total += size;
  }
  return dfRow("Local Volumes", list.length, active, humanSize(total), reclaim(reclaimable, total));
}

/** docker's build cache row: shared records are not counted; what is not in use is reclaimable (no percentage). */
function buildCacheRow(list: readonly unknown[]): Row {
  let active = 0;
  let total = 0;
  let inUse = 0;
  for (const b of list as { InUse?: boolean; Shared?: boolean; Size?: number }[]) {
    if (b.InUse) active++;
    if (b.Shared) continue;
    total += num(b.Size);
    if (b.InUse) inUse += num(b.Size);
  }
  return dfRow("Build Cache", list.length, active, humanSize(total), humanSize(total - inUse));
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
  const row = dfRow;
  const rows = [
    row("Images", images.length, activeImages.length, humanSize(total), reclaim(Math.max(0, total - used), total)),
    containersRow(du.Containers ?? []),
    volumesRow(du.Volumes ?? []),
    buildCacheRow(du.BuildCache ?? []),
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
