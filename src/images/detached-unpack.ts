/**
 * Unpacking a layer before its parent is committed, for snapshotters whose apply targets hold only the
 * layer's own files (overlay: whiteouts are written as overlayfs expects, so the result does not depend
 * on the parent). The layer is extracted into a parentless "extract-*" snapshot and verified against
 * its diffID; once the parent is committed its top-level entries are moved (rename, same filesystem)
 * into a snapshot prepared on the parent, which is committed under the chain ID. A snapshotter whose
 * targets need the parent's tree ("delete" whiteouts) is not used this way: the caller unpacks in order.
 * Everything is pinned by the lease; a crash leaves only extract-* snapshots, swept at start.
 */
import { promises as fsp } from "node:fs";
import * as path from "node:path";
import { applyLayer } from "../archive/index.js";
import { ConflictError, InvalidArgumentError } from "../errdefs/index.js";
import { TeeDigest } from "./streams.js";
import { extractKey, layerSizeLabel, type UnpackDeps } from "./unpack.js";

export interface DetachedLayer {
  key: string;
  dir: string;
  size: number;
}

/**
 * Extracts `open()`'s uncompressed stream into a parentless snapshot; undefined (nothing opened) when the
 * snapshotter's targets are not self-contained.
 */
export async function extractDetached(
  deps: UnpackDeps,
  lease: string,
  o: { open: () => Promise<AsyncIterable<Uint8Array>>; diffId: string; signal?: AbortSignal },
): Promise<DetachedLayer | undefined> {
  const sn = deps.snapshotter;
  const key = extractKey();
  deps.leases.add(lease, "snapshot", key);
  const target = await sn.prepareApply(key, undefined);
  if (target.whiteouts !== "overlay") {
    await sn.remove(key);
    return undefined;
  }
  let tee: TeeDigest | undefined;
  try {
    tee = new TeeDigest(await o.open());
    const res = await applyLayer(tee.iterable(), target.dir, { whiteouts: "overlay", ...(o.signal ? { signal: o.signal } : {}) });
    const { digest } = await tee.finish();
    if (digest !== o.diffId) throw new InvalidArgumentError(`layer diffID mismatch: expected ${o.diffId}, got ${digest}`);
    return { key, dir: target.dir, size: res.diffSize };
  } catch (err) {
    await tee?.close().catch(() => undefined);
    await sn.remove(key).catch(() => undefined);
    throw err;
  }
}

/** Moves a detached layer onto `parent` and commits it as `chainId`; the detached snapshot is removed. */
export async function attachLayer(deps: UnpackDeps, lease: string, layer: DetachedLayer, parent: string, chainId: string): Promise<void> {
  const sn = deps.snapshotter;
  const key = extractKey();
  deps.leases.add(lease, "snapshot", key);
  deps.leases.add(lease, "snapshot", chainId);
  const target = await sn.prepareApply(key, parent);
  try {
    for (const name of await fsp.readdir(layer.dir)) await fsp.rename(path.join(layer.dir, name), path.join(target.dir, name));
    const st = await fsp.lstat(layer.dir);
    await fsp.chown(target.dir, st.uid, st.gid).catch(() => undefined); // not root: owners were not restored either
    await fsp.chmod(target.dir, st.mode & 0o7777);
    await fsp.utimes(target.dir, st.atime, st.mtime);
    try {
      await sn.commit(chainId, key, { labels: { [layerSizeLabel]: String(layer.size) } });
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      await sn.remove(key); // committed meanwhile by another pull: same content
    }
  } catch (err) {
    await sn.remove(key).catch(() => undefined);
    throw err;
  } finally {
    await sn.remove(layer.key).catch(() => undefined);
  }
}
