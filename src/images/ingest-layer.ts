/**
 * One layer tar in, in one pass: stored as a content blob (its digest is the diffID) while it is unpacked
 * into a snapshot on top of the parent, committed under the chain ID the diffID gives. Import, commit and
 * the builder all make layers this way. commitSnapshotLayer is the builder's shortcut for a layer whose
 * files are already in an active overlay snapshot: the tar only goes to the content store, and the
 * snapshot itself is committed under the chain ID.
 */
import { ConflictError } from "../errdefs/index.js";
import { MediaTypes } from "../oci/index.js";
import { chainIds } from "./chain-id.js";
import type { ImageCore } from "./core.js";
import type { LayerRecord } from "./image-record.js";
import { applyLayerStream, layerSizeLabel } from "./unpack.js";

/** The digest of an empty layer tar (1024 zero bytes). */
export const EMPTY_TAR_DIGEST = "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";

/**
 * A layer from an active overlay snapshot `key` whose upper dir holds exactly what `stream` (its layer
 * tar) says: the tar is stored as a content blob (its digest is the diffID) and, unless it is the empty
 * tar, the snapshot is committed under the chain ID; when that chain ID is committed already (the same
 * layer), the caller's removal of `key` drops the duplicate. Saves writing every file a second time.
 * `tar` writes the layer tar to the sink it is given, under TarSink's rule: a chunk may change again once
 * the next call has resolved (the content writer keeps one write in flight).
 */
export async function commitSnapshotLayer(
  core: ImageCore,
  lease: string,
  o: { key: string; tar: (sink: (chunk: Uint8Array) => Promise<void>) => Promise<void>; parentDiffIds: readonly string[]; signal?: AbortSignal },
): Promise<LayerRecord> {
  const writer = await core.content.writer();
  let info: { digest: string; size: number };
  try {
    await o.tar((c) => writer.write(c, { owned: true }));
    o.signal?.throwIfAborted();
    info = await writer.commit();
  } catch (err) {
    await writer.abort().catch(() => undefined);
    throw err;
  }
  core.leases.add(lease, "content", info.digest);
  const chainId = chainIds([...o.parentDiffIds, info.digest]).at(-1) as string;
  const size = (await core.snapshotter.usage(o.key)).size;
  if (info.digest !== EMPTY_TAR_DIGEST) {
    core.leases.add(lease, "snapshot", chainId);
    try {
      await core.snapshotter.commit(chainId, o.key, { labels: { [layerSizeLabel]: String(size) } });
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
    }
  }
  return { diffId: info.digest, chainId, blobDigest: info.digest, mediaType: MediaTypes.ociLayer, blobSize: info.size, size };
}

export async function ingestLayer(
  core: ImageCore,
  lease: string,
  o: { stream: AsyncIterable<Uint8Array>; parentDiffIds: readonly string[]; parentChainId?: string; signal?: AbortSignal },
): Promise<LayerRecord> {
  const writer = await core.content.writer();
  let diffId = "";
  let blobSize = 0;
  try {
    const res = await applyLayerStream(core, lease, {
      stream: o.stream,
      ...(o.parentChainId ? { parent: o.parentChainId } : {}),
      sink: (c) => writer.write(c),
      chainId: async () => {
        const info = await writer.commit();
        diffId = info.digest;
        blobSize = info.size;
        core.leases.add(lease, "content", info.digest);
        return chainIds([...o.parentDiffIds, diffId]).at(-1) as string;
      },
      ...(o.signal ? { signal: o.signal } : {}),
    });
    return { diffId, chainId: res.chainId, blobDigest: diffId, mediaType: MediaTypes.ociLayer, blobSize, size: res.size };
  } catch (err) {
    await writer.abort().catch(() => undefined);
    throw err;
  }
}
