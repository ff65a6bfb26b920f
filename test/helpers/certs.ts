/**
 * Throwaway TLS material for tests, made with the openssl CLI: a self-signed CA and a server
 * certificate it signs, valid for `hosts` (IP addresses become IP SANs, names DNS SANs; the first host
 * is also the CN). Also usable as a client certificate (extendedKeyUsage serverAuth + clientAuth).
 *
 *   const c = makeCerts(dir, ["127.0.0.1", "localhost"]);  // {caCert, caKey, cert, key} (absolute paths)
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import * as path from "node:path";

export interface CertFiles {
  caCert: string;
  caKey: string;
  cert: string;
  key: string;
}

function openssl(args: readonly string[]): void {
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
}

export function makeCerts(dir: string, hosts: readonly string[]): CertFiles {
  mkdirSync(dir, { recursive: true });
  const f: CertFiles = {
    caCert: path.join(dir, "ca.pem"),
    caKey: path.join(dir, "ca-key.pem"),
    cert: path.join(dir, "server.pem"),
    key: path.join(dir, "server-key.pem"),
  };
  const csr = path.join(dir, "server.csr");
  const ext = path.join(dir, "server.ext");
  const first = hosts[0] ?? "localhost";
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f.caKey, "-out", f.caCert, "-days", "2", "-subj", "/CN=berth test CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", f.key, "-out", csr, "-subj", `/CN=${first}`]);
  const san = hosts.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(",");
  writeFileSync(ext, `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=${san}\n`);
  openssl(["x509", "-req", "-in", csr, "-CA", f.caCert, "-CAkey", f.caKey, "-CAcreateserial", "-out", f.cert, "-days", "2", "-extfile", ext]);
  return f;
}
