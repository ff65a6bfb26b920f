/**
 * ImageService: everything of `docker image …` but the builder, including pull/push/login through a
 * registry client wired late (setRegistryClient; see distribution.ts). It satisfies api/backend.ts
 * ImagesBackend structurally (same method names and signatures).
 *
 * Lifecycle: construct → recover() once at daemon start (drops leases left by a crash, runs gc) →
 * serve requests. Work in flight (load, import) is pinned by a lease; an image becomes visible in one
 * transaction at the end. gc() marks from images, leases and extra snapshot roots and deletes the rest.
 */
import type { Readable } from "node:stream";
import type {
  HistoryResponseItem,
  ImageDeleteResponseItem,
  ImageInspect,
  ImagePruneResponse,
  ImageSummary,
  JSONMessage,
} from "../api/types/index.js";
import type { ContentStore } from "../content/content-store.js";
import { InvalidArgumentError, isNotFound, NoSuchImageError, NotFoundError, NotImplementedError, kindOf } from "../errdefs/index.js";
import { familiarName, familiarString, parseNormalizedNamed, referenceString, validateTag, type Reference } from "../oci/index.js";
import type { Snapshotter } from "../snapshots/snapshotter.js";
import type { StateDb } from "../state/index.js";
import type { Logger } from "../util/index.js";
import type { EmitFn, ImageCore, ImageEventAction, ImageUse } from "./core.js";
import { diskUsage, sizeOfImage, type ImagesDiskUsage } from "./disk-usage.js";
import type { Filters } from "./filters.js";
import { collectGarbage, type GcResult } from "./gc.js";
import { importImage } from "./import-image.js";
import type { ImageRecord } from "./image-record.js";
import { ImageStore } from "./image-store.js";
import { LeaseManager } from "./leases.js";
import { listImages, pruneImages } from "./list.js";
import { loadImages } from "./load.js";
import { resolveImageId } from "./lookup.js";
import { removeImage } from "./remove.js";
import { RwLock } from "./rw-lock.js";
import { saveImages } from "./save.js";
import { historyOf, inspectOf } from "./wire.js";
import { DistributionService, pullReference, type RegistryClientFactory } from "./distribution.js";
import { DistributionStore } from "./distribution-store.js";
import type { AuthConfig } from "../registry/client/types.js";

/** Same shape as api/backend.ts RequestContext (not imported: images/ stays below api/). */
export interface ImageRequestContext {
  apiVersion: string;
  signal: AbortSignal;
}

export interface ImageServiceOptions {
  state: StateDb;
  content: ContentStore;
  snapshotter: Snapshotter;
  log: Logger;
  emit?: EmitFn;
  platform: { os: string; architecture: string; variant?: string };
  /** First container using an image (running ones first); containers/ supplies it later. */
  inUse?: (imageId: string) => ImageUse | undefined;
  /** Snapshot keys GC must keep (containers' snapshots); containers/ supplies it later. */
  snapshotRoots?: () => Iterable<string> | Promise<Iterable<string>>;
}

export class ImageService {
  readonly store: ImageStore;
  readonly leases: LeaseManager;
  private readonly core: ImageCore;
  private inUseHook: (imageId: string) => ImageUse | undefined;
  private readonly pins = new Map<string, number>();
  private snapshotRootsHook: (() => Iterable<string> | Promise<Iterable<string>>) | undefined;
  private distribution: DistributionService | undefined;

  constructor(private readonly opts: ImageServiceOptions) {
    this.store = new ImageStore(opts.state);
    this.leases = new LeaseManager(opts.state);
    this.inUseHook = opts.inUse ?? (() => undefined);
    this.snapshotRootsHook = opts.snapshotRoots;
    const emit = opts.emit;
    this.core = {
      state: opts.state,
      store: this.store,
      leases: this.leases,
      content: opts.content,
      snapshotter: opts.snapshotter,
      log: opts.log,
      lock: new RwLock(),
      platform: opts.platform,
      emitImage: (action: ImageEventAction, id: string, name: string, labels: Record<string, string> = {}) =>
        emit?.("image", action, id, { ...labels, name }),
      inUse: (id) => this.inUseHook(id),
      pinned: (id) => this.pins.has(id),
    };
  }

  /**
   * Keeps image `id` from being deleted (rmi, its parent pruning, image prune) until the returned function
   * runs: a build pins each image it stands on, which a concurrent `rmi -f` of a related tag could
   * otherwise take away between two steps. In memory only: nothing is in progress after a restart.
   */
  pin(id: string): () => void {
    this.pins.set(id, (this.pins.get(id) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const n = (this.pins.get(id) ?? 1) - 1;
      if (n > 0) this.pins.set(id, n);
      else this.pins.delete(id);
    };
  }

  /** Late wiring (containers/ is built after images/). */
  setInUse(fn: (imageId: string) => ImageUse | undefined): void {
    this.inUseHook = fn;
  }
  setSnapshotRoots(fn: () => Iterable<string> | Promise<Iterable<string>>): void {
    this.snapshotRootsHook = fn;
  }

  /**
   * Late wiring of registries: `factory` makes the registry client on first use (daemon/ loads its code
   * lazily); `allowed` is the allowed-registries policy.
   */
  setRegistryClient(factory: RegistryClientFactory, allowed?: (host: string) => boolean): void {
    this.distribution = new DistributionService(this.core, factory, allowed);
  }

  private dist(): DistributionService {
    if (!this.distribution) throw new NotImplementedError("this daemon has no registry client: pull and push are not available");
    return this.distribution;
  }

  /**
   * POST /images/create?fromImage=…&tag=…: pulls `name` (`tag` may be a tag or a digest; `latest` when
   * empty). Errors before the first progress message are thrown before anything was written.
   */
  async pull(
    opts: { name: string; tag?: string; platform?: string; auth?: AuthConfig },
    progress: (msg: JSONMessage) => void,
    ctx: ImageRequestContext,
  ): Promise<string> {
    const named = parseNormalizedNamed(opts.name);
    if ((opts.tag === undefined || opts.tag === "") && named.tag === undefined && named.digest === undefined) {
      return this.pullAllTags(named, opts, progress, ctx);
    }
    const ref = pullReference(opts.name, opts.tag);
    const r = await this.dist().pull(
      { ref, signal: ctx.signal, ...(opts.platform ? { platform: opts.platform } : {}), ...(opts.auth ? { auth: opts.auth } : {}) },
      progress,
    );
    return r.id;
  }

  /**
   * fromImage without a tag and no `tag` (docker pull -a; the docker CLI sends a tag otherwise): every
   * tag of the repository, each tag's own lines, then one final status for the repository, as dockerd.
   */
  private async pullAllTags(
    named: Reference,
    opts: { platform?: string; auth?: AuthConfig },
    progress: (msg: JSONMessage) => void,
    ctx: ImageRequestContext,
  ): Promise<string> {
    const dist = this.dist();
    const tags = await dist.listTags({ ref: named, signal: ctx.signal, ...(opts.auth ? { auth: opts.auth } : {}) });
    if (tags.length === 0) throw new NotFoundError(`repository ${familiarName(named)} has no tags`);
    let anyNew = false;
    let last = "";
    for (const tag of [...tags].sort()) {
      const r = await dist.pull(
        { ref: { ...named, tag }, finalStatus: false, signal: ctx.signal, ...(opts.platform ? { platform: opts.platform } : {}), ...(opts.auth ? { auth: opts.auth } : {}) },
        progress,
      );
      anyNew ||= !r.upToDate;
      last = r.id;
    }
    const fam = familiarName(named);
    progress({ status: anyNew ? `Status: Downloaded newer image for ${fam}` : `Status: Image is up to date for ${fam}` });
    return last;
  }

  /** POST /images/{name}/push?tag=…: pushes one tag, or every tag of the repository when `tag` is empty. */
  async push(
    opts: { name: string; tag?: string; auth?: AuthConfig },
    progress: (msg: JSONMessage) => void,
    ctx: ImageRequestContext,
  ): Promise<void> {
    const named = parseNormalizedNamed(opts.name);
    let tag = opts.tag || undefined;
    if (tag === undefined && named.tag !== undefined) tag = named.tag;
    if (tag !== undefined) validateTag(tag);
    const ref = { domain: named.domain, path: named.path, name: named.name };
    await this.dist().push({ ref, signal: ctx.signal, ...(tag !== undefined ? { tag } : {}), ...(opts.auth ? { auth: opts.auth } : {}) }, progress);
  }

  /** POST /auth: checks credentials against the registry (docker login). */
  async login(auth: AuthConfig, ctx: ImageRequestContext): Promise<{ status: string; identityToken: string }> {
    return this.dist().login(auth, ctx.signal);
  }

  /** Closes the registry client, if one was made. */
  async closeRegistry(): Promise<void> {
    await this.distribution?.close();
  }

  /** For containers/ (commit): runs fn with the shared image core (store, content, snapshotter, lock). */
  async withCore<T>(fn: (core: ImageCore) => Promise<T>): Promise<T> {
    return fn(this.core);
  }

  /** Image id for what the user typed (id, prefix, name[:tag], name@digest). NoSuchImageError otherwise. */
  resolve(ref: string): string {
    return resolveImageId(this.store, ref);
  }

  /** The stored image for `ref`. */
  get(ref: string): ImageRecord {
    const id = this.resolve(ref);
    const rec = this.store.get(id);
    if (!rec) throw new NoSuchImageError(ref);
    return rec;
  }

  async list(
    opts: { all: boolean; filters: Filters; digests: boolean; sharedSize: boolean },
    ctx: ImageRequestContext,
  ): Promise<ImageSummary[]> {
    return listImages(this.core, opts, ctx.apiVersion);
  }

  async inspect(ref: string, ctx: ImageRequestContext): Promise<ImageInspect> {
    const rec = this.get(ref);
    return inspectOf(rec, await this.graphDriverData(rec), ctx.apiVersion);
  }

  private async graphDriverData(rec: ImageRecord): Promise<Record<string, string> | null> {
    if (rec.layers.length === 0) return null;
    try {
      const dirs: string[] = [];
      for (const l of rec.layers) dirs.push(await this.opts.snapshotter.diffDir(l.chainId));
      const upper = dirs.at(-1) ?? "";
      const base = upper.replace(/\/[^/]+$/, "");
      const data: Record<string, string> = {};
      if (dirs.length > 1) data.LowerDir = dirs.slice(0, -1).reverse().join(":");
      data.MergedDir = `${base}/merged`;
      data.UpperDir = upper;
      data.WorkDir = `${base}/work`;
      return data;
    } catch (err) {
      // The copy-based snapshotter has no per-layer diff directories: GraphDriver.Data is null there.
      if (isNotFound(err) || kindOf(err) === "not-implemented") return null;
      throw err;
    }
  }

  async history(ref: string, _ctx: ImageRequestContext): Promise<HistoryResponseItem[]> {
    const rec = this.get(ref);
    return historyOf(
      rec,
      rec.layers.map((l) => l.size),
      (id) => this.store.get(id),
    );
  }

  async tag(ref: string, repo: string, tag: string | undefined, _ctx: ImageRequestContext): Promise<void> {
    const id = this.resolve(ref);
    const named = parseNormalizedNamed(repo);
    if (named.digest !== undefined) throw new InvalidArgumentError("refusing to create a tag with a digest reference");
    if (tag) {
      validateTag(tag);
      named.tag = tag;
    }
    named.tag ??= "latest";
    this.store.setTag(referenceString(named), id);
    this.core.emitImage("tag", id, familiarString(named), this.store.get(id)?.labels);
  }

  async remove(
    ref: string,
    opts: { force: boolean; noprune: boolean },
    _ctx: ImageRequestContext,
  ): Promise<ImageDeleteResponseItem[]> {
    return (await removeImage(this.core, ref, opts)).records;
  }

  async import(
    body: Readable,
    opts: { repo?: string; tag?: string; changes: string[]; message?: string; platform?: string },
    progress: (msg: JSONMessage) => void,
    ctx: ImageRequestContext,
  ): Promise<string> {
    const id = await importImage(this.core, body, opts, ctx.signal);
    progress({ status: id });
    return id;
  }

  async save(names: string[], _ctx: ImageRequestContext): Promise<Readable> {
    return saveImages(this.core, names);
  }

  async load(body: Readable, opts: { quiet: boolean }, progress: (msg: JSONMessage) => void, ctx: ImageRequestContext): Promise<void> {
    await loadImages(this.core, body, opts, progress, ctx.signal);
  }

  async prune(opts: { filters: Filters }, _ctx: ImageRequestContext): Promise<ImagePruneResponse> {
    return pruneImages(this.core, opts.filters);
  }

  /** Deletes blobs and snapshots nothing references (images, leases, container snapshots). */
  async gc(): Promise<GcResult> {
    return this.core.lock.exclusive(() =>
      collectGarbage({
        ...this.core,
        distribution: new DistributionStore(this.opts.state),
        ...(this.snapshotRootsHook ? { snapshotRoots: this.snapshotRootsHook } : {}),
      }),
    );
  }

  /** Daemon start: drop leases left by a crash, sweep ingest/extract leftovers, collect garbage. */
  async recover(): Promise<GcResult> {
    const dropped = this.leases.clear();
    if (dropped > 0) this.opts.log.info("dropped leases left by an interrupted operation", { count: dropped });
    await this.opts.content.sweep();
    await this.opts.snapshotter.sweep();
    return this.gc();
  }

  sizeOfImage(id: string): number {
    return sizeOfImage(this.core, id);
  }

  diskUsage(apiVersion = "1.44"): ImagesDiskUsage {
    return diskUsage(this.core, apiVersion);
  }
}
