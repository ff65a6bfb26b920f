/**
 * Content digests of the files of recently extracted build contexts, taken while the context was
 * written, so a COPY's cache key does not read every file back. An entry is used only while the file's
 * size and mtime are what extraction left (a RUN that rewrites a context file changes its mtime).
 * Only the last few contexts are kept.
 */
import type { Stats } from "node:fs";
import { resolve } from "node:path";

interface Known {
  sha256: Buffer;
  size: number;
  mtimeMs: number;
}

const MAX_CONTEXTS = 4;
const contexts = new Map<string, Map<string, Known>>();

/** A recorder for one context dir; `seal(statOf)` stores what was recorded once the files are final. */
export function recordContextDigests(dir: string): { onFileDigest: (path: string, sha256: Buffer) => void; seal: (statOf: (p: string) => Stats | null) => void } {
  const pending = new Map<string, Buffer>();
  return {
    onFileDigest: (p, sha256) => pending.set(p, sha256),
    seal: (statOf) => {
      const known = new Map<string, Known>();
      for (const [p, sha256] of pending) {
        const st = statOf(p);
        if (st?.isFile()) known.set(resolve(p), { sha256, size: st.size, mtimeMs: st.mtimeMs });
      }
      contexts.delete(dir);
      contexts.set(dir, known);
      while (contexts.size > MAX_CONTEXTS) {
        const oldest = contexts.keys().next().value;
        if (oldest === undefined) break;
        contexts.delete(oldest);
      }
    },
  };
}

/** The recorded sha256 of a context file, if it is unchanged since extraction. */
export function knownDigest(path: string, st: Stats): Buffer | undefined {
  for (const [dir, known] of contexts) {
    if (!path.startsWith(dir + "/")) continue;
    const k = known.get(path);
    return k && k.size === st.size && k.mtimeMs === st.mtimeMs ? k.sha256 : undefined;
  }
  return undefined;
}

/** Forgets a context (its directory is gone). */
export function forgetContext(dir: string): void {
  contexts.delete(dir);
}
