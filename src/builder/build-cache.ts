/**
 * The classic builder's step cache in SQLite (state/migrations/0004-build-cache.ts): (parent image,
 * step key) → the image the step made. A hit is used only while that image still exists.
 */
import { createHash } from "../util/crypto.js";
import * as path from "node:path";
import type { StateDb } from "../state/index.js";
import { cacheMountRootOf, cacheMountStoreFor, type CacheMountStore } from "./cache-mounts.js";
import { isoTime } from "../util/iso-time.js";

export interface BuildCacheRow {
  parent: string;
  key: string;
  imageId: string;
  created: string;
  lastUsed: string;
  description: string;
}

/** docker's types.BuildCache (GET /system/df). */
export interface BuildCacheUsage {
  ID: string;
  Parent: string;
  Parents: string[];
  Type: string;
  Description: string;
  InUse: boolean;
  Shared: boolean;
  Size: number;
  CreatedAt: string;
  LastUsedAt: string;
  UsageCount: number;
}

/** sha256 hex of a step's identity (any JSON-serialisable value, keys in a fixed order). */
export function cacheKeyOf(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex");
}

const LAST_USED_PRECISION_MS = 60_000;

export class BuildCache {
  /** RUN --mount=type=cache dirs (under the data root of the state db; none for an in-memory db). */
  readonly cacheMounts: CacheMountStore | undefined;

  constructor(private readonly state: StateDb, private readonly imageExists: (id: string) => boolean, cacheMountRoot?: string) {
    const dbFile = state.db.name;
    const root = cacheMountRoot ?? (dbFile && dbFile !== ":memory:" ? cacheMountRootOf(path.dirname(path.resolve(dbFile))) : undefined);
    this.cacheMounts = root === undefined ? undefined : cacheMountStoreFor(root);
  }

  /** The cached image for the step, if any and still present (a stale row is dropped). */
  get(parent: string, key: string): string | undefined {
    const r = this.state.db.prepare("SELECT image_id, last_used FROM build_cache WHERE parent = ? AND cache_key = ?").get(parent, key) as
      | { image_id: string; last_used: string }
      | undefined;
    if (!r) return undefined;
    if (!this.imageExists(r.image_id)) {
      this.state.txRelaxed(() => this.state.db.prepare("DELETE FROM build_cache WHERE parent = ? AND cache_key = ?").run(parent, key));
      return undefined;
    }
    // last-used time only needs minute precision for `builder prune --filter until=`, so a hit within the
    // last minute leaves the row alone
    const now = Date.now();
    if (!(now - Date.parse(r.last_used) < LAST_USED_PRECISION_MS)) {
      this.state.txRelaxed(() =>
        this.state.db.prepare("UPDATE build_cache SET last_used = ? WHERE parent = ? AND cache_key = ?").run(isoTime(now), parent, key),
      );
    }
    return r.image_id;
  }

  /**
   * Committed without an fsync of its own (txRelaxed): the cache only saves work, an OS crash may lose the
   * newest entries, and the build's final tag (a durable commit) makes them durable with it.
   */
  put(parent: string, key: string, imageId: string, description = ""): void {
    const now = isoTime();
    this.state.txRelaxed(() =>
      this.state.db
        .prepare("INSERT OR REPLACE INTO build_cache (parent, cache_key, image_id, created, last_used, description) VALUES (?, ?, ?, ?, ?, ?)")
        .run(parent, key, imageId, now, now, description),
    );
  }

  list(): BuildCacheRow[] {
    return (
      this.state.db.prepare("SELECT parent, cache_key, image_id, created, last_used, description FROM build_cache ORDER BY created").all() as {
        parent: string;
        cache_key: string;
        image_id: string;
        created: string;
        last_used: string;
        description: string;
      }[]
    ).map((r) => ({ parent: r.parent, key: r.cache_key, imageId: r.image_id, created: r.created, lastUsed: r.last_used, description: r.description }));
  }

  /**
   * The entries as `system df` lists them. Size is 0: the classic builder's cache is the step images
   * themselves, already counted under Images.
   */
  usage(): BuildCacheUsage[] {
    return [...this.stepUsage(), ...(this.cacheMounts?.usage() ?? [])];
  }

  private stepUsage(): BuildCacheUsage[] {
    return this.list().map((r) => ({
      ID: r.key.slice(0, 25),
      Parent: r.parent,
      Parents: r.parent ? [r.parent] : [],
      Type: "regular",
      Description: r.description,
      InUse: false,
      Shared: false,
      Size: 0,
      CreatedAt: r.created,
      LastUsedAt: r.lastUsed,
      UsageCount: 1,
    }));
  }

  count(): number {
    return (this.state.db.prepare("SELECT COUNT(*) AS n FROM build_cache").get() as { n: number }).n;
  }

  /**
   * Drops every entry and every cache mount not in use; returns the removed keys ("<parent>/<key>"
   * ids, as `builder prune` lists them) and cache mount ids.
   */
  prune(): string[] {
    const keys = this.state.tx(() => {
      const rows = this.list();
      this.state.db.prepare("DELETE FROM build_cache").run();
      return rows.map((r) => r.key);
    });
    const mounts = this.cacheMounts?.prune();
    if (mounts) this.lastReclaimed = mounts.reclaimed;
    return [...keys, ...(mounts?.ids ?? [])];
  }

  /** Bytes the last prune() freed (cache mount contents). */
  lastReclaimed = 0;
}
