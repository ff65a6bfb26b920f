import type { Migration } from "../../state/index.js";

/**
 * The registry server's own schema (<root>/state.db), separate from berthd's list:
 *   blobs(digest PK, size, created)            committed blobs under blobs/sha256/<hex>
 *   repos(name PK)                             repositories that ever received a write
 *   repo_blobs(repo, digest)                   blob links: a blob is visible in a repo only when linked
 *   manifests(repo, digest, media_type, …)     manifests (their bytes are blobs), subject for referrers
 *   manifest_refs(repo, manifest, ref)         what each manifest references (config, layers, children)
 *   tags(repo, tag, digest)
 */
export const registryMigrations: readonly Migration[] = [
  {
    version: 1,
    name: "registry",
    up(db) {
      db.exec(`
        CREATE TABLE blobs (digest TEXT PRIMARY KEY, size INTEGER NOT NULL, created INTEGER NOT NULL);
        CREATE TABLE repos (name TEXT PRIMARY KEY);
        CREATE TABLE repo_blobs (repo TEXT NOT NULL, digest TEXT NOT NULL, PRIMARY KEY (repo, digest));
        CREATE INDEX repo_blobs_digest ON repo_blobs (digest);
        CREATE TABLE manifests (
          repo TEXT NOT NULL, digest TEXT NOT NULL, media_type TEXT NOT NULL, size INTEGER NOT NULL,
          artifact_type TEXT, subject TEXT, annotations TEXT, created INTEGER NOT NULL,
          PRIMARY KEY (repo, digest));
        CREATE INDEX manifests_subject ON manifests (repo, subject);
        CREATE TABLE manifest_refs (repo TEXT NOT NULL, manifest TEXT NOT NULL, ref TEXT NOT NULL,
          PRIMARY KEY (repo, manifest, ref));
        CREATE TABLE tags (repo TEXT NOT NULL, tag TEXT NOT NULL, digest TEXT NOT NULL, PRIMARY KEY (repo, tag));
        CREATE INDEX tags_digest ON tags (repo, digest);
      `);
    },
  },
];
