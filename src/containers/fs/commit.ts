/**
 * docker commit: the container's diff (a layer tar) on top of its image becomes a new image, with
 * docker's `container`/`container_config` fields and a history entry. As moby's NewChildImage, a
 * diff equal to the empty tar adds no layer, only an `empty_layer` history entry.
 */
import type { Readable } from "node:stream";
import type { ImageCore } from "../../images/core.js";
import { applyChanges } from "../../images/changes.js";
import type { ImageService } from "../../images/image-service.js";
import type { LayerRecord } from "../../images/image-record.js";
import { tagTarget } from "../../images/import-image.js";
import { ingestLayer } from "../../images/ingest-layer.js";
import { NoSuchImageError } from "../../errdefs/index.js";
import type { ContainerConfig, ImageConfig } from "../../oci/index.js";
import { digestOf, familiarize } from "../../oci/index.js";
import { isoTime } from "../../util/iso-time.js";

/** sha256 of 1024 zero bytes: a tar with no entries (moby's layer.DigestSHA256EmptyTar). */
export const EMPTY_TAR_DIGEST = "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";

export interface CommitOptions {
  /** The container's image ("sha256:…"). */
  parentImageId: string;
  /** diffTar() of the container. */
  diff: Readable;
  /** The container's config (becomes container_config; `changes` applied on it give config). */
  config: ContainerConfig;
  containerId: string;
  author?: string;
  comment?: string;
  changes: string[];
  repo?: string;
  tag?: string;
  signal?: AbortSignal;
}

/** Makes the new image and returns its id ("sha256:…"). */
export async function commitContainer(images: ImageService, opts: CommitOptions): Promise<string> {
  return images.withCore((core) => commitWithCore(core, opts));
}

async function commitWithCore(core: ImageCore, opts: CommitOptions): Promise<string> {
  const target = tagTarget(opts.repo, opts.tag);
  const newConfig = applyChanges(structuredClone(opts.config), opts.changes);
  return core.lock.shared(async () => {
    const parent = core.store.get(opts.parentImageId);
    if (!parent) throw new NoSuchImageError(opts.parentImageId);
    const parentDiffIds = parent.config.rootfs?.diff_ids ?? parent.layers.map((l) => l.diffId);
    const lease = core.leases.create({ op: "commit" });
    try {
      const layer = await ingestLayer(core, lease, {
        stream: opts.diff,
        parentDiffIds,
        ...(parent.topChainId ? { parentChainId: parent.topChainId } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      const empty = layer.diffId === EMPTY_TAR_DIGEST;
      const created = isoTime();
      const cmd = opts.config.Cmd ?? [];
      const img: ImageConfig = {
        ...(parent.config.architecture ? { architecture: parent.config.architecture } : { architecture: core.platform.architecture }),
        ...(opts.author ? { author: opts.author } : {}),
        ...(opts.comment ? { comment: opts.comment } : {}),
        config: newConfig,
        container: opts.containerId,
        container_config: opts.config,
        created,
        history: [
          ...(parent.config.history ?? []),
          {
            created,
            ...(opts.author ? { author: opts.author } : {}),
            created_by: cmd.join(" "),
            ...(opts.comment ? { comment: opts.comment } : {}),
            ...(empty ? { empty_layer: true } : {}),
          },
        ],
        os: parent.config.os ?? core.platform.os,
        rootfs: { type: "layers", diff_ids: empty ? [...parentDiffIds] : [...parentDiffIds, layer.diffId] },
        ...(parent.config.variant ? { variant: parent.config.variant } : {}),
      };
      const layers: LayerRecord[] = [...parent.layers];
      if (!empty) layers.push(layer);
      const raw = JSON.stringify(img);
      const cfg = await core.content.writeBytes(raw);
      core.leases.add(lease, "content", cfg.digest);
      const id = digestOf(raw);
      core.state.tx(() => {
        core.store.insert({ id, rawConfig: raw, config: img, layers, parent: parent.id });
        if (target) core.store.setTag(target, id);
      });
      if (target) core.emitImage("tag", id, familiarize(target), newConfig.Labels ?? {});
      return id;
    } finally {
      core.leases.delete(lease);
    }
  });
}
