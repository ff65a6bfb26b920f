/** docker's detach keys on the client side: the spec, its bytes, and the proxy that watches stdin for them. */

export const DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q";

/** docker's term.ToBytes: "ctrl-p,ctrl-q" → [16, 17]. */
export function detachKeyBytes(keys: string): number[] {
  const out: number[] = [];
  for (const raw of keys.split(",")) {
    const k = raw.trim();
    if (k.length > 1 && k.toLowerCase().startsWith("ctrl-")) {
      const c = k.slice(5).toLowerCase();
      if (c.length === 1 && c >= "a" && c <= "z") out.push(c.charCodeAt(0) - 96);
      else if (c.length === 1 && "@[\\]^_".includes(c)) out.push("@abcdefghijklmnopqrstuvwxyz[\\]^_".indexOf(c));
      else throw new Error(`Unknown character: '${k}'`);
    } else if (k.length === 1) out.push(k.charCodeAt(0));
    else throw new Error(`Unknown character: '${k}'`);
  }
  return out;
}

/** Watches stdin for the detach sequence; bytes held back while a prefix matches are released on mismatch. */
export class EscapeProxy {
  private held: number[] = [];
  constructor(private readonly keys: readonly number[]) {}

  /** Returns the bytes to forward and whether the full sequence was typed. */
  feed(chunk: Buffer): { forward: Buffer; detached: boolean } {
    const out: number[] = [];
    for (const b of chunk) {
      if (this.keys.length > 0 && b === this.keys[this.held.length]) {
        this.held.push(b);
        if (this.held.length === this.keys.length) return { forward: Buffer.from(out), detached: true };
        continue;
      }
      out.push(...this.held);
      this.held = [];
      if (this.keys.length > 0 && b === this.keys[0]) this.held.push(b);
      else out.push(b);
    }
    return { forward: Buffer.from(out), detached: false };
  }
}
