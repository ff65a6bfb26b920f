import type Database from "better-sqlite3";
import type { Migration } from "../migrations.js";

/**
 * 0007 — what registry transfers remember (owned by images/).
 *
 *   layer_blobs(diff_id, media_type PK)     an uncompressed layer (diffID) → the compressed blob made or pulled for
 *     blob_digest, size                     it, so a push compresses each layer once and a pulled blob is reused
 *   blob_locations(blob_digest, registry, repository PK)   repositories known to hold a blob (after a pull or a
 *     seen                                  push): candidates for a cross-repository mount on push
 * Neither table is a GC root by itself: a layer_blobs blob survives while its diffID is used by an image.
 */
export const distributionMigration: Migration = {
  version: 7,
  name: "distribution",
  up(db: Database.Database): void {
    db.exec(`
      CREATE TABLE layer_blobs (
        diff_id TEXT NOT NULL,
        media_type TEXT NOT NULL,
        blob_digest TEXT NOT NULL,
        size INTEGER NOT NULL,
        PRIMARY KEY (diff_id, media_type)
      );
      CREATE INDEX layer_blobs_blob ON layer_blobs(blob_digest);
      CREATE TABLE blob_locations (
        blob_digest TEXT NOT NULL,
        registry TEXT NOT NULL,
        repository TEXT NOT NULL,
        seen TEXT NOT NULL,
        PRIMARY KEY (blob_digest, registry, repository)
      );
    `);
  },
};
