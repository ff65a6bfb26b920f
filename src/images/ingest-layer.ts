/**
 * One layer tar in, in one pass: stored as a content blob (its digest is the diffID) while it is unpacked
 * into a snapshot on top of the parent, committed under the chain ID the diffID gives. Import, commit and
 * the builder all make layers this way.
 */
import { MediaTypes } from "../oci/index.js";
import { chainIds } from "./chain-id.js";
import type { ImageCore } from "./core.js";
import type { LayerRecord } from "./image-record.js";
import { applyLayerStream } from "./unpack.js";

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
