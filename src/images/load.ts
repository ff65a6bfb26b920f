/**
 * `docker load`: docker-archives (legacy `<id>/layer.tar` + manifest.json, and Docker 25+ OCI-layout
 * + manifest.json) and OCI-layout archives (index.json; skopeo's oci-archive). The archive is read once:
 * every blob goes to content as it streams (verified against its name when the name is a digest),
 * small metadata stays in memory. Then each layer is verified against its diffID (compressed layers are
 * decompressed into an uncompressed blob, so save is a straight copy), unpacked, and all images become
 * visible and tagged in one transaction. Everything is pinned by a lease until then, so a failure or a
 * crash leaves nothing visible, and gc() removes what was written.
 */
import { deleteUnusedBlobs } from "./remove.js";
import { decompressGuarded } from "./bomb-guard.js";
import * as path from "node:path";
import type { Readable } from "node:stream";
import type { JSONMessage } from "../api/types/index.js";
import { DigestMismatchError, InvalidArgumentError, isInvalidArgument } from "../errdefs/index.js";
import type { Descriptor, ImageConfig, Index, Manifest } from "../oci/index.js";
import { MediaTypes, digestOf, familiarString, isDigest, parseNormalizedNamed, referenceString } from "../oci/index.js";
import { chainIds } from "./chain-id.js";
import type { ImageCore } from "./core.js";
import { walkTar } from "../archive/index.js";
import { unpackLayers } from "./unpack.js";

const maxMetadata = 64 << 20;

type FileRef = { mem: Buffer } | { digest: string; size: number };

interface LoadedImage {
  id: string;
  raw: string;
  config: ImageConfig;
  layers: { diffId: string; blobDigest: string }[];
  tags: string[]; // full references
}

function bad(msg: string, cause?: unknown): InvalidArgumentError {
  return new InvalidArgumentError(`invalid archive: ${msg}`, cause === undefined ? undefined : { cause });
}

const isMetadataName = (n: string): boolean =>
  ["manifest.json", "index.json", "oci-layout", "repositories"].includes(n) ||
  /^[^/]+\/(json|VERSION)$/.test(n) ||
  /^[^/]+\.json$/.test(n);

function cleanName(n: string): string {
  return path.posix.normalize("/" + n).slice(1).replace(/\/$/, "");
}

function parseJson<T>(buf: Buffer, what: string): T {
  try {
    return JSON.parse(buf.toString("utf8")) as T;
  } catch (err) {
    throw bad(`${what} is not valid JSON`, err);
  }
}

function checkConfig(config: ImageConfig, what: string): string[] {
  const ids = config?.rootfs?.diff_ids;
  if (!Array.isArray(ids) || !ids.every((d) => typeof d === "string" && isDigest(d))) throw bad(`${what}: rootfs.diff_ids missing or invalid`);
  return ids;
}

/** Reads the archive into content (blobs) and memory (metadata). */
async function ingestArchive(core: ImageCore, lease: string, body: Readable, signal?: AbortSignal) {
  const files = new Map<string, FileRef>();
  const links = new Map<string, string>();
  const { stream } = await decompressGuarded(body, "archive");
  for await (const e of walkTar(stream)) {
    signal?.throwIfAborted();
    const name = cleanName(e.name);
    if (e.type === "symlink" || e.type === "hardlink") {
      const target = e.type === "symlink" ? path.posix.join(path.posix.dirname(name), e.linkname) : e.linkname;
      links.set(name, cleanName(target));
      continue;
    }
    if (e.type !== "file") {
      continue;
    }
    if (isMetadataName(name)) {
      if (e.size > maxMetadata) throw bad(`${name} is too large`);
      files.set(name, { mem: await e.readAll() });
      continue;
    }
    const m = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(name);
    const expected = m ? `sha256:${m[1]}` : undefined;
    if (expected) {
      core.leases.add(lease, "content", expected);
      if (await core.content.has(expected)) {
        const info = await core.content.info(expected);
        if (info.size !== e.size) throw bad(`${name}: size ${e.size} does not match its digest's blob (${info.size})`);
        files.set(name, { digest: expected, size: info.size });
        continue;
      }
    }
    const w = await core.content.writer();
    try {
      for await (const chunk of e.body()) await w.write(chunk);
      const info = await w.commit(expected ? { expected, expectedSize: e.size } : { expectedSize: e.size });
      core.leases.add(lease, "content", info.digest);
      files.set(name, { digest: info.digest, size: info.size });
    } catch (err) {
      await w.abort().catch(() => undefined);
      if (err instanceof DigestMismatchError) throw bad(`${name}: content does not match its digest (got ${err.actual})`, err);
      throw err;
    }
  }
  return { files, links };
}

export async function loadImages(
  core: ImageCore,
  body: Readable,
  opts: { quiet: boolean },
  progress: (m: JSONMessage) => void,
  signal?: AbortSignal,
): Promise<string[]> {
  return core.lock.shared(async () => {
    const lease = core.leases.create({ op: "load" });
    try {
      let ingested;
      try {
        ingested = await ingestArchive(core, lease, body, signal);
      } catch (err) {
        if (isInvalidArgument(err)) throw err;
        throw bad(err instanceof Error ? err.message : String(err), err);
      }
      const { files, links } = ingested;
      const resolve = (p: string): FileRef | undefined => {
        let n = cleanName(p);
        for (let i = 0; i < 16; i++) {
          const f = files.get(n);
          if (f) return f;
          const l = links.get(n);
          if (l === undefined) return undefined;
          n = l;
        }
        return undefined;
      };
      const read = async (f: FileRef): Promise<Buffer> => ("mem" in f ? f.mem : core.content.readBytes(f.digest));
      const byDigest = (d: string): FileRef | undefined => resolve(`blobs/sha256/${d.slice(7)}`);

      const images: LoadedImage[] = [];
      const manifestFile = files.get("manifest.json");
      const indexFile = files.get("index.json");
      if (manifestFile && "mem" in manifestFile) {
        const items = parseJson<unknown>(manifestFile.mem, "manifest.json");
        if (!Array.isArray(items)) throw bad("manifest.json is not a list");
        for (const it of items as { Config?: unknown; RepoTags?: unknown; Layers?: unknown }[]) {
          if (typeof it?.Config !== "string" || !Array.isArray(it.Layers)) throw bad("manifest.json entry without Config or Layers");
          const cf = resolve(it.Config);
          if (!cf) throw bad(`config ${it.Config} not found in archive`);
          const rawBuf = await read(cf);
          const raw = rawBuf.toString("utf8");
          const config = parseJson<ImageConfig>(rawBuf, it.Config);
          const diffIds = checkConfig(config, it.Config);
          if (diffIds.length !== it.Layers.length)
            throw bad(`invalid manifest, layers length mismatch: expected ${diffIds.length}, got ${it.Layers.length}`);
          const layers = it.Layers.map((p: unknown, i: number) => {
            const f = typeof p === "string" ? resolve(p) : undefined;
            if (!f) throw bad(`layer ${String(p)} not found in archive`);
            if ("mem" in f) throw bad(`layer ${String(p)} is not a layer`);
            return { diffId: diffIds[i] ?? "", blobDigest: f.digest };
          });
          const tags: string[] = [];
          for (const t of (Array.isArray(it.RepoTags) ? it.RepoTags : []) as unknown[]) {
            const ref = typeof t === "string" ? parseNormalizedNamed(t) : undefined;
            if (!ref || ref.tag === undefined || ref.digest !== undefined) throw bad(`invalid tag ${JSON.stringify(t)}`);
            tags.push(referenceString(ref));
          }
          images.push({ id: digestOf(rawBuf), raw, config, layers, tags });
        }
      } else if (indexFile && "mem" in indexFile) {
        const index = parseJson<Index>(indexFile.mem, "index.json");
        if (!Array.isArray(index.manifests)) throw bad("index.json has no manifests");
        const seen = new Map<string, LoadedImage>();
        const walk = async (desc: Descriptor, name: string | undefined, depth: number): Promise<void> => {
          if (depth > 4) throw bad("index nesting too deep");
          const f = byDigest(desc.digest);
          if (!f || "mem" in f) throw bad(`blob ${desc.digest} not found in archive`);
          if (f.size !== desc.size) throw bad(`blob ${desc.digest}: size ${f.size} does not match descriptor size ${desc.size}`);
          const buf = await read(f);
          if (desc.mediaType === MediaTypes.ociIndex || desc.mediaType === MediaTypes.dockerManifestList) {
            const sub = parseJson<Index>(buf, desc.digest);
            const match =
              sub.manifests.find((m) => m.platform?.os === core.platform.os && m.platform.architecture === core.platform.architecture) ??
              sub.manifests.find((m) => !m.platform);
            if (!match) throw bad(`no image for platform ${core.platform.os}/${core.platform.architecture} in ${desc.digest}`);
            await walk(match, name, depth + 1);
            return;
          }
          const man = parseJson<Manifest>(buf, desc.digest);
          if (!man.config || !Array.isArray(man.layers)) throw bad(`manifest ${desc.digest} has no config or layers`);
          const cf = byDigest(man.config.digest);
          if (!cf || "mem" in cf) throw bad(`config ${man.config.digest} not found in archive`);
          if (cf.size !== man.config.size) throw bad(`config ${man.config.digest}: size mismatch`);
          const rawBuf = await read(cf);
          const config = parseJson<ImageConfig>(rawBuf, man.config.digest);
          const diffIds = checkConfig(config, man.config.digest);
          if (diffIds.length !== man.layers.length)
            throw bad(`manifest ${desc.digest}: ${man.layers.length} layers but config has ${diffIds.length} diff_ids`);
          const layers = man.layers.map((l, i) => {
            const lf = byDigest(l.digest);
            if (!lf || "mem" in lf) throw bad(`layer ${l.digest} not found in archive`);
            if (lf.size !== l.size) throw bad(`layer ${l.digest}: size ${lf.size} does not match descriptor size ${l.size}`);
            return { diffId: diffIds[i] ?? "", blobDigest: l.digest };
          });
          let img = seen.get(man.config.digest);
          if (!img) {
            img = { id: man.config.digest, raw: rawBuf.toString("utf8"), config, layers, tags: [] };
            seen.set(img.id, img);
            images.push(img);
          }
          if (name !== undefined && !img.tags.includes(name)) img.tags.push(name);
        };
        for (const d of index.manifests) {
          const a = d.annotations ?? {};
          let name: string | undefined;
          const cand = a["io.containerd.image.name"] ?? a["org.opencontainers.image.ref.name"];
          if (cand !== undefined && /[:/]/.test(cand)) {
            try {
              const r = parseNormalizedNamed(cand);
              if (r.digest === undefined) name = referenceString({ ...r, tag: r.tag ?? "latest" });
            } catch {
              name = undefined; // a bare tag or an unparsable name: load untagged
            }
          }
          await walk(d, name, 0);
        }
      } else {
        throw bad("no manifest.json or index.json found");
      }
      if (images.length === 0) throw bad("no images found");

      // Verify layers against their diffIDs, keeping an uncompressed blob for each.
      for (const img of images) {
        for (const [i, l] of img.layers.entries()) {
          core.leases.add(lease, "content", l.diffId);
          if (l.blobDigest === l.diffId) continue;
          if (!(await core.content.has(l.diffId))) {
            const { stream } = await decompressGuarded(await core.content.reader(l.blobDigest), `layer ${l.diffId}`);
            try {
              await core.content.writeStream(stream, signal ? { expected: l.diffId, signal } : { expected: l.diffId });
            } catch (err) {
              if (err instanceof DigestMismatchError)
                throw bad(`layer ${i} of image ${img.id}: diffID mismatch: expected ${l.diffId}, got ${err.actual}`, err);
              throw err;
            }
          }
          img.layers[i] = { diffId: l.diffId, blobDigest: l.diffId };
        }
        const cfg = await core.content.writeBytes(img.raw, { expected: img.id });
        core.leases.add(lease, "content", cfg.digest);
      }

      // Unpack, then make everything visible at once.
      const unpacked = new Map<string, { chainId: string; size: number }[]>();
      for (const img of images) unpacked.set(img.id, await unpackLayers(core, lease, img.layers, signal));
      const sizes = new Map<string, number>();
      for (const img of images) for (const l of img.layers) if (!sizes.has(l.diffId)) sizes.set(l.diffId, (await core.content.info(l.diffId)).size);
      const lines: string[] = [];
      const events: [string, string][] = [];
      core.state.tx(() => {
        for (const img of images) {
          const chains = chainIds(img.layers.map((l) => l.diffId));
          const u = unpacked.get(img.id) ?? [];
          core.store.insert({
            id: img.id,
            rawConfig: img.raw,
            config: img.config,
            layers: img.layers.map((l, i) => ({
              diffId: l.diffId,
              chainId: chains[i] ?? "",
              blobDigest: l.blobDigest,
              mediaType: MediaTypes.ociLayer,
              blobSize: sizes.get(l.diffId) ?? 0,
              size: u[i]?.size ?? 0,
            })),
          });
          for (const t of img.tags) {
            const prev = core.store.setTag(t, img.id);
            const fam = familiarString(parseNormalizedNamed(t));
            if (prev !== undefined)
              lines.push(`The image ${fam} already exists, renaming the old one with ID ${prev} to empty string\n`);
            lines.push(`Loaded image: ${fam}\n`);
          }
          if (img.tags.length === 0) lines.push(`Loaded image ID: ${img.id}\n`);
          events.push([img.id, img.config.config?.Labels ? JSON.stringify(img.config.config.Labels) : "{}"]);
        }
      });
      void opts.quiet; // dockerd prints the result lines whether quiet or not; quiet only hides progress bars.
      for (const [id, labels] of events) core.emitImage("load", id, id, JSON.parse(labels) as Record<string, string>);
      for (const l of lines) progress({ stream: l });
      return images.map((i) => i.id);
    } finally {
      // Blobs the archive carried that no image references (its own manifests, or everything after a
      // failed load) go now rather than waiting for the next GC.
      const ingested = core.leases.resources(lease, "content");
      core.leases.delete(lease);
      await deleteUnusedBlobs(core, ingested);
    }
  });
}
