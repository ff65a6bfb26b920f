/** docker CLI's createIPAMConfig: pairs --subnet/--ip-range/--gateway/--aux-address values into IPAM pools. */
import { BlockList, isIP } from "node:net";
import type { IPAMConfig } from "../../api/types/index.js";

export interface IpamOptions {
  driver: string;
  subnets: readonly string[];
  ipRanges: readonly string[];
  gateways: readonly string[];
  auxAddresses: Record<string, string>;
  driverOpts: Record<string, string>;
}

interface Cidr {
  ip: string;
  bits: number;
  family: "ipv4" | "ipv6";
}

/** Go's net.ParseCIDR, with its error text. */
export function parseCidr(s: string): Cidr {
  const i = s.indexOf("/");
  const ip = i < 0 ? s : s.slice(0, i);
  const bitsText = i < 0 ? "" : s.slice(i + 1);
  const v = isIP(ip);
  const max = v === 4 ? 32 : 128;
  if (v === 0 || !/^\d{1,3}$/.test(bitsText) || Number(bitsText) > max) throw new Error(`invalid CIDR address: ${s}`);
  return { ip, bits: Number(bitsText), family: v === 4 ? "ipv4" : "ipv6" };
}

/** Whether `data` (an address or a CIDR) lies in `subnet`; errors as docker's subnetMatches. */
export function subnetMatches(subnet: string, data: string): boolean {
  let s: Cidr;
  try {
    s = parseCidr(subnet);
  } catch (e) {
    throw new Error(`invalid subnet: ${(e as Error).message}`);
  }
  let ip: string;
  if (data.includes("/")) {
    try {
      ip = parseCidr(data).ip;
    } catch (e) {
      throw new Error(`invalid cidr: ${(e as Error).message}`);
    }
  } else {
    ip = data;
  }
  const fam = isIP(ip);
  if (fam === 0 || (fam === 4) !== (s.family === "ipv4")) return false;
  const bl = new BlockList();
  bl.addSubnet(s.ip, s.bits, s.family);
  return bl.check(ip, s.family);
}

export function createIpamConfig(o: IpamOptions): { Driver: string; Config: IPAMConfig[]; Options: Record<string, string> } {
  if (o.subnets.length < o.ipRanges.length || o.subnets.length < o.gateways.length) {
    throw new Error("every ip-range or gateway must have a corresponding subnet");
  }
  const pools = new Map<string, IPAMConfig & { AuxiliaryAddresses: Record<string, string> }>();
  for (const s of o.subnets) {
    for (const k of pools.keys()) {
      if (subnetMatches(s, k) || subnetMatches(k, s)) throw new Error("multiple overlapping subnet configuration is not supported");
    }
    pools.set(s, { Subnet: s, AuxiliaryAddresses: {} });
  }
  for (const r of o.ipRanges) {
    let match = false;
    for (const s of o.subnets) {
      if (!subnetMatches(s, r)) continue;
      const p = pools.get(s);
      if (p === undefined) continue;
      if (p.IPRange !== undefined && p.IPRange !== "") throw new Error(`cannot configure multiple ranges (${r}, ${p.IPRange}) on the same subnet (${s})`);
      p.IPRange = r;
      match = true;
    }
    if (!match) throw new Error(`no matching subnet for range ${r}`);
  }
  for (const g of o.gateways) {
    let match = false;
    for (const s of o.subnets) {
      if (!subnetMatches(s, g)) continue;
      const p = pools.get(s);
      if (p === undefined) continue;
      if (p.Gateway !== undefined && p.Gateway !== "") throw new Error(`cannot configure multiple gateways (${g}, ${p.Gateway}) for the same subnet (${s})`);
      p.Gateway = g;
      match = true;
    }
    if (!match) throw new Error(`no matching subnet for gateway ${g}`);
  }
  for (const [key, aux] of Object.entries(o.auxAddresses)) {
    let match = false;
    for (const s of o.subnets) {
      if (!subnetMatches(s, aux)) continue;
      const p = pools.get(s);
      if (p === undefined) continue;
      p.AuxiliaryAddresses[key] = aux;
      match = true;
    }
    if (!match) throw new Error(`no matching subnet for aux-address ${aux}`);
  }
  return { Driver: o.driver, Config: [...pools.values()], Options: o.driverOpts };
}

/** pflag's stringSlice: each value may hold several comma-separated items. */
export function splitSlice(values: readonly string[]): string[] {
  return values.flatMap((v) => (v === "" ? [] : v.split(",")));
}
