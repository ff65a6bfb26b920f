/**
 * `docker push`: for each tag of the repository (or the one given) send the layers, the config and a
 * manifest. An image pulled from a registry whose stored manifest and blobs are all still here is sent
 * byte for byte (same digests as the source). Otherwise each layer is sent as a gzip blob made once per
 * diffID and remembered (layer_blobs), or the compressed blob it was pulled as. Layers upload
 * concurrently (maxConcurrentUploads); blobs the registry has are skipped, and blobs known to be in
 * another repository of the same registry are mounted from there. Progress is docker's JSON stream.
 */
import { InvalidArgumentError, NotFoundError } from "../errdefs/index.js";
import type { Descriptor, Manifest, Reference } from "../oci/index.js";
import { MediaTypes, familiarName, familiarString, layerCompression } from "../oci/index.js";
import type { AuthConfig, Repository } from "../registry/client/types.js";
import { COMPRESSIBILITY_SAMPLE_BYTES, gzipAdaptive, gzipFileFast, isIncompressibleAsync } from "../archive/index.js";
import { singleFlight, type DistributionContext } from "./distribution-context.js";
import type { CompressedLayer } from "./distribution-store.js";
import type { ImageRecord, LayerRecord } from "./image-record.js";
import { Limiter } from "./limiter.js";
import { TransferProgress, shortLayerId, type ProgressFn } from "./transfer-progress.js";
import { openUncompressed } from "./unpack.js";
import { compareStrings } from "../util/compare.js";

/** docker's max-concurrent-uploads default. */
export const maxConcurrentUploads = 5;

export interface PushRequest {
  /** The repository (tag ignored: see `tag`). */
  ref: Reference;
  /** One tag; every tag of the repository when absent. */
  tag?: string;
  auth?: AuthConfig;
  signal?: AbortSignal;
}

export interface PushedTag {
  tag: string;
  digest: string;
  size: number;
}

/** The tags to push, each with its image id; docker's errors when there is nothing. */
export function tagsToPush(dc: DistributionContext, ref: Reference, tag: string | undefined): { tag: string; id: string }[] {
  const store = dc.core.store;
  if (tag !== undefined) {
    const id = store.byTag(`${ref.name}:${tag}`);
    if (id !== undefined) return [{ tag, id }];
  }
  const all: { tag: string; id: string }[] = [];
  for (const row of store.rows())
    for (const t of row.tags) if (t.startsWith(`${ref.name}:`) && !t.slice(ref.name.length + 1).includes("/")) all.push({ tag: t.slice(ref.name.length + 1), id: row.id });
  if (all.length === 0) throw new NotFoundError(`An image does not exist locally with the tag: ${familiarName(ref)}`);
  if (tag !== undefined) throw new NotFoundError(`tag does not exist: ${familiarName(ref)}:${tag}`);
  return all.sort((a, b) => compareStrings(a.tag, b.tag));
}

/** The image's pulled manifest, when it and every blob it names are still stored. */
async function reusableManifest(dc: DistributionContext, rec: ImageRecord): Promise<{ bytes: Buffer; mediaType: string; manifest: Manifest } | undefined> {
  const { content } = dc.core;
  if (!rec.manifestDigest || !(await content.has(rec.manifestDigest))) return undefined;
  const bytes = await content.readBytes(rec.manifestDigest);
  let m: Manifest;
  try {
    m = JSON.parse(bytes.toString("utf8")) as Manifest;
  } catch {
    return undefined;
  }
  if (m.config?.digest !== rec.id || !Array.isArray(m.layers) || m.layers.length !== rec.layers.length) return undefined;
  for (const l of m.layers) if (!(await content.has(l.digest))) return undefined;
  const mediaType = rec.manifestMediaType ?? m.mediaType ?? MediaTypes.ociManifest;
  return { bytes, mediaType, manifest: m };
}

const dockerLayerType = (c: string | undefined): string | undefined =>
  c === "gzip" ? MediaTypes.dockerLayerGzip : c === "none" ? MediaTypes.dockerLayer : undefined;

/** A compressed blob for a layer: the one it was pulled as, one made before, or a new gzip (made once). */
async function compressedLayer(dc: DistributionContext, layer: LayerRecord, lease: string): Promise<CompressedLayer> {
  const { content } = dc.core;
  const c = layerCompression(layer.mediaType);
  if (layer.blobDigest !== layer.diffId && (c === "gzip" || c === "zstd") && (await content.has(layer.blobDigest))) {
    dc.core.leases.add(lease, "content", layer.blobDigest);
    return { blobDigest: layer.blobDigest, mediaType: layer.mediaType, size: layer.blobSize };
  }
  for (const k of dc.records.compressedOf(layer.diffId).sort((a, b) => (layerCompression(a.mediaType) === "gzip" ? -1 : 0) - (layerCompression(b.mediaType) === "gzip" ? -1 : 0))) {
    dc.core.leases.add(lease, "content", k.blobDigest);
    if (await content.has(k.blobDigest)) return k;
  }
  return singleFlight(dc.compressions, layer.diffId, async () => {
    // A layer that deflate cannot shrink (random or already-compressed data) goes up as the plain tar
    // berth already keeps: compressing it would only cost time (docker's rootfs.diff.tar media type).
    const kept = await content.has(layer.diffId);
    if (kept && (await isIncompressibleAsync(await readHead(content, layer.diffId)))) {
      dc.core.leases.add(lease, "content", layer.diffId);
      const plain: CompressedLayer = { blobDigest: layer.diffId, mediaType: MediaTypes.dockerLayer, size: (await content.info(layer.diffId)).size };
      dc.records.recordCompressed(layer.diffId, plain);
      return plain;
    }
    // igzip reads the kept tar itself; otherwise it streams through gzipAdaptive
    const fast = kept ? gzipFileFast(content.blobPath(layer.diffId)) : undefined;
    const gz = fast ?? (await gzipAdaptive(kept ? await content.reader(layer.diffId) : await openUncompressed(content, layer.blobDigest)));
    const info = await content.writeStream(gz);
    dc.core.leases.add(lease, "content", info.digest);
    const made: CompressedLayer = { blobDigest: info.digest, mediaType: MediaTypes.dockerLayerGzip, size: info.size };
    dc.records.recordCompressed(layer.diffId, made);
    return made;
  }).promise;
}

/** The first bytes of a blob (a compressibility sample). */
async function readHead(content: DistributionContext["core"]["content"], digest: string): Promise<Buffer> {
  const r = await content.reader(digest);
  const parts: Buffer[] = [];
  let len = 0;
  try {
    for await (const c of r) {
      const b = Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array);
      parts.push(b);
      len += b.length;
      if (len >= COMPRESSIBILITY_SAMPLE_BYTES) break;
    }
  } finally {
    r.destroy();
  }
  return Buffer.concat(parts);
}

async function* oneChunk(b: Uint8Array): AsyncGenerator<Uint8Array> {
  yield b;
}

function buildManifest(rec: ImageRecord, layers: CompressedLayer[]): { bytes: Buffer; mediaType: string } {
  const oci = layers.some((l) => layerCompression(l.mediaType) === "zstd");
  const layerType = (l: CompressedLayer): string => (oci ? l.mediaType : (dockerLayerType(layerCompression(l.mediaType)) ?? l.mediaType));
  const mediaType = oci ? MediaTypes.ociManifest : MediaTypes.dockerManifest;
  const m = {
    schemaVersion: 2,
    mediaType,
    config: { mediaType: oci ? MediaTypes.ociConfig : MediaTypes.dockerConfig, size: Buffer.byteLength(rec.rawConfig), digest: rec.id },
    layers: layers.map((l) => ({ mediaType: layerType(l), size: l.size, digest: l.blobDigest })),
  };
  return { bytes: Buffer.from(JSON.stringify(m, null, 3)), mediaType };
}

async function pushTag(
  dc: DistributionContext,
  repo: Repository,
  ref: Reference,
  tag: string,
  rec: ImageRecord,
  progress: TransferProgress,
  signal: AbortSignal | undefined,
): Promise<PushedTag> {
  const { core } = dc;
  const lease = core.leases.create({ op: "push", ref: `${ref.name}:${tag}` });
  try {
    const reuse = await reusableManifest(dc, rec);
    const ids = rec.layers.map((l) => shortLayerId(l.diffId));
    const shown = new Set<string>();
    for (const id of [...ids].reverse()) if (!shown.has(id)) (shown.add(id), progress.update(id, "Preparing"));
    const limiter = new Limiter(maxConcurrentUploads);
    const blobs: CompressedLayer[] = new Array<CompressedLayer>(rec.layers.length);
    const ac = new AbortController();
    const onAbort = (): void => ac.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    let queued = 0;
    const jobs = [...rec.layers.keys()].reverse().map((i) => {
      const id = ids[i] as string;
      if (queued++ >= maxConcurrentUploads) progress.update(id, "Waiting");
      return limiter
        .run(async () => {
          ac.signal.throwIfAborted();
          const layer = rec.layers[i] as LayerRecord;
          const d = reuse?.manifest.layers[i];
          const blob: CompressedLayer = d ? { blobDigest: d.digest, mediaType: d.mediaType, size: d.size } : await compressedLayer(dc, layer, lease);
          blobs[i] = blob;
          const desc: Descriptor = { mediaType: blob.mediaType, digest: blob.blobDigest, size: blob.size };
          const mountFrom = dc.records.locations(blob.blobDigest, ref.domain).filter((r) => r !== ref.path);
          const res = await repo.pushBlob(desc, async (offset) => core.content.reader(blob.blobDigest, { start: offset }), {
            signal: ac.signal,
            onProgress: (sent) => progress.bytes(id, "Pushing", sent, blob.size),
            ...(mountFrom.length > 0 ? { mountFrom } : {}),
          });
          if (res === "exists") progress.update(id, "Layer already exists");
          else if (res === "mounted") progress.update(id, `Mounted from ${mountFrom[0] ?? ""}`);
          else progress.update(id, "Pushed");
        })
        .catch((err: unknown) => {
          if (!ac.signal.aborted) ac.abort(err);
          throw err;
        });
    });
    const settled = await Promise.allSettled(jobs);
    signal?.removeEventListener("abort", onAbort);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed) throw ac.signal.reason instanceof Error ? ac.signal.reason : failed.reason;

    const raw = Buffer.from(rec.rawConfig, "utf8");
    const manifest = reuse ?? buildManifest(rec, blobs);
    const configType = reuse?.manifest.config.mediaType ?? (manifest.mediaType === MediaTypes.ociManifest ? MediaTypes.ociConfig : MediaTypes.dockerConfig);
    await repo.pushBlob({ mediaType: configType, digest: rec.id, size: raw.length }, async (offset) => oneChunk(raw.subarray(offset)), signal ? { signal } : {});
    const digest = await repo.putManifest(tag, manifest.mediaType, manifest.bytes, signal ? { signal } : {});
    core.state.tx(() => {
      if (core.store.has(rec.id)) core.store.addDigest(`${ref.name}@${digest}`, rec.id);
      for (const b of blobs) dc.records.recordLocation(b.blobDigest, ref.domain, ref.path);
      dc.records.recordLocation(rec.id, ref.domain, ref.path);
    });
    return { tag, digest, size: manifest.bytes.length };
  } finally {
    core.leases.delete(lease);
  }
}

export async function pushImage(dc: DistributionContext, req: PushRequest, out: ProgressFn): Promise<PushedTag[]> {
  const { core } = dc;
  const ref = req.ref;
  if (ref.digest !== undefined) throw new InvalidArgumentError("cannot push a digest reference");
  const tags = tagsToPush(dc, ref, req.tag);
  const client = await dc.client();
  const repo = client.repository({ host: ref.domain, path: ref.path }, req.auth, "pull,push");
  const progress = new TransferProgress(out);
  progress.message(`The push refers to repository [${ref.name}]`);
  const pushed: PushedTag[] = [];
  await core.lock.shared(async () => {
    for (const t of tags) {
      const rec = core.store.get(t.id);
      if (!rec) throw new NotFoundError(`tag does not exist: ${familiarName(ref)}:${t.tag}`);
      const r = await pushTag(dc, repo, ref, t.tag, rec, progress, req.signal);
      progress.message(`${r.tag}: digest: ${r.digest} size: ${r.size}`);
      progress.aux({ Tag: r.tag, Digest: r.digest, Size: r.size });
      pushed.push(r);
    }
  });
  const name = familiarString(req.tag !== undefined ? { ...ref, tag: req.tag } : { domain: ref.domain, path: ref.path, name: ref.name });
  core.emitImage("push", name, name);
  return pushed;
}
