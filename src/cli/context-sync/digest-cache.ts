/**
 * The berth CLI's per-user cache of build-context file digests, so an unchanged file is not hashed
 * again: (dev, ino, size, mtime ns, ctime ns) → sha256, one JSON file per context directory under
 * `$XDG_CACHE_HOME/berth/context-digests` (or `~/.cache/…`), directory 0700. Nothing secret is kept
 * (digests of the user's own files). An entry is only trusted while every key field matches (any
 * write or chmod moves ctime), and a file changed within the last 2 seconds is never cached (a write
 * later in the same timestamp tick would keep its mtime: git's "racily clean" problem).
 */
import { createHash } from "node:crypto";
import { closeSync, constants, mkdirSync, openSync, readFileSync, readSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, type BigIntStats } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";

type Row = [size: string, mtimeNs: string, ctimeNs: string, sha256: string];

const RACY_NS = 2_000_000_000n;
/** Most context directories remembered (the least recently written go). */
const MAX_CONTEXTS = 200;

/** Keeps the `keep` most recently written cache files of dir. */
function trimDir(dir: string, keep: number): void {
  const names = readdirSync(dir).filter((n) => n.endsWith(".json"));
  if (names.length <= keep) return;
  const byAge = names.map((n) => ({ n, t: statSync(path.join(dir, n)).mtimeMs })).sort((a, b) => a.t - b.t);
  for (const { n } of byAge.slice(0, names.length - keep)) rmSync(path.join(dir, n), { force: true });
}

/** Where the cache files live, or undefined when there is no home to put them in. */
export function digestCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const xdg = env["XDG_CACHE_HOME"];
  if (xdg !== undefined && path.isAbsolute(xdg)) return path.join(xdg, "berth", "context-digests");
  let home = env["HOME"];
  if (home === undefined || home === "") {
    try {
      home = homedir();
    } catch {
      return undefined;
    }
  }
  return home === "" ? undefined : path.join(home, ".cache", "berth", "context-digests");
}

export class DigestCache {
  private readonly old = new Map<string, Row>();
  private readonly next = new Map<string, Row>();
  private changed = false;

  private constructor(private readonly file: string | undefined) {
    if (file === undefined) return;
    try {
      const v = JSON.parse(readFileSync(file, "utf8")) as { v?: unknown; files?: Record<string, unknown> };
      if (v.v === 1 && v.files && typeof v.files === "object") {
        for (const [k, row] of Object.entries(v.files)) {
          if (Array.isArray(row) && row.length === 4 && row.every((x) => typeof x === "string")) this.old.set(k, row as Row);
        }
      }
    } catch {
      // missing or unreadable: start empty
    }
  }

  /** The cache of one context directory (`dir` undefined: in memory only). */
  static open(contextDir: string, dir: string | undefined = digestCacheDir()): DigestCache {
    if (dir === undefined) return new DigestCache(undefined);
    const name = createHash("sha256").update(contextDir).digest("hex").slice(0, 32);
    return new DigestCache(path.join(dir, `${name}.json`));
  }

  private static key(st: BigIntStats): string {
    return `${st.dev}:${st.ino}`;
  }

  /** The sha256 (hex) of the file with this lstat, hashing it when the cache has no valid entry. */
  digest(file: string, st: BigIntStats): string {
    const k = DigestCache.key(st);
    const row = this.old.get(k);
    if (row && row[0] === String(st.size) && row[1] === String(st.mtimeNs) && row[2] === String(st.ctimeNs)) {
      if (!this.next.has(k)) this.next.set(k, row);
      return row[3];
    }
    const hex = hashFile(file);
    const now = BigInt(Date.now()) * 1_000_000n;
    if (now - st.mtimeNs > RACY_NS && now - st.ctimeNs > RACY_NS) {
      this.next.set(k, [String(st.size), String(st.mtimeNs), String(st.ctimeNs), hex]);
      this.changed = true;
    }
    return hex;
  }

  /** Writes the entries used by this walk (others are dropped), when something changed. Best effort. */
  save(): void {
    if (this.file === undefined || (!this.changed && this.next.size === this.old.size)) return;
    try {
      mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ v: 1, files: Object.fromEntries(this.next) }), { mode: 0o600 });
      renameSync(tmp, this.file);
      if (this.old.size === 0) trimDir(path.dirname(this.file), MAX_CONTEXTS);
    } catch {
      // a cache that cannot be written only costs time
    }
  }
}

/** sha256 (hex) of a file's content, read without following a final symlink. */
export function hashFile(file: string): string {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const h = createHash("sha256");
    const buf = Buffer.allocUnsafe(1024 * 1024);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(n === buf.length ? buf : buf.subarray(0, n));
    }
    return h.digest("hex");
  } finally {
    closeSync(fd);
  }
}
