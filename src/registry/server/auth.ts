import type { IncomingMessage } from "node:http";
import { RegistryError } from "./errors.js";
import { Htpasswd, parseBasic } from "./htpasswd.js";
import { verifyToken, type AccessClaim, type TokenPolicy } from "./jwt.js";

/** One permission a request needs: e.g. {type:"repository", name:"a/b", action:"pull"}. */
export interface Access {
  type: "repository" | "registry";
  name: string;
  action: string;
}

/** What an authenticated client may do. */
export interface Grant {
  readonly user: string;
  can(a: Access): boolean;
}

export interface Authenticator {
  /** Resolves the client's grant, or throws UNAUTHORIZED (with a challenge) unless it has every `need`. */
  authenticate(req: IncomingMessage, need: Access[]): Promise<Grant>;
}

const everything: Grant = { user: "", can: () => true };

export const noAuth: Authenticator = {
  authenticate: () => Promise.resolve(everything),
};

/** `repository:a/b:pull,push repository:c:pull`: the scope parameter of a challenge. */
export function scopeString(need: Access[]): string {
  const groups = new Map<string, string[]>();
  for (const a of need) {
    const k = `${a.type}:${a.name}`;
    const acts = groups.get(k) ?? [];
    if (!acts.includes(a.action)) acts.push(a.action);
    groups.set(k, acts);
  }
  return [...groups].map(([k, acts]) => `${k}:${acts.join(",")}`).join(" ");
}

/** htpasswd Basic auth: a valid user may do everything. */
export class BasicAuthenticator implements Authenticator {
  constructor(
    private readonly users: Htpasswd,
    private readonly realm = "berth-registry",
  ) {}

  async authenticate(req: IncomingMessage): Promise<Grant> {
    const challenge = { "WWW-Authenticate": `Basic realm="${this.realm}"` };
    const creds = parseBasic(req.headers.authorization);
    if (!creds) throw new RegistryError("UNAUTHORIZED", undefined, undefined, challenge);
    if (!(await this.users.verify(creds.user, creds.password)))
      throw new RegistryError("UNAUTHORIZED", undefined, "authentication required", challenge);
    return { user: creds.user, can: () => true };
  }
}

/** Bearer tokens from a token service (distribution's "token" auth). */
export class TokenAuthenticator implements Authenticator {
  constructor(
    private readonly policy: TokenPolicy,
    private readonly realm: string,
  ) {}

  private challenge(need: Access[], error?: string): Record<string, string> {
    let v = `Bearer realm="${this.realm}",service="${this.policy.service}"`;
    if (need.length > 0) v += `,scope="${scopeString(need)}"`;
    if (error) v += `,error="${error}"`;
    return { "WWW-Authenticate": v };
  }

  authenticate(req: IncomingMessage, need: Access[]): Promise<Grant> {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
    if (!m) return Promise.reject(new RegistryError("UNAUTHORIZED", undefined, undefined, this.challenge(need)));
    let claims;
    try {
      claims = verifyToken(m[1] ?? "", this.policy);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      return Promise.reject(new RegistryError("UNAUTHORIZED", msg, undefined, this.challenge(need, "invalid_token")));
    }
    const access: AccessClaim[] = claims.access ?? [];
    const grant: Grant = {
      user: claims.sub ?? "",
      can: (a) =>
        access.some(
          (c) => c && c.type === a.type && c.name === a.name && Array.isArray(c.actions) && (c.actions.includes(a.action) || c.actions.includes("*")),
        ),
    };
    const missing = need.filter((a) => !grant.can(a));
    if (missing.length > 0)
      return Promise.reject(new RegistryError("UNAUTHORIZED", { missing: scopeString(missing) }, undefined, this.challenge(need, "insufficient_scope")));
    return Promise.resolve(grant);
  }
}
