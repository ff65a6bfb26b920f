/**
 * state/: the metadata database.
 *
 * Schema (see each migration for columns):
 *   schema_migrations(version, name, applied)
 *   snapshots(key PK, parent → snapshots.key, kind, dir_id, …)        — 0001, owned by snapshots/
 *   images(id PK, …), image_tags(name PK → images.id), image_digests    — 0002, owned by images/
 *   leases(id PK, …), lease_resources(lease, kind, key)                — 0002 (pins work in flight from GC)
 */
export { StateDb } from "./state-db.js";
export type { Migration } from "./migrations.js";
