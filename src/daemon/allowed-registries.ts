/**
 * allowed-registries: which registry hosts the daemon may contact. Entries are host names
 * ("registry.local", "localhost:5000") or IPv4 CIDRs ("127.0.0.0/8"). An empty list allows all.
 * Names are never resolved: a name matches only a name entry (and "localhost" counts as 127.0.0.1).
 */
export type RegistryPolicy = (host: string) => boolean;

function ipv4ToInt(s: string): number | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

function stripPort(host: string): string {
  if (host.startsWith("[")) return host.slice(1, host.indexOf("]"));
  const i = host.lastIndexOf(":");
  return i > 0 && /^[0-9]+$/.test(host.slice(i + 1)) ? host.slice(0, i) : host;
}

export function registryPolicy(entries: readonly string[]): RegistryPolicy {
  if (entries.length === 0) return () => true;
  return (hostWithPort: string) => {
    const host = stripPort(hostWithPort.toLowerCase());
    const ip = ipv4ToInt(host === "localhost" ? "127.0.0.1" : host);
    for (const e of entries) {
      const entry = e.toLowerCase();
      const slash = entry.indexOf("/");
      if (slash > 0) {
        const base = ipv4ToInt(entry.slice(0, slash));
        const bits = Number(entry.slice(slash + 1));
        if (base === undefined || ip === undefined || !(bits >= 0 && bits <= 32)) continue;
        const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
        if (((ip & mask) >>> 0) === ((base & mask) >>> 0)) return true;
      } else if (entry === hostWithPort.toLowerCase() || entry === host) {
        return true;
      }
    }
    return false;
  };
}
