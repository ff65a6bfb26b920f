import type Database from "better-sqlite3";
import type { Migration } from "../migrations.js";

/**
 * 0005 — volumes (owned by volumes/).
 *
 *   volumes(name PK)   one row per volume; the row is the commit point (its directory exists first)
 *     driver     "local"
 *     labels     JSON object
 *     options    JSON object of driver options (type, o, device)
 *     anonymous  1 for volumes made for `-v /path` or an image VOLUME
 *     created    ISO time
 *   volume_refs(container_id, destination PK)  which container mounts which volume where
 *     volume     → volumes.name
 */
export const volumesMigration: Migration = {
  version: 5,
  name: "volumes",
  up(db: Database.Database): void {
    db.exec(`
      CREATE TABLE volumes (
        name TEXT PRIMARY KEY,
        driver TEXT NOT NULL,
        labels TEXT NOT NULL DEFAULT '{}',
        options TEXT NOT NULL DEFAULT '{}',
        anonymous INTEGER NOT NULL DEFAULT 0,
        created TEXT NOT NULL
      );
      CREATE TABLE volume_refs (
        container_id TEXT NOT NULL,
        destination TEXT NOT NULL,
        volume TEXT NOT NULL REFERENCES volumes(name),
        PRIMARY KEY (container_id, destination)
      );
      CREATE INDEX volume_refs_volume ON volume_refs(volume);
    `);
  },
};
