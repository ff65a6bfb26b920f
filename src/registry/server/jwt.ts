import { X509Certificate, createPublicKey, verify, type KeyObject } from "node:crypto";

/** One entry of a registry token's `access` claim. */
export interface AccessClaim {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  access?: AccessClaim[];
}

export interface TokenPolicy {
  issuer: string;
  service: string;
  /** Keys that may sign tokens (from --token-cert). */
  keys: KeyObject[];
  /** Allowed clock skew in seconds. */
  leeway?: number;
}

/** Public keys of every certificate in a PEM bundle (or a bare public key). */
export function keysFromPem(pem: string): KeyObject[] {
  const certs = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (certs.length === 0) return [createPublicKey(pem)];
  return certs.map((c) => new X509Certificate(c).publicKey);
}

function b64json(part: string): unknown {
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Verifies a registry bearer token (a JWS compact JWT, RS256/RS384/RS512/ES256/ES384) against the
 * policy: signature by one of the keys, iss, aud ∋ service, exp and nbf. Returns its claims or throws
 * an Error naming what failed.
 */
export function verifyToken(token: string, policy: TokenPolicy, now = Date.now() / 1000): TokenClaims {
  const parts = token.split(".");
  if (parts.length !== 3) throw new Error("malformed token");
  const [h, p, s] = parts as [string, string, string];
  let header: unknown;
  let claims: unknown;
  try {
    header = b64json(h);
    claims = b64json(p);
  } catch {
    throw new Error("malformed token");
  }
  if (!isObject(header) || !isObject(claims)) throw new Error("malformed token");
  const alg = header["alg"];
  const algs: Record<string, { hash: string; ec: boolean }> = {
    RS256: { hash: "sha256", ec: false },
    RS384: { hash: "sha384", ec: false },
    RS512: { hash: "sha512", ec: false },
    ES256: { hash: "sha256", ec: true },
    ES384: { hash: "sha384", ec: true },
  };
  const a = typeof alg === "string" ? algs[alg] : undefined;
  if (!a) throw new Error(`unsupported token algorithm ${String(alg)}`);
  const data = Buffer.from(`${h}.${p}`);
  const sig = Buffer.from(s, "base64url");
  const ok = policy.keys.some((key) => {
    const kt = key.asymmetricKeyType;
    if (a.ec ? kt !== "ec" : kt !== "rsa") return false;
    try {
      return verify(a.hash, data, a.ec ? { key, dsaEncoding: "ieee-p1363" } : key, sig);
    } catch {
      return false;
    }
  });
  if (!ok) throw new Error("invalid token signature");
  const c = claims as TokenClaims;
  if (c.iss !== policy.issuer) throw new Error("token issuer mismatch");
  const aud = Array.isArray(c.aud) ? c.aud : [c.aud];
  if (!aud.includes(policy.service)) throw new Error("token audience mismatch");
  const leeway = policy.leeway ?? 60;
  if (typeof c.exp !== "number" || now > c.exp + leeway) throw new Error("token expired");
  if (c.nbf !== undefined && (typeof c.nbf !== "number" || now < c.nbf - leeway)) throw new Error("token not yet valid");
  if (c.access !== undefined && !Array.isArray(c.access)) throw new Error("malformed access claim");
  return c;
}
