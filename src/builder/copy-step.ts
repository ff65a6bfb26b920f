/**
 * COPY and ADD: the sources (the build context, an earlier stage's image, or a local image with
 * `--from`, plus heredoc bodies) are checksummed for the cache key, then copied into a fresh snapshot
 * of the current image, whose changes become the step's layer. No container is made.
 */
import { randomBytes } from "../util/crypto.js";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { InternalError, InvalidArgumentError, NotFoundError, NotImplementedError, messageOf } from "../errdefs/index.js";
import { mountTemp, openLayer, overlayDirs, writeUpperDirTar } from "../containers/container-fs-access.js";
import { resolveInRoot } from "../containers/fs/index.js";
import { resolveUser } from "../containers/index.js";
import type { AddInstruction, CopyInstruction } from "../dockerfile/index.js";
import type { ContainerConfig } from "../oci/index.js";
import { VOLATILE_LABEL } from "../snapshots/index.js";
import { resolveSources, contentChecksum } from "./context/copy-sources.js";
import { copyInto } from "./context/copy-into.js";
import { DeferredLinks } from "./context/deferred-links.js";
import { downloadUrl, isHttpSource } from "./context/fetch-url.js";
import { cachedStep, type BuildContextState } from "./build-state.js";
import { stepImageOptions, writeImage } from "./image-writer.js";
import type { StageState } from "./stage-runner.js";
import { monotonicMs } from "../util/monotonic.js";

type Entry = { host: string; rel: string; isDir: boolean };

/** A read-only view of an image's rootfs on a temp dir (an empty dir for an image without layers). */
export async function openImageRoot(b: BuildContextState, imageId: string | undefined): Promise<{ root: string; release: () => Promise<void> }> {
  const chain = imageId ? b.deps.images.store.get(imageId)?.topChainId : undefined;
  if (!chain) {
    const dir = await mkdtemp(path.join(b.deps.tmpRoot, "empty-"));
    return { root: dir, release: () => rm(dir, { recursive: true, force: true }) };
  }
  const sn = b.deps.snapshotter;
  const key = `extract-build-view-${randomBytes(8).toString("hex")}`;
  const lease = b.deps.images.leases.create({ op: "build-from" });
  b.deps.images.leases.add(lease, "snapshot", key);
  try {
    const mounts = await sn.view(key, chain);
    const t = await mountTemp(mounts);
    return {
      root: t.root,
      release: async () => {
        await t.release().catch(() => undefined);
        await sn.remove(key).catch(() => undefined);
        b.deps.images.leases.delete(lease);
      },
    };
  } catch (e) {
    await sn.remove(key).catch(() => undefined);
    b.deps.images.leases.delete(lease);
    throw e;
  }
}

async function readInRoot(root: string, p: string): Promise<string> {
  try {
    return await readFile(resolveInRoot({ rootfs: root, extraMounts: [] }, p, { followFinal: true }).host, "utf8");
  } catch {
    return "";
  }
}

/** `--chown=user[:group]` against the image's /etc/passwd and /etc/group (numeric ids as given; a lone uid is also the gid). */
async function chownOf(root: string, spec: string): Promise<{ uid: number; gid: number }> {
  const [u = "", g] = spec.split(":", 2);
  const num = (s: string): number | undefined => (/^\d+$/.test(s) ? Number(s) : undefined);
  if (num(u) !== undefined && (g === undefined || num(g) !== undefined)) return { uid: num(u) as number, gid: g === undefined ? (num(u) as number) : (num(g) as number) };
  try {
    const r = resolveUser(spec, await readInRoot(root, "/etc/passwd"), await readInRoot(root, "/etc/group"));
    return { uid: r.uid, gid: g === undefined && num(u) !== undefined ? r.uid : r.gid };
  } catch (e) {
    throw new InvalidArgumentError(`unable to convert uid/gid chown string to host mapping: ${messageOf(e)}`, { cause: e });
  }
}

function chmodOf(spec: string): number {
  if (!/^[0-7]{1,4}$/.test(spec)) throw new InvalidArgumentError(`invalid chmod parameter: ${spec}`);
  return parseInt(spec, 8);
}

/** The image `--from` names: an earlier stage (by name or index) or a local image. */
function fromImage(b: BuildContextState, from: string, stageIndex: number): string | undefined {
  let idx: number | undefined;
  if (/^\d+$/.test(from)) {
    idx = Number(from);
    if (idx >= stageIndex) throw new InvalidArgumentError(`invalid from flag value ${from}: refers to current or later build stage`);
  } else {
    idx = b.stageNames.get(from.toLowerCase());
    if (idx !== undefined && idx >= stageIndex) {
      if (idx === stageIndex) throw new InvalidArgumentError(`invalid from flag value ${from}: a stage cannot copy from itself`);
      idx = undefined;
    }
  }
  if (idx !== undefined) {
    if (!b.stageResults.has(idx)) throw new InvalidArgumentError(`invalid from flag value ${from}: stage ${idx} was not built`);
    return b.stageResults.get(idx);
  }
  return b.deps.images.resolve(from);
}

/** Runs the step; returns the image id (cached or new). */
export async function copyStep(
  b: BuildContextState,
  st: StageState,
  stageIndex: number,
  ins: CopyInstruction | AddInstruction,
  fromRaw: string,
  stepConfig: (comment: string, extra: unknown) => { cc: ContainerConfig; key: string },
): Promise<string> {
  if (ins.link) b.out.line("[Warning] --link is ignored by the legacy builder");
  if (ins.kind === "ADD" && ins.sources.some((s) => /^git:\/\//.test(s) || s.startsWith("git@") || /\.git(#.*)?$/.test(s) && isHttpSource(s))) {
    throw new NotImplementedError("ADD from a git repository is not supported by berth's builder");
  }
  const urls = ins.kind === "ADD" ? ins.sources.filter(isHttpSource) : [];
  if (ins.kind === "ADD" && ins.checksum !== "") {
    if (urls.length === 0) throw new InvalidArgumentError(`Dockerfile line ${ins.startLine}: checksum can't be specified for non-HTTP(S) sources`);
    if (ins.sources.length > 1) throw new InvalidArgumentError(`Dockerfile line ${ins.startLine}: checksum can't be specified for multiple sources`);
  }
  const from = fromRaw;
  const releases: Array<() => Promise<void>> = [];
  try {
    let srcRoot = b.contextDir;
    if (from !== "") {
      let img: string | undefined;
      try {
        img = fromImage(b, from, stageIndex);
      } catch (e) {
        // name the line: --from was neither an earlier stage nor a local image (nothing is pulled for it)
        if (e instanceof NotFoundError) throw new NotFoundError(`${ins.kind} --from=${from} on line ${ins.startLine}: no build stage of that name and ${messageOf(e)}`, { cause: e });
        throw e;
      }
      const view = await openImageRoot(b, img);
      releases.push(view.release);
      srcRoot = view.root;
    }
    let entries: Entry[] = [];
    const locals = ins.sources.filter((s) => !urls.includes(s));
    try {
      if (locals.length > 0) entries = await resolveSources(srcRoot, locals, { allowWildcards: true });
    } catch (e) {
      if (e instanceof InvalidArgumentError) throw new InvalidArgumentError(`${ins.kind} failed: ${e.message}`, { cause: e });
      throw e;
    }
    const downloaded = new Set<string>();
    if (urls.length > 0) {
      const dir = await mkdtemp(path.join(b.deps.tmpRoot, "add-url-"));
      releases.push(() => rm(dir, { recursive: true, force: true }));
      for (const [n, u] of urls.entries()) {
        const sub = path.join(dir, String(n));
        await mkdir(sub);
        const got = await downloadUrl(u, sub, { ...(ins.kind === "ADD" && ins.checksum !== "" ? { checksum: ins.checksum } : {}), signal: b.signal });
        downloaded.add(got.host);
        entries.push({ host: got.host, rel: got.name, isDir: false });
      }
    }
    if (ins.contents.length > 0) {
      const dir = await mkdtemp(path.join(b.deps.tmpRoot, "heredoc-"));
      releases.push(() => rm(dir, { recursive: true, force: true }));
      for (const c of ins.contents) {
        const host = path.join(dir, path.basename(c.path));
        await writeFile(host, c.data);
        entries.push({ host, rel: path.basename(c.path), isDir: false });
      }
    }
    const sum = (await contentChecksum(entries)).replace(/^sha256:/, "");
    const kind = entries.length === 1 ? (entries[0]?.isDir ? "dir" : "file") : "multi";
    const comment = `${ins.kind} ${kind}:${sum} in ${ins.dest} `;
    const { cc, key } = stepConfig(comment, { chown: ins.chown, chmod: ins.chmod, from, excludes: ins.excludes });
    const hit = await cachedStep(b, st.imageId, key, { createdBy: (cc.Cmd ?? []).join(" "), config: st.config });
    if (hit) return hit;
    const id = await commitSnapshotStep(b, st, cc, async (root, upper) => {
      // overlay: files that keep their metadata become hard links of the context's, not copies
      const links = upper && from === "" ? new DeferredLinks(root, upper) : undefined;
      await copyInto(entries, root, ins.dest, {
        ...(links ? { deferFile: links.defer } : {}),
        workdir: st.config.WorkingDir || "/",
        ...(ins.chown ? { chown: await chownOf(root, ins.chown) } : {}),
        ...(ins.chmod ? { chmod: chmodOf(ins.chmod) } : {}),
        extractArchives: ins.kind === "ADD" && from === "",
        noExtract: downloaded,
        // BuildKit keeps the owners of what COPY --from copies (the context's become 0:0)
        keepOwners: from !== "",
        instruction: ins.kind,
      });
      return links ? () => links.finish() : undefined;
    });
    b.cachePut(st.imageId, key, id);
    return id;
  } finally {
    for (const r of releases.reverse()) await r().catch(() => undefined);
  }
}

/**
 * A step that changes files without running anything: a fresh snapshot of the current image,
 * mounted on a temp dir for `mutate`, whose changes become the new image's layer. `mutate` gets the
 * snapshot's overlay upper dir too (undefined without overlay) and may return a function to run on that
 * upper dir once it is unmounted, before the layer is made from it.
 */
export async function commitSnapshotStep(
  b: BuildContextState,
  st: StageState,
  cc: ContainerConfig,
  mutate: (root: string, upper: string | undefined) => Promise<(() => void) | void>,
): Promise<string> {
  const parentChain = st.imageId ? b.deps.images.store.get(st.imageId)?.topChainId : undefined;
  const sn = b.deps.snapshotter;
  const snKey = `extract-build-${randomBytes(8).toString("hex")}`;
  const lease = b.deps.images.leases.create({ op: "build-step" });
  b.deps.images.leases.add(lease, "snapshot", snKey);
  try {
    // volatile: the step's layer blob is its durable copy, so unmounting need not sync the file system
    const mounts = await sn.prepare(snKey, parentChain, { labels: { [VOLATILE_LABEL]: "true" } });
    const upperDir = overlayDirs(mounts).upperDir;
    const t = await mountTemp(mounts);
    let unmounted = false;
    const t0 = monotonicMs();
    let copied = 0;
    let afterUnmount: (() => void) | void;
    try {
      afterUnmount = await mutate(t.root, upperDir);
    } finally {
      copied = monotonicMs();
      await t.release().then(
        () => (unmounted = true),
        (e: unknown) => b.deps.log.warn("unmounting a build snapshot failed", { err: messageOf(e) }),
      );
    }
    if (afterUnmount) {
      if (!unmounted) throw new InternalError("the build step's snapshot could not be unmounted");
      afterUnmount();
    }
    const released = monotonicMs();
    const base = stepImageOptions(st, cc, b.deps.platform, b.signal);
    // overlay: the snapshot's upper dir becomes the layer as it is (no second copy of every file). No
    // init layer was ever mounted here, so what the step wrote under /etc/hosts and the like is kept, as
    // BuildKit keeps it.
    const upper = unmounted ? upperDir : undefined;
    if (upper) {
      const id = await writeImage(b.deps.images, { ...base, snapshot: { key: snKey, tar: (sink) => writeUpperDirTar(upper, sink, b.signal) } });
      b.deps.log.debug("build step's layer committed in place", {
        step: base.createdBy,
        image: id,
        ms: `copy=${Math.round(copied - t0)} unmount=${Math.round(released - copied)} commit=${Math.round(monotonicMs() - released)}`,
      });
      return id;
    }
    const layer = await openLayer(sn, snKey, snKey, { keepInitPaths: true });
    try {
      return await writeImage(b.deps.images, { ...base, layer: await layer.tar() });
    } finally {
      await layer.release().catch(() => undefined);
    }
  } finally {
    await sn.remove(snKey).catch(() => undefined);
    b.deps.images.leases.delete(lease);
  }
}
