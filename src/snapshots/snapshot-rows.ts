import { ConflictError, NotFoundError } from "../errdefs/index.js";
import type { StateDb } from "../state/index.js";
import type { SnapshotInfo, SnapshotKind } from "./snapshotter.js";
import { isoTime } from "../util/iso-time.js";

/** A row of the `snapshots` table (migration 0001). */
export interface SnapshotRow {
  key: string;
  dir_id: number;
  parent: string | null;
  kind: SnapshotKind;
  created: string;
  labels: string;
}

const cols = "key, dir_id, parent, kind, created, labels";

/**
 * One snapshotter's rows. Synchronous (better-sqlite3): callers wrap multi-step changes in state.tx().
 * dir_ids are allocated above every snapshotter's largest, so two snapshotters sharing a root never
 * share a directory.
 */
export class SnapshotRows {
  constructor(
    private readonly state: StateDb,
    private readonly snapshotter: string,
  ) {}

  get(key: string): SnapshotRow | undefined {
    return this.state.db
      .prepare(`SELECT ${cols} FROM snapshots WHERE snapshotter = ? AND key = ?`)
      .get(this.snapshotter, key) as SnapshotRow | undefined;
  }

  must(key: string): SnapshotRow {
    const r = this.get(key);
    if (!r) throw new NotFoundError(`snapshot ${key} does not exist`);
    return r;
  }

  all(): SnapshotRow[] {
    return this.state.db
      .prepare(`SELECT ${cols} FROM snapshots WHERE snapshotter = ? ORDER BY dir_id`)
      .all(this.snapshotter) as SnapshotRow[];
  }

  /** Every dir_id in use by any snapshotter. */
  allDirIds(): Set<number> {
    return new Set((this.state.db.prepare("SELECT dir_id FROM snapshots").all() as { dir_id: number }[]).map((r) => r.dir_id));
  }

  firstChild(key: string): string | undefined {
    const r = this.state.db
      .prepare("SELECT key FROM snapshots WHERE snapshotter = ? AND parent = ? LIMIT 1")
      .get(this.snapshotter, key) as { key: string } | undefined;
    return r?.key;
  }

  /** The chain above row: [parent, grandparent, …]. */
  ancestors(row: SnapshotRow): SnapshotRow[] {
    const out: SnapshotRow[] = [];
    for (let p = row.parent; p; ) {
      const r = this.must(p);
      out.push(r);
      p = r.parent;
    }
    return out;
  }

  insert(key: string, parent: string | undefined, kind: SnapshotKind, labels: Record<string, string>): SnapshotRow {
    if (this.get(key)) throw new ConflictError(`snapshot ${key} already exists`);
    if (parent !== undefined) {
      const p = this.must(parent);
      if (p.kind !== "committed") throw new ConflictError(`parent snapshot ${parent} is not committed`);
    }
    const next = this.state.db.prepare("SELECT COALESCE(MAX(dir_id), 0) + 1 AS n FROM snapshots").get() as { n: number };
    const r: SnapshotRow = {
      key,
      dir_id: next.n,
      parent: parent ?? null,
      kind,
      created: isoTime(),
      labels: JSON.stringify(labels),
    };
    this.state.db
      .prepare("INSERT INTO snapshots (snapshotter, key, dir_id, parent, kind, created, labels) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .run(this.snapshotter, r.key, r.dir_id, r.parent, r.kind, r.created, r.labels);
    return r;
  }

  commit(name: string, key: string, labels: Record<string, string>): void {
    this.state.db
      .prepare("UPDATE snapshots SET key = ?, kind = 'committed', labels = ? WHERE snapshotter = ? AND key = ?")
      .run(name, JSON.stringify(labels), this.snapshotter, key);
  }

  delete(key: string): void {
    this.state.db.prepare("DELETE FROM snapshots WHERE snapshotter = ? AND key = ?").run(this.snapshotter, key);
  }
}

export function infoOf(r: SnapshotRow): SnapshotInfo {
  const i: SnapshotInfo = { key: r.key, kind: r.kind, created: r.created, labels: JSON.parse(r.labels) as Record<string, string> };
  if (r.parent) i.parent = r.parent;
  return i;
}
