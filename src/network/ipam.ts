/** IPAM decisions, pure: which subnet a new network gets, which address a new endpoint gets. */
import { UnavailableError } from "../errdefs/index.js";
import { contains, overlaps, parseCidr, size, type Cidr } from "./cidr.js";

/** docker's default address pools: 172.17–31.0.0/16, then 192.168.0.0/16 in /20s. */
export function defaultPool(): Cidr[] {
  const out: Cidr[] = [];
  for (let b = 17; b <= 31; b++) out.push(parseCidr(`172.${b}.0.0/16`));
  for (let c = 0; c < 256; c += 16) out.push(parseCidr(`192.168.${c}.0/20`));
  return out;
}

/** The first pool entry overlapping neither a route on the host nor another network. */
export function pickSubnet(pool: readonly Cidr[], taken: readonly Cidr[]): Cidr {
  for (const c of pool) if (!taken.some((t) => overlaps(c, t))) return c;
  throw new UnavailableError("could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network");
}

/**
 * The lowest free address of `range` (or the subnet) that is not the network address, the
 * broadcast address, the gateway or already used.
 */
export function allocateIp(subnet: Cidr, range: Cidr | undefined, gateway: number, used: ReadonlySet<number>, label: string): number {
  const r = range ?? subnet;
  // The range's own first address is skipped too (an x.y.z.0 address confuses some clients).
  const first = range ? r.base + 1 : r.base;
  const last = r.base + size(r) - 1;
  const bcast = subnet.base + size(subnet) - 1;
  for (let ip = first; ip <= last; ip++) {
    if (ip === subnet.base || ip === bcast || ip === gateway || used.has(ip) || !contains(subnet, ip)) continue;
    return ip;
  }
  throw new UnavailableError(`no available IPv4 addresses on this network's address pools: ${label}`);
}
