/**
 * docker's copy semantics (pkg/archive copy.go) as pure functions: splitting `CONTAINER:PATH`, keeping a
 * trailing "/" or "/." through path cleaning, and deciding where an archive is extracted and how its
 * top-level entry is renamed for each source/destination combination.
 */
import { posix } from "node:path";

export interface CopyInfo {
  path: string;
  exists: boolean;
  isDir: boolean;
  /** Name the source's top-level entry must take in the archive (symlink or trailing-separator rebase). */
  rebaseName: string;
}

export class CopyError extends Error {}

/** `ctr:path` → ["ctr", "path"]; absolute paths and "./x:y" are local. */
export function splitCpArg(arg: string): [string, string] {
  if (arg.startsWith("/")) return ["", arg];
  const i = arg.indexOf(":");
  if (i < 0 || arg.slice(0, i).startsWith(".")) return ["", arg];
  return [arg.slice(0, i), arg.slice(i + 1)];
}

/** Go's filepath.Base: "" → ".", "/" → "/", trailing slashes ignored. */
export function goBase(p: string): string {
  if (p === "") return ".";
  const t = p.replace(/\/+$/, "");
  return t === "" ? "/" : t.slice(t.lastIndexOf("/") + 1);
}

export function hasTrailingSeparator(p: string): boolean {
  return p.endsWith("/");
}

export function specifiesCurrentDir(p: string): boolean {
  return goBase(p) === ".";
}

/** Go's filepath.Clean. */
export function clean(p: string): string {
  if (p === "") return ".";
  const n = posix.normalize(p);
  return n.length > 1 && n.endsWith("/") ? n.slice(0, -1) : n;
}

export function preserveTrailingDotOrSeparator(cleaned: string, original: string): string {
  let c = cleaned;
  if (!specifiesCurrentDir(c) && specifiesCurrentDir(original)) {
    if (!hasTrailingSeparator(c)) c += "/";
    c += ".";
  }
  if (!hasTrailingSeparator(c) && hasTrailingSeparator(original)) c += "/";
  return c;
}

/** filepath.Abs + the trailing "/" or "/." of the original. */
export function resolveLocalPath(p: string, cwd: string = process.cwd()): string {
  return preserveTrailingDotOrSeparator(clean(posix.isAbsolute(p) ? p : posix.join(cwd, p)), p);
}

/** SplitPathDirEntry: "/a/b/." → ["/a/b", "."], "/a/b/" → ["/a", "b"]. */
export function splitPathDirEntry(p: string): [string, string] {
  let c = clean(p);
  if (specifiesCurrentDir(p)) c += "/.";
  return [posix.dirname(c), goBase(c)];
}

/** GetRebaseName: keeps "/." and "/" of `path` on `resolved`; a changed last element becomes the rebase name. */
export function getRebaseName(path: string, resolved: string): [string, string] {
  let r = resolved;
  if (specifiesCurrentDir(path) && !specifiesCurrentDir(r)) r += "/.";
  if (hasTrailingSeparator(path) && !hasTrailingSeparator(r)) r += "/";
  const rebase = goBase(path) !== goBase(r) ? goBase(path) : "";
  return [r, rebase];
}

function assertsDirectory(p: string): boolean {
  return hasTrailingSeparator(p) || specifiesCurrentDir(p);
}

export interface CopyPlan {
  /** Directory the archive is extracted into. */
  dstDir: string;
  /** Rename of the top-level entry (`from` → `to`), if any. */
  rebase?: { from: string; to: string };
}

/** PrepareArchiveCopy: where to extract and how to rename, or docker's error. */
export function prepareArchiveCopy(src: CopyInfo, dst: CopyInfo): CopyPlan {
  let [, srcBase] = splitPathDirEntry(src.path);
  const [dstDir, dstBase] = splitPathDirEntry(dst.path);
  if (dst.exists && dst.isDir) return { dstDir: dst.path };
  if (dst.exists && src.isDir) throw new CopyError("cannot copy directory");
  if (!dst.exists && !src.isDir && assertsDirectory(dst.path)) throw new CopyError("no such directory");
  if (src.rebaseName !== "") srcBase = src.rebaseName;
  return { dstDir, rebase: { from: srcBase, to: dstBase } };
}

/** RebaseArchiveEntries' rename of one entry name: the first occurrence of `from` becomes `to` ("/" means none). */
export function rebaseName(name: string, from: string, to: string): string {
  const old = from === "/" ? "" : from;
  const i = name.indexOf(old);
  return i < 0 ? name : name.slice(0, i) + to + name.slice(i + old.length);
}

/** Go os.FileMode bits in the X-Docker-Container-Path-Stat header. */
export const MODE_DIR = 2 ** 31;
export const MODE_SYMLINK = 2 ** 27;
export function modeHas(mode: number, bit: number): boolean {
  return Math.floor(mode / bit) % 2 === 1;
}
