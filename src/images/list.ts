/** `docker images` (GET /images/json) and prune's selection, from one query over all images. */
import type { ImagePruneResponse, ImageSummary } from "../api/types/index.js";
import { familiarize } from "../oci/index.js";
import type { ImageCore } from "./core.js";
import {
  boolFilter,
  familiarMatch,
  globToRegExp,
  matchLabels,
  matchNoLabels,
  parseTimestamp,
  validateFilters,
  type Filters,
} from "./filters.js";
import { resolveImageId } from "./lookup.js";
import { removeImage } from "./remove.js";
import { versionLess } from "./wire.js";

const listFilters = ["dangling", "label", "before", "since", "reference", "until"] as const;

export function listImages(
  core: ImageCore,
  opts: { all: boolean; filters: Filters; digests: boolean; sharedSize: boolean },
  apiVersion: string,
): ImageSummary[] {
  const f = opts.filters;
  validateFilters(f, listFilters);
  const dangling = boolFilter(f, "dangling");
  const createdOf = (ref: string): number => {
    const rec = core.store.get(resolveImageId(core.store, ref));
    return rec?.created ?? 0;
  };
  const before = f.before?.length ? Math.min(...f.before.map(createdOf)) : undefined;
  const since = f.since?.length ? Math.max(...f.since.map(createdOf)) : undefined;
  const until = f.until?.length ? Math.min(...f.until.map((v) => parseTimestamp(v))) : undefined;
  const patterns = f.reference?.map(globToRegExp);
  const rows = core.store.rows();
  let shared: Map<string, number> | undefined;
  if (opts.sharedSize) shared = sharedSizes(core);
  const out: ImageSummary[] = [];
  for (const r of rows) {
    if (before !== undefined && r.created >= before) continue;
    if (since !== undefined && r.created <= since) continue;
    if (until !== undefined && r.created >= until) continue;
    if (!matchLabels(f.label, r.labels)) continue;
    let tags = r.tags;
    let digests = r.digests;
    if (patterns) {
      tags = tags.filter((t) => patterns.some((p) => familiarMatch(p, t)));
      digests = digests.filter((d) => patterns.some((p) => familiarMatch(p, d)));
      if (tags.length === 0 && digests.length === 0) continue;
    }
    let repoTags = tags.map(familiarize);
    let repoDigests = digests.map(familiarize);
    if (r.tags.length === 0 && r.digests.length === 0) {
      if (!opts.all && r.children > 0) continue;
      if (dangling === false) continue;
      repoTags = ["<none>:<none>"];
      repoDigests = ["<none>@<none>"];
    } else if (dangling === true && r.tags.length > 0) continue;
    const s: ImageSummary = {
      Containers: -1,
      Created: Math.floor(r.created / 1000),
      Id: r.id,
      Labels: r.labels,
      ParentId: r.parent ?? "",
      RepoDigests: repoDigests,
      RepoTags: repoTags,
      SharedSize: shared?.get(r.id) ?? -1,
      Size: r.size,
    };
    if (versionLess(apiVersion, "1.44")) s.VirtualSize = r.size;
    out.push(s);
  }
  out.sort((a, b) => b.Created - a.Created || (a.Id < b.Id ? -1 : 1));
  return out;
}

/** Per image: bytes of its layers that other images also use. */
export function sharedSizes(core: ImageCore): Map<string, number> {
  const counts = core.store.chainUseCounts();
  const out = new Map<string, number>();
  for (const [id, chains] of core.store.imageChains()) {
    let n = 0;
    for (const c of chains) if ((counts.get(c.chainId)?.images ?? 0) > 1) n += c.size;
    out.set(id, n);
  }
  return out;
}

const pruneFilters = ["dangling", "label", "label!", "until"] as const;

export async function pruneImages(core: ImageCore, filters: Filters): Promise<ImagePruneResponse> {
  validateFilters(filters, pruneFilters);
  const danglingOnly = boolFilter(filters, "dangling") ?? true;
  const until = filters.until?.length ? Math.min(...filters.until.map((v) => parseTimestamp(v))) : undefined;
  const rows = core.store.rows();
  const resp: ImagePruneResponse = { ImagesDeleted: null, SpaceReclaimed: 0 };
  const deleted: NonNullable<ImagePruneResponse["ImagesDeleted"]> = [];
  for (const r of rows) {
    if (danglingOnly && r.children > 0) continue; // heads only
    if (until !== undefined && r.created >= until) continue;
    if (!matchLabels(filters.label, r.labels) || !matchNoLabels(filters["label!"], r.labels)) continue;
    if (core.inUse(r.id) || core.pinned(r.id)) continue;
    if (!core.store.has(r.id)) continue; // removed as a parent meanwhile
    const refs = [...core.store.tagsOf(r.id), ...core.store.digestsOf(r.id)];
    const targets: string[] = [];
    if (refs.length > 0) {
      const hasTag = core.store.tagsOf(r.id).length > 0;
      if (!danglingOnly || !hasTag) targets.push(...refs.map(familiarize));
    } else targets.push(r.id.slice(7));
    for (const t of targets) {
      try {
        const res = await removeImage(core, t, { force: false, noprune: false });
        deleted.push(...res.records);
        resp.SpaceReclaimed += res.bytes;
      } catch (err) {
        core.log.debug("prune: image not removed", { ref: t, err });
      }
    }
  }
  if (deleted.length > 0) resp.ImagesDeleted = deleted;
  return resp;
}
