/**
 * VolumeService: docker's volumes with the local driver. Metadata lives in SQLite (volumes,
 * volume_refs), data under <data-root>/volumes/<name>/_data.
 *
 * Crash safety: create makes the directory first and inserts the row last (the row is the commit
 * point, so a crash leaves at most an unlisted directory); remove deletes the row first and the
 * directory after. recover() sweeps directories without a row and recreates missing _data dirs.
 * A directory is never deleted while anything is mounted below it (a bind-type volume's _data
 * would otherwise delete the bound host directory's contents).
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import * as path from "node:path";
import type { Volume, VolumeCreateRequest, VolumeListResponse, VolumePruneResponse } from "../api/types/index.js";
import { ConflictError, InternalError, InvalidArgumentError, NotFoundError } from "../errdefs/index.js";
import { isMounted, mountAll, mountsUnder, unmountRecursive } from "../mount/index.js";
import type { StateDb } from "../state/index.js";
import type { Logger } from "../util/log.js";
import { matchesList, prunable, validateListFilters, validatePruneFilters, type Filters } from "./filters.js";
import { localMountSpec, validateLocalOptions } from "./local-driver.js";
import { ANONYMOUS_LABEL, generateVolumeName, validateVolumeName } from "./names.js";
import { VolumeStore, type VolumeRecord, type VolumeRef } from "./volume-store.js";
import { isoTime } from "../util/iso-time.js";

export interface VolumeServiceOptions {
  state: StateDb;
  dataRoot: string;
  log?: Logger;
  /** Events: create, destroy, mount. */
  emit?: (action: string, name: string, attributes: Record<string, string>) => void;
}

interface Ctx {
  apiVersion: string;
}

function apiAtLeast(v: string, min: string): boolean {
  const [a = 0, b = 0] = v.split(".").map(Number);
  const [c = 0, d = 0] = min.split(".").map(Number);
  return a > c || (a === c && b >= d);
}

function noSuchVolume(name: string, op = "get"): NotFoundError {
  return new NotFoundError(`${op} ${name}: no such volume`);
}

/** Bytes of regular files (and symlinks) under dir, not crossing into other file systems' mounts. */
export async function dirSize(dir: string): Promise<number> {
  let total = 0;
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e);
    const st = await lstat(p).catch(() => undefined);
    if (!st) continue;
    if (st.isDirectory()) total += await dirSize(p);
    else total += st.size;
  }
  return total;
}

function insideDir(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

export class VolumeService {
  readonly store: VolumeStore;
  /** <data-root>/volumes */
  readonly root: string;

  constructor(private readonly o: VolumeServiceOptions) {
    this.store = new VolumeStore(o.state);
    this.root = path.join(o.dataRoot, "volumes");
    mkdirSync(this.root, { recursive: true, mode: 0o701 });
  }

  get dataRoot(): string {
    return this.o.dataRoot;
  }

  dir(name: string): string {
    return path.join(this.root, name);
  }

  /** The volume's data directory (docker's Mountpoint). */
  mountpointOf(name: string): string {
    return path.join(this.root, name, "_data");
  }

  /** Boot-time sweep: directories without a row are half-created or half-removed volumes. */
  async recover(liveContainers?: ReadonlySet<string>): Promise<void> {
    if (liveContainers) {
      const n = this.store.deleteRefsExcept(liveContainers);
      if (n > 0) this.o.log?.warn("dropped volume refs of missing containers", { containers: n });
    }
    const known = new Set(this.store.all().map((v) => v.name));
    for (const name of readdirSync(this.root)) {
      if (known.has(name)) continue;
      try {
        await this.removeDir(name);
        this.o.log?.info("removed an incomplete volume directory", { name });
      } catch (e) {
        this.o.log?.warn("could not remove an incomplete volume directory", { name, err: (e as Error).message });
      }
    }
    for (const name of known) {
      if (!existsSync(this.mountpointOf(name))) mkdirSync(this.mountpointOf(name), { recursive: true, mode: 0o755 });
    }
  }

  private async removeDir(name: string): Promise<void> {
    const d = this.dir(name);
    if (!existsSync(d)) return;
    if (mountsUnder(d).length > 0) await unmountRecursive(d);
    const left = mountsUnder(d);
    if (left.length > 0) throw new InternalError(`volume ${name}: still mounted: ${left.join(", ")}`);
    rmSync(d, { recursive: true, force: true });
  }

  private view(v: VolumeRecord): Volume {
    return {
      CreatedAt: v.created.replace(/\.\d+Z$/, "Z"),
      Driver: v.driver,
      Labels: v.labels,
      Mountpoint: this.mountpointOf(v.name),
      Name: v.name,
      Options: v.options,
      Scope: "local",
    };
  }

  private get(name: string, op = "get"): VolumeRecord {
    const v = this.store.get(name);
    if (!v) throw noSuchVolume(name, op);
    return v;
  }

  // ---- API ----------------------------------------------------------------------------------------

  async create(req: VolumeCreateRequest, _ctx?: Ctx): Promise<Volume> {
    return this.view(this.createRecord(req, false));
  }

  /**
   * Creates a volume (or returns the existing one of that name, as docker does). `anonymous`
   * generates the name and adds docker's anonymous label.
   */
  createRecord(req: VolumeCreateRequest, anonymous: boolean): VolumeRecord {
    if (req === null || typeof req !== "object") throw new InvalidArgumentError("invalid volume create request");
    const driver = req.Driver || "local";
    if (driver !== "local") throw new NotFoundError(`error looking up volume plugin ${driver}: plugin "${driver}" not found`);
    let name = req.Name ?? "";
    if (name === "") name = generateVolumeName();
    validateVolumeName(name);
    const existing = this.store.get(name);
    if (existing) return existing;
    const options = { ...(req.DriverOpts ?? {}) };
    validateLocalOptions(options);
    const spec = localMountSpec(options);
    if (spec?.type === "bind" && insideDir(path.resolve(spec.source), path.resolve(this.o.dataRoot))) {
      throw new InvalidArgumentError(`invalid device for volume ${name}: ${spec.source} is inside the daemon's data root and cannot be mounted into a container`);
    }
    const labels = { ...(req.Labels ?? {}) };
    if (anonymous) labels[ANONYMOUS_LABEL] = "";
    const rec: VolumeRecord = { name, driver, labels, options, anonymous, created: isoTime() };
    const d = this.dir(name);
    // a directory without a row is a leftover: never reuse its data
    if (existsSync(d)) {
      if (mountsUnder(d).length > 0) throw new ConflictError(`volume ${name}: a leftover directory is still mounted`);
      rmSync(d, { recursive: true, force: true });
    }
    mkdirSync(d, { mode: 0o701 });
    try {
      mkdirSync(path.join(d, "_data"), { mode: 0o755 });
      this.store.insert(rec);
    } catch (e) {
      rmSync(d, { recursive: true, force: true });
      throw e;
    }
    this.o.emit?.("create", name, { driver });
    return rec;
  }

  async list(opts: { filters: Filters }, _ctx?: Ctx): Promise<VolumeListResponse> {
    validateListFilters(opts.filters);
    const counts = this.store.refCounts();
    const out = this.store
      .all()
      .filter((v) => matchesList({ name: v.name, driver: v.driver, labels: v.labels, inUse: (counts.get(v.name) ?? 0) > 0 }, opts.filters))
      .map((v) => this.view(v));
    return { Volumes: out, Warnings: null };
  }

  async inspect(name: string, _ctx?: Ctx): Promise<Volume> {
    return this.view(this.get(name));
  }

  async remove(name: string, opts: { force: boolean }, _ctx?: Ctx): Promise<void> {
    const v = this.store.get(name);
    if (!v) {
      if (opts.force) return;
      throw noSuchVolume(name);
    }
    const users = this.store.users(name);
    if (users.length > 0) throw new ConflictError(`remove ${name}: volume is in use - [${users.join(", ")}]`);
    const data = this.mountpointOf(name);
    if (isMounted(data)) await unmountRecursive(data);
    if (mountsUnder(this.dir(name)).length > 0) throw new ConflictError(`remove ${name}: volume is still mounted`);
    this.store.delete(name);
    await this.removeDir(name);
    this.o.emit?.("destroy", name, { driver: v.driver });
  }

  async prune(opts: { filters: Filters }, ctx: Ctx): Promise<VolumePruneResponse> {
    validatePruneFilters(opts.filters);
    const counts = this.store.refCounts();
    const newer = apiAtLeast(ctx.apiVersion, "1.42");
    const deleted: string[] = [];
    let reclaimed = 0;
    for (const v of this.store.all()) {
      const facts = { name: v.name, driver: v.driver, labels: v.labels, inUse: (counts.get(v.name) ?? 0) > 0, anonymous: v.anonymous };
      if (!prunable(facts, opts.filters, newer)) continue;
      const size = localMountSpec(v.options) ? 0 : await dirSize(this.mountpointOf(v.name));
      try {
        await this.remove(v.name, { force: false });
      } catch (e) {
        this.o.log?.warn("prune: could not remove volume", { name: v.name, err: (e as Error).message });
        continue;
      }
      deleted.push(v.name);
      reclaimed += size;
    }
    return { VolumesDeleted: deleted, SpaceReclaimed: reclaimed };
  }

  /** /system/df's Volumes: every volume with UsageData. */
  async diskUsage(): Promise<Volume[]> {
    const counts = this.store.refCounts();
    const out: Volume[] = [];
    for (const v of this.store.all()) {
      const size = localMountSpec(v.options) ? -1 : await dirSize(this.mountpointOf(v.name));
      out.push({ ...this.view(v), UsageData: { Size: size, RefCount: counts.get(v.name) ?? 0 } });
    }
    return out;
  }

  // ---- for containers -------------------------------------------------------------------------------

  /** The volume's record, creating it when missing (`-v name:/path` on an unknown name). */
  ensure(name: string, opts: { labels?: Record<string, string>; driverOpts?: Record<string, string>; driver?: string } = {}): VolumeRecord {
    return this.store.get(name) ?? this.createRecord({ Name: name, Driver: opts.driver ?? "local", Labels: opts.labels ?? {}, DriverOpts: opts.driverOpts ?? {} }, false);
  }

  /** A new anonymous volume. */
  createAnonymous(): VolumeRecord {
    return this.createRecord({ Name: generateVolumeName() }, true);
  }

  exists(name: string): boolean {
    return this.store.get(name) !== undefined;
  }

  record(name: string): VolumeRecord | undefined {
    return this.store.get(name);
  }

  addRefs(refs: readonly VolumeRef[]): void {
    this.store.addRefs(refs);
  }

  refsOf(containerId: string): VolumeRef[] {
    return this.store.refsOf(containerId);
  }

  /** The anonymous volumes a container uses. */
  anonymousOf(containerId: string): string[] {
    return this.store.refsOf(containerId).map((r) => r.volume).filter((n) => this.store.get(n)?.anonymous === true);
  }

  /** Drops a removed container's refs; returns the anonymous volumes it used. */
  release(containerId: string): string[] {
    const refs = this.store.refsOf(containerId);
    this.store.deleteRefs(containerId);
    return refs.map((r) => r.volume).filter((n) => this.store.get(n)?.anonymous === true);
  }

  /** Removes the named volumes that no container uses any more (rm -v); failures are logged. */
  async removeUnused(names: readonly string[]): Promise<void> {
    for (const n of new Set(names)) {
      if (this.store.users(n).length > 0) continue;
      await this.remove(n, { force: true }).catch((e) => this.o.log?.warn("could not remove volume", { name: n, err: (e as Error).message }));
    }
  }

  /**
   * The host directory to bind into a container: _data, mounted first when the volume has mount
   * options (tmpfs, bind, nfs…). Stays mounted while a running container uses it (unuse).
   */
  async use(name: string): Promise<string> {
    const v = this.get(name);
    const data = this.mountpointOf(name);
    if (!existsSync(data)) mkdirSync(data, { recursive: true, mode: 0o755 });
    const spec = localMountSpec(v.options);
    if (spec && !isMounted(data)) {
      if (spec.type === "bind" && !existsSync(spec.source)) throw new NotFoundError(`error while mounting volume '${data}': failed to mount local volume: mount ${spec.source}:${data}, flags: 0x1000: no such file or directory`);
      await mountAll([spec], data);
    }
    this.o.emit?.("mount", name, { driver: v.driver });
    return data;
  }

  /**
   * Unmounts option-mounted volumes (tmpfs, bind, nfs…) that no running container uses any more, as
   * docker's local driver does when its last user stops: a tmpfs volume starts empty at its next use,
   * a bind-type one keeps its data where its device is.
   */
  async unuse(names: readonly string[], running: (containerId: string) => boolean): Promise<void> {
    for (const name of new Set(names)) {
      const v = this.store.get(name);
      if (!v || !localMountSpec(v.options)) continue;
      if (this.store.users(name).some(running)) continue;
      const data = this.mountpointOf(name);
      if (!isMounted(data)) continue;
      await unmountRecursive(data);
      this.o.emit?.("unmount", name, { driver: v.driver });
    }
  }

  /** Whether the volume's data directory is empty (copy-up only fills empty volumes). */
  isEmpty(name: string): boolean {
    const data = this.mountpointOf(name);
    try {
      return lstatSync(data).isDirectory() && readdirSync(data).length === 0;
    } catch {
      return true;
    }
  }
}
