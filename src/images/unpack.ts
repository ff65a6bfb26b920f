/**
 * Unpacking an image's layers into the snapshotter: one committed snapshot per chain ID, shared by
 * every image whose stack starts the same way. Layers already present are skipped. Each layer is
 * extracted into an "extract-<random>" active snapshot and committed under its chain ID, so a crash
 * mid-layer leaves only an extract-* leftover (swept at start) and no half layer.
 */
import { decompressGuarded } from "./bomb-guard.js";
import { randomBytes } from "../util/crypto.js";
import type { Readable } from "node:stream";
import { applyLayer } from "../archive/index.js";
import type { ContentStore } from "../content/content-store.js";
import { ConflictError, InvalidArgumentError, isNotFound } from "../errdefs/index.js";
import type { Snapshotter } from "../snapshots/snapshotter.js";
import { chainIds } from "./chain-id.js";
import type { LeaseManager } from "./leases.js";
import type { ImageStore } from "./image-store.js";
import { TeeDigest } from "./streams.js";

export const layerSizeLabel = "berth.layer.size";

export interface UnpackDeps {
  content: ContentStore;
  snapshotter: Snapshotter;
  store: ImageStore;
  leases: LeaseManager;
}

export interface LayerToUnpack {
  diffId: string;
  /** A blob in content holding the layer (compressed or not). */
  blobDigest: string;
}

export function extractKey(): string {
  return `extract-${Date.now().toString(36)}-${randomBytes(6).toString("hex")}`;
}

async function exists(sn: Snapshotter, key: string): Promise<boolean> {
  try {
    await sn.stat(key);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** Size of a committed layer snapshot: from image records, its label, or measured. */
export async function committedLayerSize(deps: UnpackDeps, chainId: string): Promise<number> {
  const known = deps.store.layerSize(chainId);
  if (known !== undefined) return known;
  const info = await deps.snapshotter.stat(chainId);
  const l = info.labels[layerSizeLabel];
  if (l !== undefined && /^\d+$/.test(l)) return Number(l);
  return (await deps.snapshotter.usage(chainId)).size;
}

/**
 * Extracts one layer stream into a new snapshot committed as `chainId` on top of `parent`.
 * The stream's digest must equal `diffId` (when given). Returns the unpacked size and the diffID.
 */
export async function applyLayerStream(
  deps: UnpackDeps,
  lease: string,
  opts: {
    stream: AsyncIterable<Uint8Array>;
    parent?: string;
    /** The chain ID to commit as, or a function giving it once the stream is consumed. */
    chainId: string | (() => Promise<string>);
    /** When given, the stream is digested and must match. */
    diffId?: string;
    signal?: AbortSignal;
    sink?: (c: Uint8Array) => Promise<void>;
  },
): Promise<{ size: number; chainId: string }> {
  const sn = deps.snapshotter;
  const key = extractKey();
  deps.leases.add(lease, "snapshot", key);
  const target = await sn.prepareApply(key, opts.parent);
  const tee = new TeeDigest(opts.stream, opts.sink, opts.diffId !== undefined);
  try {
    const applyOpts: { whiteouts: "overlay" | "delete"; signal?: AbortSignal } = { whiteouts: target.whiteouts };
    if (opts.signal) applyOpts.signal = opts.signal;
    const res = await applyLayer(tee.iterable(), target.dir, applyOpts);
    const { digest } = await tee.finish();
    if (opts.diffId !== undefined && digest !== opts.diffId)
      throw new InvalidArgumentError(`layer diffID mismatch: expected ${opts.diffId}, got ${digest}`);
    const chainId = typeof opts.chainId === "string" ? opts.chainId : await opts.chainId();
    deps.leases.add(lease, "snapshot", chainId);
    try {
      await sn.commit(chainId, key, { labels: { [layerSizeLabel]: String(res.diffSize) } });
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      await sn.remove(key); // committed meanwhile by someone else: same content
    }
    return { size: res.diffSize, chainId };
  } catch (err) {
    await tee.close().catch(() => undefined);
    await sn.remove(key).catch(() => undefined);
    throw err;
  }
}

/** Opens a content blob as an uncompressed stream. */
export async function openUncompressed(content: ContentStore, digest: string): Promise<AsyncIterable<Uint8Array>> {
  const r: Readable = await content.reader(digest);
  const d = await decompressGuarded(r, `layer ${digest}`);
  return d.stream;
}

/**
 * Unpacks `layers` (in order from the base) and returns each layer's chain ID and unpacked size.
 * Every snapshot touched is pinned by `lease` until the caller records the image.
 */
export async function unpackLayers(
  deps: UnpackDeps,
  lease: string,
  layers: readonly LayerToUnpack[],
  signal?: AbortSignal,
): Promise<{ chainId: string; size: number }[]> {
  const chains = chainIds(layers.map((l) => l.diffId));
  const out: { chainId: string; size: number }[] = [];
  for (let i = 0; i < layers.length; i++) {
    signal?.throwIfAborted();
    const layer = layers[i];
    const chainId = chains[i];
    if (!layer || !chainId) throw new Error("unreachable");
    deps.leases.add(lease, "snapshot", chainId);
    if (await exists(deps.snapshotter, chainId)) {
      out.push({ chainId, size: await committedLayerSize(deps, chainId) });
      continue;
    }
    const stream = await openUncompressed(deps.content, layer.blobDigest);
    const o: Parameters<typeof applyLayerStream>[2] = { stream, chainId };
    // A blob stored uncompressed under its diffID was verified when it was committed.
    if (layer.blobDigest !== layer.diffId) o.diffId = layer.diffId;
    const parent = chains[i - 1];
    if (parent !== undefined) o.parent = parent;
    if (signal) o.signal = signal;
    const res = await applyLayerStream(deps, lease, o);
    out.push({ chainId, size: res.size });
  }
  return out;
}
