/**
 * `RUN --mount=type=cache` directories: persistent, one per cache id, under
 * `<data-root>/builder/cache-mounts/<sha256(id)>[.<n>]/` (`data/` is what is mounted, `meta.json` the
 * id, times, use count and last measured size). They outlive builds and daemon restarts, are listed
 * by `system df` (type "exec.cachemount") and removed by `builder prune`.
 *
 * Sharing: `shared` (default) gives every user of an id the same directory; `locked` also serialises
 * them (a per-id mutex held for the whole step); `private` gives each concurrent user its own
 * directory (the first free one of the id, or a new one).
 */
import { createHash } from "../util/crypto.js";
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import * as path from "node:path";
import type { CacheSharing } from "../dockerfile/index.js";
import type { BuildCacheUsage } from "./build-cache.js";
import { isoTime } from "../util/iso-time.js";

export interface CacheMountMeta {
  id: string;
  created: string;
  lastUsed: string;
  usageCount: number;
  size: number;
}

export interface CacheMountLease {
  /** The directory to mount. */
  dir: string;
  /** True when the directory was made for this use (seed it, set its owner and mode). */
  fresh: boolean;
  /** Ends the use: measures the size, frees the dir (and the lock). Idempotent. */
  release(): Promise<void>;
}

/** Bytes used by a tree (files' allocated blocks; directories count 0). */
export async function treeSize(dir: string): Promise<number> {
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = path.join(d, n);
      const st = await lstat(p).catch(() => undefined);
      if (!st) continue;
      if (st.isDirectory()) await walk(p);
      else total += st.size;
    }
  };
  await walk(dir);
  return total;
}

export function cacheMountRootOf(dataRoot: string): string {
  return path.join(dataRoot, "builder", "cache-mounts");
}

export class CacheMountStore {
  /** dir name → users now. */
  private readonly inUse = new Map<string, number>();
  /** cache id → tail of the lock queue (sharing=locked). */
  private readonly locks = new Map<string, Promise<void>>();

  constructor(readonly root: string) {}

  private hashOf(id: string): string {
    return createHash("sha256").update(id).digest("hex");
  }

  private metaPath(name: string): string {
    return path.join(this.root, name, "meta.json");
  }

  private readMeta(name: string): CacheMountMeta | undefined {
    try {
      return JSON.parse(readFileSync(this.metaPath(name), "utf8")) as CacheMountMeta;
    } catch {
      return undefined;
    }
  }

  private writeMeta(name: string, meta: CacheMountMeta): void {
    const p = this.metaPath(name);
    writeFileSync(`${p}.tmp`, JSON.stringify(meta));
    renameSync(`${p}.tmp`, p);
  }

  /** Makes `<root>/<name>/data` when missing; true when it was made now. */
  private ensure(name: string, id: string): boolean {
    const data = path.join(this.root, name, "data");
    if (existsSync(data) && this.readMeta(name)) return false;
    rmSync(path.join(this.root, name), { recursive: true, force: true });
    mkdirSync(data, { recursive: true, mode: 0o755 });
    const now = isoTime();
    this.writeMeta(name, { id, created: now, lastUsed: now, usageCount: 0, size: 0 });
    return true;
  }

  private async lock(id: string): Promise<() => void> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    let unlock!: () => void;
    const mine = new Promise<void>((r) => (unlock = r));
    const tail = prev.then(() => mine);
    this.locks.set(id, tail);
    await prev;
    return () => {
      unlock();
      if (this.locks.get(id) === tail) this.locks.delete(id);
    };
  }

  /** Takes the directory for one use of cache `id`. `signal` aborts a wait for a locked id. */
  async acquire(id: string, sharing: CacheSharing | "", signal?: AbortSignal): Promise<CacheMountLease> {
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    const base = this.hashOf(id);
    let unlock: (() => void) | undefined;
    if (sharing === "locked") {
      const waiting = this.lock(id);
      if (signal) {
        const aborted = new Promise<never>((_, rej) => {
          if (signal.aborted) rej(signal.reason);
          signal.addEventListener("abort", () => rej(signal.reason), { once: true });
        });
        try {
          unlock = await Promise.race([waiting, aborted]);
        } catch (e) {
          void waiting.then((u) => u());
          throw e;
        }
      } else unlock = await waiting;
    }
    let name = base;
    if (sharing === "private") {
      for (let n = 0; ; n++) {
        const cand = n === 0 ? base : `${base}.${n}`;
        if ((this.inUse.get(cand) ?? 0) === 0) {
          name = cand;
          break;
        }
      }
    }
    let fresh: boolean;
    try {
      fresh = this.ensure(name, id);
    } catch (e) {
      unlock?.();
      throw e;
    }
    this.inUse.set(name, (this.inUse.get(name) ?? 0) + 1);
    const dir = path.join(this.root, name, "data");
    let released: Promise<void> | undefined;
    const release = (): Promise<void> => {
      released ??= (async () => {
        try {
          const meta = this.readMeta(name);
          if (meta && existsSync(dir)) {
            meta.lastUsed = isoTime();
            meta.usageCount += 1;
            meta.size = await treeSize(dir);
            this.writeMeta(name, meta);
          }
        } finally {
          const n = (this.inUse.get(name) ?? 1) - 1;
          if (n <= 0) this.inUse.delete(name);
          else this.inUse.set(name, n);
          unlock?.();
        }
      })();
      return released;
    };
    return { dir, fresh, release };
  }

  /** Sets a fresh directory's owner and mode (cache mount `uid`, `gid`, `mode`; default 0:0 0755). */
  static initDir(dir: string, o: { uid?: number; gid?: number; mode?: number }): void {
    chownSync(dir, o.uid ?? 0, o.gid ?? 0);
    chmodSync(dir, o.mode ?? 0o755);
  }

  private names(): string[] {
    try {
      return readdirSync(this.root).filter((n) => /^[a-f0-9]{64}(\.\d+)?$/.test(n));
    } catch {
      return [];
    }
  }

  /** The entries as `system df` lists them. */
  usage(): BuildCacheUsage[] {
    const out: BuildCacheUsage[] = [];
    for (const n of this.names()) {
      const m = this.readMeta(n);
      if (!m) continue;
      out.push({
        ID: n.slice(0, 25),
        Parent: "",
        Parents: [],
        Type: "exec.cachemount",
        Description: `cached mount with id "${m.id}"`,
        InUse: (this.inUse.get(n) ?? 0) > 0,
        Shared: false,
        Size: m.size,
        CreatedAt: m.created,
        LastUsedAt: m.lastUsed,
        UsageCount: m.usageCount,
      });
    }
    return out;
  }

  /** Removes every cache directory not in use; returns their ids (df's ID) and the bytes freed. */
  prune(): { ids: string[]; reclaimed: number } {
    const ids: string[] = [];
    let reclaimed = 0;
    for (const n of this.names()) {
      if ((this.inUse.get(n) ?? 0) > 0) continue;
      const m = this.readMeta(n);
      try {
        if (!lstatSync(path.join(this.root, n)).isDirectory()) continue;
      } catch {
        continue;
      }
      rmSync(path.join(this.root, n), { recursive: true, force: true });
      ids.push(n.slice(0, 25));
      reclaimed += m?.size ?? 0;
    }
    return { ids, reclaimed };
  }
}

const stores = new Map<string, CacheMountStore>();

/** The one store of a root in this process (builds and prune share its in-use counts and locks). */
export function cacheMountStoreFor(root: string): CacheMountStore {
  const key = path.resolve(root);
  let s = stores.get(key);
  if (!s) {
    s = new CacheMountStore(key);
    stores.set(key, s);
  }
  return s;
}
