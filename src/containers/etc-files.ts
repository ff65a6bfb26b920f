/** Contents of the per-container /etc files berthd writes under <data-root>/containers/<id>/. */
import { InvalidArgumentError } from "../errdefs/index.js";

/** The host's resolv.conf minus loopback (127.x / ::1) nameservers; falls back to public-free empty config. */
export function containerResolvConf(hostResolv: string, dns?: string[] | null, dnsOptions?: string[] | null): string {
  const lines: string[] = [];
  for (const line of hostResolv.split("\n")) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m && m[1] !== undefined && (m[1].startsWith("127.") || m[1] === "::1")) continue;
    if (dns && dns.length > 0 && m) continue;
    if (dnsOptions && dnsOptions.length > 0 && /^\s*options\s/.test(line)) continue;
    lines.push(line);
  }
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  for (const ns of dns ?? []) lines.push(`nameserver ${ns}`);
  if (dnsOptions && dnsOptions.length > 0) lines.push(`options ${dnsOptions.join(" ")}`);
  return lines.join("\n") + "\n";
}

/** One `--add-host` entry: "host:ip" (ip may be IPv6 or "host-gateway"). */
export interface HostRecord {
  host: string;
  ip: string;
}

/**
 * Parses HostConfig.ExtraHosts ("name:ip", split at the first colon as docker does). "host-gateway"
 * becomes `hostGatewayIp` (the default bridge's gateway, an address of the host).
 */
export function extraHostRecords(extraHosts: readonly string[] | null | undefined, hostGatewayIp: string | undefined): HostRecord[] {
  return (extraHosts ?? []).map((e) => {
    const i = e.indexOf(":");
    const host = e.slice(0, i);
    const ip = e.slice(i + 1);
    if (ip !== "host-gateway") return { host, ip };
    if (hostGatewayIp === undefined || hostGatewayIp === "") throw new InvalidArgumentError("unable to derive the IP value for host-gateway");
    return { host, ip: hostGatewayIp };
  });
}

/**
 * docker's /etc/hosts for a container: the fixed lines, the `--add-host` entries, then the container's
 * own address (absent with no network: none or a private netns).
 */
export function containerHosts(hostname: string, ip?: string, extra: readonly HostRecord[] = []): string {
  const lines = [
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    "fe00::0\tip6-localnet",
    "ff00::0\tip6-mcastprefix",
    "ff02::1\tip6-allnodes",
    "ff02::2\tip6-allrouters",
  ];
  for (const r of extra) lines.push(`${r.ip}\t${r.host}`);
  if (ip) lines.push(`${ip}\t${hostname}`);
  return lines.join("\n") + "\n";
}
