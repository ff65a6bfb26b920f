import { promises as fsp } from "node:fs";
import * as path from "node:path";
import { ConflictError, NotFoundError } from "../errdefs/index.js";
import type { StateDb } from "../state/index.js";
import type { ApplyTarget, Mount, SnapshotInfo, SnapshotKind, Snapshotter, Usage } from "./snapshotter.js";
import { dirUsage } from "./usage.js";

export interface SnapshotRow {
  key: string;
  dir_id: number;
  parent: string | null;
  kind: SnapshotKind;
  created: string;
  labels: string;
}

/**
 * What both snapshotters share: metadata rows in the `snapshots` table and one directory per snapshot
 * (<root>/<dir_id>). A new snapshot's row is inserted first (in one transaction), then its directory is
 * built under <root>/new-<dir_id> and renamed into place; sweep() removes directories without a row,
 * unfinished new-* directories, and active extract-* snapshots left by a crash.
 */
export abstract class SnapshotBase implements Snapshotter {
  abstract readonly name: string;
  readonly root: string;
  protected readonly state: StateDb;

  constructor(opts: { root: string; state: StateDb }) {
    this.root = opts.root;
    this.state = opts.state;
  }

  /** Fills a new snapshot's directory (already created with an fs/ inside) from its parent. */
  protected abstract populate(dir: string, parent: SnapshotRow | undefined): Promise<void>;
  protected abstract activeMounts(row: SnapshotRow): Mount[];
  protected abstract viewMounts(row: SnapshotRow): Mount[];
  protected abstract readonly whiteouts: ApplyTarget["whiteouts"];
  /** Called once the new snapshot's directory is in place (e.g. to create a short link). */
  protected async afterCreate(_dir: string): Promise<void> {}
  protected async beforeRemove(_dir: string): Promise<void> {}

  protected dirOf(row: Pick<SnapshotRow, "dir_id">): string {
    return path.join(this.root, String(row.dir_id));
  }

  protected row(key: string): SnapshotRow | undefined {
    return this.state.db
      .prepare("SELECT key, dir_id, parent, kind, created, labels FROM snapshots WHERE snapshotter = ? AND key = ?")
      .get(this.name, key) as SnapshotRow | undefined;
  }

  protected mustRow(key: string): SnapshotRow {
    const r = this.row(key);
    if (!r) throw new NotFoundError(`snapshot ${key} does not exist`);
    return r;
  }

  /** The chain from row up to the base: [row's parent, grandparent, …]. */
  protected ancestors(row: SnapshotRow): SnapshotRow[] {
    const out: SnapshotRow[] = [];
    let p = row.parent;
    while (p) {
      const r = this.mustRow(p);
      out.push(r);
      p = r.parent;
    }
    return out;
  }

  private info(r: SnapshotRow): SnapshotInfo {
    const i: SnapshotInfo = { key: r.key, kind: r.kind, created: r.created, labels: JSON.parse(r.labels) as Record<string, string> };
    if (r.parent) i.parent = r.parent;
    return i;
  }

  async stat(key: string): Promise<SnapshotInfo> {
    return this.info(this.mustRow(key));
  }

  async list(): Promise<SnapshotInfo[]> {
    const rows = this.state.db
      .prepare("SELECT key, dir_id, parent, kind, created, labels FROM snapshots WHERE snapshotter = ? ORDER BY dir_id")
      .all(this.name) as SnapshotRow[];
    return rows.map((r) => this.info(r));
  }

  async usage(key: string): Promise<Usage> {
    return dirUsage(path.join(this.dirOf(this.mustRow(key)), "fs"));
  }

  private async create(key: string, parent: string | undefined, kind: SnapshotKind, labels: Record<string, string>): Promise<SnapshotRow> {
    await fsp.mkdir(this.root, { recursive: true, mode: 0o700 });
    const row = this.state.tx(() => {
      if (this.row(key)) throw new ConflictError(`snapshot ${key} already exists`);
      let parentRow: SnapshotRow | undefined;
      if (parent !== undefined) {
        parentRow = this.mustRow(parent);
        if (parentRow.kind !== "committed") throw new ConflictError(`parent snapshot ${parent} is not committed`);
      }
      const next = this.state.db
        .prepare("SELECT COALESCE(MAX(dir_id), 0) + 1 AS n FROM snapshots WHERE snapshotter = ?")
        .get(this.name) as { n: number };
      const r: SnapshotRow = { key, dir_id: next.n, parent: parent ?? null, kind, created: new Date().toISOString(), labels: JSON.stringify(labels) };
      this.state.db
        .prepare("INSERT INTO snapshots (snapshotter, key, dir_id, parent, kind, created, labels) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .run(this.name, r.key, r.dir_id, r.parent, r.kind, r.created, r.labels);
      return r;
    });
    const tmp = path.join(this.root, `new-${row.dir_id}`);
    try {
      await fsp.rm(tmp, { recursive: true, force: true });
      await fsp.mkdir(tmp, { mode: 0o700 });
      await fsp.mkdir(path.join(tmp, "fs"), { mode: 0o755 });
      await this.populate(tmp, row.parent ? this.mustRow(row.parent) : undefined);
      await fsp.rm(this.dirOf(row), { recursive: true, force: true });
      await fsp.rename(tmp, this.dirOf(row));
      await this.afterCreate(this.dirOf(row));
    } catch (err) {
      await fsp.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
      this.state.db.prepare("DELETE FROM snapshots WHERE snapshotter = ? AND key = ?").run(this.name, key);
      throw err;
    }
    return row;
  }

  async prepare(key: string, parent?: string, opts?: { labels?: Record<string, string> }): Promise<Mount[]> {
    return this.activeMounts(await this.create(key, parent, "active", opts?.labels ?? {}));
  }

  async view(key: string, parent?: string): Promise<Mount[]> {
    return this.viewMounts(await this.create(key, parent, "view", {}));
  }

  async mounts(key: string): Promise<Mount[]> {
    const r = this.mustRow(key);
    if (r.kind === "committed") throw new ConflictError(`snapshot ${key} is committed: use a view`);
    return r.kind === "view" ? this.viewMounts(r) : this.activeMounts(r);
  }

  async prepareApply(key: string, parent?: string): Promise<ApplyTarget> {
    const r = await this.create(key, parent, "active", {});
    return { dir: path.join(this.dirOf(r), "fs"), whiteouts: this.whiteouts };
  }

  async commit(name: string, key: string, opts?: { labels?: Record<string, string> }): Promise<void> {
    this.state.tx(() => {
      const r = this.mustRow(key);
      if (r.kind !== "active") throw new ConflictError(`snapshot ${key} is not active`);
      if (this.row(name)) throw new ConflictError(`snapshot ${name} already exists`);
      const labels = { ...(JSON.parse(r.labels) as Record<string, string>), ...opts?.labels };
      this.state.db
        .prepare("UPDATE snapshots SET key = ?, kind = 'committed', labels = ? WHERE snapshotter = ? AND key = ?")
        .run(name, JSON.stringify(labels), this.name, key);
    });
  }

  async remove(key: string): Promise<void> {
    const r = this.state.tx(() => {
      const row = this.mustRow(key);
      const child = this.state.db
        .prepare("SELECT key FROM snapshots WHERE snapshotter = ? AND parent = ? LIMIT 1")
        .get(this.name, key) as { key: string } | undefined;
      if (child) throw new ConflictError(`cannot remove snapshot ${key}: it has children (${child.key})`);
      this.state.db.prepare("DELETE FROM snapshots WHERE snapshotter = ? AND key = ?").run(this.name, key);
      return row;
    });
    // The row is gone first: a crash now leaves only a directory, which sweep() removes.
    const dir = this.dirOf(r);
    await this.beforeRemove(dir);
    const trash = path.join(this.root, `rm-${r.dir_id}-${Date.now()}`);
    await fsp.rename(dir, trash).catch(() => undefined);
    await fsp.rm(trash, { recursive: true, force: true });
  }

  async diffDir(key: string): Promise<string> {
    return path.join(this.dirOf(this.mustRow(key)), "fs");
  }

  async sweep(): Promise<void> {
    await fsp.mkdir(this.root, { recursive: true, mode: 0o700 });
    const stale = this.state.db
      .prepare("SELECT key FROM snapshots WHERE snapshotter = ? AND kind = 'active' AND key LIKE 'extract-%' ORDER BY dir_id DESC")
      .all(this.name) as { key: string }[];
    for (const s of stale) await this.remove(s.key).catch(() => undefined);
    const ids = new Set(
      (this.state.db.prepare("SELECT dir_id FROM snapshots WHERE snapshotter = ?").all(this.name) as { dir_id: number }[]).map((r) =>
        String(r.dir_id),
      ),
    );
    for (const name of await fsp.readdir(this.root)) {
      if (name === "l") continue;
      if (!ids.has(name)) {
        await this.beforeRemove(path.join(this.root, name)).catch(() => undefined);
        await fsp.rm(path.join(this.root, name), { recursive: true, force: true });
      }
    }
    await this.afterSweep();
  }

  protected async afterSweep(): Promise<void> {}
}
