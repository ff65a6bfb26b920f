import { existsSync, promises as fsp, renameSync } from "node:fs";
import * as path from "node:path";
import { ConflictError, errnoCode } from "../errdefs/index.js";
import type { StateDb } from "../state/index.js";
import { fsyncDir } from "../util/index.js";
import { SnapshotRows, infoOf, type SnapshotRow } from "./snapshot-rows.js";
import { VOLATILE_LABEL, type ApplyTarget, type Mount, type SnapshotInfo, type SnapshotKind, type Snapshotter, type Usage } from "./snapshotter.js";
import { dirUsage } from "./usage.js";

export interface SnapshotterOptions {
  /** The snapshotter's own directory, e.g. <data-root>/snapshots/overlayfs. */
  root: string;
  state: StateDb;
}

/**
 * What both snapshotters share: a row per snapshot in the `snapshots` table and a directory per
 * snapshot, <root>/<dir_id> (with the snapshot's tree in fs/).
 *
 * Crash safety. create: the row is inserted (one transaction), the directory is built in
 * <root>/new-<dir_id> and renamed into place. remove: the row is deleted and the directory renamed to
 * <root>/rm-<dir_id> in one synchronous step, then deleted. So after a crash there can be: new-* and
 * rm-* directories, directories without a row, active rows whose directory never arrived, and
 * extract-* snapshots of an interrupted unpack. sweep() (run at start, before any other call) removes
 * them all; committed snapshots and other active ones (containers) are kept.
 */
export abstract class SnapshotBase implements Snapshotter {
  abstract readonly name: string;
  readonly root: string;
  protected readonly state: StateDb;
  private rowsCache: SnapshotRows | undefined;

  constructor(opts: SnapshotterOptions) {
    this.root = opts.root;
    this.state = opts.state;
  }

  protected get rows(): SnapshotRows {
    this.rowsCache ??= new SnapshotRows(this.state, this.name);
    return this.rowsCache;
  }

  protected abstract readonly whiteouts: ApplyTarget["whiteouts"];
  /** Fills a new snapshot's directory (tmp, holding an empty fs/) before it is renamed to `final`. */
  protected abstract populate(tmp: string, final: string, parent: SnapshotRow | undefined): Promise<void>;
  protected abstract activeMounts(row: SnapshotRow): Mount[];
  protected abstract viewMounts(row: SnapshotRow): Mount[];
  /** Synchronous cleanup of what points at a snapshot directory about to go (e.g. a short link). */
  protected release(_dir: string): void {}
  /** Extra cleanup at the end of sweep(). */
  protected async afterSweep(): Promise<void> {}

  protected dirOf(row: Pick<SnapshotRow, "dir_id">): string {
    return path.join(this.root, String(row.dir_id));
  }

  async stat(key: string): Promise<SnapshotInfo> {
    return infoOf(this.rows.must(key));
  }

  async list(): Promise<SnapshotInfo[]> {
    return this.rows.all().map(infoOf);
  }

  async usage(key: string): Promise<Usage> {
    return dirUsage(path.join(this.dirOf(this.rows.must(key)), "fs"));
  }

  private async create(key: string, parent: string | undefined, kind: SnapshotKind, labels: Record<string, string>): Promise<SnapshotRow> {
    await fsp.mkdir(this.root, { recursive: true, mode: 0o700 });
    const row = this.state.tx(() => this.rows.insert(key, parent, kind, labels));
    const final = this.dirOf(row);
    const tmp = path.join(this.root, `new-${row.dir_id}`);
    let built = tmp;
    try {
      await fsp.rm(tmp, { recursive: true, force: true });
      await fsp.mkdir(tmp, { mode: 0o700 });
      await fsp.mkdir(path.join(tmp, "fs"), { mode: 0o755 });
      await this.populate(tmp, final, row.parent ? this.rows.must(row.parent) : undefined);
      await fsp.rm(final, { recursive: true, force: true }); // a leftover without a row, if any
      await fsp.rename(tmp, final);
      built = final;
      await fsyncDir(this.root);
    } catch (err) {
      // Clear the directory while the row still holds its dir_id: once the row goes, a concurrent
      // create may be handed the same dir_id (and the same new-<dir_id> path).
      this.release(built);
      await fsp.rm(built, { recursive: true, force: true }).catch(() => undefined);
      this.state.tx(() => this.rows.delete(key));
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
    const r = this.rows.must(key);
    if (r.kind === "committed") throw new ConflictError(`snapshot ${key} is committed: mount a view of it`);
    return r.kind === "view" ? this.viewMounts(r) : this.activeMounts(r);
  }

  async prepareApply(key: string, parent?: string): Promise<ApplyTarget> {
    const r = await this.create(key, parent, "active", {});
    return { dir: path.join(this.dirOf(r), "fs"), whiteouts: this.whiteouts };
  }

  async commit(name: string, key: string, opts?: { labels?: Record<string, string> }): Promise<void> {
    this.state.tx(() => {
      const r = this.rows.must(key);
      if (r.kind !== "active") throw new ConflictError(`snapshot ${key} is not active`);
      if (this.rows.get(name)) throw new ConflictError(`snapshot ${name} already exists`);
      // volatile describes how an active snapshot is mounted; a committed one is only ever a lower layer
      const { [VOLATILE_LABEL]: _volatile, ...labels } = JSON.parse(r.labels) as Record<string, string>;
      this.rows.commit(name, key, { ...labels, ...opts?.labels });
    });
  }

  async remove(key: string): Promise<void> {
    const trash = this.state.tx(() => {
      const row = this.rows.must(key);
      const child = this.rows.firstChild(key);
      if (child !== undefined) throw new ConflictError(`cannot remove snapshot ${key}: snapshot ${child} depends on it`);
      this.rows.delete(key);
      // Still inside the transaction: if the rename fails the row stays, and a dir_id freed here is
      // never handed out while its old directory is still in place.
      const dir = this.dirOf(row);
      const to = path.join(this.root, `rm-${row.dir_id}-${Date.now().toString(36)}`);
      try {
        renameSync(dir, to);
      } catch (err) {
        if (errnoCode(err) !== "ENOENT") throw err;
        return undefined;
      }
      this.release(to);
      return to;
    });
    if (trash) await fsp.rm(trash, { recursive: true, force: true });
  }

  async diffDir(key: string): Promise<string> {
    return path.join(this.dirOf(this.rows.must(key)), "fs");
  }

  async sweep(): Promise<void> {
    await fsp.mkdir(this.root, { recursive: true, mode: 0o700 });
    // Interrupted unpacks, newest first (children before parents).
    for (const r of this.rows.all().reverse()) {
      if (r.kind === "active" && r.key.startsWith("extract-") && this.rows.firstChild(r.key) === undefined) await this.remove(r.key);
    }
    // Active snapshots and views whose directory never arrived.
    for (const r of this.rows.all().reverse()) {
      if (r.kind !== "committed" && !existsSync(this.dirOf(r)) && this.rows.firstChild(r.key) === undefined)
        this.state.tx(() => this.rows.delete(r.key));
    }
    // Directories without a row (any snapshotter's), new-*, rm-*.
    const ids = this.rows.allDirIds();
    for (const n of await fsp.readdir(this.root)) {
      if (n === "l" || (/^[0-9]+$/.test(n) && ids.has(Number(n)))) continue;
      await fsp.rm(path.join(this.root, n), { recursive: true, force: true });
    }
    await this.afterSweep();
  }
}
