import { createHash, randomBytes } from "./crypto.js";

/** A 64-hex random id, as docker uses for containers and exec instances. */
export function randomId(): string {
  return randomBytes(32).toString("hex");
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

export function sha256Digest(data: string | Uint8Array): string {
  return `sha256:${sha256Hex(data)}`;
}

/** First 12 hex chars of an id or digest, as docker shows them. */
export function shortId(id: string): string {
  const hex = id.startsWith("sha256:") ? id.slice(7) : id;
  return hex.slice(0, 12);
}
