/** Pieces of docker's container table rows (cli/command/formatter/container.go semantics). */
import type { Port } from "../../api/types/index.js";

/** Docker's Ellipsis: cut to `max` characters with a trailing "…". */
export function ellipsis(s: string, max: number): string {
  const chars = [...s];
  if (chars.length <= max) return s;
  if (max <= 1) return chars.slice(0, max).join("");
  return `${chars.slice(0, max - 1).join("")}…`;
}

/** The COMMAND column: truncated to 20 (unless --no-trunc), then quoted like Go's strconv.Quote. */
export function commandColumn(command: string, noTrunc: boolean): string {
  return JSON.stringify(noTrunc ? command : ellipsis(command, 20));
}

/** The NAMES column: names without their leading slash (legacy link names "a/b" dropped unless --no-trunc). */
export function namesColumn(names: readonly string[] | null | undefined, noTrunc: boolean): string {
  const out: string[] = [];
  for (const n of names ?? []) {
    const bare = n.startsWith("/") ? n.slice(1) : n;
    if (!noTrunc && bare.includes("/")) continue;
    out.push(bare);
  }
  return out.join(",");
}

function hostPort(ip: string, port: string): string {
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function comparePorts(a: Port, b: Port): number {
  if (a.PrivatePort !== b.PrivatePort) return a.PrivatePort - b.PrivatePort;
  const ia = a.IP ?? "";
  const ib = b.IP ?? "";
  if (ia !== ib) return ia < ib ? -1 : 1;
  const pa = a.PublicPort ?? 0;
  const pb = b.PublicPort ?? 0;
  if (pa !== pb) return pa - pb;
  return a.Type < b.Type ? -1 : a.Type > b.Type ? 1 : 0;
}

function formGroup(ip: string, type: string, first: number, last: number): string {
  let group = String(first);
  if (first !== last) group = `${group}-${last}`;
  if (ip !== "") group = `${hostPort(ip, group)}->${group}`;
  return `${group}/${type}`;
}

/** The PORTS column: consecutive ports collapsed into ranges, mappings with a different host port listed last. */
export function portsColumn(ports: readonly Port[] | null | undefined): string {
  const sorted = [...(ports ?? [])].sort(comparePorts);
  const groups = new Map<string, { ip: string; type: string; first: number; last: number }>();
  const result: string[] = [];
  const hostMappings: string[] = [];
  for (const p of sorted) {
    const ip = p.IP ?? "";
    if (ip !== "" && (p.PublicPort ?? 0) !== p.PrivatePort) {
      hostMappings.push(`${hostPort(ip, String(p.PublicPort ?? 0))}->${p.PrivatePort}/${p.Type}`);
      continue;
    }
    const key = ip !== "" ? `${ip}/${p.Type}` : p.Type;
    const g = groups.get(key);
    if (g === undefined) {
      groups.set(key, { ip, type: p.Type, first: p.PrivatePort, last: p.PrivatePort });
      continue;
    }
    if (p.PrivatePort === g.last + 1) {
      g.last = p.PrivatePort;
      continue;
    }
    result.push(formGroup(g.ip, g.type, g.first, g.last));
    // Map keeps first-insertion order, as docker's recorded key order.
    groups.set(key, { ip, type: p.Type, first: p.PrivatePort, last: p.PrivatePort });
  }
  for (const g of groups.values()) result.push(formGroup(g.ip, g.type, g.first, g.last));
  return [...result, ...hostMappings].join(", ");
}
