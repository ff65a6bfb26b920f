/**
 * A real registry for tests: Debian's `docker-registry` (distribution 2.8) on 127.0.0.1 with a free port,
 * filesystem storage in its own temp dir, optionally TLS (a throwaway CA from makeCerts; `certsDir` is laid
 * out as docker's certs.d: `<certsDir>/<host>/ca.crt`), htpasswd auth (bcryptjs-hashed) or token auth.
 * Cleans up in t.after (kills only the process it started, then removes its dir); `stop()` may also be
 * called early (idempotent).
 *
 *   const reg = await startDistribution(t, { tls: true, htpasswd: { user: "alice", password: "pw" } });
 *   // reg.host = "127.0.0.1:PORT", reg.url = "https://127.0.0.1:PORT"
 */
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import bcrypt from "bcryptjs";
import { makeCerts } from "./certs.js";
import type { TestLike } from "./daemon.js";

export const DISTRIBUTION_BIN = process.env["BERTH_TEST_REGISTRY_BIN"] ?? "/usr/bin/docker-registry";

const WATCHDOG = 'exec 3<&0; "$@" & c=$!; (read -r _ <&3; kill -TERM "$c" 2>/dev/null; sleep 4; kill -KILL "$c" 2>/dev/null) & w=$!; wait "$c"; s=$?; kill "$w" 2>/dev/null; exit "$s"';

export interface DistributionOptions {
  tls?: boolean;
  /** With tls: require a client certificate signed by the test CA; `certsDir` then also holds client.cert/client.key. */
  mtls?: boolean;
  htpasswd?: { user: string; password: string };
  token?: { realm: string; service: string; issuer: string; rootCertBundle: string };
}

export interface Distribution {
  /** "127.0.0.1:PORT" */
  host: string;
  /** "http(s)://127.0.0.1:PORT" */
  url: string;
  /** With tls: a certs.d-style dir holding `<host>/ca.crt`. */
  certsDir?: string;
  /** With tls: the CA certificate (PEM file). */
  caFile?: string;
  /** The registry's storage root. */
  rootDir: string;
  logFile: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function probe(url: string, client?: { cert: Buffer; key: Buffer }): Promise<boolean> {
  return new Promise((resolve) => {
    const req = (url.startsWith("https:") ? httpsRequest : httpRequest)(`${url}/v2/`, { method: "GET", rejectUnauthorized: false, timeout: 1000, ...client }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

function yamlStr(s: string): string {
  return JSON.stringify(s);
}

export async function startDistribution(t: TestLike | undefined, opts: DistributionOptions = {}): Promise<Distribution> {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-registry-"));
  const rootDir = path.join(dir, "data");
  mkdirSync(rootDir);
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  if (opts.mtls && !opts.tls) throw new Error("startDistribution: mtls needs tls");
  const url = `${opts.tls ? "https" : "http"}://${host}`;
  const lines = [
    "version: 0.1",
    "log:",
    "  level: info",
    "  accesslog:",
    "    disabled: true",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${yamlStr(rootDir)}`,
    "  delete:",
    "    enabled: true",
    "http:",
    `  addr: ${yamlStr(host)}`,
    `  secret: ${yamlStr("berth-test-secret")}`,
  ];
  let certsDir: string | undefined;
  let client: { cert: Buffer; key: Buffer } | undefined;
  let caFile: string | undefined;
  if (opts.tls) {
    const c = makeCerts(path.join(dir, "tls"), ["127.0.0.1", "localhost"]);
    lines.push("  tls:", `    certificate: ${yamlStr(c.cert)}`, `    key: ${yamlStr(c.key)}`);
    certsDir = path.join(dir, "certs.d");
    mkdirSync(path.join(certsDir, host), { recursive: true });
    copyFileSync(c.caCert, path.join(certsDir, host, "ca.crt"));
    if (opts.mtls) {
      lines.push("    clientcas:", `      - ${yamlStr(c.caCert)}`);
      // The server certificate also carries clientAuth: it doubles as the client's.
      copyFileSync(c.cert, path.join(certsDir, host, "client.cert"));
      copyFileSync(c.key, path.join(certsDir, host, "client.key"));
      client = { cert: readFileSync(c.cert), key: readFileSync(c.key) };
    }
    caFile = c.caCert;
  }
  if (opts.htpasswd) {
    const file = path.join(dir, "htpasswd");
    writeFileSync(file, `${opts.htpasswd.user}:${bcrypt.hashSync(opts.htpasswd.password, 5)}\n`);
    lines.push("auth:", "  htpasswd:", "    realm: basic-realm", `    path: ${yamlStr(file)}`);
  } else if (opts.token) {
    const tk = opts.token;
    lines.push("auth:", "  token:", `    realm: ${yamlStr(tk.realm)}`, `    service: ${yamlStr(tk.service)}`, `    issuer: ${yamlStr(tk.issuer)}`, `    rootcertbundle: ${yamlStr(tk.rootCertBundle)}`);
  }
  const configFile = path.join(dir, "config.yml");
  writeFileSync(configFile, lines.join("\n") + "\n");
  const logFile = path.join(dir, "registry.log");
  const fd = openSync(logFile, "a");
  // A bash watchdog owns the registry: it stops it when its stdin (a pipe from this process) closes,
  // so the registry also goes away when the test process is killed before its t.after runs.
  const child = spawn("bash", ["-c", WATCHDOG, "watchdog", DISTRIBUTION_BIN, "serve", configFile], {
    stdio: ["pipe", fd, fd],
    env: { ...process.env, OTEL_TRACES_EXPORTER: "none" },
  });
  closeSync(fd);
  child.stdin?.on("error", () => undefined);
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => {
    child.once("exit", () => {
      exited = true;
      resolve();
    });
    child.once("error", () => {
      exited = true;
      resolve();
    });
  });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (!exited && child.pid !== undefined) {
      child.stdin?.end();
      const timer = setTimeout(() => {
        if (!exited) child.kill("SIGKILL");
      }, 5000);
      await exitPromise;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  t?.after(async () => {
    if (t.passed === false) {
      try {
        t.diagnostic(`registry log:\n${readFileSync(logFile, "utf8").slice(-4000)}`);
      } catch {
        /* already removed */
      }
    }
    await stop();
  });
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (exited) {
      const log = readFileSync(logFile, "utf8");
      await stop();
      throw new Error(`docker-registry exited early:\n${log.slice(-4000)}`);
    }
    if (await probe(url, client)) break;
    if (Date.now() > deadline) {
      const log = readFileSync(logFile, "utf8");
      await stop();
      throw new Error(`docker-registry did not answer on ${url} within 15 s:\n${log.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const out: Distribution = { host, url, rootDir, logFile, stop };
  if (certsDir !== undefined) out.certsDir = certsDir;
  if (caFile !== undefined) out.caFile = caFile;
  return out;
}
