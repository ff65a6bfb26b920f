/**
 * `docker rmi` with dockerd's rules (daemon/images/image_delete.go): a name untags; the last
 * reference deletes; an ID deletes, untagging a single repository's references; several repositories
 * need force; dependent children and running containers are hard conflicts.
 */
import type { ImageDeleteResponseItem } from "../api/types/index.js";
import { ConflictError } from "../errdefs/index.js";
import { familiarize, parseFullReference, parseNormalizedNamed, referenceString, tagNameOnly } from "../oci/index.js";
import { shortId } from "../util/index.js";
import type { ImageCore } from "./core.js";
import { isImageIdPrefix, resolveImageId } from "./lookup.js";

class ImageDeleteConflict extends ConflictError {
  constructor(
    id: string,
    readonly hard: boolean,
    readonly used: boolean,
    reason: string,
  ) {
    super(`conflict: unable to delete ${shortId(id)} (${hard ? "cannot be forced" : "must be forced"}) - ${reason}`);
  }
}

const enum Mask {
  Child = 1,
  Running = 2,
  ActiveRef = 4,
  Stopped = 8,
  Hard = Child | Running,
  Soft = ActiveRef | Stopped,
}

function refsOf(core: ImageCore, id: string): string[] {
  return [...core.store.tagsOf(id), ...core.store.digestsOf(id)];
}
const isCanonical = (r: string): boolean => r.includes("@");
const nameOf = (r: string): string => parseFullReference(r).name;

function isSingleReference(refs: string[]): boolean {
  if (refs.length <= 1) return refs.length === 1;
  let single: string | undefined;
  const canonical = new Set<string>();
  for (const r of refs) {
    if (isCanonical(r)) canonical.add(nameOf(r));
    else if (single === undefined) single = r;
    else return false;
  }
  single ??= refs[0] ?? "";
  return canonical.size === 1 && canonical.has(nameOf(single));
}

function checkConflict(core: ImageCore, id: string, mask: number): ImageDeleteConflict | undefined {
  if (mask & Mask.Child && core.store.children(id).length > 0)
    return new ImageDeleteConflict(id, true, false, "image has dependent child images");
  if (mask & Mask.Running && core.pinned(id)) return new ImageDeleteConflict(id, true, true, "image is being used by a build in progress");
  const use = core.inUse(id);
  if (mask & Mask.Running && use?.running)
    return new ImageDeleteConflict(id, true, true, `image is being used by running container ${shortId(use.containerId)}`);
  if (mask & Mask.ActiveRef && refsOf(core, id).length > 0)
    return new ImageDeleteConflict(id, false, false, "image is referenced in multiple repositories");
  if (mask & Mask.Stopped && use && !use.running)
    return new ImageDeleteConflict(id, false, true, `image is being used by stopped container ${shortId(use.containerId)}`);
  return undefined;
}

function removeRef(core: ImageCore, ref: string): void {
  if (isCanonical(ref)) core.store.deleteDigest(ref);
  else core.store.deleteTag(ref);
}

/**
 * Deletes the image's now-unreferenced layer snapshots (top first) and blobs. Returns the chain IDs
 * removed (reported as "Deleted:" like dockerd's layer store) and the bytes they held.
 */
export async function releaseImageResources(
  core: ImageCore,
  rec: { id: string; manifestDigest?: string; layers: { chainId: string; blobDigest: string; size: number }[] },
): Promise<{ chains: string[]; bytes: number }> {
  const out = { chains: [] as string[], bytes: 0 };
  const pinnedSnaps = core.leases.pinned("snapshot");
  for (const l of [...rec.layers].reverse()) {
    if (core.store.chainInUse(l.chainId) || pinnedSnaps.has(l.chainId)) break;
    try {
      await core.snapshotter.remove(l.chainId);
      out.chains.push(l.chainId);
      out.bytes += l.size;
    } catch (err) {
      // In use by a container's snapshot, or already gone: keep going down only if gone.
      if (!(err instanceof ConflictError)) core.log.debug("rmi: snapshot not removed", { chain: l.chainId, err });
      break;
    }
  }
  await deleteUnusedBlobs(core, [rec.id, ...(rec.manifestDigest ? [rec.manifestDigest] : []), ...rec.layers.map((l) => l.blobDigest)]);
  return out;
}

/** Deletes those of `digests` that no image references and no lease pins. */
export async function deleteUnusedBlobs(core: ImageCore, digests: Iterable<string>): Promise<void> {
  const pinned = core.leases.pinned("content");
  for (const b of new Set(digests)) {
    if (core.store.blobInUse(b) || pinned.has(b)) continue;
    await core.content.delete(b).catch(() => undefined);
  }
}

async function deleteHelper(
  core: ImageCore,
  id: string,
  records: ImageDeleteResponseItem[],
  force: boolean,
  prune: boolean,
  quiet: boolean,
  acc: { bytes: number },
): Promise<void> {
  const conflict = checkConflict(core, id, force ? Mask.Hard : Mask.Hard | Mask.Soft);
  if (conflict) {
    const dangling = refsOf(core, id).length === 0;
    if (quiet && (!dangling || conflict.used)) return;
    throw conflict;
  }
  const rec = core.store.get(id);
  if (!rec) return;
  const parent = rec.parent;
  for (const r of refsOf(core, id)) {
    removeRef(core, r);
    records.push({ Untagged: familiarize(r) });
    core.emitImage("untag", id, id, rec.labels);
  }
  core.store.delete(id);
  core.emitImage("delete", id, id, rec.labels);
  records.push({ Deleted: id });
  const freed = await releaseImageResources(core, rec);
  for (const c of freed.chains) records.push({ Deleted: c });
  acc.bytes += freed.bytes;
  if (!prune || !parent || !core.store.has(parent)) return;
  await deleteHelper(core, parent, records, false, true, true, acc);
}

export async function removeImage(
  core: ImageCore,
  ref: string,
  opts: { force: boolean; noprune: boolean },
): Promise<{ records: ImageDeleteResponseItem[]; bytes: number }> {
  return core.lock.exclusive(async () => {
    const id = resolveImageId(core.store, ref);
    const records: ImageDeleteResponseItem[] = [];
    let refs = refsOf(core, id);
    let removedRepositoryRef = false;
    if (!isImageIdPrefix(id, ref)) {
      const use = core.inUse(id);
      if (!opts.force && isSingleReference(refs) && use)
        throw new ConflictError(
          `conflict: unable to remove repository reference "${ref}" (must force) - container ${shortId(use.containerId)} is using its referenced image ${shortId(id)}`,
        );
      const parsed = tagNameOnly(parseNormalizedNamed(ref));
      // name:tag@digest removes the digest reference.
      const full = parsed.digest !== undefined ? `${parsed.name}@${parsed.digest}` : referenceString(parsed);
      removeRef(core, full);
      records.push({ Untagged: familiarize(full) });
      const labels = core.store.get(id)?.labels ?? {};
      core.emitImage("untag", id, id, labels);
      refs = refsOf(core, id);
      if (!isCanonical(full)) {
        const sameRepoTag = refs.some((r) => !isCanonical(r) && nameOf(r) === parsed.name);
        if (!sameRepoTag) {
          const remaining: string[] = [];
          for (const r of refs) {
            if (isCanonical(r) && nameOf(r) === parsed.name) {
              removeRef(core, r);
              records.push({ Untagged: familiarize(r) });
            } else remaining.push(r);
          }
          refs = remaining;
        }
      }
      if (refs.length > 0) return { records, bytes: 0 };
      removedRepositoryRef = true;
    } else if (isSingleReference(refs)) {
      const conflict = checkConflict(core, id, opts.force ? Mask.Hard : Mask.Hard | (Mask.Soft & ~Mask.ActiveRef));
      if (conflict) throw conflict;
      const labels = core.store.get(id)?.labels ?? {};
      for (const r of refs) {
        removeRef(core, r);
        records.push({ Untagged: familiarize(r) });
        core.emitImage("untag", id, id, labels);
      }
    }
    const acc = { bytes: 0 };
    await deleteHelper(core, id, records, opts.force, !opts.noprune, removedRepositoryRef, acc);
    return { records, bytes: acc.bytes };
  });
}
