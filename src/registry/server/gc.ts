import { promises as fsp, unlinkSync } from "node:fs";
import * as path from "node:path";
import { RegistryStore } from "./registry-store.js";
import type { UploadInfo } from "./uploads.js";

export interface GcOptions {
  /** Report what would be removed; change nothing. */
  dryRun?: boolean;
  /** Blobs (and orphan files) younger than this are kept: pushes in progress (default 1 h). */
  graceMs?: number;
  /** Upload sessions older than this are removed (default 7 days, as distribution's purge). */
  uploadMaxAgeMs?: number;
  now?: number;
}

export interface GcResult {
  /** Digests of the blobs removed (or that would be, with dryRun). */
  removed: string[];
  freedBytes: number;
  /** Upload sessions removed as stale. */
  staleUploads: string[];
}

const BATCH = 256;

/** Digests named up front by uploads in progress (POST ?digest=): never collected. */
async function pinnedByUploads(store: RegistryStore, now: number, maxAge: number, dryRun: boolean, stale: string[]): Promise<Set<string>> {
  const pinned = new Set<string>();
  for (const name of await fsp.readdir(store.uploadsDir)) {
    const p = path.join(store.uploadsDir, name);
    const st = await fsp.stat(p).catch(() => undefined);
    if (!st) continue;
    let info: Partial<UploadInfo> = {};
    if (st.isDirectory()) info = (await fsp.readFile(path.join(p, "info.json"), "utf8").then((s) => JSON.parse(s) as UploadInfo).catch(() => ({}))) as Partial<UploadInfo>;
    const started = info.started !== undefined ? Date.parse(info.started) : st.mtimeMs;
    if (now - (Number.isFinite(started) ? started : st.mtimeMs) > maxAge) {
      stale.push(name);
      if (!dryRun) await fsp.rm(p, { recursive: true, force: true });
      continue;
    }
    if (typeof info.digest === "string") pinned.add(info.digest);
  }
  return pinned;
}

/**
 * Mark and sweep. Roots: every manifest of every repository (the manifest blob itself and what it
 * references: config, layers, index children), blobs younger than the grace period, and digests
 * named by uploads in progress. Each deletion re-checks those conditions inside an IMMEDIATE
 * transaction, the same lock every commit of the server takes, and unlinks the file before the
 * transaction ends: a manifest PUT either commits before (and its blobs are referenced) or after
 * (and sees them gone, answering MANIFEST_BLOB_UNKNOWN so the client pushes them again).
 */
export async function collectGarbage(root: string, opts: GcOptions = {}): Promise<GcResult> {
  const now = opts.now ?? Date.now();
  const cutoff = now - (opts.graceMs ?? 3_600_000);
  const dryRun = opts.dryRun ?? false;
  const store = new RegistryStore(root);
  const result: GcResult = { removed: [], freedBytes: 0, staleUploads: [] };
  try {
    const pinned = await pinnedByUploads(store, now, opts.uploadMaxAgeMs ?? 7 * 86_400_000, dryRun, result.staleUploads);
    const db = store.state.db;
    const stillGarbage = db.prepare(
      `SELECT b.size AS size FROM blobs b WHERE b.digest = ? AND b.created < ?
         AND NOT EXISTS (SELECT 1 FROM manifests m WHERE m.digest = b.digest)
         AND NOT EXISTS (SELECT 1 FROM manifest_refs r WHERE r.ref = b.digest)`,
    );
    const candidates = (
      db
        .prepare(
          `SELECT digest FROM blobs b WHERE created < ?
             AND NOT EXISTS (SELECT 1 FROM manifests m WHERE m.digest = b.digest)
             AND NOT EXISTS (SELECT 1 FROM manifest_refs r WHERE r.ref = b.digest) ORDER BY digest`,
        )
        .all(cutoff) as { digest: string }[]
    )
      .map((r) => r.digest)
      .filter((d) => !pinned.has(d));
    for (let i = 0; i < candidates.length; i += BATCH) {
      const batch = candidates.slice(i, i + BATCH);
      db.transaction(() => {
        for (const d of batch) {
          const row = stillGarbage.get(d, cutoff) as { size: number } | undefined;
          if (!row) continue;
          result.removed.push(d);
          result.freedBytes += row.size;
          if (dryRun) continue;
          db.prepare("DELETE FROM repo_blobs WHERE digest = ?").run(d);
          db.prepare("DELETE FROM blobs WHERE digest = ?").run(d);
          try {
            unlinkSync(store.blobPath(d));
          } catch {
            // already gone
          }
        }
      }).immediate();
    }
    // Files without a row: a crash between rename and commit. Old enough ones go too.
    const known = db.prepare("SELECT 1 AS x FROM blobs WHERE digest = ?");
    for (const hex of await fsp.readdir(store.blobsDir)) {
      if (!/^[a-f0-9]{64}$/.test(hex)) continue;
      const d = `sha256:${hex}`;
      if (pinned.has(d)) continue;
      const st = await fsp.stat(path.join(store.blobsDir, hex)).catch(() => undefined);
      if (!st || st.mtimeMs >= cutoff) continue;
      db.transaction(() => {
        if (known.get(d)) return;
        result.removed.push(d);
        result.freedBytes += st.size;
        if (!dryRun) unlinkSync(path.join(store.blobsDir, hex));
      }).immediate();
    }
  } finally {
    store.close();
  }
  return result;
}
