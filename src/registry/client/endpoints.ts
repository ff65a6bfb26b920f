/** Where a registry host is reached, and whether it is insecure (docker's rules). */
import { isIP } from "node:net";

/** The host used for API calls: docker.io (and index.docker.io) means registry-1.docker.io. */
export function apiHost(host: string): string {
  return host === "docker.io" || host === "index.docker.io" ? "registry-1.docker.io" : host;
}

/** host[:port] → the bare host name or address (brackets of IPv6 removed). */
export function hostName(hostPort: string): string {
  if (hostPort.startsWith("[")) {
    const end = hostPort.indexOf("]");
    return hostPort.slice(1, end > 0 ? end : undefined);
  }
  const i = hostPort.lastIndexOf(":");
  if (i > 0 && hostPort.indexOf(":") === i && /^[0-9]+$/.test(hostPort.slice(i + 1))) return hostPort.slice(0, i);
  return hostPort;
}

export function ipv4ToInt(s: string): number | undefined {
  if (isIP(s) !== 4) return undefined;
  return s.split(".").reduce((n, p) => n * 256 + Number(p), 0);
}

export function isLoopback(hostPort: string): boolean {
  const h = hostName(hostPort).toLowerCase();
  if (h === "localhost" || h === "::1") return true;
  const ip = ipv4ToInt(h);
  return ip !== undefined && ip >>> 24 === 127;
}

function inCidr(ip: number, cidr: string): boolean {
  const [base, bitsStr] = cidr.split("/");
  const b = ipv4ToInt(base ?? "");
  const bits = Number(bitsStr);
  if (b === undefined || !(bits >= 0 && bits <= 32)) return false;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((ip & mask) >>> 0) === ((b & mask) >>> 0);
}

/** Loopback, or listed in insecureRegistries (as "host[:port]" or an IPv4 CIDR). */
export function isInsecure(hostPort: string, insecure: readonly string[]): boolean {
  if (isLoopback(hostPort)) return true;
  const lower = hostPort.toLowerCase();
  const ip = ipv4ToInt(hostName(lower));
  for (const e of insecure) {
    const entry = e.toLowerCase().replace(/^https?:\/\//, "").replace(/\/$/, "");
    if (entry.includes("/")) {
      if (ip !== undefined && inCidr(ip, entry)) return true;
    } else if (entry === lower || entry === hostName(lower)) return true;
  }
  return false;
}
