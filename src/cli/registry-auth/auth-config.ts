/**
 * docker's AuthConfig (api/types/registry) and its wire encodings: the base64url JSON of the
 * X-Registry-Auth header, and the base64 "user:password" `auth` field of config.json.
 */

/** Field names and order as docker's JSON (all omitempty). */
export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  email?: string;
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
}

const FIELDS = ["username", "password", "auth", "email", "serveraddress", "identitytoken", "registrytoken"] as const;

/** JSON as Go's encoding/json writes it: declared field order, empty strings omitted, HTML characters escaped. */
export function authConfigJSON(a: AuthConfig): string {
  const o: Record<string, string> = {};
  for (const k of FIELDS) {
    const v = a[k];
    if (v !== undefined && v !== "") o[k] = v;
  }
  return goEscape(JSON.stringify(o));
}

/** Go's json.Marshal escapes <, >, & and U+2028/9 inside strings. */
export function goEscape(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** The X-Registry-Auth value: base64url (RFC 4648 §5, padded) of the JSON. */
export function encodeAuthConfig(a: AuthConfig): string {
  return toBase64Url(authConfigJSON(a));
}

export function toBase64Url(s: string): string {
  return Buffer.from(s, "utf8").toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
}

/** Decodes an X-Registry-Auth value (either base64 alphabet, padded or not); "" gives {}. */
export function decodeAuthConfig(header: string): AuthConfig {
  if (header === "") return {};
  const json = Buffer.from(header.replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("utf8");
  const v: unknown = JSON.parse(json);
  if (typeof v !== "object" || v === null) return {};
  const out: AuthConfig = {};
  for (const k of FIELDS) {
    const x = (v as Record<string, unknown>)[k];
    if (typeof x === "string") out[k] = x;
  }
  return out;
}

/** config.json's `auth`: base64 of "user:password" ("" when both are empty). */
export function encodeAuth(username: string | undefined, password: string | undefined): string {
  if ((username ?? "") === "" && (password ?? "") === "") return "";
  return Buffer.from(`${username ?? ""}:${password ?? ""}`, "utf8").toString("base64");
}

/** Inverse of encodeAuth, with docker's errors. */
export function decodeAuth(auth: string): { username: string; password: string } {
  if (auth === "") return { username: "", password: "" };
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(auth) || auth.length % 4 !== 0) throw new Error("illegal base64 data at input byte 0");
  const s = Buffer.from(auth, "base64").toString("utf8");
  const i = s.indexOf(":");
  if (i <= 0) throw new Error("Invalid auth configuration file");
  return { username: s.slice(0, i), password: s.slice(i + 1).replace(/^\0+|\0+$/g, "") };
}
