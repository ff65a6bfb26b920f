import type Database from "better-sqlite3";
import type { Migration } from "../migrations.js";

/**
 * 0002 — images, tags, repo digests, and leases (owned by images/).
 *
 *   images(id PK)                         one row per image; id = "sha256:<config digest>" (docker's image ID)
 *     config        raw config JSON, byte-exact copy of the config blob (also kept in content)
 *     manifest_digest / manifest_media_type   a manifest blob kept in content, when there is one
 *     top_chain_id  committed snapshot of the top layer (NULL when the image has no layers)
 *     size          sum of unpacked layer sizes (docker's Size)
 *     created       config.created in unix milliseconds (0 when absent)
 *     last_tag_time ISO time of the last tag (Metadata.LastTagTime), NULL when never tagged
 *     parent        parent image id (local builds / commits), NULL otherwise
 *     labels        config.config.Labels as JSON (list/prune filters without parsing config)
 *     added         ISO time the image was stored here
 *   image_layers(image_id → images, idx)   the image's layers in order
 *     diff_id, chain_id, blob_digest, media_type, blob_size, size (unpacked size)
 *   image_tags(name PK → images)          "docker.io/library/busybox:latest" → image
 *   image_digests(name PK → images)       "docker.io/library/busybox@sha256:…" → image (RepoDigests)
 *   leases(id PK)                         work in flight (load, import, pull, build)
 *   lease_resources(lease → leases, kind, key)   kind: "content" (blob digest) | "snapshot" (key/name)
 */
export const imagesMigration: Migration = {
  version: 2,
  name: "images",
  up(db: Database.Database): void {
    db.exec(`
      CREATE TABLE images (
        id TEXT PRIMARY KEY,
        config TEXT NOT NULL,
        manifest_digest TEXT,
        manifest_media_type TEXT,
        top_chain_id TEXT,
        size INTEGER NOT NULL DEFAULT 0,
        created INTEGER NOT NULL DEFAULT 0,
        last_tag_time TEXT,
        parent TEXT,
        labels TEXT NOT NULL DEFAULT '{}',
        added TEXT NOT NULL
      );
      CREATE INDEX images_parent ON images(parent);
      CREATE TABLE image_layers (
        image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        diff_id TEXT NOT NULL,
        chain_id TEXT NOT NULL,
        blob_digest TEXT NOT NULL,
        media_type TEXT NOT NULL,
        blob_size INTEGER NOT NULL,
        size INTEGER NOT NULL,
        PRIMARY KEY (image_id, idx)
      );
      CREATE INDEX image_layers_chain ON image_layers(chain_id);
      CREATE INDEX image_layers_blob ON image_layers(blob_digest);
      CREATE TABLE image_tags (
        name TEXT PRIMARY KEY,
        image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        created TEXT NOT NULL
      );
      CREATE INDEX image_tags_image ON image_tags(image_id);
      CREATE TABLE image_digests (
        name TEXT PRIMARY KEY,
        image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE
      );
      CREATE INDEX image_digests_image ON image_digests(image_id);
      CREATE TABLE leases (
        id TEXT PRIMARY KEY,
        created TEXT NOT NULL,
        expires TEXT,
        labels TEXT NOT NULL DEFAULT '{}'
      );
      CREATE TABLE lease_resources (
        lease_id TEXT NOT NULL REFERENCES leases(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('content', 'snapshot')),
        key TEXT NOT NULL,
        PRIMARY KEY (lease_id, kind, key)
      );
    `);
  },
};
