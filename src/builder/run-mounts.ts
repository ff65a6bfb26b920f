/**
 * `RUN --mount=…` for the classic builder: each mount becomes a HostConfig.Mounts entry of the RUN
 * container, through the containers' own mount machinery (src/containers/mounts.ts).
 *
 * - cache: a persistent directory per id (cache-mounts.ts), bound rw (ro with `readonly`); a new one
 *   is seeded with `source` (default /) of `from` when given; `uid`/`gid`/`mode` set on a new one.
 * - bind: `source` in the context or in `from` (a stage or image), resolved inside that root
 *   (symlinks never leave it); read-only, or with `rw` a scratch copy whose writes are dropped.
 * - tmpfs: a tmpfs of `size`.
 * - secret: the bytes `berth build --secret` sent, as a file in a 0700 temp dir outside the rootfs,
 *   bound read-only at `target` (default /run/secrets/<id>) and removed after the step.
 * - ssh: refused.
 *
 * The daemon's own dirs are bound with an internal grant tied to the RUN container. Mount points the
 * runtime had to create in the rootfs are removed again before the layer is taken (cleanStubs).
 */
import { existsSync, lstatSync, readdirSync, rmdirSync, statSync, unlinkSync } from "node:fs";
import { chmod, chown, copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import * as path from "node:path";
import type { MountSpec } from "../api/types/containers.js";
import { mountTemp } from "../containers/container-fs-access.js";
import { resolveInRoot } from "../containers/fs/index.js";
import { grantInternalBinds, INTERNAL_BIND_LABEL } from "../containers/mounts.js";
import { InvalidArgumentError, NotImplementedError, messageOf } from "../errdefs/index.js";
import { runMounts } from "../dockerfile/index.js";
import type { EnvLookup, Instruction, RunInstruction, RunMount } from "../dockerfile/index.js";
import { copyTree } from "../snapshots/index.js";
import type { BuildContextState } from "./build-state.js";
import { openImageRoot } from "./copy-step.js";
import { CacheMountStore, cacheMountStoreFor } from "./cache-mounts.js";
import { currentBuildSecrets } from "../util/build-secrets.js";
import { contentChecksum, resolveSources } from "./context/copy-sources.js";

export interface PreparedRunMounts {
  /** HostConfig.Mounts of the RUN container. */
  mounts: MountSpec[];
  /** Labels for the RUN container (the internal bind grant). */
  labels: Record<string, string>;
  /** Container paths of the mount targets (for cleanStubs). */
  targets: string[];
  /** Frees everything the mounts hold (cache leases, views, secret files). Idempotent. */
  release(): Promise<void>;
}

/** The stages a RUN's `--mount from=` names (as written), for the builder's stage ordering. */
export function runMountStageRefs(ins: Instruction): string[] {
  if (ins.kind !== "RUN") return [];
  const out: string[] = [];
  for (const spec of ins.mounts) {
    for (const field of spec.split(",")) {
      const m = /^\s*from=(.+)$/i.exec(field);
      if (m?.[1]) out.push(m[1].replace(/^"|"$/g, ""));
    }
  }
  return out;
}

/** Parses the RUN's mounts; an error names the line and the instruction. */
export function parseRunMounts(ins: RunInstruction, env: EnvLookup, escape: string): RunMount[] {
  let list: RunMount[];
  try {
    list = runMounts(ins, env, escape);
  } catch (e) {
    throw new InvalidArgumentError(`Dockerfile line ${ins.startLine}: ${ins.original}: --mount: ${messageOf(e)}`, { cause: e });
  }
  for (const m of list) {
    if (m.type === "ssh") throw new NotImplementedError(`Dockerfile line ${ins.startLine}: RUN --mount=type=ssh is not supported by berth's builder`);
    if (m.type !== "secret" && m.target === "") throw new InvalidArgumentError(`Dockerfile line ${ins.startLine}: ${ins.original}: --mount: mount type ${m.type} needs a target`);
    if (m.type === "tmpfs" && m.from !== "") throw new InvalidArgumentError(`Dockerfile line ${ins.startLine}: ${ins.original}: --mount: from is not allowed for tmpfs mounts`);
    if (m.type === "secret" && m.env !== undefined) throw new NotImplementedError(`Dockerfile line ${ins.startLine}: RUN --mount=type=secret,env= is not supported by berth's builder`);
  }
  return list;
}

/**
 * What the step's cache key needs from the mounts besides their specs: the content checksum of each
 * bind source in the context, and the image of each `from` (so a changed source reruns the step).
 */
export async function mountSourcesKey(b: BuildContextState, list: readonly RunMount[], o: { stageIndex: number; line: number }): Promise<string[]> {
  const out: string[] = [];
  for (const m of list) {
    if (m.type !== "bind" && m.type !== "cache") continue;
    if (m.from !== "") {
      out.push(`${m.type}:${m.from}:${fromImage(b, m.from, o.stageIndex, o.line) ?? "scratch"}`);
    } else if (m.type === "bind") {
      const entries = await resolveSources(b.contextDir, [m.source || "."], { allowWildcards: false });
      out.push(`bind:${await contentChecksum(entries)}`);
    }
  }
  return out;
}

/** `<data-root>/builder/cache-mounts` (the builder's tmp dir is `<data-root>/builder/tmp`). */
export function cacheMountsRoot(b: BuildContextState): string {
  return path.join(path.dirname(b.deps.tmpRoot), "cache-mounts");
}

/** The image a mount's `from` names: an earlier stage (name or index) or a local image. */
function fromImage(b: BuildContextState, from: string, stageIndex: number, line: number): string | undefined {
  let idx: number | undefined;
  if (/^\d+$/.test(from)) {
    idx = Number(from);
    if (idx >= stageIndex) throw new InvalidArgumentError(`Dockerfile line ${line}: --mount from=${from} refers to the current or a later build stage`);
  } else {
    idx = b.stageNames.get(from.toLowerCase());
    if (idx !== undefined && idx >= stageIndex) {
      if (idx === stageIndex) throw new InvalidArgumentError(`Dockerfile line ${line}: --mount from=${from}: a stage cannot mount itself`);
      idx = undefined;
    }
  }
  if (idx !== undefined) {
    if (!b.stageResults.has(idx)) {
      throw new InvalidArgumentError(`Dockerfile line ${line}: --mount from=${from}: stage ${idx} has not been built (a stage used only by RUN --mount is not run by this builder yet; COPY --from it first)`);
    }
    return b.stageResults.get(idx);
  }
  return b.deps.images.resolve(from);
}

/** A path inside root, symlinks resolved within it; throws when missing. */
function inRoot(root: string, p: string, what: string): string {
  const host = resolveInRoot({ rootfs: root, extraMounts: [] }, path.posix.join("/", p), { followFinal: true }).host;
  if (!existsSync(host)) throw new InvalidArgumentError(`${what}: "${p}" not found`);
  return host;
}

/** Sets up the step's mounts; on failure frees what it took. */
export async function prepareRunMounts(b: BuildContextState, list: readonly RunMount[], o: { stageIndex: number; workdir: string; line: number }): Promise<PreparedRunMounts> {
  const releases: Array<() => Promise<void>> = [];
  const grantPaths: string[] = [];
  const mounts: MountSpec[] = [];
  const targets: string[] = [];
  let released: Promise<void> | undefined;
  const release = (): Promise<void> => {
    released ??= (async () => {
      for (const r of releases.reverse()) await r().catch((e: unknown) => b.deps.log.warn("releasing a RUN mount failed", { err: messageOf(e) }));
    })();
    return released;
  };
  const roots = new Map<string, string>();
  /** The root a bind/cache `from` names (the context when empty). */
  const rootOf = async (from: string): Promise<string> => {
    if (from === "") return b.contextDir;
    const have = roots.get(from);
    if (have !== undefined) return have;
    const v = await openImageRoot(b, fromImage(b, from, o.stageIndex, o.line));
    releases.push(v.release);
    roots.set(from, v.root);
    return v.root;
  };
  const targetOf = (t: string): string => path.posix.resolve(o.workdir || "/", t);
  let scratch: string | undefined;
  const scratchDir = async (): Promise<string> => {
    if (scratch === undefined) {
      const dir = await mkdtemp(path.join(b.deps.tmpRoot, "run-mounts-"));
      await chmod(dir, 0o700);
      releases.push(() => rm(dir, { recursive: true, force: true }));
      grantPaths.push(dir);
      scratch = dir;
    }
    return scratch;
  };
  try {
    for (const m of list) {
      const line = `Dockerfile line ${o.line}`;
      switch (m.type) {
        case "tmpfs": {
          const target = targetOf(m.target);
          mounts.push({ Type: "tmpfs", Target: target, ...(m.sizeLimit > 0 ? { TmpfsOptions: { SizeBytes: m.sizeLimit } } : {}) });
          targets.push(target);
          break;
        }
        case "cache": {
          const target = targetOf(m.target);
          const store = cacheMountStoreFor(cacheMountsRoot(b));
          const lease = await store.acquire(m.id || m.target, m.sharing, b.signal);
          releases.push(lease.release);
          if (lease.fresh) {
            if (m.from !== "") {
              const seed = inRoot(await rootOf(m.from), m.source || "/", `${line}: cache mount source`);
              if (statSync(seed).isDirectory()) await copyTree(seed, lease.dir);
            }
            CacheMountStore.initDir(lease.dir, m);
          }
          grantPaths.push(lease.dir);
          mounts.push({ Type: "bind", Source: lease.dir, Target: target, ReadOnly: m.readOnly });
          targets.push(target);
          break;
        }
        case "bind": {
          const target = targetOf(m.target);
          const where = m.from === "" ? "the build context" : `"${m.from}"`;
          let src = inRoot(await rootOf(m.from), m.source || "/", `${line}: bind source in ${where}`);
          if (!m.readOnly) {
            // rw: the step may write, but its writes are thrown away with the copy
            const copy = path.join(await scratchDir(), `bind-${mounts.length}`);
            if (statSync(src).isDirectory()) {
              await mkdir(copy);
              await copyTree(src, copy);
            }
            else await copyFile(src, copy);
            src = copy;
          }
          grantPaths.push(src);
          mounts.push({ Type: "bind", Source: src, Target: target, ReadOnly: m.readOnly });
          targets.push(target);
          break;
        }
        case "secret": {
          const id = m.id || path.posix.basename(m.target || m.source);
          const target = targetOf(m.target || `/run/secrets/${id}`);
          const data = currentBuildSecrets().get(id);
          if (data === undefined) {
            if (m.required) throw new InvalidArgumentError(`${line}: secret "${id}" is required by RUN --mount=type=secret but was not given; pass it with berth build --secret id=${id},src=<file>`);
            break;
          }
          const dir = await scratchDir();
          const file = path.join(dir, `secret-${mounts.length}`);
          await writeFile(file, data, { mode: 0o600 });
          await chown(file, m.uid ?? 0, m.gid ?? 0);
          await chmod(file, m.mode ?? 0o400);
          mounts.push({ Type: "bind", Source: file, Target: target, ReadOnly: true });
          targets.push(target);
          break;
        }
        case "ssh":
          throw new NotImplementedError(`${line}: RUN --mount=type=ssh is not supported by berth's builder`);
      }
    }
    const labels: Record<string, string> = {};
    if (grantPaths.length > 0) {
      const g = grantInternalBinds(grantPaths);
      releases.push(async () => g.release());
      labels[INTERNAL_BIND_LABEL] = g.token;
    }
    return { mounts, labels, targets, release };
  } catch (e) {
    await release();
    throw e;
  }
}

/** For each target, the paths (shallowest first) that are missing from the root: what the runtime will create. */
export function missingPaths(root: string, targets: readonly string[]): string[] {
  const out: string[] = [];
  const fsv = { rootfs: root, extraMounts: [] };
  for (const t of targets) {
    const parts = t.split("/").filter((p) => p !== "");
    let missing = false;
    for (let i = 1; i <= parts.length; i++) {
      const p = `/${parts.slice(0, i).join("/")}`;
      if (!missing) {
        let host: string;
        try {
          host = resolveInRoot(fsv, p, { followFinal: false }).host;
        } catch {
          break;
        }
        missing = !existsSync(host);
        if (!missing) continue;
      }
      if (!out.includes(p)) out.push(p);
    }
  }
  return out;
}

/** Removes the (empty) mount points the runtime created at `created` paths, deepest first. */
export function removeStubs(root: string, created: readonly string[]): void {
  const fsv = { rootfs: root, extraMounts: [] };
  const sorted = [...created].sort((a, b) => b.split("/").length - a.split("/").length);
  for (const p of sorted) {
    let host: string;
    try {
      host = resolveInRoot(fsv, p, { followFinal: false }).host;
    } catch {
      continue;
    }
    try {
      const st = lstatSync(host);
      if (st.isDirectory()) {
        if (readdirSync(host).length === 0) rmdirSync(host);
      } else if (st.isFile() && st.size === 0) unlinkSync(host);
    } catch {
      /* gone or not removable: leave it */
    }
  }
}

/** The mount points the runtime will create for `targets` in the container's snapshot (mounted briefly). */
export async function stubsBefore(b: BuildContextState, snapshotKey: string, targets: readonly string[]): Promise<string[]> {
  if (targets.length === 0) return [];
  const t = await mountTemp(await b.deps.snapshotter.mounts(snapshotKey));
  try {
    return missingPaths(t.root, targets);
  } finally {
    await t.release();
  }
}

/** Removes the created mount points from the container's snapshot before its layer is taken. */
export async function cleanStubs(b: BuildContextState, snapshotKey: string, created: readonly string[]): Promise<void> {
  if (created.length === 0) return;
  const t = await mountTemp(await b.deps.snapshotter.mounts(snapshotKey));
  try {
    removeStubs(t.root, created);
  } finally {
    await t.release();
  }
}
