/**
 * The randomness and hashing berth uses. Random bytes come from /dev/urandom (the kernel's CSPRNG, as
 * node:crypto's own come from it), and node:crypto loads on the first hash: loading it costs about 2 MB
 * of resident memory (OpenSSL's tables), which an idle berthd that has hashed nothing need not carry. A
 * fresh daemon draws random ids for its default networks before it has hashed anything.
 */
import { openSync, readSync } from "node:fs";
import type * as NodeCrypto from "node:crypto";

const crypto = (): typeof NodeCrypto => process.getBuiltinModule("node:crypto");

export type { Hash } from "node:crypto";

let urandom: number | undefined;

/** `size` bytes from /dev/urandom. */
export function randomBytes(size: number): Buffer {
  urandom ??= openSync("/dev/urandom", "r");
  const b = Buffer.allocUnsafe(size);
  let off = 0;
  while (off < size) {
    const n = readSync(urandom, b, off, size - off, null);
    if (n <= 0) throw new Error("reading /dev/urandom gave no bytes");
    off += n;
  }
  return b;
}

export function createHash(algorithm: string): NodeCrypto.Hash {
  return crypto().createHash(algorithm);
}

/** A uniformly random integer in [0, max), max ≤ 2^32 (rejection sampling, no modulo bias). */
export function randomInt(max: number): number {
  if (!Number.isInteger(max) || max <= 0 || max > 2 ** 32) throw new RangeError(`randomInt: bad bound ${max}`);
  const limit = 2 ** 32 - (2 ** 32 % max);
  for (;;) {
    const v = randomBytes(4).readUInt32BE(0);
    if (v < limit) return v % max;
  }
}

/** A random (version 4) UUID. */
export function randomUUID(): string {
  const b = randomBytes(16);
  b[6] = ((b[6] as number) & 0x0f) | 0x40;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
