/** docker's volume formatter context: rows for `volume ls`. */
import type { Volume } from "../../api/types/index.js";
import { humanSize } from "../format/units.js";

export const VOLUME_HEADERS: Record<string, string> = {
  Name: "VOLUME NAME",
  Driver: "DRIVER",
  Scope: "SCOPE",
  Mountpoint: "MOUNTPOINT",
  Labels: "LABELS",
  Links: "LINKS",
  Size: "SIZE",
  Group: "GROUP",
  Availability: "AVAILABILITY",
  Status: "STATUS",
};

/**
 * A header context for renderList: the column titles plus docker's SubHeaderContext.Label, which titles
 * a `.Label "a.b-c"` column with the key's last dotted part, '-' and '_' as spaces.
 */
export function headerContext(titles: Record<string, string>): Record<string, string> {
  const label = (name: string): string => (name.split(".").pop() ?? "").replace(/[-_]/g, " ");
  // renderList types headers as strings; the template engine calls function members as methods.
  return { ...titles, Label: label } as unknown as Record<string, string>;
}

/** One row; Label(name) is a method as in docker's template context. */
export interface VolumeRow {
  Name: string;
  Driver: string;
  Scope: string;
  Mountpoint: string;
  Labels: string;
  Links: string;
  Size: string;
  Group: string;
  Availability: string;
  Status: string;
  Label(name: string): string;
}

/** Go's map iteration is random; docker joins labels "k=v" with commas. Sorted here for stable output. */
export function joinLabels(labels: Record<string, string> | null | undefined): string {
  return Object.entries(labels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

export function volumeRow(v: Volume): VolumeRow {
  const u = v.UsageData ?? undefined;
  // Keys in alphabetical order, as docker's `--format json` marshals the row.
  return {
    Availability: "N/A",
    Driver: v.Driver,
    Group: "N/A",
    Labels: joinLabels(v.Labels),
    Links: u === undefined || u.RefCount < 0 ? "N/A" : String(u.RefCount),
    Mountpoint: v.Mountpoint,
    Name: v.Name,
    Scope: v.Scope,
    Size: u === undefined || u.Size < 0 ? "N/A" : humanSize(u.Size),
    Status: "N/A",
    Label: (name: string) => v.Labels?.[name] ?? "",
  };
}
