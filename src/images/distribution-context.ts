/** What pull and push share: the image core, the transfer records, the registry client and in-flight work. */
import type { RegistryClient } from "../registry/client/types.js";
import type { ImageCore } from "./core.js";
import type { CompressedLayer, DistributionStore } from "./distribution-store.js";

export interface DistributionContext {
  core: ImageCore;
  records: DistributionStore;
  /** The registry client, created on first use. */
  client(): Promise<RegistryClient>;
  /** Blob digest → its download into content (one download per blob, whoever asks). */
  downloads: Map<string, Promise<void>>;
  /** diffID → its compression into a gzip blob (one compression per layer). */
  compressions: Map<string, Promise<CompressedLayer>>;
}

/** Runs `fn` once per key at a time; callers arriving meanwhile share its promise. */
export function singleFlight<T>(map: Map<string, Promise<T>>, key: string, fn: () => Promise<T>): { promise: Promise<T>; leader: boolean } {
  const running = map.get(key);
  if (running) return { promise: running, leader: false };
  const p = fn().finally(() => {
    if (map.get(key) === p) map.delete(key);
  });
  map.set(key, p);
  return { promise: p, leader: true };
}
