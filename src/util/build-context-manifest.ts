/**
 * The manifest of berth's incremental build-context protocol (berth CLI ↔ berthd only; the docker CLI
 * keeps sending a full tar): every entry of the context the CLI would have put in the tar, in walk
 * order (a directory before what it holds), with a content digest for regular files. berthd answers
 * which digests it lacks (POST /berth/build-context/check), and the build's body then carries only
 * those files, named by digest (docs/builder.md, "Incremental build context").
 *
 * `parseContextManifest` is the daemon's gate: every path is clean and relative (no `..`, `.`, empty
 * or absolute component, no NUL), appears once, and lies under a directory the manifest itself
 * declared earlier (or none, then it is made implicitly), so assembling never follows a symlink; types, modes and numbers are
 * in range and digests are 64 lower-case hex digits.
 */
import { InvalidArgumentError } from "../errdefs/index.js";

export type ManifestEntryType = "file" | "dir" | "symlink";

export interface ManifestEntry {
  /** The context-relative path (`a/b`, no leading `/`). */
  path: string;
  type: ManifestEntryType;
  /** Permission bits (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Whole seconds since the epoch (what the tar path sends). */
  mtime: number;
  /** Files: the size in bytes. */
  size?: number;
  /** Files: sha256 of the content, 64 lower-case hex digits. */
  digest?: string;
  /** Symlinks: the target, as written. */
  linkname?: string;
  /**
   * Directories: not in the client's list but the parent of something in it (the CLI's walk skips a
   * directory that .dockerignore excludes while re-including something under it). Made as a tar
   * extraction makes a missing parent: 0755, root-owned, its mtime left as its making leaves it.
   */
  implicit?: true;
}

export interface ContextManifest {
  version: 1;
  entries: ManifestEntry[];
}

/** The largest manifest body berthd reads (JSON). */
export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

/** The berth-only request header naming a checked manifest on POST /build. */
export const BERTH_CONTEXT_HEADER = "x-berth-context";

/** The berth-only endpoint that takes a manifest and answers the digests berthd lacks. */
export const CONTEXT_CHECK_PATH = "/berth/build-context/check";

export interface ContextCheckResponse {
  /** The id to send back in X-Berth-Context. */
  Id: string;
  /** The digests (hex) whose bytes the build body must carry, each once. */
  Missing: string[];
}

const HEX64 = /^[0-9a-f]{64}$/;

const isUint = (v: unknown, max = Number.MAX_SAFE_INTEGER): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0 && v <= max;

/** Whether p is a clean relative path: components neither empty, `.` nor `..`, no NUL. */
export function isCleanRelPath(p: string): boolean {
  if (p === "" || p.startsWith("/") || p.includes("\0")) return false;
  return p.split("/").every((c) => c !== "" && c !== "." && c !== "..");
}

function bad(msg: string): never {
  throw new InvalidArgumentError(`invalid build context manifest: ${msg}`);
}

/** Validates a manifest received from a client (see the module comment); throws InvalidArgumentError. */
export function parseContextManifest(v: unknown): ContextManifest {
  if (typeof v !== "object" || v === null || Array.isArray(v)) bad("not an object");
  const o = v as { version?: unknown; entries?: unknown };
  if (o.version !== 1) bad(`unsupported version ${JSON.stringify(o.version)}`);
  if (!Array.isArray(o.entries)) bad("entries is not a list");
  const dirs = new Set<string>([""]);
  const seen = new Set<string>();
  const out: ManifestEntry[] = [];
  for (const raw of o.entries as unknown[]) {
    if (typeof raw !== "object" || raw === null) bad("an entry is not an object");
    const e = raw as Record<string, unknown>;
    const p = e["path"];
    if (typeof p !== "string" || !isCleanRelPath(p)) bad(`path ${JSON.stringify(p)} is not a clean path inside the context`);
    if (seen.has(p)) bad(`path ${JSON.stringify(p)} appears twice`);
    // every parent is a directory listed before, or (unlisted) made implicitly; never a file or symlink
    const comps = p.split("/");
    for (let i = 1; i < comps.length; i++) {
      const parent = comps.slice(0, i).join("/");
      if (dirs.has(parent)) continue;
      if (seen.has(parent)) bad(`${JSON.stringify(p)}: its parent ${JSON.stringify(parent)} is not a directory`);
      dirs.add(parent);
      seen.add(parent);
      out.push({ path: parent, type: "dir", mode: 0o755, uid: 0, gid: 0, mtime: 0, implicit: true });
    }
    const type = e["type"];
    if (type !== "file" && type !== "dir" && type !== "symlink") bad(`${JSON.stringify(p)}: unsupported type ${JSON.stringify(type)}`);
    const { mode, uid, gid, mtime } = e;
    if (!isUint(mode, 0o7777) || !isUint(uid, 0xffffffff) || !isUint(gid, 0xffffffff) || !isUint(mtime)) bad(`${JSON.stringify(p)}: bad mode, owner or mtime`);
    const entry: ManifestEntry = { path: p, type, mode, uid, gid, mtime };
    if (type === "file") {
      const { size, digest } = e;
      if (!isUint(size)) bad(`${JSON.stringify(p)}: bad size`);
      if (typeof digest !== "string" || !HEX64.test(digest)) bad(`${JSON.stringify(p)}: bad digest`);
      entry.size = size;
      entry.digest = digest;
    } else if (type === "symlink") {
      const l = e["linkname"];
      if (typeof l !== "string" || l === "" || l.includes("\0")) bad(`${JSON.stringify(p)}: bad link target`);
      entry.linkname = l;
    } else {
      dirs.add(p);
    }
    seen.add(p);
    out.push(entry);
  }
  return { version: 1, entries: out };
}

/** The distinct file digests of a manifest with each one's size. */
export function manifestDigests(m: ContextManifest): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of m.entries) if (e.type === "file" && e.digest !== undefined) out.set(e.digest, e.size ?? 0);
  return out;
}
