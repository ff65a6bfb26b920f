import { readFileSync } from "node:fs";
import { BasicAuthenticator, TokenAuthenticator, type Authenticator } from "./auth.js";
import { parseDuration } from "./duration.js";
import { parseFlags } from "./flags.js";
import { collectGarbage } from "./gc.js";
import { Htpasswd } from "./htpasswd.js";
import { keysFromPem } from "./jwt.js";
import { RegistryServer } from "./server.js";

const DEFAULT_ROOT = "/var/lib/berth-registry";

const usage = `Usage:  berth registry COMMAND

Run berth's own OCI Distribution registry

Commands:
  serve       Serve a registry
  gc          Remove blobs no manifest references

Usage:  berth registry serve [OPTIONS]

Options:
      --addr string            Address to listen on, host:port; port 0 picks a free port (default "127.0.0.1:5000")
      --root string            Storage directory (default "${DEFAULT_ROOT}")
      --htpasswd string        htpasswd file (bcrypt): require Basic auth
      --token-realm string     Token service URL: require Bearer tokens
      --token-service string   Token audience (the service name)
      --token-issuer string    Token issuer
      --token-cert string      PEM certificate(s) whose keys sign tokens
      --tls-cert string        Serve HTTPS with this certificate (PEM)
      --tls-key string         ... and this key (PEM)
      --read-only              Refuse every write (405)

Usage:  berth registry gc [OPTIONS]

Options:
      --root string            Storage directory (default "${DEFAULT_ROOT}")
      --dry-run                Only print what would be removed
      --grace duration         Keep blobs younger than this (default 1h)
      --upload-max-age duration  Remove upload sessions older than this (default 168h)
`;

function fail(msg: string): number {
  process.stderr.write(`berth registry: ${msg}\nSee 'berth registry --help'.\n`);
  return 125;
}

function splitAddr(addr: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(addr);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: m[1] ?? (m[2] || "0.0.0.0"), port };
}

function buildAuth(v: Map<string, string>): Authenticator | undefined {
  const htpasswd = v.get("htpasswd");
  const realm = v.get("token-realm");
  if (htpasswd !== undefined && realm !== undefined) throw new Error("--htpasswd and --token-realm are exclusive");
  if (htpasswd !== undefined) return new BasicAuthenticator(Htpasswd.load(htpasswd));
  if (realm === undefined) return undefined;
  const service = v.get("token-service");
  const issuer = v.get("token-issuer");
  const cert = v.get("token-cert");
  if (!service || !issuer || !cert) throw new Error("--token-realm needs --token-service, --token-issuer and --token-cert");
  return new TokenAuthenticator({ service, issuer, keys: keysFromPem(readFileSync(cert, "utf8")) }, realm);
}

async function serve(argv: string[]): Promise<number> {
  const f = parseFlags(argv, ["addr", "root", "htpasswd", "token-realm", "token-service", "token-issuer", "token-cert", "tls-cert", "tls-key"], ["read-only"]);
  if (f.bools.has("help")) {
    process.stdout.write(usage);
    return 0;
  }
  if (f.positional.length > 0) return fail(`"serve" accepts no arguments`);
  const addr = splitAddr(f.values.get("addr") ?? "127.0.0.1:5000");
  if (!addr) return fail(`invalid --addr ${JSON.stringify(f.values.get("addr"))}`);
  const certFile = f.values.get("tls-cert");
  const keyFile = f.values.get("tls-key");
  if ((certFile === undefined) !== (keyFile === undefined)) return fail("--tls-cert and --tls-key go together");
  const opts: ConstructorParameters<typeof RegistryServer>[0] = {
    root: f.values.get("root") ?? DEFAULT_ROOT,
    readOnly: f.bools.has("read-only"),
    log: (line) => process.stderr.write(line + "\n"),
  };
  const auth = buildAuth(f.values);
  if (auth) opts.auth = auth;
  if (certFile !== undefined && keyFile !== undefined) opts.tls = { cert: readFileSync(certFile), key: readFileSync(keyFile) };
  const server = new RegistryServer(opts);
  const listening = await server.listen(addr.host, addr.port);
  process.stdout.write(`listening on ${listening}\n`);
  return new Promise<number>((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      void server.close().then(() => resolve(0));
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

async function gc(argv: string[]): Promise<number> {
  const f = parseFlags(argv, ["root", "grace", "upload-max-age"], ["dry-run"]);
  if (f.bools.has("help")) {
    process.stdout.write(usage);
    return 0;
  }
  const grace = parseDuration(f.values.get("grace") ?? "1h");
  const maxAge = parseDuration(f.values.get("upload-max-age") ?? "168h");
  if (grace === undefined) return fail(`invalid --grace ${JSON.stringify(f.values.get("grace"))}`);
  if (maxAge === undefined) return fail(`invalid --upload-max-age ${JSON.stringify(f.values.get("upload-max-age"))}`);
  const dryRun = f.bools.has("dry-run");
  const r = await collectGarbage(f.values.get("root") ?? DEFAULT_ROOT, { dryRun, graceMs: grace, uploadMaxAgeMs: maxAge });
  const verb = dryRun ? "would remove" : "removed";
  for (const d of r.removed) process.stdout.write(`${verb} blob ${d}\n`);
  for (const u of r.staleUploads) process.stdout.write(`${verb} stale upload ${u}\n`);
  process.stdout.write(`${dryRun ? "Would reclaim" : "Total reclaimed space"}: ${r.freedBytes} bytes (${r.removed.length} blobs)\n`);
  return 0;
}

/** `berth registry serve|gc …`: argv starts after "registry". */
export async function registryMain(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case "serve":
        return await serve(rest);
      case "gc":
        return await gc(rest);
      case undefined:
      case "-h":
      case "--help":
      case "help":
        process.stdout.write(usage);
        return cmd === undefined ? 1 : 0;
      default:
        return fail(`unknown command ${JSON.stringify(cmd)}`);
    }
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
}
