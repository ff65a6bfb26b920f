/**
 * Downloading and unpacking an image's layers. Downloads run concurrently (maxConcurrentDownloads), one
 * per blob whoever asks (DistributionContext.downloads). Each compressed blob is kept in content (a later
 * push sends it as is). A layer whose parent is already unpacked streams straight from the network
 * through decompression into extraction while its bytes also go to content; the others are downloaded
 * first and, where the snapshotter allows (overlay), extracted at once beside their parent and attached
 * when it is committed (detached-unpack.ts): layers extract in parallel. Elsewhere (native) they are
 * extracted in order.
 * Every layer is checked against its diffID while it is extracted. Everything is pinned by `lease`.
 */
import { isNotFound } from "../errdefs/index.js";
import type { Descriptor, Manifest } from "../oci/index.js";
import type { Repository } from "../registry/client/types.js";
import { decompressGuarded } from "./bomb-guard.js";
import { chainIds } from "./chain-id.js";
import { singleFlight, type DistributionContext } from "./distribution-context.js";
import { layersOfChain } from "./distribution-store.js";
import type { LayerRecord } from "./image-record.js";
import { Limiter } from "./limiter.js";
import { shortLayerId, type TransferProgress } from "./transfer-progress.js";
import { applyLayerStream, committedLayerSize } from "./unpack.js";
import { attachLayer, extractDetached, type DetachedLayer } from "./detached-unpack.js";

/** docker's max-concurrent-downloads default. */
export const maxConcurrentDownloads = 3;

interface Gate {
  promise: Promise<void>;
  open(): void;
  opened: boolean;
}

function gate(): Gate {
  let open!: () => void;
  const g: Gate = { promise: new Promise<void>((r) => (open = r)), open: () => undefined, opened: false };
  g.open = () => {
    g.opened = true;
    open();
  };
  g.promise.catch(() => undefined);
  return g;
}

/** Waits for a gate, or throws when the pull is aborted first. */
function untilOpen(g: Gate, signal: AbortSignal): Promise<void> {
  if (g.opened) return Promise.resolve();
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
    signal.addEventListener("abort", onAbort, { once: true });
    void g.promise.then(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    });
  });
}

async function snapshotExists(dc: DistributionContext, key: string): Promise<boolean> {
  try {
    await dc.core.snapshotter.stat(key);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** A layer already here: its chain is unpacked and a blob for it is stored. */
async function existingLayer(dc: DistributionContext, desc: Descriptor, diffId: string, chainId: string): Promise<LayerRecord | undefined> {
  const { content } = dc.core;
  if (!(await snapshotExists(dc, chainId))) return undefined;
  if (await content.has(desc.digest)) {
    return { diffId, chainId, blobDigest: desc.digest, mediaType: desc.mediaType, blobSize: desc.size, size: await committedLayerSize(dc.core, chainId) };
  }
  for (const l of layersOfChain(dc.core.state, chainId))
    if (await content.has(l.blobDigest)) return { diffId, chainId, blobDigest: l.blobDigest, mediaType: l.mediaType, blobSize: l.blobSize, size: l.size };
  return undefined;
}

/** Counts bytes of a stream as they pass. */
async function* counting(src: AsyncIterable<Uint8Array>, onBytes: (n: number) => void): AsyncGenerator<Uint8Array> {
  let n = 0;
  for await (const c of src) {
    n += c.length;
    onBytes(n);
    yield c;
  }
}

export interface PullLayersOptions {
  repo: Repository;
  manifest: Manifest;
  diffIds: readonly string[];
  lease: string;
  progress: TransferProgress;
  signal?: AbortSignal;
}

export async function pullLayers(dc: DistributionContext, o: PullLayersOptions): Promise<LayerRecord[]> {
  const { core } = dc;
  const chains = chainIds([...o.diffIds]);
  const descs = o.manifest.layers;
  const n = descs.length;
  const records: (LayerRecord | undefined)[] = new Array<LayerRecord | undefined>(n);
  const gates = descs.map(() => gate());
  const ac = new AbortController();
  const onAbort = (): void => ac.abort(o.signal?.reason);
  o.signal?.addEventListener("abort", onAbort, { once: true });
  const signal = ac.signal;
  const limiter = new Limiter(maxConcurrentDownloads);

  try {
    const todo: number[] = [];
    const shown = new Set<string>();
    for (let i = 0; i < n; i++) {
      const desc = descs[i] as Descriptor;
      const chainId = chains[i] as string;
      core.leases.add(o.lease, "snapshot", chainId);
      core.leases.add(o.lease, "content", desc.digest);
      const have = await existingLayer(dc, desc, o.diffIds[i] as string, chainId);
      const id = shortLayerId(desc.digest);
      if (have) {
        records[i] = have;
        gates[i]?.open();
        if (!shown.has(id)) o.progress.update(id, "Already exists");
      } else {
        todo.push(i);
        if (!shown.has(id)) o.progress.update(id, "Pulling fs layer");
      }
      shown.add(id);
    }

    const job = async (i: number): Promise<void> => {
      const desc = descs[i] as Descriptor;
      const id = shortLayerId(desc.digest);
      const chainId = chains[i] as string;
      const parent = i > 0 ? chains[i - 1] : undefined;
      const diffId = o.diffIds[i] as string;
      const unpacked = await snapshotExists(dc, chainId);
      let size: number | undefined;

      const extract = async (src: AsyncIterable<Uint8Array>): Promise<void> => {
        const { stream } = await decompressGuarded(src, `layer ${desc.digest}`);
        const res = await applyLayerStream(core, o.lease, {
          stream,
          chainId,
          diffId,
          signal,
          ...(parent !== undefined ? { parent } : {}),
        });
        size = res.size;
      };

      await limiter.run(async () => {
        signal.throwIfAborted();
        if (await core.content.has(desc.digest)) {
          o.progress.update(id, "Download complete");
          return;
        }
        for (let attempt = 0; ; attempt++) {
          // Stream into extraction only when nothing else is downloading this blob and the parent is ready.
          const stream = !unpacked && (i === 0 || gates[i - 1]?.opened === true) && !dc.downloads.has(desc.digest);
          const flight = singleFlight(dc.downloads, desc.digest, () => download(dc, o.repo, desc, id, o.progress, signal, stream ? extract : undefined));
          try {
            await flight.promise;
            if (!flight.leader) o.progress.update(id, "Download complete");
            return;
          } catch (err) {
            // Another pull's download of the same blob failed (or was cancelled): try once on our own.
            if (flight.leader || signal.aborted || attempt > 0) throw err;
          }
        }
      });

      if (!unpacked && size === undefined) {
        const g = gates[i - 1];
        const fromContent = async (): Promise<AsyncIterable<Uint8Array>> => {
          const r = await core.content.reader(desc.digest);
          return counting(r, (k) => o.progress.bytes(id, "Extracting", k, desc.size));
        };
        // The parent is not unpacked yet: extract now, beside it, and attach once it is (overlay only).
        let detached: DetachedLayer | undefined;
        if (g && !g.opened && parent !== undefined) {
          detached = await extractDetached(core, o.lease, {
            open: async () => (await decompressGuarded(await fromContent(), `layer ${desc.digest}`)).stream,
            diffId,
            signal,
          });
        }
        try {
          if (g) await untilOpen(g, signal);
          if (!(await snapshotExists(dc, chainId))) {
            if (detached && parent !== undefined) {
              await attachLayer(core, o.lease, detached, parent, chainId);
              size = detached.size;
              detached = undefined;
            } else {
              await extract(await fromContent());
            }
          }
        } finally {
          if (detached) await core.snapshotter.remove(detached.key).catch(() => undefined);
        }
      } else if (size !== undefined) {
        o.progress.bytes(id, "Extracting", desc.size, desc.size, true);
      }
      size ??= await committedLayerSize(core, chainId);
      records[i] = { diffId, chainId, blobDigest: desc.digest, mediaType: desc.mediaType, blobSize: desc.size, size };
      o.progress.update(id, "Pull complete");
      gates[i]?.open();
    };

    let queued = 0;
    const running = todo.map((i) => {
      const desc = descs[i] as Descriptor;
      if (queued++ >= maxConcurrentDownloads) o.progress.update(shortLayerId(desc.digest), "Waiting");
      return job(i).catch((err: unknown) => {
        if (!signal.aborted) ac.abort(err);
        throw err;
      });
    });
    const settled = await Promise.allSettled(running);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed) throw signal.reason instanceof Error ? signal.reason : failed.reason;
    return records.map((r) => {
      if (!r) throw new Error("unreachable: layer not pulled");
      return r;
    });
  } finally {
    o.signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * Downloads one blob into content (verified against its digest and size), optionally feeding the same
 * bytes to `extract` as they arrive. Nothing is visible in content unless the whole blob verified.
 */
async function download(
  dc: DistributionContext,
  repo: Repository,
  desc: Descriptor,
  id: string,
  progress: TransferProgress,
  signal: AbortSignal,
  extract?: (src: AsyncIterable<Uint8Array>) => Promise<void>,
): Promise<void> {
  const w = await dc.core.content.writer();
  let received = 0;
  async function* source(): AsyncGenerator<Uint8Array> {
    for await (const c of repo.fetchBlob(desc, { signal })) {
      await w.write(c);
      received += c.length;
      progress.bytes(id, "Downloading", received, desc.size);
      yield c;
    }
  }
  const it = source();
  try {
    if (extract) {
      // The extractor may stop reading at the end of the tar: the rest is drained below, so the whole
      // blob is stored and verified.
      await extract({ [Symbol.asyncIterator]: () => ({ next: () => it.next(), return: async () => ({ done: true as const, value: undefined }) }) });
    }
    while (!(await it.next()).done) {
      /* drain into content */
    }
    progress.update(id, "Verifying Checksum");
    await w.commit({ expected: desc.digest, expectedSize: desc.size });
    progress.update(id, "Download complete");
  } catch (err) {
    await it.return(undefined).catch(() => undefined);
    await w.abort().catch(() => undefined);
    throw err;
  }
}
