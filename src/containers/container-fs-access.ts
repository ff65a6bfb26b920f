/**
 * Access to a container's filesystem for cp/diff/export/commit: its snapshot's overlay dirs (upper =
 * the container's changes, lowers = the image), the mounts docker cp sees through (the /etc files
 * bound in, host-path binds), and a temporary mount of the snapshot for a container that is not
 * running (its own rootfs mount exists only while it runs).
 */
import { randomBytes } from "../util/crypto.js";
import { existsSync, promises as fsp } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Readable } from "node:stream";
import type { ContainerChange, HostConfig } from "../api/types/containers.js";
import { dirEntries, packDir, writeTar, type TarSink } from "../archive/index.js";
import { mountAll, unmountRecursive } from "../mount/index.js";
import type { ContainerConfig } from "../oci/index.js";
import { NotImplementedError } from "../errdefs/index.js";
import type { Mount, Snapshotter } from "../snapshots/index.js";
import { changes as fsChanges, type ContainerFs } from "./fs/index.js";
import { naiveChanges, naiveLayerTar } from "./naive-diff.js";

/** upperdir/lowerdirs of an overlay snapshot's mount (absolute); {} for other snapshotters. */
export function overlayDirs(mounts: readonly Mount[]): { upperDir?: string; lowerDirs?: string[] } {
  const m = mounts[0];
  if (!m || m.type !== "overlay") return {};
  const opt = (k: string): string | undefined => m.options.find((o) => o.startsWith(`${k}=`))?.slice(k.length + 1);
  const abs = (p: string): string => path.resolve(m.cwd ?? "/", p);
  const upper = opt("upperdir");
  const lower = opt("lowerdir");
  return {
    ...(upper ? { upperDir: abs(upper) } : {}),
    ...(lower ? { lowerDirs: lower.split(":").filter((l) => l !== "").map(abs) } : {}),
  };
}

/** The mounts inside the container that cp reads and writes through: /etc/{resolv.conf,hostname,hosts} and host-path binds. */
export function extraMountsOf(hc: HostConfig, files: { resolvConfPath: string; hostnamePath: string; hostsPath: string }): ContainerFs["extraMounts"] {
  const out: ContainerFs["extraMounts"] = [];
  for (const [dest, src] of [
    ["/etc/resolv.conf", files.resolvConfPath],
    ["/etc/hostname", files.hostnamePath],
    ["/etc/hosts", files.hostsPath],
  ] as const) {
    if (existsSync(src)) out.push({ destination: dest, source: src, readOnly: false });
  }
  for (const b of hc.Binds ?? []) {
    const [src = "", dst = "", mode = ""] = b.split(":");
    if (!src.startsWith("/") || !dst.startsWith("/")) continue;
    out.push({ destination: dst, source: src, readOnly: mode.split(",").includes("ro") });
  }
  return out;
}

/** Mounts the snapshot on a fresh temp dir; release() unmounts and removes the dir (rmdir only). Idempotent. */
export async function mountTemp(mounts: readonly Mount[]): Promise<{ root: string; release: () => Promise<void> }> {
  const root = await fsp.mkdtemp(path.join(tmpdir(), "berth-ctrfs-"));
  try {
    await mountAll(mounts, root);
  } catch (e) {
    await fsp.rmdir(root).catch(() => undefined);
    throw e;
  }
  let released: Promise<void> | undefined;
  const release = (): Promise<void> => {
    released ??= (async () => {
      await unmountRecursive(root);
      await fsp.rmdir(root);
    })();
    return released;
  };
  return { root, release };
}

/** Runs release once the stream is done (ended, failed or destroyed). */
export function releaseAfter(stream: Readable, release: () => Promise<void>, onError: (e: unknown) => void): Readable {
  stream.once("close", () => void release().catch(onError));
  return stream;
}

/**
 * The config given to commit's body (if any) over the container's, as dockerd's merge: the body's
 * non-empty fields win, Env and Labels merge by key, ExposedPorts and Volumes are united.
 */
export function commitConfig(container: ContainerConfig, body: ContainerConfig | null | undefined): ContainerConfig {
  const base = structuredClone(container);
  if (!body || typeof body !== "object") return base;
  const { HostConfig: _h, NetworkingConfig: _n, ...user } = body as ContainerConfig & { HostConfig?: unknown; NetworkingConfig?: unknown };
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(user)) {
    if (v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0)) continue;
    if (k === "Env" && Array.isArray(v)) {
      const env = new Map<string, string>();
      for (const e of [...(base.Env ?? []), ...(v as string[])]) env.set(e.split("=")[0] ?? e, e);
      out[k] = [...env.values()];
    } else if ((k === "Labels" || k === "ExposedPorts" || k === "Volumes") && typeof v === "object") {
      out[k] = { ...((base as Record<string, unknown>)[k] as object | undefined), ...(v as object) };
    } else out[k] = v;
  }
  return out as ContainerConfig;
}

/**
 * What dockerd keeps in a container's init layer (below its writable layer): mount points the runtime
 * creates. Here they land in the writable layer, so diff and commit leave them out, as docker's do.
 */
export const INIT_PATHS: readonly string[] = ["/dev", "/dev/pts", "/dev/shm", "/dev/console", "/proc", "/sys", "/.dockerenv", "/etc/resolv.conf", "/etc/hosts", "/etc/hostname", "/etc/mtab"];

function underInit(p: string): boolean {
  return INIT_PATHS.some((i) => p === i || p.startsWith(i + "/"));
}

/** Changes without the init layer's mount points, nor the directories changed only by their creation. */
export function hideInitPaths(list: readonly ContainerChange[]): ContainerChange[] {
  const hidden = list.filter((c) => c.Kind !== 2 && underInit(c.Path)).map((c) => c.Path);
  if (hidden.length === 0) return [...list];
  const kept = list.filter((c) => !(c.Kind !== 2 && underInit(c.Path)));
  return kept.filter((c) => {
    if (c.Kind !== 0) return true;
    const prefix = c.Path === "/" ? "/" : c.Path + "/";
    if (!hidden.some((h) => h.startsWith(prefix))) return true;
    return kept.some((o) => o.Path.startsWith(prefix));
  });
}

/** The container's layer tar (as fs/diffTar) without the init layer's mount points. */
export function layerTar(upperDir: string): Readable {
  return packDir(upperDir, {
    overlayWhiteouts: true,
    filter: (rel, st) => (st.isCharacterDevice() && st.rdev === 0n) || !underInit("/" + rel.toString()),
  });
}

/** The layer tar of an upper dir as it is, init paths included (a build step's snapshot has no init layer). */
export function upperDirTar(upperDir: string): Readable {
  return packDir(upperDir, { overlayWhiteouts: true });
}

/** upperDirTar's bytes, written to sink (writeTar: no stream, no garbage per chunk). */
export function writeUpperDirTar(upperDir: string, sink: TarSink, signal?: AbortSignal): Promise<void> {
  return writeTar(dirEntries(upperDir, { overlayWhiteouts: true, ...(signal ? { signal } : {}) }), sink, signal);
}

/** A container's own layer: its changes and their layer tar (for commit). release() drops what opening made. */
export interface ContainerLayer {
  changes(): Promise<ContainerChange[]>;
  tar(): Promise<Readable>;
  release(): Promise<void>;
}

/**
 * Opens the layer of snapshot `key`: with overlay, its upper dir (read in place); with whole-tree snapshots,
 * the tree compared with a copy of its parent, made as an "extract-…" snapshot so that a crash leaves
 * nothing the start-up sweep would not remove.
 */
export async function openLayer(sn: Snapshotter, key: string, fsId: string, opts: { keepInitPaths?: boolean } = {}): Promise<ContainerLayer> {
  const mounts = await sn.mounts(key);
  const dirs = overlayDirs(mounts);
  const upper = dirs.upperDir;
  const hide = opts.keepInitPaths === true ? (l: ContainerChange[]): ContainerChange[] => l : hideInitPaths;
  if (upper) {
    const cfs: ContainerFs = { rootfs: "", ...dirs, id: fsId, extraMounts: [] };
    return { changes: async () => hide(await fsChanges(cfs)), tar: async () => (opts.keepInitPaths === true ? upperDirTar(upper) : layerTar(upper)), release: async () => undefined };
  }
  const m = mounts[0];
  if (!m || m.type !== "bind") throw new NotImplementedError(`the ${sn.name} storage driver cannot list a container's changes`);
  const root = m.source;
  const parent = (await sn.stat(key)).parent;
  const baseKey = `extract-diff-${randomBytes(8).toString("hex")}`;
  let base: string;
  if (parent) {
    const bm = await sn.prepare(baseKey, parent);
    base = bm[0]?.source ?? "";
  } else {
    base = await fsp.mkdtemp(path.join(tmpdir(), "berth-empty-"));
  }
  let released: Promise<void> | undefined;
  const list = async (): Promise<ContainerChange[]> => hide(naiveChanges(base, root));
  return {
    changes: list,
    tar: async () => naiveLayerTar(root, await list()),
    release: () => {
      released ??= parent ? sn.remove(baseKey) : fsp.rmdir(base);
      return released;
    },
  };
}
