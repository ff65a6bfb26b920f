import type Database from "better-sqlite3";
import type { Migration } from "../migrations.js";

/**
 * 0004 — build cache (owned by builder/).
 *
 *   build_cache(parent, cache_key PK)  one row per cached build step
 *     parent     the image the step ran on ("sha256:…", or "" for a stage FROM scratch)
 *     cache_key  sha256 of the step's expanded instruction, config and content checksum
 *     image_id   the image the step produced
 *     created    ISO time
 *     last_used  ISO time of the last hit
 *     description  the step as written (`RUN echo hi`), for `system df -v`
 */
export const buildCacheMigration: Migration = {
  version: 4,
  name: "build-cache",
  up(db: Database.Database): void {
    db.exec(`
      CREATE TABLE build_cache (
        parent TEXT NOT NULL,
        cache_key TEXT NOT NULL,
        image_id TEXT NOT NULL,
        created TEXT NOT NULL,
        last_used TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (parent, cache_key)
      );
      CREATE INDEX build_cache_image ON build_cache (image_id);
    `);
  },
};
