/**
 * `--cache-from` as docker's classic builder does it (moby image/cache): with cache sources, a step's
 * local cache hit counts only when the hit is a source or an ancestor of one (its parent chain).
 * Otherwise a source whose history extends the current image's (same layers and history entries
 * first) and whose next entry was written by the same step (`created_by`) stands for the step: at the
 * source's last entry the result is the source itself (linked under the current image), before it an
 * image "restored" from the source's first layers and history entries with the step's config. After
 * the first source hit the stage follows that source only; after the first miss the stage looks
 * nothing up (docker's cache bust). Nothing is pulled: a source that is not here is skipped (logged).
 */
import type { ImageService, LayerRecord } from "../images/index.js";
import type { ContainerConfig, HistoryEntry, ImageConfig } from "../oci/index.js";
import { digestOf } from "../oci/index.js";
import type { Logger } from "../util/log.js";

/** A cache source as found at the start of the build. */
export interface CacheSource {
  id: string;
  config: ImageConfig;
  layers: readonly LayerRecord[];
}

/** What matching needs of the current image (undefined: a stage FROM scratch with no step yet). */
export interface CacheParent {
  history: readonly HistoryEntry[];
  diffIds: readonly string[];
}

/** A source standing for a step: its history entry `index` is the step's. */
export interface SourceMatch {
  source: CacheSource;
  index: number;
  /** The entry is the source's last: the source itself is the step's image. */
  last: boolean;
  /** The step's layer (undefined: an empty-layer entry). */
  layer: LayerRecord | undefined;
}

const historyOf = (c: ImageConfig): HistoryEntry[] => c.history ?? [];
const diffIdsOf = (s: CacheSource): string[] => s.config.rootfs?.diff_ids ?? s.layers.map((l) => l.diffId);

/** Two history entries are the same (every field; an absent field equals its zero value). */
export function sameHistoryEntry(a: HistoryEntry, b: HistoryEntry): boolean {
  return (
    (a.created ?? "") === (b.created ?? "") &&
    (a.created_by ?? "") === (b.created_by ?? "") &&
    (a.author ?? "") === (b.author ?? "") &&
    (a.comment ?? "") === (b.comment ?? "") &&
    (a.empty_layer ?? false) === (b.empty_layer ?? false)
  );
}

/**
 * The source's history extends the parent's: the parent's history entries are the source's first
 * ones and its layers the source's first layers (moby's isValidParent). Anything extends nothing.
 */
export function extendsParent(source: CacheSource, parent: CacheParent | undefined): boolean {
  const history = historyOf(source.config);
  if (history.length === 0) return false;
  if (!parent || (parent.history.length === 0 && parent.diffIds.length === 0)) return true;
  const diffIds = diffIdsOf(source);
  if (parent.history.length >= history.length || parent.diffIds.length > diffIds.length) return false;
  return parent.history.every((h, i) => sameHistoryEntry(h, history[i] as HistoryEntry)) && parent.diffIds.every((d, i) => d === diffIds[i]);
}

/**
 * The first source that extends the parent with an entry written by the same step (`createdBy`). The
 * step's layer is the source's layer after the parent's: a source whose layers do not line up with
 * its history there (a layer entry past its last layer) is passed over.
 */
export function matchSource(sources: readonly CacheSource[], parent: CacheParent | undefined, createdBy: string): SourceMatch | undefined {
  const index = parent?.history.length ?? 0;
  const layerIndex = parent?.diffIds.length ?? 0;
  for (const source of sources) {
    if (!extendsParent(source, parent)) continue;
    const history = historyOf(source.config);
    const entry = history[index];
    if (!entry || (entry.created_by ?? "") !== createdBy) continue;
    let layer: LayerRecord | undefined;
    if (!entry.empty_layer) {
      layer = source.layers[layerIndex];
      if (!layer || layer.diffId !== diffIdsOf(source)[layerIndex]) continue;
    }
    return { source, index, last: index === history.length - 1, layer };
  }
  return undefined;
}

/**
 * The image a match restores before the source's last entry: the parent's layers and history plus
 * the source's entry (and its layer), the step's config, the source's platform and author, created
 * when the entry was.
 */
export function restoredConfig(parent: CacheParent | undefined, m: SourceMatch, config: ContainerConfig): ImageConfig {
  const sc = m.source.config;
  const entry = historyOf(sc)[m.index] as HistoryEntry;
  const diffIds = [...(parent?.diffIds ?? [])];
  if (m.layer) diffIds.push(m.layer.diffId);
  return {
    architecture: sc.architecture,
    ...(sc.author ? { author: sc.author } : {}),
    config: structuredClone(config),
    ...(entry.created ? { created: entry.created } : {}),
    history: [...(parent?.history ?? []), entry],
    os: sc.os,
    ...(sc["os.version"] ? { "os.version": sc["os.version"] } : {}),
    ...(sc["os.features"] ? { "os.features": sc["os.features"] } : {}),
    rootfs: { type: "layers", diff_ids: diffIds },
    ...(sc.variant ? { variant: sc.variant } : {}),
  };
}

/**
 * The sources named by `refs` (names, ids), each once; one that is not here (or not a valid
 * reference) is skipped with a warning, as docker does.
 */
export function resolveCacheSources(images: ImageService, refs: readonly string[], log: Logger): CacheSource[] {
  const out: CacheSource[] = [];
  for (const ref of refs) {
    let rec;
    try {
      rec = images.get(ref);
    } catch (e) {
      log.warn(`Could not look up ${ref} for cache resolution, skipping`, { err: e instanceof Error ? e.message : String(e) });
      continue;
    }
    if (out.some((s) => s.id === rec.id)) continue;
    out.push({ id: rec.id, config: rec.config, layers: rec.layers });
  }
  return out;
}

/** What a step tells the cache about itself. */
export interface CacheStep {
  /** The `created_by` of the history entry the step writes. */
  createdBy: string;
  /** The builder's config after the step. */
  config: ContainerConfig;
  /**
   * false: the step has inputs its history entry does not show (RUN --mount of the context or of
   * another image), so no source can stand for it.
   */
  fromSources?: boolean;
}

const MAX_CHAIN = 10_000;

/** One stage's `--cache-from` lookups (docker makes a fresh image cache per stage). */
export class CacheFromStage {
  private sources: readonly CacheSource[];
  private busted = false;

  constructor(private readonly images: ImageService, sources: readonly CacheSource[]) {
    this.sources = sources;
  }

  /** The step's image, or undefined on a miss (after which the stage looks nothing up). */
  async probe(parentId: string | undefined, localHit: () => string | undefined, step: CacheStep): Promise<string | undefined> {
    if (this.busted) return undefined;
    const hit = await this.lookup(parentId, localHit, step);
    if (hit === undefined) this.busted = true;
    return hit;
  }

  private async lookup(parentId: string | undefined, localHit: () => string | undefined, step: CacheStep): Promise<string | undefined> {
    const store = this.images.store;
    const local = localHit();
    if (local !== undefined && this.sources.some((s) => this.isSourceOrAncestor(s.id, local))) return local;
    if (step.fromSources === false) return undefined;
    let parent: CacheParent | undefined;
    if (parentId !== undefined) {
      const rec = store.get(parentId);
      if (!rec) return undefined;
      parent = { history: rec.config.history ?? [], diffIds: rec.config.rootfs?.diff_ids ?? rec.layers.map((l) => l.diffId) };
    }
    const live = this.sources.filter((s) => store.has(s.id));
    const m = matchSource(live, parent, step.createdBy);
    if (!m) return undefined;
    if (m.last) {
      if (parentId !== undefined) store.setParent(m.source.id, parentId);
      return m.source.id;
    }
    const id = await this.restore(parentId, parent, m, step.config);
    this.sources = [m.source];
    return id;
  }

  /** `id` is the source or in its parent chain. */
  private isSourceOrAncestor(sourceId: string, id: string): boolean {
    const seen = new Set<string>();
    for (let cur: string | undefined = sourceId; cur !== undefined && !seen.has(cur) && seen.size < MAX_CHAIN; cur = this.images.store.get(cur)?.parent) {
      if (cur === id) return true;
      seen.add(cur);
    }
    return false;
  }

  /** Writes the restored image (its config blob and record, under the current image); returns its id. */
  private async restore(parentId: string | undefined, parent: CacheParent | undefined, m: SourceMatch, config: ContainerConfig): Promise<string> {
    const img = restoredConfig(parent, m, config);
    const raw = JSON.stringify(img);
    const id = digestOf(raw);
    const layers = m.source.layers.slice(0, img.rootfs.diff_ids.length);
    return this.images.withCore((core) =>
      core.lock.shared(async () => {
        const lease = core.leases.create({ op: "build-cache-from" });
        try {
          const blob = await core.content.writeBytes(raw);
          core.leases.add(lease, "content", blob.digest);
          core.state.tx(() => {
            if (!core.store.has(id)) core.store.insert({ id, rawConfig: raw, config: img, layers: [...layers], ...(parentId !== undefined ? { parent: parentId } : {}) });
          });
          return id;
        } finally {
          core.leases.delete(lease);
        }
      }),
    );
  }
}
