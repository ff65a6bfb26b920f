/**
 * diff/commit where snapshots hold whole trees (the native snapshotter): the container's tree compared
 * with its image's, as docker's naive diff driver (archive.ChangesDirs): a path is changed when its
 * mode, owner or device differ, or, for non-directories, its size or mtime; a directory with changes
 * below it counts as changed; a removed directory is one deletion.
 */
import { lstatSync, readdirSync, readlinkSync, type BigIntStats } from "node:fs";
import * as path from "node:path";
import type { Readable } from "node:stream";
import type { ContainerChange } from "../api/types/containers.js";
import { devMajor, devMinor, packTar, type TarWriteEntry } from "../archive/index.js";

function lst(p: string): BigIntStats | undefined {
  try {
    return lstatSync(p, { bigint: true });
  } catch {
    return undefined;
  }
}

function typeBits(st: BigIntStats): bigint {
  return st.mode & 0o170000n;
}

function statDifferent(a: BigIntStats, b: BigIntStats): boolean {
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid || a.rdev !== b.rdev) return true;
  if (b.isDirectory()) return false;
  const dt = a.mtimeNs - b.mtimeNs;
  // copies keep mtimes through a float of seconds: sub-microsecond noise is no change
  return a.size !== b.size || dt > 1000n || dt < -1000n;
}

/** Changes of root against base (the image's tree), sorted by path. */
export function naiveChanges(base: string, root: string): ContainerChange[] {
  const out: ContainerChange[] = [];
  const addAll = (rel: string): void => {
    for (const name of readdirSync(path.join(root, rel)).sort()) {
      const r = path.posix.join(rel, name);
      out.push({ Path: r, Kind: 1 });
      if (lst(path.join(root, r))?.isDirectory()) addAll(r);
    }
  };
  const walk = (rel: string): void => {
    const here = readdirSync(path.join(root, rel)).sort();
    const before = new Set(readdirSync(path.join(base, rel)));
    for (const name of here) {
      const r = path.posix.join(rel, name);
      const n = lst(path.join(root, r));
      if (!n) continue;
      const o = before.has(name) ? lst(path.join(base, r)) : undefined;
      if (!o) {
        out.push({ Path: r, Kind: 1 });
        if (n.isDirectory()) addAll(r);
        continue;
      }
      const mark = out.length;
      const changed = typeBits(o) !== typeBits(n) || statDifferent(o, n) || (n.isSymbolicLink() && readlinkSync(path.join(root, r)) !== readlinkSync(path.join(base, r)));
      if (changed) out.push({ Path: r, Kind: 0 });
      if (n.isDirectory() && o.isDirectory()) {
        walk(r);
        if (!changed && out.length > mark) out.splice(mark, 0, { Path: r, Kind: 0 });
      } else if (n.isDirectory()) addAll(r);
    }
    const now = new Set(here);
    for (const name of before) if (!now.has(name)) out.push({ Path: path.posix.join(rel, name), Kind: 2 });
  };
  walk("/");
  out.sort((a, b) => (a.Path < b.Path ? -1 : a.Path > b.Path ? 1 : 0));
  return out;
}

/** A layer tar of the changes: added/changed paths from root, deletions as .wh. files. */
export function naiveLayerTar(root: string, changes: readonly ContainerChange[]): Readable {
  async function* entries(): AsyncGenerator<TarWriteEntry> {
    for (const c of changes) {
      const rel = c.Path.replace(/^\/+/, "");
      if (c.Kind === 2) {
        const dir = path.posix.dirname(rel);
        yield { name: (dir === "." ? "" : dir + "/") + ".wh." + path.posix.basename(rel), type: "file", mode: 0o600, size: 0 };
        continue;
      }
      const p = path.join(root, rel);
      const st = lst(p);
      if (!st) continue;
      const common = { name: rel, mode: Number(st.mode & 0o7777n), uid: Number(st.uid), gid: Number(st.gid), mtime: Number(st.mtimeMs / 1000n) };
      if (st.isDirectory()) yield { ...common, type: "dir" };
      else if (st.isFile()) yield { ...common, type: "file", size: Number(st.size), source: { file: p } };
      else if (st.isSymbolicLink()) yield { ...common, type: "symlink", linkname: readlinkSync(p, { encoding: "buffer" }) };
      else if (st.isCharacterDevice() || st.isBlockDevice())
        yield { ...common, type: st.isCharacterDevice() ? "char" : "block", devmajor: devMajor(st.rdev), devminor: devMinor(st.rdev) };
      else if (st.isFIFO()) yield { ...common, type: "fifo" };
    }
  }
  return packTar(entries());
}
