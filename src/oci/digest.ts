import type { Hash } from "node:crypto";

/** node:crypto's createHash, the module loaded on first use (see util/crypto.ts for why). */
const createHash = (algorithm: string): Hash => process.getBuiltinModule("node:crypto").createHash(algorithm);
import { InvalidArgumentError } from "../errdefs/index.js";

const digestRe = /^sha256:[a-f0-9]{64}$/;

export function isDigest(s: string): boolean {
  return digestRe.test(s);
}

/** Validates a digest string; only sha256 is supported. */
export function parseDigest(s: string): { algorithm: "sha256"; hex: string } {
  if (!digestRe.test(s)) {
    if (/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:/.test(s) && !s.startsWith("sha256:"))
      throw new InvalidArgumentError(`unsupported digest algorithm: ${s}`);
    throw new InvalidArgumentError(`invalid digest: ${JSON.stringify(s)}`);
  }
  return { algorithm: "sha256", hex: s.slice(7) };
}

export function digestOf(data: string | Uint8Array): string {
  return "sha256:" + createHash("sha256").update(data).digest("hex");
}

/** An incremental digester. */
export class Digester {
  private readonly h: Hash = createHash("sha256");
  size = 0;
  update(chunk: Uint8Array): void {
    this.h.update(chunk);
    this.size += chunk.length;
  }
  digest(): string {
    return "sha256:" + this.h.digest("hex");
  }
}
