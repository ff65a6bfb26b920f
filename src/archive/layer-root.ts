/**
 * Path confinement for extracting a layer into `dest`. Entry paths are split into byte components
 * (so non-UTF-8 names stay exact), `..` that would leave the root and absolute paths are refused,
 * and every parent component is checked with lstat: a symlink or a non-directory in a parent
 * position is refused, never followed. Verified directories are cached; every removal goes through
 * `remove()`, which drops the cache entries under the removed path.
 */
import { lstatSync, mkdirSync, rmSync, type Stats } from "node:fs";
import { InvalidArgumentError } from "../errdefs/index.js";
import { errnoCode } from "../errdefs/index.js";

export type Components = Buffer[];

const SLASH = 0x2f;

/** Splits a tar path into components. Throws for absolute paths and `..` escaping the root. */
export function normalizeEntryPath(name: Buffer, what: string): Components {
  if (name.includes(0)) throw new InvalidArgumentError(`layer entry ${what} has a NUL byte in its path`);
  if (name[0] === SLASH) throw new InvalidArgumentError(`layer entry ${what} has an absolute path: refused`);
  const out: Components = [];
  let start = 0;
  for (let i = 0; i <= name.length; i++) {
    if (i < name.length && name[i] !== SLASH) continue;
    const c = name.subarray(start, i);
    start = i + 1;
    if (c.length === 0 || (c.length === 1 && c[0] === 0x2e)) continue;
    if (c.length === 2 && c[0] === 0x2e && c[1] === 0x2e) {
      if (out.length === 0) throw new InvalidArgumentError(`layer entry ${what} escapes the layer root`);
      out.pop();
      continue;
    }
    out.push(c);
  }
  return out;
}

export function quoteName(name: Buffer): string {
  return JSON.stringify(name.toString("utf8"));
}

export function lstatOrNull(p: Buffer): Stats | null {
  try {
    return lstatSync(p);
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return null;
    throw e;
  }
}

export class LayerRoot {
  readonly destBytes: Buffer;
  private readonly safeDirs = new Set<string>();

  constructor(dest: string) {
    this.destBytes = Buffer.from(dest.replace(/\/+$/, "") || "/");
    const st = lstatSync(this.destBytes);
    if (!st.isDirectory()) throw new InvalidArgumentError(`layer destination ${dest} is not a directory`);
  }

  abs(comps: Components): Buffer {
    const parts: Buffer[] = [this.destBytes];
    for (const c of comps) parts.push(Buffer.from("/"), c);
    return Buffer.concat(parts);
  }

  key(comps: Components, n = comps.length): string {
    return comps
      .slice(0, n)
      .map((c) => c.toString("latin1"))
      .join("/");
  }

  /**
   * Checks (and with `create`, makes, mode 0755) every parent of `comps`. Returns false when a
   * parent is missing and `create` is false. Throws when a parent is a symlink or not a directory.
   */
  ensureParents(comps: Components, what: string, create: boolean, useCache = true): boolean {
    for (let i = 1; i < comps.length; i++) {
      const k = this.key(comps, i);
      if (useCache && this.safeDirs.has(k)) continue;
      const p = this.abs(comps.slice(0, i));
      const st = lstatOrNull(p);
      if (st === null) {
        if (!create) return false;
        mkdirSync(p, 0o755);
      } else if (st.isSymbolicLink()) {
        throw new InvalidArgumentError(
          `layer entry ${what} would be written through symlink ${JSON.stringify(k)}: refused (escapes the layer root)`,
        );
      } else if (!st.isDirectory()) {
        throw new InvalidArgumentError(`layer entry ${what}: parent ${JSON.stringify(k)} is not a directory`);
      }
      if (useCache) this.safeDirs.add(k);
    }
    return true;
  }

  markDir(comps: Components): void {
    this.safeDirs.add(this.key(comps));
  }

  /** Removes whatever is at comps (recursively, never following symlinks). */
  remove(comps: Components): void {
    const k = this.key(comps);
    if (this.safeDirs.has(k)) {
      const prefix = k + "/";
      for (const d of this.safeDirs) if (d === k || d.startsWith(prefix)) this.safeDirs.delete(d);
    }
    rmSync(this.abs(comps), { recursive: true, force: true });
  }

  /** Clears the way for a new entry: removes a non-directory, or (unless keepDir) a directory. */
  clear(comps: Components, keepDir: boolean): Stats | null {
    const st = lstatOrNull(this.abs(comps));
    if (st === null) return null;
    if (st.isDirectory() && keepDir) return st;
    this.remove(comps);
    return null;
  }
}
