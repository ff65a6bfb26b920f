/** POST /auth (docker login), and decoding of the X-Registry-Auth header pull and push carry. */
import type { IncomingMessage } from "node:http";
import { ForbiddenError, InvalidArgumentError, NotImplementedError } from "../../errdefs/index.js";
import type { Backend, RegistryAuth } from "../backend.js";
import { readJsonBody, sendJson } from "../http-util.js";
import type { Router } from "../router.js";

export interface AuthRouteOptions {
  registryAllowed?: (host: string) => boolean;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** An AuthConfig object (docker's JSON field names) → RegistryAuth; `auth` ("user:pass" base64) is split. */
export function authFromJson(body: unknown): RegistryAuth {
  if (body === null || typeof body !== "object") return {};
  const b = body as Record<string, unknown>;
  const out: RegistryAuth = {};
  const username = str(b["username"]);
  const password = str(b["password"]);
  if (username !== undefined) out.username = username;
  if (password !== undefined) out.password = password;
  const combined = str(b["auth"]);
  if (combined !== undefined && username === undefined && password === undefined) {
    const plain = Buffer.from(combined, "base64").toString("utf8");
    const i = plain.indexOf(":");
    if (i > 0) {
      out.username = plain.slice(0, i);
      out.password = plain.slice(i + 1);
    }
  }
  const identitytoken = str(b["identitytoken"]);
  const registrytoken = str(b["registrytoken"]);
  const serveraddress = str(b["serveraddress"]);
  if (identitytoken !== undefined) out.identitytoken = identitytoken;
  if (registrytoken !== undefined) out.registrytoken = registrytoken;
  if (serveraddress !== undefined) out.serveraddress = serveraddress;
  return out;
}

/** A header holding base64url (or base64) JSON; undefined when absent, empty or undecodable. */
function base64JsonHeader(req: IncomingMessage, name: string): unknown {
  const h = req.headers[name];
  const v = Array.isArray(h) ? h[0] : h;
  if (!v) return undefined;
  try {
    return JSON.parse(Buffer.from(v.replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("utf8")) as unknown;
  } catch {
    return undefined;
  }
}

/** X-Registry-Auth: base64url (or base64) JSON AuthConfig. Absent, empty or undecodable → undefined, as dockerd. */
export function registryAuthOf(req: IncomingMessage): RegistryAuth | undefined {
  const parsed = base64JsonHeader(req, "x-registry-auth");
  if (parsed === undefined) return undefined;
  const auth = authFromJson(parsed);
  return Object.keys(auth).length > 0 ? auth : undefined;
}

/**
 * X-Registry-Config (docker build): base64url JSON of server address → AuthConfig, every stored
 * credential, for the base images the build pulls. Keys become registry hosts.
 */
export function registryConfigOf(req: IncomingMessage): Record<string, RegistryAuth> | undefined {
  const parsed = base64JsonHeader(req, "x-registry-config");
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
  const out: Record<string, RegistryAuth> = {};
  for (const [server, cfg] of Object.entries(parsed as Record<string, unknown>)) {
    const a = authFromJson(cfg);
    if (Object.keys(a).length > 0) out[loginHostOf(server)] = a;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The registry host a login is for ("https://index.docker.io/v1/" and empty mean docker.io). */
export function loginHostOf(serverAddress: string | undefined): string {
  const s = (serverAddress ?? "").trim().replace(/^[a-z]+:\/\//i, "").replace(/\/.*$/, "");
  const lower = s.toLowerCase();
  if (s === "" || lower === "index.docker.io" || lower === "registry-1.docker.io") return "docker.io";
  return s;
}

export function registerAuthRoutes(r: Router, backend: Backend, opts: AuthRouteOptions = {}): void {
  r.post("/auth", async (req, res) => {
    const body = await readJsonBody(req.raw);
    if (body === null || typeof body !== "object") throw new InvalidArgumentError("invalid auth configuration: a JSON object is required");
    const auth = authFromJson(body);
    const host = loginHostOf(auth.serveraddress);
    if (opts.registryAllowed && !opts.registryAllowed(host))
      throw new ForbiddenError(`registry ${host} is not allowed by this daemon's allowed-registries setting`);
    const login = backend.images.login?.bind(backend.images);
    if (!login) throw new NotImplementedError("this daemon has no registry client: login is not available");
    const r2 = await login(auth, req.ctx);
    sendJson(res, 200, { Status: r2.status, IdentityToken: r2.identityToken });
  });
}
