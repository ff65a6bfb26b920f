/**
 * `docker save`: a docker-archive as Docker 25+ writes it: an OCI layout (oci-layout, index.json,
 * blobs/sha256/: configs, uncompressed layer tars, manifests) plus manifest.json and repositories.
 * Entries are sorted and timestamps fixed, so the same images give the same bytes. Layer blobs are
 * streamed straight from content; nothing is staged.
 */
import type { Readable } from "node:stream";
import { decompress } from "../archive/index.js";
import { NoSuchImageError } from "../errdefs/index.js";
import type { Descriptor } from "../oci/index.js";
import {
  MediaTypes,
  digestOf,
  familiarName,
  familiarString,
  parseAnyReference,
  parseFullReference,
  referenceString,
} from "../oci/index.js";
import type { ImageCore } from "./core.js";
import type { ImageRecord } from "./image-record.js";
import { resolveImageId } from "./lookup.js";
import { packTar, type TarWriteEntry } from "../archive/index.js";

/** An entry of the archive being written; file bodies are opened only when the writer reaches them. */
interface OutEntry {
  name: string;
  type: "file" | "dir";
  size: number;
  mtime: number;
  body?: () => Promise<AsyncIterable<Uint8Array>> | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

function toTarEntry(e: OutEntry): TarWriteEntry {
  const open = e.body;
  if (e.type === "dir") return { name: e.name, type: "dir", mode: 0o755, mtime: e.mtime };
  async function* lazy(): AsyncGenerator<Uint8Array> {
    if (open) yield* await open();
  }
  return { name: e.name, type: "file", mode: 0o644, mtime: e.mtime, size: e.size, source: lazy() };
}

interface Selected {
  rec: ImageRecord;
  refs: string[]; // full tag references
}

/** dockerd's parseNames: ids, names (all tags of a repo), name:tag, name@digest. */
export function selectImages(core: ImageCore, names: readonly string[]): Selected[] {
  const out = new Map<string, Selected>();
  const add = (id: string, ref?: string): void => {
    let s = out.get(id);
    if (!s) {
      const rec = core.store.get(id);
      if (!rec) throw new NoSuchImageError(id);
      out.set(id, (s = { rec, refs: [] }));
    }
    if (ref !== undefined && !s.refs.includes(ref)) s.refs.push(ref);
  };
  for (const name of names) {
    const any = parseAnyReference(name);
    if (any.name === undefined) {
      add(resolveImageId(core.store, name));
      continue;
    }
    if (familiarName(any) === "sha256") {
      add(resolveImageId(core.store, name));
      continue;
    }
    if (any.tag === undefined && any.digest === undefined) {
      const prefix = any.name + ":";
      const tags = core.state.db.prepare("SELECT name, image_id FROM image_tags WHERE name > ? AND name < ? ORDER BY name").all(prefix, prefix + "\uffff") as {
        name: string;
        image_id: string;
      }[];
      if (tags.length === 0) add(resolveImageId(core.store, name));
      for (const t of tags) add(t.image_id, t.name);
      continue;
    }
    const id = resolveImageId(core.store, name);
    add(id, any.digest === undefined ? referenceString(any) : undefined);
  }
  return [...out.values()];
}

const blobPath = (d: string): string => `blobs/sha256/${d.slice(7)}`;

async function layerSource(core: ImageCore, diffId: string, blobDigest: string): Promise<{ digest: string; size: number; open: () => Promise<AsyncIterable<Uint8Array>> }> {
  if (await core.content.has(diffId)) {
    const info = await core.content.info(diffId);
    return { digest: diffId, size: info.size, open: () => core.content.reader(diffId) };
  }
  // Only a compressed blob is kept: measure the uncompressed size first (two passes).
  const open = async (): Promise<AsyncIterable<Uint8Array>> => (await decompress(await core.content.reader(blobDigest))).stream;
  let size = 0;
  for await (const c of await open()) size += (c as Uint8Array).length;
  return { digest: diffId, size, open };
}

export async function saveImages(core: ImageCore, names: readonly string[]): Promise<Readable> {
  const selected = selectImages(core, names);
  const blobs = new Map<string, OutEntry>();
  const manifestJson: unknown[] = [];
  const indexManifests: Descriptor[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const { rec, refs } of selected) {
    const created = rec.created > 0 ? Math.floor(rec.created / 1000) : 0;
    blobs.set(rec.id, {
      name: blobPath(rec.id),
      type: "file",
      size: Buffer.byteLength(rec.rawConfig),
      mtime: created,
      body: () => [Buffer.from(rec.rawConfig)],
    });
    const layerDescs: Descriptor[] = [];
    const layerSources: Record<string, { mediaType: string; size: number; digest: string }> = {};
    for (const l of rec.layers) {
      const src = await layerSource(core, l.diffId, l.blobDigest);
      if (!blobs.has(src.digest))
        blobs.set(src.digest, { name: blobPath(src.digest), type: "file", size: src.size, mtime: created, body: src.open });
      layerDescs.push({ mediaType: MediaTypes.ociLayer, digest: src.digest, size: src.size });
      layerSources[l.diffId] = { mediaType: MediaTypes.ociLayer, size: src.size, digest: src.digest };
    }
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { mediaType: MediaTypes.ociConfig, digest: rec.id, size: Buffer.byteLength(rec.rawConfig) },
      layers: layerDescs,
    });
    const mDigest = digestOf(manifest);
    blobs.set(mDigest, { name: blobPath(mDigest), type: "file", size: Buffer.byteLength(manifest), mtime: 0, body: () => [Buffer.from(manifest)] });
    const desc: Descriptor = { mediaType: MediaTypes.ociManifest, digest: mDigest, size: Buffer.byteLength(manifest) };
    const repoTags: string[] = [];
    for (const full of refs) {
      const r = parseFullReference(full);
      const fam = familiarName(r);
      const top = rec.layers.at(-1);
      if (top) (repositories[fam] ??= {})[r.tag ?? "latest"] = top.diffId.slice(7);
      repoTags.push(familiarString(r));
      indexManifests.push({
        ...desc,
        annotations: { "io.containerd.image.name": full, "org.opencontainers.image.ref.name": r.tag ?? "latest" },
      });
    }
    if (refs.length === 0) indexManifests.push(desc);
    const item: Record<string, unknown> = {
      Config: blobPath(rec.id),
      RepoTags: repoTags.length > 0 ? repoTags : null,
      Layers: rec.layers.map((l) => blobPath(l.diffId)),
    };
    if (rec.parent && selected.some((s) => s.rec.id === rec.parent)) item.Parent = rec.parent;
    if (rec.layers.length > 0) item.LayerSources = layerSources;
    manifestJson.push(item);
  }
  const text = (name: string, s: string): OutEntry => ({ name, type: "file", size: Buffer.byteLength(s), mtime: 0, body: () => [Buffer.from(s)] });
  const entries: OutEntry[] = [
    { name: "blobs/", type: "dir", size: 0, mtime: 0 },
    { name: "blobs/sha256/", type: "dir", size: 0, mtime: 0 },
    ...[...blobs.values()].sort((a, b) => (a.name < b.name ? -1 : 1)),
    text("index.json", JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: indexManifests })),
    text("manifest.json", JSON.stringify(manifestJson) + "\n"),
    text("oci-layout", '{"imageLayoutVersion": "1.0.0"}'),
  ];
  if (Object.keys(repositories).length > 0) {
    // Go's encoding/json writes map keys sorted.
    const sorted: Record<string, Record<string, string>> = {};
    for (const k of Object.keys(repositories).sort()) {
      const tags = repositories[k] ?? {};
      sorted[k] = Object.fromEntries(Object.keys(tags).sort().map((t) => [t, tags[t] ?? ""]));
    }
    entries.push(text("repositories", JSON.stringify(sorted) + "\n"));
  }
  for (const { rec } of selected) core.emitImage("save", rec.id, rec.id, rec.labels);
  return packTar(entries.map(toTarEntry));
}
