/** images/: the image service (store, lookup, unpack, import/save/load, rmi/prune, leases and GC). */
export { ImageService, type ImageServiceOptions, type ImageRequestContext } from "./image-service.js";
export type { EmitFn, ImageEventAction, ImageUse } from "./core.js";
export type { ImageRecord, LayerRecord, ImageRow } from "./image-record.js";
export { ImageStore } from "./image-store.js";
export { LeaseManager, type LeaseResourceKind } from "./leases.js";
export { chainIds, topChainId } from "./chain-id.js";
export { applyChanges } from "./changes.js";
export { resolveImageId, AmbiguousImageError } from "./lookup.js";
export { unpackLayers, type LayerToUnpack } from "./unpack.js";
export type { GcResult } from "./gc.js";
export type { ImagesDiskUsage } from "./disk-usage.js";
export { parseTimestamp, globToRegExp } from "./filters.js";
export { DistributionService, loginHost, pullReference, type RegistryClientFactory } from "./distribution.js";
export { maxConcurrentDownloads } from "./pull-layers.js";
export { maxConcurrentUploads } from "./push.js";
