/** docker's network formatter context: rows for `network ls`. */
import type { NetworkResource } from "../../api/types/index.js";
import { truncateId } from "./common.js";
import { joinLabels } from "./volume-rows.js";

export const NETWORK_HEADERS: Record<string, string> = {
  ID: "NETWORK ID",
  Name: "NAME",
  Driver: "DRIVER",
  Scope: "SCOPE",
  IPv4: "IPV4",
  IPv6: "IPV6",
  Internal: "INTERNAL",
  Labels: "LABELS",
  CreatedAt: "CREATED AT",
};

export interface NetworkRow {
  CreatedAt: string;
  Driver: string;
  ID: string;
  IPv4: string;
  IPv6: string;
  Internal: string;
  Labels: string;
  Name: string;
  Scope: string;
  Label(name: string): string;
}

/** RFC 3339 "2024-01-02T03:04:05.123456789Z" → Go's time.String() "2024-01-02 03:04:05.123456789 +0000 UTC". */
export function goCreated(created: string): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(created);
  if (m === null) return created;
  const frac = (m[3] ?? "").replace(/0+$/, "");
  const zone = m[4] === "Z" ? "+0000 UTC" : `${(m[4] ?? "").replace(":", "")} ${m[4] ?? ""}`;
  return `${m[1]} ${m[2]}${frac === "." ? "" : frac} ${zone}`;
}

export function networkRow(n: NetworkResource, noTrunc: boolean): NetworkRow {
  return {
    CreatedAt: goCreated(n.Created),
    Driver: n.Driver,
    ID: noTrunc ? n.Id : truncateId(n.Id),
    // API 1.47's EnableIPv4; an older daemon's answer lacks it, which docker shows as false.
    IPv4: String((n as NetworkResource & { EnableIPv4?: boolean }).EnableIPv4 ?? false),
    IPv6: String(n.EnableIPv6),
    Internal: String(n.Internal),
    Labels: joinLabels(n.Labels),
    Name: n.Name,
    Scope: n.Scope,
    Label: (name: string) => n.Labels?.[name] ?? "",
  };
}
