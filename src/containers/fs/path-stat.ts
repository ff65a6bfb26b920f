/** PathStat (X-Docker-Container-Path-Stat) with Go os.FileMode bits. */
import { lstatSync, readlinkSync, type Stats } from "node:fs";
import * as path from "node:path";
import type { PathStat } from "../../api/types/containers.js";
import { NotFoundError } from "../../errdefs/index.js";
import { resolveInRoot, type Resolved } from "./resolve-in-root.js";
import type { ContainerFs } from "./types.js";
import { isoTime } from "../../util/iso-time.js";

// Go's os.FileMode type bits (unsigned 32-bit; 1<<31 is written as 2**31 to stay positive).
const MODE_DIR = 2 ** 31;
const MODE_SYMLINK = 2 ** 27;
const MODE_DEVICE = 2 ** 26;
const MODE_NAMED_PIPE = 2 ** 25;
const MODE_SOCKET = 2 ** 24;
const MODE_SETUID = 2 ** 23;
const MODE_SETGID = 2 ** 22;
const MODE_CHAR_DEVICE = 2 ** 21;
const MODE_STICKY = 2 ** 20;

export function goFileMode(st: Stats): number {
  let m = st.mode & 0o777;
  if (st.mode & 0o4000) m += MODE_SETUID;
  if (st.mode & 0o2000) m += MODE_SETGID;
  if (st.mode & 0o1000) m += MODE_STICKY;
  if (st.isDirectory()) m += MODE_DIR;
  else if (st.isSymbolicLink()) m += MODE_SYMLINK;
  else if (st.isFIFO()) m += MODE_NAMED_PIPE;
  else if (st.isSocket()) m += MODE_SOCKET;
  else if (st.isCharacterDevice()) m += MODE_DEVICE + MODE_CHAR_DEVICE;
  else if (st.isBlockDevice()) m += MODE_DEVICE;
  return m;
}

export function notFound(fs: ContainerFs, p: string): NotFoundError {
  return new NotFoundError(`Could not find the file ${p} in container ${fs.id ?? ""}`.trimEnd());
}

/** Resolves p (the final element is not followed unless p ends with "/" or "/."), lstats it. */
export function lstatResolved(fs: ContainerFs, p: string): { r: Resolved; st: Stats } {
  const follow = p.endsWith("/") || p.endsWith("/.");
  const r = resolveInRoot(fs, p, { followFinal: follow });
  try {
    return { r, st: lstatSync(r.host) };
  } catch {
    throw notFound(fs, p);
  }
}

export async function statPath(fs: ContainerFs, p: string): Promise<PathStat> {
  const { r, st } = lstatResolved(fs, p);
  return {
    name: path.posix.basename(r.containerPath) || "/",
    size: st.size,
    mode: goFileMode(st),
    mtime: isoTime(st.mtime.getTime()),
    linkTarget: st.isSymbolicLink() ? readlinkSync(r.host) : "",
  };
}
