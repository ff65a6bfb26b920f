/**
 * Authorization for one repository handle (or a login): anonymous until the registry challenges, then
 * Basic (credentials sent as is) or the Bearer token flow of the distribution auth spec: GET the realm
 * with service + scope (Basic credentials when given), or POST the OAuth2 form with the refresh token
 * when an identity token is given. Tokens are cached per (host, scope, credentials) until `expires_in`
 * (default 60 s) and dropped on a 401. A `registrytoken` is sent as the bearer token unchanged.
 */
import { createHash } from "../../util/crypto.js";
import { UnauthorizedError, UnavailableError } from "../../errdefs/index.js";
import { errorForStatus, registryErrorMessage } from "./registry-errors.js";
import { backoffMs, isRetryableStatus, sleep, type RetryPolicy } from "./retry.js";
import type { HttpResponse, Transport } from "./transport.js";
import type { AuthConfig } from "./types.js";
import { parseWwwAuthenticate, type Challenge } from "./www-authenticate.js";

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Client-wide state shared by every handle: the challenge each host gave, and tokens. */
export class AuthState {
  readonly challenges = new Map<string, Challenge>();
  readonly tokens = new Map<string, CachedToken>();
  /** Token requests in flight, so concurrent layer fetches share one. */
  readonly pending = new Map<string, Promise<CachedToken>>();
}

export interface AuthorizerDeps {
  transport: Transport;
  state: AuthState;
  retry: RetryPolicy;
  log?: ((msg: string) => void) | undefined;
}

function basicHeader(auth: AuthConfig): string | undefined {
  if (!auth.username && !auth.password) return undefined;
  return "Basic " + Buffer.from(`${auth.username ?? ""}:${auth.password ?? ""}`).toString("base64");
}

function pickChallenge(res: HttpResponse): Challenge | undefined {
  const cs = parseWwwAuthenticate(res.headerAll("www-authenticate"));
  return cs.find((c) => c.scheme === "bearer") ?? cs.find((c) => c.scheme === "basic");
}

export class Authorizer {
  /** The refresh token the token service returned (login with offline_token). */
  refreshToken: string | undefined;
  private readonly credKey: string;

  constructor(
    private readonly deps: AuthorizerDeps,
    readonly auth: AuthConfig | undefined,
    /** e.g. "repository:library/busybox:pull"; undefined for login. */
    private readonly scope: string | undefined,
    /** Ask the token service for a refresh token (docker login). */
    private readonly offline = false,
  ) {
    const a = auth ?? {};
    this.credKey = createHash("sha256").update(JSON.stringify([a.username ?? "", a.password ?? "", a.identitytoken ?? ""])).digest("hex").slice(0, 16);
  }

  hasCredentials(): boolean {
    const a = this.auth;
    return !!a && !!(a.username || a.password || a.identitytoken);
  }

  private tokenKey(host: string): string {
    return `${host}|${this.scope ?? ""}|${this.credKey}`;
  }

  /** The Authorization header for a request to `host`, fetching a token when needed. */
  async authorize(host: string, signal?: AbortSignal): Promise<string | undefined> {
    if (this.auth?.registrytoken) return `Bearer ${this.auth.registrytoken}`;
    const ch = this.deps.state.challenges.get(host);
    if (ch === undefined) return undefined;
    if (ch.scheme === "basic") return this.auth ? basicHeader(this.auth) : undefined;
    if (ch.scheme !== "bearer") return undefined;
    const key = this.tokenKey(host);
    const cached = this.deps.state.tokens.get(key);
    if (cached && cached.expiresAt > Date.now()) return `Bearer ${cached.token}`;
    const { pending, tokens } = this.deps.state;
    let p = pending.get(key);
    if (p === undefined) {
      p = this.fetchToken(ch, signal).finally(() => pending.delete(key));
      pending.set(key, p);
    }
    const tok = await p;
    tokens.set(key, tok);
    return `Bearer ${tok.token}`;
  }

  /**
   * A 401 arrived from `host`: records its challenge and drops the cached token. True when another
   * attempt with (new) credentials makes sense.
   */
  onUnauthorized(host: string, res: HttpResponse): boolean {
    if (this.auth?.registrytoken) return false;
    const ch = pickChallenge(res);
    if (ch === undefined) return false;
    const before = this.deps.state.challenges.get(host);
    this.deps.state.challenges.set(host, ch);
    if (ch.scheme === "bearer") {
      this.deps.state.tokens.delete(this.tokenKey(host));
      return true;
    }
    if (ch.scheme === "basic") return this.auth !== undefined && basicHeader(this.auth) !== undefined && before?.scheme !== "basic";
    return false;
  }

  challengeFor(host: string): Challenge | undefined {
    return this.deps.state.challenges.get(host);
  }

  private async fetchToken(ch: Challenge, signal: AbortSignal | undefined): Promise<CachedToken> {
    const realm = ch.params["realm"];
    if (!realm) throw new UnauthorizedError("unauthorized: bearer challenge without a realm");
    const service = ch.params["service"];
    const scopes = [...(ch.params["scope"] ? ch.params["scope"].split(" ") : []), ...(this.scope ? [this.scope] : [])];
    const uniqScopes = [...new Set(scopes)];
    const a = this.auth ?? {};
    let res: HttpResponse | undefined;
    if (a.identitytoken) {
      const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: a.identitytoken, client_id: "berth" });
      if (service) form.set("service", service);
      if (uniqScopes.length > 0) form.set("scope", uniqScopes.join(" "));
      if (this.offline) form.set("access_type", "offline");
      res = await this.send("POST", realm, { "content-type": "application/x-www-form-urlencoded" }, form.toString(), signal);
      if (res.status === 404 || res.status === 405) {
        await res.dump();
        res = undefined;
      }
    }
    if (res === undefined) {
      const u = new URL(realm);
      if (service) u.searchParams.set("service", service);
      for (const s of uniqScopes) u.searchParams.append("scope", s);
      if (a.username) u.searchParams.set("account", a.username);
      if (this.offline) {
        u.searchParams.set("offline_token", "true");
        u.searchParams.set("client_id", "berth");
      }
      const headers: Record<string, string> = {};
      const basic = basicHeader(a);
      if (basic) headers["authorization"] = basic;
      res = await this.send("GET", u.href, headers, undefined, signal);
    }
    const text = await res.text();
    if (res.status === 401 || res.status === 403) {
      const msg = registryErrorMessage(text, 401);
      throw new UnauthorizedError(msg ?? (this.hasCredentials() ? "unauthorized: incorrect username or password" : "unauthorized: authentication required"));
    }
    if (res.status !== 200) throw errorForStatus(res.status, text);
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown; refresh_token?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new UnauthorizedError("unauthorized: the token service answered with invalid JSON");
    }
    const token = typeof body.token === "string" && body.token !== "" ? body.token : typeof body.access_token === "string" ? body.access_token : "";
    if (token === "") throw new UnauthorizedError("unauthorized: the token service returned no token");
    if (typeof body.refresh_token === "string" && body.refresh_token !== "") this.refreshToken = body.refresh_token;
    const expiresIn = typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : 60;
    // Refresh a little early so a token does not expire in flight.
    return { token, expiresAt: Date.now() + Math.max(1, expiresIn - 5) * 1000 };
  }

  /** One token-service request (realm hosts are checked against allowed(), loopback always passes). */
  private async send(method: string, url: string, headers: Record<string, string>, body: string | undefined, signal: AbortSignal | undefined): Promise<HttpResponse> {
    const policy = this.deps.retry;
    for (let attempt = 1; ; attempt++) {
      let res: HttpResponse;
      try {
        res = await this.deps.transport.request({ method, url, headers, ...(body !== undefined ? { body } : {}), signal, hostCheck: "loose" });
      } catch (err) {
        if (signal?.aborted || attempt >= policy.attempts || (err as { kind?: string }).kind !== undefined) {
          if ((err as { kind?: string }).kind !== undefined) throw err;
          throw new UnavailableError(`${method} ${JSON.stringify(url)}: ${(err as Error).message}`, { cause: err });
        }
        await sleep(backoffMs(policy, attempt), signal);
        continue;
      }
      if (isRetryableStatus(res.status) && attempt < policy.attempts) {
        await res.dump();
        await sleep(backoffMs(policy, attempt, res.header("retry-after")), signal);
        continue;
      }
      return res;
    }
  }
}
