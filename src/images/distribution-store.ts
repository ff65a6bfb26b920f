/**
 * The layer_blobs and blob_locations tables (schema in state/migrations/0007-distribution.ts):
 * diffID → compressed blob (so a layer is compressed once), and which repositories hold a blob (for
 * cross-repository mounts). Synchronous (better-sqlite3).
 */
import type { StateDb } from "../state/index.js";
import { isoTime } from "../util/iso-time.js";

export interface CompressedLayer {
  blobDigest: string;
  mediaType: string;
  size: number;
}

export class DistributionStore {
  constructor(private readonly state: StateDb) {}

  /** Compressed blobs known for an uncompressed layer. */
  compressedOf(diffId: string): CompressedLayer[] {
    return (
      this.state.db.prepare("SELECT blob_digest, media_type, size FROM layer_blobs WHERE diff_id = ?").all(diffId) as {
        blob_digest: string;
        media_type: string;
        size: number;
      }[]
    ).map((r) => ({ blobDigest: r.blob_digest, mediaType: r.media_type, size: r.size }));
  }

  recordCompressed(diffId: string, c: CompressedLayer): void {
    this.state.db
      .prepare(
        `INSERT INTO layer_blobs (diff_id, media_type, blob_digest, size) VALUES (?, ?, ?, ?)
         ON CONFLICT(diff_id, media_type) DO UPDATE SET blob_digest = excluded.blob_digest, size = excluded.size`,
      )
      .run(diffId, c.mediaType, c.blobDigest, c.size);
  }

  /** Repositories on `registry` known to hold `blob`, most recently seen first. */
  locations(blob: string, registry: string): string[] {
    return (
      this.state.db
        .prepare("SELECT repository FROM blob_locations WHERE blob_digest = ? AND registry = ? ORDER BY seen DESC")
        .all(blob, registry) as { repository: string }[]
    ).map((r) => r.repository);
  }

  recordLocation(blob: string, registry: string, repository: string, now = isoTime()): void {
    this.state.db
      .prepare(
        `INSERT INTO blob_locations (blob_digest, registry, repository, seen) VALUES (?, ?, ?, ?)
         ON CONFLICT(blob_digest, registry, repository) DO UPDATE SET seen = excluded.seen`,
      )
      .run(blob, registry, repository, now);
  }

  /** GC roots: compressed blobs of layers some image still uses. */
  referencedBlobs(): Set<string> {
    return new Set(
      (
        this.state.db
          .prepare("SELECT DISTINCT blob_digest FROM layer_blobs WHERE diff_id IN (SELECT diff_id FROM image_layers)")
          .all() as { blob_digest: string }[]
      ).map((r) => r.blob_digest),
    );
  }

  /** After GC: forget entries whose blob is no longer stored. */
  forgetBlobs(digests: Iterable<string>): void {
    const delLayer = this.state.db.prepare("DELETE FROM layer_blobs WHERE blob_digest = ?");
    const delLoc = this.state.db.prepare("DELETE FROM blob_locations WHERE blob_digest = ?");
    this.state.tx(() => {
      for (const d of digests) {
        delLayer.run(d);
        delLoc.run(d);
      }
    });
  }
}

/** Layer records of images whose stack has this chain ID (to reuse a layer another image already has). */
export function layersOfChain(state: StateDb, chainId: string): { blobDigest: string; mediaType: string; blobSize: number; size: number; diffId: string }[] {
  return (
    state.db.prepare("SELECT diff_id, blob_digest, media_type, blob_size, size FROM image_layers WHERE chain_id = ?").all(chainId) as {
      diff_id: string;
      blob_digest: string;
      media_type: string;
      blob_size: number;
      size: number;
    }[]
  ).map((r) => ({ diffId: r.diff_id, blobDigest: r.blob_digest, mediaType: r.media_type, blobSize: r.blob_size, size: r.size }));
}
