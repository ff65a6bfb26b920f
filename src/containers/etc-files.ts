/** Contents of the per-container /etc files berthd writes under <data-root>/containers/<id>/. */

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

/** docker's default /etc/hosts for a container; `ip` is absent with no network (none/private netns). */
export function containerHosts(hostname: string, ip?: string): string {
  const lines = [
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    "fe00::0\tip6-localnet",
    "ff00::0\tip6-mcastprefix",
    "ff02::1\tip6-allnodes",
    "ff02::2\tip6-allrouters",
  ];
  if (ip) lines.push(`${ip}\t${hostname}`);
  return lines.join("\n") + "\n";
}
