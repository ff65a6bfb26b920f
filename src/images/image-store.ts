/**
 * ImageStore: the images/image_layers/image_tags/image_digests tables (schema in
 * state/migrations/0002-images.ts). Synchronous (better-sqlite3); every multi-row change runs in one
 * transaction, so an image becomes visible with all its layers and tags at once.
 */
import type { StateDb } from "../state/index.js";
import type { ImageConfig } from "../oci/index.js";
import type { ImageRecord, ImageRow, LayerRecord } from "./image-record.js";
import { isoTime } from "../util/iso-time.js";

interface ImageDbRow {
  id: string;
  config: string;
  manifest_digest: string | null;
  manifest_media_type: string | null;
  top_chain_id: string | null;
  size: number;
  created: number;
  last_tag_time: string | null;
  parent: string | null;
  labels: string;
  added: string;
}

interface LayerDbRow {
  diff_id: string;
  chain_id: string;
  blob_digest: string;
  media_type: string;
  blob_size: number;
  size: number;
}

export interface NewImage {
  id: string;
  rawConfig: string;
  config: ImageConfig;
  layers: LayerRecord[];
  manifestDigest?: string;
  manifestMediaType?: string;
  parent?: string;
}

export class ImageStore {
  constructor(private readonly state: StateDb) {}

  private get db() {
    return this.state.db;
  }

  has(id: string): boolean {
    return this.db.prepare("SELECT 1 FROM images WHERE id = ?").get(id) !== undefined;
  }

  get(id: string): ImageRecord | undefined {
    const r = this.db.prepare("SELECT * FROM images WHERE id = ?").get(id) as ImageDbRow | undefined;
    if (!r) return undefined;
    const layers = (
      this.db.prepare("SELECT * FROM image_layers WHERE image_id = ? ORDER BY idx").all(id) as LayerDbRow[]
    ).map(
      (l): LayerRecord => ({
        diffId: l.diff_id,
        chainId: l.chain_id,
        blobDigest: l.blob_digest,
        mediaType: l.media_type,
        blobSize: l.blob_size,
        size: l.size,
      }),
    );
    const rec: ImageRecord = {
      id: r.id,
      rawConfig: r.config,
      config: JSON.parse(r.config) as ImageConfig,
      size: r.size,
      created: r.created,
      labels: JSON.parse(r.labels) as Record<string, string>,
      added: r.added,
      layers,
      tags: this.tagsOf(id),
      digests: this.digestsOf(id),
    };
    if (r.manifest_digest !== null) rec.manifestDigest = r.manifest_digest;
    if (r.manifest_media_type !== null) rec.manifestMediaType = r.manifest_media_type;
    if (r.top_chain_id !== null) rec.topChainId = r.top_chain_id;
    if (r.last_tag_time !== null) rec.lastTagTime = r.last_tag_time;
    if (r.parent !== null) rec.parent = r.parent;
    return rec;
  }

  /** Every image with its tags, digests and child count, in one query. */
  rows(): ImageRow[] {
    const rs = this.db
      .prepare(
        `SELECT i.id, i.parent, i.created, i.size, i.labels,
           (SELECT json_group_array(name) FROM (SELECT name FROM image_tags t WHERE t.image_id = i.id ORDER BY t.created, t.name)) AS tags,
           (SELECT json_group_array(name) FROM (SELECT name FROM image_digests d WHERE d.image_id = i.id ORDER BY d.name)) AS digests,
           (SELECT COUNT(*) FROM images c WHERE c.parent = i.id) AS children
         FROM images i`,
      )
      .all() as {
      id: string;
      parent: string | null;
      created: number;
      size: number;
      labels: string;
      tags: string;
      digests: string;
      children: number;
    }[];
    return rs.map((r) => {
      const row: ImageRow = {
        id: r.id,
        created: r.created,
        size: r.size,
        labels: JSON.parse(r.labels) as Record<string, string>,
        tags: JSON.parse(r.tags) as string[],
        digests: JSON.parse(r.digests) as string[],
        children: r.children,
      };
      if (r.parent !== null) row.parent = r.parent;
      return row;
    });
  }

  tagsOf(id: string): string[] {
    return (
      this.db.prepare("SELECT name FROM image_tags WHERE image_id = ? ORDER BY created, name").all(id) as { name: string }[]
    ).map((r) => r.name);
  }

  digestsOf(id: string): string[] {
    return (
      this.db.prepare("SELECT name FROM image_digests WHERE image_id = ? ORDER BY name").all(id) as { name: string }[]
    ).map((r) => r.name);
  }

  /** Image id of a full tag reference. */
  byTag(name: string): string | undefined {
    const r = this.db.prepare("SELECT image_id FROM image_tags WHERE name = ?").get(name) as { image_id: string } | undefined;
    return r?.image_id;
  }

  /** Image id of a full digest reference (`repo@sha256:…`). */
  byDigest(name: string): string | undefined {
    const r = this.db.prepare("SELECT image_id FROM image_digests WHERE name = ?").get(name) as
      | { image_id: string }
      | undefined;
    return r?.image_id;
  }

  /** Up to `limit` image ids starting with "sha256:<hexPrefix>". */
  byPrefix(hexPrefix: string, limit = 2): string[] {
    const lo = `sha256:${hexPrefix}`;
    return (
      this.db.prepare("SELECT id FROM images WHERE id >= ? AND id < ? ORDER BY id LIMIT ?").all(lo, lo + "\uffff", limit) as {
        id: string;
      }[]
    ).map((r) => r.id);
  }

  children(id: string): string[] {
    return (this.db.prepare("SELECT id FROM images WHERE parent = ?").all(id) as { id: string }[]).map((r) => r.id);
  }

  /** Sets an image's parent (the classic builder links a `--cache-from` source under the step it stood for). */
  setParent(id: string, parent: string): void {
    this.db.prepare("UPDATE images SET parent = ? WHERE id = ?").run(parent, id);
  }

  /** Inserts an image (no-op for the rows when it already exists). Returns true when it was new. */
  insert(img: NewImage): boolean {
    return this.state.tx(() => {
      if (this.has(img.id)) return false;
      const created = img.config.created ? Date.parse(img.config.created) : 0;
      const top = img.layers.at(-1);
      this.db
        .prepare(
          `INSERT INTO images (id, config, manifest_digest, manifest_media_type, top_chain_id, size, created, parent, labels, added)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          img.id,
          img.rawConfig,
          img.manifestDigest ?? null,
          img.manifestMediaType ?? null,
          top?.chainId ?? null,
          img.layers.reduce((n, l) => n + l.size, 0),
          Number.isFinite(created) ? created : 0,
          img.parent ?? null,
          JSON.stringify(img.config.config?.Labels ?? {}),
          isoTime(),
        );
      const ins = this.db.prepare(
        `INSERT INTO image_layers (image_id, idx, diff_id, chain_id, blob_digest, media_type, blob_size, size)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      img.layers.forEach((l, i) => ins.run(img.id, i, l.diffId, l.chainId, l.blobDigest, l.mediaType, l.blobSize, l.size));
      return true;
    });
  }

  /** Points tag `name` at `id`; returns the image it pointed at before (if different). */
  setTag(name: string, id: string, now = isoTime()): string | undefined {
    return this.state.tx(() => {
      const prev = this.byTag(name);
      this.db
        .prepare(
          "INSERT INTO image_tags (name, image_id, created) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET image_id = excluded.image_id, created = excluded.created",
        )
        .run(name, id, now);
      this.db.prepare("UPDATE images SET last_tag_time = ? WHERE id = ?").run(now, id);
      return prev !== undefined && prev !== id ? prev : undefined;
    });
  }

  addDigest(name: string, id: string): void {
    this.db
      .prepare("INSERT INTO image_digests (name, image_id) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET image_id = excluded.image_id")
      .run(name, id);
  }

  deleteTag(name: string): boolean {
    return this.db.prepare("DELETE FROM image_tags WHERE name = ?").run(name).changes > 0;
  }

  deleteDigest(name: string): boolean {
    return this.db.prepare("DELETE FROM image_digests WHERE name = ?").run(name).changes > 0;
  }

  /** Deletes the image row (layers, tags and digests cascade). */
  delete(id: string): void {
    this.state.tx(() => {
      this.db.prepare("DELETE FROM image_tags WHERE image_id = ?").run(id);
      this.db.prepare("DELETE FROM image_digests WHERE image_id = ?").run(id);
      this.db.prepare("DELETE FROM image_layers WHERE image_id = ?").run(id);
      this.db.prepare("UPDATE images SET parent = NULL WHERE parent = ?").run(id);
      this.db.prepare("DELETE FROM images WHERE id = ?").run(id);
    });
  }

  /** Is this chain ID used by any image? */
  chainInUse(chainId: string): boolean {
    return this.db.prepare("SELECT 1 FROM image_layers WHERE chain_id = ? LIMIT 1").get(chainId) !== undefined;
  }

  /** Is this blob referenced by any image (config, manifest or layer)? */
  blobInUse(digest: string): boolean {
    return (
      this.db
        .prepare(
          `SELECT 1 WHERE EXISTS (SELECT 1 FROM images WHERE id = @d OR manifest_digest = @d)
             OR EXISTS (SELECT 1 FROM image_layers WHERE blob_digest = @d)`,
        )
        .get({ d: digest }) !== undefined
    );
  }

  /** Unpacked size of a layer known to any image. */
  layerSize(chainId: string): number | undefined {
    const r = this.db.prepare("SELECT size FROM image_layers WHERE chain_id = ? LIMIT 1").get(chainId) as
      | { size: number }
      | undefined;
    return r?.size;
  }

  /** GC roots. */
  referencedBlobs(): Set<string> {
    const out = new Set<string>();
    for (const r of this.db
      .prepare(
        "SELECT id AS d FROM images UNION SELECT manifest_digest FROM images WHERE manifest_digest IS NOT NULL UNION SELECT blob_digest FROM image_layers",
      )
      .all() as { d: string }[])
      out.add(r.d);
    return out;
  }

  referencedChains(): Set<string> {
    return new Set((this.db.prepare("SELECT DISTINCT chain_id FROM image_layers").all() as { chain_id: string }[]).map((r) => r.chain_id));
  }

  /** Per-chain use counts across images (disk usage's SharedSize). */
  chainUseCounts(): Map<string, { size: number; images: number }> {
    const m = new Map<string, { size: number; images: number }>();
    for (const r of this.db
      .prepare("SELECT chain_id, MAX(size) AS size, COUNT(DISTINCT image_id) AS n FROM image_layers GROUP BY chain_id")
      .all() as { chain_id: string; size: number; n: number }[])
      m.set(r.chain_id, { size: r.size, images: r.n });
    return m;
  }

  /** Layers (chain_id, size) of every image. */
  imageChains(): Map<string, { chainId: string; size: number }[]> {
    const m = new Map<string, { chainId: string; size: number }[]>();
    for (const r of this.db.prepare("SELECT image_id, chain_id, size FROM image_layers ORDER BY image_id, idx").all() as {
      image_id: string;
      chain_id: string;
      size: number;
    }[]) {
      let l = m.get(r.image_id);
      if (!l) m.set(r.image_id, (l = []));
      l.push({ chainId: r.chain_id, size: r.size });
    }
    return m;
  }
}
