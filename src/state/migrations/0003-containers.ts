import type Database from "better-sqlite3";
import type { Migration } from "../migrations.js";

/**
 * 0003 — containers (owned by containers/).
 *
 *   containers(id PK)   one row per container (64 hex id)
 *     name          "/name", unique
 *     image         the image reference the user gave ("busybox")
 *     image_id      "sha256:…" resolved at create (images.setInUse uses it)
 *     config        ContainerConfig JSON (merged with the image's)
 *     host_config   HostConfig JSON
 *     status        created | running | paused | restarting | removing | exited | dead
 *     state         ContainerState extras as JSON (Pid, ExitCode, Error, StartedAt, FinishedAt, OOMKilled, Health…)
 *     restart_count docker's RestartCount
 *     created       ISO time of creation
 *     snapshot_key  the rootfs snapshot key (= id)
 */
export const containersMigration: Migration = {
  version: 3,
  name: "containers",
  up(db: Database.Database): void {
    db.exec(`
      CREATE TABLE containers (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        image TEXT NOT NULL,
        image_id TEXT NOT NULL,
        config TEXT NOT NULL,
        host_config TEXT NOT NULL,
        status TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT '{}',
        restart_count INTEGER NOT NULL DEFAULT 0,
        created TEXT NOT NULL,
        snapshot_key TEXT NOT NULL
      );
      CREATE INDEX containers_image_id ON containers(image_id);
    `);
  },
};
