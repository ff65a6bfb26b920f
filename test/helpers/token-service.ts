/**
 * A Docker registry token service (the "Bearer" realm of the distribution auth spec) for e2e tests, on
 * 127.0.0.1. GET /token?service=S&scope=repository:NAME:pull,push (several scope= allowed), with
 * optional Basic credentials, answers {token, access_token, expires_in, issued_at}; POST /token takes
 * the OAuth2 form (grant_type=password|refresh_token). Tokens are RS256 JWTs whose header carries `x5c`
 * (the signing key's self-signed certificate, made with openssl), which distribution 2.8 checks
 * against its `rootcertbundle` (give it `certFile`). Claims: iss, sub, aud=service, exp, nbf, iat, jti,
 * access=[{type,name,actions}].
 *
 * Policy: a known user with the right password gets every action it asks for; a wrong password or an
 * unknown user gets 401 with Docker Hub's body ({"details":"incorrect username or password"}, which docker
 * shows as "unauthorized: incorrect username or password"); an anonymous client gets `anonymous`
 * (default: pull only).
 *
 *   const ts = await startTokenService(t, { issuer: "test-issuer", service: "test-registry", users: { alice: "pw" }, certDir });
 *   // distribution: auth.token = { realm: ts.realm, service, issuer, rootcertbundle: ts.certFile }
 */
import { execFileSync } from "node:child_process";
import { createPrivateKey, createSign, randomBytes, type KeyObject } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import * as path from "node:path";
import type { TestLike } from "./daemon.js";

export interface TokenServiceOptions {
  issuer: string;
  service: string;
  /** user → password. */
  users: Record<string, string>;
  /** Where the key and certificate are written (created if missing). */
  certDir: string;
  /** Actions an anonymous client may get: "pull" (default) or "none". */
  anonymous?: "pull" | "none";
  /** Token lifetime in seconds (default 300). */
  expiresIn?: number;
}

export interface TokenRequestLog {
  method: string;
  /** The authenticated user, or "" when anonymous. */
  user: string;
  scopes: string[];
  status: number;
}

export interface TokenService {
  /** http://127.0.0.1:PORT/token */
  readonly realm: string;
  /** PEM certificate of the signing key: distribution's rootcertbundle. */
  readonly certFile: string;
  readonly keyFile: string;
  /** Every token request served, in order. */
  readonly requests: TokenRequestLog[];
  stop(): Promise<void>;
}

export interface AccessEntry {
  type: string;
  name: string;
  actions: string[];
}

/** Parses `repository:name:pull,push` (the name may itself hold colons, e.g. none today but be lenient). */
export function parseScope(scope: string): AccessEntry | undefined {
  const first = scope.indexOf(":");
  const last = scope.lastIndexOf(":");
  if (first <= 0 || last <= first) return undefined;
  const actions = scope
    .slice(last + 1)
    .split(",")
    .map((a) => a.trim())
    .filter((a) => a !== "");
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions };
}

export function base64url(b: Buffer | string): string {
  return Buffer.from(b).toString("base64url");
}

/** Signs a JWT with RS256 and an x5c header holding `certDer`. */
export function signJwt(claims: Record<string, unknown>, key: KeyObject, certDer: Buffer): string {
  const header = { typ: "JWT", alg: "RS256", x5c: [certDer.toString("base64")] };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const sig = createSign("RSA-SHA256").update(input).sign(key);
  return `${input}.${base64url(sig)}`;
}

/** The DER bytes of the first certificate in a PEM file. */
export function pemToDer(pem: string): Buffer {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem);
  if (!m?.[1]) throw new Error("no certificate in PEM");
  return Buffer.from(m[1].replace(/\s+/g, ""), "base64");
}

export async function startTokenService(t: TestLike | undefined, opts: TokenServiceOptions): Promise<TokenService> {
  mkdirSync(opts.certDir, { recursive: true });
  const keyFile = path.join(opts.certDir, "token-signing.key");
  const certFile = path.join(opts.certDir, "token-signing.crt");
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", certFile, "-days", "2", "-subj", `/CN=${opts.issuer}`],
    { stdio: "ignore" },
  );
  const key = createPrivateKey(readFileSync(keyFile));
  const certDer = pemToDer(readFileSync(certFile, "utf8"));
  const expiresIn = opts.expiresIn ?? 300;
  const requests: TokenRequestLog[] = [];
  const refreshTokens = new Map<string, string>(); // refresh token → user

  const issue = (user: string, scopes: string[], service: string): { token: string; scopeGranted: string } => {
    const now = Math.floor(Date.now() / 1000);
    const access: AccessEntry[] = [];
    for (const s of scopes) {
      const e = parseScope(s);
      if (!e) continue;
      let actions: string[];
      if (user !== "") actions = e.actions.filter((a) => ["pull", "push", "delete", "*"].includes(a));
      else if ((opts.anonymous ?? "pull") === "pull") actions = e.actions.filter((a) => a === "pull");
      else actions = [];
      if (actions.length > 0) access.push({ type: e.type, name: e.name, actions });
    }
    const claims = {
      iss: opts.issuer,
      sub: user,
      aud: service,
      exp: now + expiresIn,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(16).toString("hex"),
      access,
    };
    return { token: signJwt(claims, key, certDer), scopeGranted: access.map((a) => `${a.type}:${a.name}:${a.actions.join(",")}`).join(" ") };
  };

  const checkBasic = (header: string | undefined): { user: string } | "bad" | undefined => {
    if (!header) return undefined;
    const m = /^Basic\s+(.+)$/i.exec(header);
    if (!m?.[1]) return "bad";
    const raw = Buffer.from(m[1], "base64").toString("utf8");
    const i = raw.indexOf(":");
    if (i < 0) return "bad";
    const user = raw.slice(0, i);
    const pw = raw.slice(i + 1);
    return Object.hasOwn(opts.users, user) && opts.users[user] === pw ? { user } : "bad";
  };

  const send = (res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { "Content-Type": "application/json", "Content-Length": String(Buffer.byteLength(text)), ...extra });
    res.end(text);
  };
  const unauthorized = (res: ServerResponse): void =>
    send(res, 401, { details: "incorrect username or password" }, { "WWW-Authenticate": `Basic realm="${opts.service}"` });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname !== "/token") return send(res, 404, { errors: [{ code: "NOT_FOUND", message: "not found" }] });
    const now = new Date();
    if (req.method === "GET") {
      const scopes = url.searchParams.getAll("scope").flatMap((s) => s.split(" ")).filter((s) => s !== "");
      const service = url.searchParams.get("service") ?? opts.service;
      const auth = checkBasic(req.headers.authorization);
      if (auth === "bad") {
        requests.push({ method: "GET", user: "?", scopes, status: 401 });
        return unauthorized(res);
      }
      const user = auth?.user ?? "";
      const { token } = issue(user, scopes, service);
      const body: Record<string, unknown> = { token, access_token: token, expires_in: expiresIn, issued_at: now.toISOString() };
      if (user !== "" && url.searchParams.get("offline_token") === "true") {
        const rt = randomBytes(24).toString("hex");
        refreshTokens.set(rt, user);
        body["refresh_token"] = rt;
      }
      requests.push({ method: "GET", user, scopes, status: 200 });
      return send(res, 200, body);
    }
    if (req.method === "POST") {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
      const scopes = form.getAll("scope").flatMap((s) => s.split(" ")).filter((s) => s !== "");
      const service = form.get("service") ?? opts.service;
      let user: string | undefined;
      const grant = form.get("grant_type");
      if (grant === "password") {
        const u = form.get("username") ?? "";
        if (Object.hasOwn(opts.users, u) && opts.users[u] === form.get("password")) user = u;
      } else if (grant === "refresh_token") {
        user = refreshTokens.get(form.get("refresh_token") ?? "");
      }
      if (user === undefined) {
        requests.push({ method: "POST", user: "?", scopes, status: 401 });
        return unauthorized(res);
      }
      const { token, scopeGranted } = issue(user, scopes, service);
      const body: Record<string, unknown> = { access_token: token, token, expires_in: expiresIn, issued_at: now.toISOString(), scope: scopeGranted };
      if (form.get("access_type") === "offline") {
        const rt = randomBytes(24).toString("hex");
        refreshTokens.set(rt, user);
        body["refresh_token"] = rt;
      }
      requests.push({ method: "POST", user, scopes, status: 200 });
      return send(res, 200, body);
    }
    send(res, 405, { errors: [{ code: "UNSUPPORTED", message: "method not allowed" }] });
  };

  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, { errors: [{ code: "UNKNOWN", message: String(e) }] });
      else res.destroy();
    });
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let stopped = false;
  const svc: TokenService = {
    realm: `http://127.0.0.1:${port}/token`,
    certFile,
    keyFile,
    requests,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  t?.after(() => svc.stop());
  return svc;
}
