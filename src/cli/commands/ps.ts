import type { ContainerSummary } from "../../api/types/index.js";
import type { CliContext } from "../context.js";
import { bool, int, list, str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { renderList } from "../format/formatter.js";
import { humanSizeWithPrecision, since } from "../format/units.js";
import { FILTER_FLAG, FORMAT_FLAG, filtersJSON, goTimeString, truncateId } from "./common.js";
import { commandColumn, namesColumn, portsColumn } from "./container-rows.js";

export const flags: FlagSpec[] = [
  { long: "all", short: "a", type: "bool", usage: "Show all containers (default shows just running)" },
  FILTER_FLAG,
  FORMAT_FLAG,
  { long: "last", short: "n", type: "int", default: -1, usage: "Show n last created containers (includes all states)" },
  { long: "latest", short: "l", type: "bool", usage: "Show the latest created container (includes all states)" },
  { long: "no-trunc", type: "bool", usage: "Don't truncate output" },
  { long: "quiet", short: "q", type: "bool", usage: "Only display container IDs" },
  { long: "size", short: "s", type: "bool", usage: "Display total file sizes" },
];
export const args: ArgRule = { kind: "none" };

export const PS_HEADERS: Record<string, string> = {
  ID: "CONTAINER ID", Image: "IMAGE", Command: "COMMAND", CreatedAt: "CREATED AT", RunningFor: "CREATED", Ports: "PORTS",
  State: "STATE", Status: "STATUS", Size: "SIZE", Names: "NAMES", Labels: "LABELS", Mounts: "MOUNTS", Networks: "NETWORKS",
};

export interface PsRow {
  ID: string; Image: string; Command: string; CreatedAt: string; RunningFor: string; Ports: string; State: string;
  Status: string; Size: string; Names: string; Labels: string; Mounts: string; Networks: string;
  /** `{{.Label "key"}}`: one label's value, "" when absent. */
  Label: (key: string) => string;
}

export function psRow(c: ContainerSummary, noTrunc: boolean, now = Date.now()): PsRow {
  const image = !noTrunc && c.Image.startsWith("sha256:") ? truncateId(c.Image) : c.Image;
  return {
    ID: noTrunc ? c.Id : truncateId(c.Id),
    Image: image,
    Command: commandColumn(c.Command, noTrunc),
    CreatedAt: goTimeString(c.Created),
    RunningFor: since(c.Created, now),
    Ports: portsColumn(c.Ports),
    State: c.State,
    Status: c.Status,
    Size: c.SizeRw === undefined && c.SizeRootFs === undefined ? "0B"
      : `${humanSizeWithPrecision(c.SizeRw ?? 0, 3)} (virtual ${humanSizeWithPrecision(c.SizeRootFs ?? 0, 3)})`,
    Names: namesColumn(c.Names, noTrunc),
    Labels: Object.entries(c.Labels ?? {}).map(([k, v]) => `${k}=${v}`).join(","),
    Mounts: (c.Mounts ?? []).map((m) => (m.Name !== undefined && m.Name !== "" ? m.Name : m.Source)).join(","),
    Networks: Object.keys(c.NetworkSettings?.Networks ?? {}).sort().join(","),
    Label: (key: string) => c.Labels?.[key] ?? "",
  };
}

export async function run(ctx: CliContext, _argv: string[], f: FlagValues): Promise<void> {
  const client = await ctx.client();
  let last = int(f, "last") ?? -1;
  if (bool(f, "latest")) last = 1;
  const size = bool(f, "size");
  const containers = await client.get<ContainerSummary[]>("/containers/json", {
    all: bool(f, "all") ? "1" : undefined,
    limit: last > 0 ? last : undefined,
    size: size ? "1" : undefined,
    filters: filtersJSON(list(f, "filter")),
  });
  const noTrunc = bool(f, "no-trunc");
  const rows = containers.map((c) => psRow(c, noTrunc));
  if (bool(f, "quiet")) {
    ctx.out(rows.map((r) => `${r.ID}\n`).join(""));
    return;
  }
  const def = `{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}${size ? "\t{{.Size}}" : ""}`;
  ctx.out(renderList(str(f, "format") ?? "", def, rows, PS_HEADERS));
}
