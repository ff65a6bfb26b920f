/**
 * One build step becomes an image: an optional layer (a container's or snapshot's diff tar) on top of
 * the parent image (none for a stage FROM scratch), the builder's config as `config`, the step's
 * config (Cmd = the step) as `container_config`, and one history entry. A layer equal to the empty
 * tar, or none, gives an `empty_layer` history entry, as moby's classic builder does.
 */
import type { Readable } from "node:stream";
import { NoSuchImageError } from "../errdefs/index.js";
import type { ImageService, LayerRecord } from "../images/index.js";
import { commitSnapshotLayer, EMPTY_TAR_DIGEST, ingestLayer } from "../images/ingest-layer.js";
import type { ContainerConfig, HistoryEntry, ImageConfig } from "../oci/index.js";
import { digestOf } from "../oci/index.js";
import { isoTime } from "../util/iso-time.js";

export interface WriteImageOptions {
  /** "sha256:…"; undefined for the first step of a stage FROM scratch. */
  parentId: string | undefined;
  layer?: Readable;
  /** Instead of `layer`: an active overlay snapshot holding exactly what its tar says (commitSnapshotLayer). */
  snapshot?: { key: string; tar: (sink: (chunk: Uint8Array) => Promise<void>) => Promise<void> };
  config: ContainerConfig;
  containerConfig: ContainerConfig;
  createdBy: string;
  containerId?: string;
  author?: string;
  /** Platform for an image without a parent. */
  platform: { os: string; architecture: string; variant?: string };
  signal?: AbortSignal;
}

/**
 * What every build step's image shares: the stage's current image as parent, its config, the step as
 * container_config (its Cmd is the history's created_by) and the author.
 */
export function stepImageOptions(
  st: { imageId: string | undefined; config: ContainerConfig; author: string | undefined },
  cc: ContainerConfig,
  platform: WriteImageOptions["platform"],
  signal: AbortSignal,
): WriteImageOptions {
  return {
    parentId: st.imageId,
    config: structuredClone(st.config),
    containerConfig: cc,
    createdBy: (cc.Cmd ?? []).join(" "),
    ...(st.author ? { author: st.author } : {}),
    platform,
    signal,
  };
}

/** Writes the image and returns its id ("sha256:…"). */
export async function writeImage(images: ImageService, o: WriteImageOptions): Promise<string> {
  return images.withCore((core) =>
    core.lock.shared(async () => {
      const parent = o.parentId === undefined ? undefined : core.store.get(o.parentId);
      if (o.parentId !== undefined && !parent) throw new NoSuchImageError(o.parentId);
      const parentDiffIds = parent ? (parent.config.rootfs?.diff_ids ?? parent.layers.map((l) => l.diffId)) : [];
      const lease = core.leases.create({ op: "build" });
      try {
        const layer = o.snapshot
          ? await commitSnapshotLayer(core, lease, { key: o.snapshot.key, tar: o.snapshot.tar, parentDiffIds, ...(o.signal ? { signal: o.signal } : {}) })
          : o.layer
            ? await ingestLayer(core, lease, {
                stream: o.layer,
                parentDiffIds,
                ...(parent?.topChainId ? { parentChainId: parent.topChainId } : {}),
                ...(o.signal ? { signal: o.signal } : {}),
              })
            : undefined;
        const empty = !layer || layer.diffId === EMPTY_TAR_DIGEST;
        const created = isoTime();
        const entry: HistoryEntry = { created, created_by: o.createdBy, ...(o.author ? { author: o.author } : {}), ...(empty ? { empty_layer: true } : {}) };
        const pc = parent?.config;
        const img: ImageConfig = {
          architecture: pc?.architecture ?? o.platform.architecture,
          ...(o.author ? { author: o.author } : pc?.author ? { author: pc.author } : {}),
          config: o.config,
          container: o.containerId ?? "",
          container_config: o.containerConfig,
          created,
          history: [...(pc?.history ?? []), entry],
          os: pc?.os ?? o.platform.os,
          rootfs: { type: "layers", diff_ids: empty || !layer ? [...parentDiffIds] : [...parentDiffIds, layer.diffId] },
          ...((pc?.variant ?? (pc ? undefined : o.platform.variant)) ? { variant: pc?.variant ?? o.platform.variant } : {}),
        };
        const layers: LayerRecord[] = [...(parent?.layers ?? [])];
        if (!empty && layer) layers.push(layer);
        const raw = JSON.stringify(img);
        const cfg = await core.content.writeBytes(raw);
        core.leases.add(lease, "content", cfg.digest);
        const id = digestOf(raw);
        core.state.tx(() => {
          if (!core.store.has(id)) core.store.insert({ id, rawConfig: raw, config: img, layers, ...(parent ? { parent: parent.id } : {}) });
        });
        return id;
      } finally {
        core.leases.delete(lease);
      }
    }),
  );
}
