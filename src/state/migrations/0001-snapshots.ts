import type Database from "better-sqlite3";

/**
 * snapshots: one row per snapshot of each snapshotter.
 *   snapshotter  "overlayfs" | "native"
 *   key          committed: the layer's chain ID; active/view: the owner's key ("extract-…", a container id)
 *   dir_id       the snapshot's directory: <snapshotter root>/<dir_id>
 *   parent       key of the parent snapshot (same snapshotter), NULL for a base layer
 *   kind         committed | active | view
 */
export const snapshotsMigration = {
  version: 1,
  name: "snapshots",
  up(db: Database.Database): void {
    db.exec(`
      CREATE TABLE snapshots (
        snapshotter TEXT NOT NULL,
        key TEXT NOT NULL,
        dir_id INTEGER NOT NULL,
        parent TEXT,
        kind TEXT NOT NULL CHECK (kind IN ('committed', 'active', 'view')),
        created TEXT NOT NULL,
        labels TEXT NOT NULL DEFAULT '{}',
        PRIMARY KEY (snapshotter, key),
        UNIQUE (snapshotter, dir_id)
      );
      CREATE INDEX snapshots_by_parent ON snapshots (snapshotter, parent);
    `);
  },
};
