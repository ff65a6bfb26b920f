/** What /system/df needs from images: LayersSize and per-image Size/SharedSize. */
import type { ImageSummary } from "../api/types/index.js";
import type { ImageCore } from "./core.js";
import { listImages, sharedSizes } from "./list.js";

export interface ImagesDiskUsage {
  /** Bytes of all unpacked layers, each chain counted once (docker's LayersSize). */
  layersSize: number;
  /** Every image (as `docker images -a`), with SharedSize filled in. */
  images: ImageSummary[];
}

/** Size of one image: the sum of its unpacked layers (docker's Size). */
export function sizeOfImage(core: ImageCore, id: string): number {
  return core.store.get(id)?.size ?? 0;
}

export function diskUsage(core: ImageCore, apiVersion: string): ImagesDiskUsage {
  let layersSize = 0;
  for (const v of core.store.chainUseCounts().values()) layersSize += v.size;
  const images = listImages(core, { all: true, filters: {}, digests: true, sharedSize: true }, apiVersion);
  const shared = sharedSizes(core);
  // /system/df counts the containers using each image (dockerd does; /images/json sends -1).
  for (const i of images) {
    i.SharedSize = shared.get(i.Id) ?? 0;
    i.Containers = core.inUse(i.Id) ? 1 : 0; // containers issue: count every container using it
  }
  return { layersSize, images };
}
