import { compare } from "bcryptjs";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

/**
 * htpasswd users (bcrypt entries only, as distribution): `user:$2y$…` lines. A bcrypt check costs
 * ~185 ms at cost 10, so verified (user, password) pairs are cached by a hash of both.
 */
export class Htpasswd {
  private readonly users = new Map<string, string>();
  private readonly verified = new Set<string>();

  constructor(text: string) {
    for (const raw of text.split("\n")) {
      const line = raw.trim();
      if (line === "" || line.startsWith("#")) continue;
      const i = line.indexOf(":");
      if (i <= 0) continue;
      this.users.set(line.slice(0, i), line.slice(i + 1));
    }
  }

  static load(file: string): Htpasswd {
    return new Htpasswd(readFileSync(file, "utf8"));
  }

  get size(): number {
    return this.users.size;
  }

  async verify(user: string, password: string): Promise<boolean> {
    const hash = this.users.get(user);
    if (hash === undefined || !/^\$2[abxy]?\$/.test(hash)) return false;
    const key = createHash("sha256").update(user).update("\0").update(password).update("\0").update(hash).digest("hex");
    if (this.verified.has(key)) return true;
    // bcryptjs knows $2a$/$2b$; htpasswd -B writes $2y$, the same algorithm.
    const ok = await compare(password, hash.replace(/^\$2y\$/, "$2b$")).catch(() => false);
    if (ok) this.verified.add(key);
    return ok;
  }
}

/** Parses `Authorization: Basic …`; undefined when absent or malformed. */
export function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  if (!header) return undefined;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return undefined;
  const s = Buffer.from(m[1] ?? "", "base64").toString("utf8");
  const i = s.indexOf(":");
  if (i < 0) return undefined;
  return { user: s.slice(0, i), password: s.slice(i + 1) };
}
