/**
 * Per-registry TLS material in docker's certs.d layout: `<dir>/<host[:port]>/*.crt` are extra CA roots
 * (added to the system roots), `<name>.cert` + `<name>.key` a client certificate pair.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { rootCertificates } from "node:tls";

export interface TlsMaterial {
  /** Undefined when the directory adds no roots (the system roots are used). */
  ca?: string[];
  cert?: string;
  key?: string;
}

export const DEFAULT_CERTS_DIRS: readonly string[] = ["/etc/berth/certs.d", "/etc/docker/certs.d"];

export function loadTlsMaterial(certsDirs: readonly string[], hostPort: string): TlsMaterial {
  const extra: string[] = [];
  const out: TlsMaterial = {};
  for (const dir of certsDirs) {
    const d = path.join(dir, hostPort);
    let names: string[];
    try {
      names = readdirSync(d).sort();
    } catch {
      continue;
    }
    for (const n of names) {
      if (n.endsWith(".crt")) extra.push(readFileSync(path.join(d, n), "utf8"));
      else if (n.endsWith(".cert") && out.cert === undefined) {
        const keyName = n.slice(0, -".cert".length) + ".key";
        if (!names.includes(keyName)) throw new Error(`missing key ${keyName} for client certificate ${n}`);
        out.cert = readFileSync(path.join(d, n), "utf8");
        out.key = readFileSync(path.join(d, keyName), "utf8");
      }
    }
  }
  if (extra.length > 0) out.ca = [...rootCertificates, ...extra];
  return out;
}
