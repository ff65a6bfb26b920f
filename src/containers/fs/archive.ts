/** docker cp: GET/PUT /containers/{id}/archive over a container's filesystem. */
import { lstatSync, readlinkSync } from "node:fs";
import * as path from "node:path";
import type { Readable } from "node:stream";
import type { PathStat } from "../../api/types/containers.js";
import { applyLayer, dirEntries, packTar, walkTar, type TarWriteEntry } from "../../archive/index.js";
import { ForbiddenError, InvalidArgumentError, NotFoundError } from "../../errdefs/index.js";
import { lstatResolved, statPath } from "./path-stat.js";
import { resolveInRoot } from "./resolve-in-root.js";
import type { ContainerFs } from "./types.js";

/** Entries for host (named top), with the contents of mounts below containerPath taken from their sources. */
async function* entriesFor(fs: ContainerFs, host: string, top: string, containerPath: string): AsyncGenerator<TarWriteEntry> {
  const st = lstatSync(host);
  const common = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000) };
  if (st.isDirectory()) {
    yield { ...common, name: top, type: "dir" };
    const base = containerPath === "/" ? "/" : containerPath + "/";
    const nested = fs.extraMounts
      .map((m) => ({ m, dest: path.posix.normalize("/" + m.destination) }))
      .filter(({ dest }) => dest.startsWith(base) && dest !== containerPath)
      .map(({ m, dest }) => ({ source: m.source, rel: dest.slice(base.length) }));
    const hidden = (rel: string): boolean => nested.some((n) => rel.startsWith(n.rel + "/"));
    const prefixed = (e: TarWriteEntry, prefix: string): TarWriteEntry => {
      const rel = Buffer.isBuffer(e.name) ? e.name : Buffer.from(e.name);
      const p = Buffer.from(prefix + "/");
      const link = e.type === "hardlink" && e.linkname !== undefined ? Buffer.concat([p, Buffer.from(e.linkname)]) : e.linkname;
      return { ...e, name: Buffer.concat([p, rel]), linkname: link };
    };
    for await (const e of dirEntries(host, { filter: (rel) => !hidden(rel.toString()) })) yield prefixed(e, top);
    for (const n of nested) {
      let ms;
      try {
        ms = lstatSync(n.source);
      } catch {
        continue;
      }
      if (!ms.isDirectory()) continue;
      for await (const e of dirEntries(n.source)) yield prefixed(e, `${top}/${n.rel}`);
    }
  } else if (st.isFile()) {
    yield { ...common, name: top, type: "file", size: st.size, source: { file: host } };
  } else if (st.isSymbolicLink()) {
    yield { ...common, name: top, type: "symlink", linkname: readlinkSync(host) };
  } else if (st.isFIFO()) {
    yield { ...common, name: top, type: "fifo" };
  }
}

/** A tar of path named by its final element (`/etc/hostname` → `hostname`); `dir/.` gives `./…` (the contents). */
export async function getArchive(fs: ContainerFs, p: string): Promise<{ stat: PathStat; tar: Readable }> {
  const stat = await statPath(fs, p);
  const { r } = lstatResolved(fs, p);
  const top = p.endsWith("/.") ? "." : path.posix.basename(r.containerPath) || ".";
  return { stat, tar: packTar(entriesFor(fs, r.host, top, r.containerPath)) };
}

export interface PutArchiveOptions {
  noOverwriteDirNonDir: boolean;
  copyUIDGID: boolean;
  readOnlyRootfs: boolean;
}

/** Extracts body (an uncompressed tar) into the directory p, refusing entries that escape it. */
export async function putArchive(fs: ContainerFs, p: string, body: Readable, opts: PutArchiveOptions): Promise<void> {
  const r = resolveInRoot(fs, p, { followFinal: true });
  let st;
  try {
    st = lstatSync(r.host);
  } catch {
    throw new NotFoundError(`Could not find the file ${p} in container ${fs.id ?? ""}`.trimEnd());
  }
  if (!st.isDirectory()) throw new InvalidArgumentError("extraction point is not a directory");
  if (r.readOnly) throw new ForbiddenError("mounted volume is marked read-only");
  if (!r.inMount && opts.readOnlyRootfs) throw new ForbiddenError("container rootfs is marked read-only");
  const host = r.host;
  const input = opts.noOverwriteDirNonDir ? checkedTar(body, host) : body;
  await applyLayer(input, host, { whiteouts: "delete", sameOwner: opts.copyUIDGID });
}

/** Re-encodes the tar, refusing to replace a directory with a non-directory or the reverse. */
function checkedTar(body: Readable, dest: string): Readable {
  async function* gen(): AsyncGenerator<TarWriteEntry> {
    for await (const e of walkTar(body)) {
      const target = path.join(dest, path.posix.normalize("/" + e.name));
      let existing;
      try {
        existing = lstatSync(target);
      } catch {
        existing = undefined;
      }
      if (existing) {
        if (existing.isDirectory() && e.type !== "dir") throw new InvalidArgumentError(`cannot overwrite directory "${e.name}" with non-directory`);
        if (!existing.isDirectory() && e.type === "dir") throw new InvalidArgumentError(`cannot overwrite non-directory "${e.name}" with directory`);
      }
      yield {
        name: e.nameBytes,
        type: e.type,
        mode: e.mode,
        uid: e.uid,
        gid: e.gid,
        mtime: e.mtime,
        size: e.size,
        ...(e.type === "file" ? { source: e.body() } : {}),
        linkname: e.linknameBytes,
        devmajor: e.devmajor,
        devminor: e.devminor,
        xattrs: e.xattrs,
      };
    }
  }
  return packTar(gen());
}
