/**
 * The berth CLI's side of the incremental build-context protocol (docs/builder.md): the context's
 * entries become a manifest with content digests (digest-cache.ts spares re-hashing unchanged files),
 * POST /berth/build-context/check tells which contents berthd lacks, and the build body is then a tar
 * of only those, named by digest, sent with `X-Berth-Context: <id>`. A daemon without the endpoint
 * (404, an older berthd or another engine), a context holding device nodes or FIFOs, or
 * BERTH_BUILD_CONTEXT=full gets the full tar, exactly as before.
 */
import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { END_OF_ARCHIVE, encodeEntryHeaders, packTar, type TarWriteEntry } from "../../archive/tar-writer.js";
import { BLOCK, padding } from "../../archive/tar-format.js";
import { BERTH_CONTEXT_HEADER, CONTEXT_CHECK_PATH, type ContextCheckResponse, type ContextManifest, type ManifestEntry } from "../../util/build-context-manifest.js";
import { DaemonError, type EngineClient } from "../../client/engine-client.js";
import type { ContextEntry } from "../commands/build-context.js";
import { DigestCache, digestCacheDir } from "./digest-cache.js";

export interface ContextUpload {
  body: Readable;
  /** Extra request headers for POST /build (X-Berth-Context when incremental). */
  headers: Record<string, string>;
  /**
   * Bytes of the full tar that did not need to be sent (0 for a full tar): the "Sending build context"
   * line adds them, so it shows the context's size as the docker CLI's does.
   */
  skipped: number;
}

/** Whether the entry's header is one ustar block (no pax header): short ASCII names, small numbers. */
function plainHeader(e: TarWriteEntry): boolean {
  const short = (v: string | Buffer | undefined): boolean => v === undefined || (typeof v === "string" && v.length < 100 && /^[\x01-\x7f]*$/.test(v));
  const mtime = e.mtime instanceof Date ? e.mtime.getTime() / 1000 : (e.mtime ?? 0);
  return short(e.name) && short(e.linkname) && e.xattrs === undefined && e.uname === undefined && e.gname === undefined && Number.isInteger(mtime) && mtime < 8 ** 11 && (e.size ?? 0) < 8 ** 11 && (e.uid ?? 0) < 8 ** 7 && (e.gid ?? 0) < 8 ** 7;
}

/** The exact length of packTar(entries). */
export function tarSize(entries: Iterable<TarWriteEntry>): number {
  let n = END_OF_ARCHIVE.length;
  for (const e of entries) {
    n += plainHeader(e) ? BLOCK : encodeEntryHeaders(e).length;
    const size = e.type === "file" ? (e.size ?? (e.source instanceof Uint8Array ? e.source.byteLength : 0)) : 0;
    n += size + padding(size);
  }
  return n;
}

function isFileSource(s: TarWriteEntry["source"]): s is { file: string } {
  return typeof s === "object" && s !== null && !(s instanceof Uint8Array) && "file" in s && typeof s.file === "string";
}

/**
 * The manifest of the entries and, per digest, the entry whose bytes would carry it; undefined when
 * some entry cannot be described (device nodes, FIFOs, names that are not UTF-8 strings).
 */
export function manifestOf(entries: readonly ContextEntry[], cache: DigestCache): { manifest: ContextManifest; sources: Map<string, ContextEntry> } | undefined {
  const out: ManifestEntry[] = [];
  const sources = new Map<string, ContextEntry>();
  const fileDigest = new Map<string, { digest: string; size: number }>();
  for (const e of entries) {
    if (typeof e.name !== "string") return undefined;
    if (e.mtime instanceof Date ? e.mtime.getTime() < 0 : (e.mtime ?? 0) < 0) return undefined;
    const base = { path: e.name, mode: e.mode ?? 0o644, uid: e.uid ?? 0, gid: e.gid ?? 0, mtime: Math.floor(e.mtime instanceof Date ? e.mtime.getTime() / 1000 : (e.mtime ?? 0)) };
    if (e.type === "dir") out.push({ ...base, type: "dir" });
    else if (e.type === "symlink") out.push({ ...base, type: "symlink", linkname: String(e.linkname) });
    else if (e.type === "hardlink") {
      const first = fileDigest.get(String(e.linkname));
      if (!first) return undefined;
      out.push({ ...base, type: "file", size: first.size, digest: first.digest });
    } else if (e.type === "file") {
      let digest: string;
      let size: number;
      if (e.source instanceof Uint8Array) {
        digest = createHash("sha256").update(e.source).digest("hex");
        size = e.source.byteLength;
      } else if (isFileSource(e.source) && e.stat !== undefined) {
        digest = cache.digest(e.source.file, e.stat);
        size = Number(e.stat.size);
      } else {
        return undefined;
      }
      fileDigest.set(e.name, { digest, size });
      if (!sources.has(digest)) sources.set(digest, e);
      out.push({ ...base, type: "file", size, digest });
    } else {
      return undefined;
    }
  }
  return { manifest: { version: 1, entries: out }, sources };
}

/**
 * The body (and headers) of POST /build for a local context: only the contents berthd lacks when it
 * speaks the incremental protocol, else the full tar of `entries`.
 */
export async function contextUpload(client: EngineClient, entries: Iterable<ContextEntry>, contextDir: string, env: NodeJS.ProcessEnv = process.env): Promise<ContextUpload> {
  if (env["BERTH_BUILD_CONTEXT"] === "full") return { body: packTar(entries), headers: {}, skipped: 0 };
  const list = [...entries];
  const cache = DigestCache.open(contextDir, digestCacheDir(env));
  const m = manifestOf(list, cache);
  if (!m) return { body: packTar(list), headers: {}, skipped: 0 };
  cache.save();
  let answer: ContextCheckResponse;
  try {
    answer = await client.json<ContextCheckResponse>("POST", CONTEXT_CHECK_PATH, { body: Buffer.from(JSON.stringify(m.manifest)), headers: { "Content-Type": "application/json" } });
  } catch (e) {
    if (e instanceof DaemonError && (e.statusCode === 404 || e.statusCode === 405 || e.statusCode === 501)) return { body: packTar(list), headers: {}, skipped: 0 };
    throw e;
  }
  const parts: TarWriteEntry[] = [];
  for (const d of answer.Missing) {
    const e = m.sources.get(d);
    if (!e) throw new Error(`berthd asked for content sha256:${d} that is not in the context`);
    parts.push({ name: d, type: "file", mode: 0o600, mtime: 0, size: e.size ?? (e.source instanceof Uint8Array ? e.source.byteLength : 0), ...(e.source !== undefined ? { source: e.source } : {}) });
  }
  return { body: packTar(parts), headers: { [BERTH_CONTEXT_HEADER]: answer.Id }, skipped: Math.max(0, tarSize(list) - tarSize(parts)) };
}
