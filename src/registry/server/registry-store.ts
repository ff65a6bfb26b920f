import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, statSync } from "node:fs";
import * as path from "node:path";
import { StateDb } from "../../state/index.js";
import { RegistryError } from "./errors.js";
import { registryMigrations } from "./migrations.js";

export interface ManifestRecord {
  digest: string;
  mediaType: string;
  size: number;
}

export interface ReferrerRecord extends ManifestRecord {
  artifactType: string | undefined;
  annotations: Record<string, string> | undefined;
}

export interface NewManifest {
  repo: string;
  digest: string;
  mediaType: string;
  size: number;
  /** Blobs (config, layers) that must be linked to the repo. */
  blobs: string[];
  /** Child manifests (indexes) that must exist in the repo. */
  children: string[];
  subject: string | undefined;
  artifactType: string | undefined;
  annotations: Record<string, string> | undefined;
  tag: string | undefined;
}

function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * The registry's storage under <root>: blobs/sha256/<hex> (by digest, never changed after commit) and
 * state.db (links, manifests, tags). Every commit that makes a blob or manifest visible runs in one
 * IMMEDIATE SQLite transaction, which also serializes it with `registry gc` (another process): a blob
 * file is renamed into place inside the transaction that records it, and gc unlinks files inside the
 * transaction that forgets them, so neither can see the other half-done.
 */
export class RegistryStore {
  readonly blobsDir: string;
  readonly uploadsDir: string;
  readonly state: StateDb;

  constructor(readonly root: string) {
    this.blobsDir = path.join(root, "blobs", "sha256");
    this.uploadsDir = path.join(root, "uploads");
    mkdirSync(this.blobsDir, { recursive: true, mode: 0o755 });
    mkdirSync(this.uploadsDir, { recursive: true, mode: 0o700 });
    this.state = StateDb.open(root, registryMigrations);
  }

  close(): void {
    this.state.close();
  }

  blobPath(digest: string): string {
    if (!/^sha256:[a-f0-9]{64}$/.test(digest)) throw new RegistryError("DIGEST_INVALID", { digest });
    return path.join(this.blobsDir, digest.slice(7));
  }

  private immediate<T>(fn: () => T): T {
    return this.state.db.transaction(fn).immediate();
  }

  private fileSize(digest: string): number | undefined {
    try {
      const st = statSync(this.blobPath(digest));
      return st.isFile() ? st.size : undefined;
    } catch {
      return undefined;
    }
  }

  private touchRepo(repo: string): void {
    this.state.db.prepare("INSERT OR IGNORE INTO repos (name) VALUES (?)").run(repo);
  }

  private linkRow(repo: string, digest: string, size: number): void {
    const now = Date.now();
    this.state.db
      .prepare("INSERT INTO blobs (digest, size, created) VALUES (?, ?, ?) ON CONFLICT(digest) DO UPDATE SET created = excluded.created")
      .run(digest, size, now);
    this.state.db.prepare("INSERT OR IGNORE INTO repo_blobs (repo, digest) VALUES (?, ?)").run(repo, digest);
    this.touchRepo(repo);
  }

  /**
   * Makes a verified, fsynced file the blob `digest` and links it to `repo`. The file is renamed into
   * place (or dropped when the blob is already there) inside the transaction.
   */
  commitBlobFile(file: string, digest: string, size: number, repo: string): void {
    const dest = this.blobPath(digest);
    this.immediate(() => {
      if (this.fileSize(digest) === undefined) {
        renameSync(file, dest);
        fsyncDirSync(this.blobsDir);
      }
      this.linkRow(repo, digest, size);
    });
  }

  /** Size of a blob linked to repo, or undefined. */
  repoBlob(repo: string, digest: string): number | undefined {
    const row = this.state.db.prepare("SELECT 1 AS x FROM repo_blobs WHERE repo = ? AND digest = ?").get(repo, digest);
    if (!row) return undefined;
    return this.fileSize(digest);
  }

  /** Cross-repository mount: links a blob of `from` into `repo`. False when `from` lacks it. */
  mountBlob(repo: string, from: string, digest: string): boolean {
    return this.immediate(() => {
      const size = this.repoBlob(from, digest);
      if (size === undefined) return false;
      this.linkRow(repo, digest, size);
      return true;
    });
  }

  unlinkBlob(repo: string, digest: string): boolean {
    return this.state.db.prepare("DELETE FROM repo_blobs WHERE repo = ? AND digest = ?").run(repo, digest).changes > 0;
  }

  /**
   * Stores a manifest whose bytes are in `file` (verified): checks that every blob it names is linked
   * to the repo and every child manifest exists there, then records it (and its tag) in one transaction.
   */
  putManifest(file: string, m: NewManifest): void {
    const dest = this.blobPath(m.digest);
    this.immediate(() => {
      for (const d of m.blobs) {
        if (this.repoBlob(m.repo, d) === undefined) throw new RegistryError("MANIFEST_BLOB_UNKNOWN", { digest: d });
      }
      for (const d of m.children) {
        if (!this.manifestByDigest(m.repo, d)) throw new RegistryError("MANIFEST_BLOB_UNKNOWN", { digest: d }, "manifest blob unknown: child manifest not in repository");
      }
      if (this.fileSize(m.digest) === undefined) {
        renameSync(file, dest);
        fsyncDirSync(this.blobsDir);
      }
      this.linkRow(m.repo, m.digest, m.size);
      const db = this.state.db;
      db.prepare(
        `INSERT INTO manifests (repo, digest, media_type, size, artifact_type, subject, annotations, created)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(repo, digest) DO UPDATE SET media_type = excluded.media_type`,
      ).run(m.repo, m.digest, m.mediaType, m.size, m.artifactType ?? null, m.subject ?? null,
        m.annotations ? JSON.stringify(m.annotations) : null, Date.now());
      const ins = db.prepare("INSERT OR IGNORE INTO manifest_refs (repo, manifest, ref) VALUES (?, ?, ?)");
      for (const r of [...m.blobs, ...m.children]) ins.run(m.repo, m.digest, r);
      if (m.tag !== undefined)
        db.prepare("INSERT INTO tags (repo, tag, digest) VALUES (?, ?, ?) ON CONFLICT(repo, tag) DO UPDATE SET digest = excluded.digest").run(m.repo, m.tag, m.digest);
    });
  }

  manifestByDigest(repo: string, digest: string): ManifestRecord | undefined {
    const r = this.state.db.prepare("SELECT digest, media_type, size FROM manifests WHERE repo = ? AND digest = ?").get(repo, digest) as
      | { digest: string; media_type: string; size: number }
      | undefined;
    return r ? { digest: r.digest, mediaType: r.media_type, size: r.size } : undefined;
  }

  manifestByTag(repo: string, tag: string): ManifestRecord | undefined {
    const r = this.state.db.prepare("SELECT digest FROM tags WHERE repo = ? AND tag = ?").get(repo, tag) as { digest: string } | undefined;
    return r ? this.manifestByDigest(repo, r.digest) : undefined;
  }

  /** Deletes a manifest and the tags that point at it. */
  deleteManifest(repo: string, digest: string): boolean {
    return this.immediate(() => {
      const db = this.state.db;
      const n = db.prepare("DELETE FROM manifests WHERE repo = ? AND digest = ?").run(repo, digest).changes;
      db.prepare("DELETE FROM manifest_refs WHERE repo = ? AND manifest = ?").run(repo, digest);
      db.prepare("DELETE FROM tags WHERE repo = ? AND digest = ?").run(repo, digest);
      return n > 0;
    });
  }

  deleteTag(repo: string, tag: string): boolean {
    return this.state.db.prepare("DELETE FROM tags WHERE repo = ? AND tag = ?").run(repo, tag).changes > 0;
  }

  repoExists(repo: string): boolean {
    return this.state.db.prepare("SELECT 1 AS x FROM repos WHERE name = ?").get(repo) !== undefined;
  }

  /** Tags of a repo in lexical order after `last`, at most `n`. */
  tags(repo: string, last: string, n: number): string[] {
    return (this.state.db.prepare("SELECT tag FROM tags WHERE repo = ? AND tag > ? ORDER BY tag LIMIT ?").all(repo, last, n) as { tag: string }[]).map(
      (r) => r.tag,
    );
  }

  repositories(last: string, n: number): string[] {
    return (this.state.db.prepare("SELECT name FROM repos WHERE name > ? ORDER BY name LIMIT ?").all(last, n) as { name: string }[]).map((r) => r.name);
  }

  referrers(repo: string, subject: string): ReferrerRecord[] {
    const rows = this.state.db
      .prepare("SELECT digest, media_type, size, artifact_type, annotations FROM manifests WHERE repo = ? AND subject = ? ORDER BY created, digest")
      .all(repo, subject) as { digest: string; media_type: string; size: number; artifact_type: string | null; annotations: string | null }[];
    return rows.map((r) => ({
      digest: r.digest,
      mediaType: r.media_type,
      size: r.size,
      artifactType: r.artifact_type ?? undefined,
      annotations: r.annotations ? (JSON.parse(r.annotations) as Record<string, string>) : undefined,
    }));
  }

  /** Whether the blob file exists at all (any repo). */
  hasBlobFile(digest: string): boolean {
    return existsSync(this.blobPath(digest));
  }
}
