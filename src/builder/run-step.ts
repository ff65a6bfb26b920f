/**
 * RUN: a container from the current image with Cmd = the command (no entrypoint), its output
 * streamed into the build output, then its changes committed as the step's image. The container is
 * removed whatever happens; a non-zero exit fails the build with docker's message. `RUN --mount`s
 * (run-mounts.ts) are the container's mounts, freed after the step; they are not in its layer.
 */
import { messageOf } from "../errdefs/index.js";
import { openLayer } from "../containers/container-fs-access.js";
import { BUILD_STEP_LABEL } from "../containers/index.js";
import type { ContainerConfig } from "../oci/index.js";
import type { BuildContextState } from "./build-state.js";
import { BuildRunError, shortId } from "./build-output.js";
import { writeImage } from "./image-writer.js";
import type { RunMount } from "../dockerfile/index.js";
import { cleanStubs, prepareRunMounts, stubsBefore, type PreparedRunMounts } from "./run-mounts.js";

export interface RunStepOptions {
  parentId: string;
  cmd: string[];
  env: string[];
  /** The builder's config after the step (the image's config). */
  config: ContainerConfig;
  /** The step's config (container_config, Cmd = the step as recorded). */
  containerConfig: ContainerConfig;
  createdBy: string;
  author?: string;
  /** `RUN --mount`s (parsed); with them, where the step is (for `from=` and error messages). */
  mounts?: readonly RunMount[];
  stageIndex?: number;
  line?: number;
}

/** Runs the step; returns the committed image id. */
export async function runStep(b: BuildContextState, o: RunStepOptions): Promise<string> {
  b.signal.throwIfAborted();
  // the container calls below must not stop half-way when the client goes: cleanup depends on them
  const ctx = { apiVersion: b.apiVersion, signal: new AbortController().signal };
  let prepared: PreparedRunMounts | undefined;
  if (o.mounts && o.mounts.length > 0) {
    prepared = await prepareRunMounts(b, o.mounts, { stageIndex: o.stageIndex ?? 0, workdir: o.config.WorkingDir ?? "", line: o.line ?? 0 });
  }
  try {
    return await runContainer(b, o, ctx, prepared);
  } finally {
    await prepared?.release();
  }
}

async function runContainer(b: BuildContextState, o: RunStepOptions, ctx: { apiVersion: string; signal: AbortSignal }, prepared: PreparedRunMounts | undefined): Promise<string> {
  const cs = b.deps.containers;
  const created = await cs.create(
    {
      Image: o.parentId,
      Cmd: o.cmd,
      Entrypoint: [],
      Env: o.env,
      User: o.config.User ?? "",
      WorkingDir: o.config.WorkingDir ?? "",
      AttachStdout: true,
      AttachStderr: true,
      Labels: { ...(prepared?.labels ?? {}), [BUILD_STEP_LABEL]: "true" },
      HostConfig: { NetworkMode: b.networkMode || "default", ...(prepared && prepared.mounts.length > 0 ? { Mounts: prepared.mounts } : {}) },
    },
    // like BuildKit, a RUN writes into VOLUME paths as into any other (the legacy builder lost those writes)
    { imageVolumes: false, volatileRootfs: true },
    ctx,
  );
  const id = created.Id;
  const remove = async (): Promise<void> => {
    await cs.remove(id, { force: true, volumes: true, link: false }, ctx).catch((e: unknown) => b.deps.log.warn("removing an intermediate container failed", { id, err: messageOf(e) }));
  };
  let imageId: string;
  try {
    const snapKey = cs.store.get(id)?.snapshotKey ?? id;
    // mount points the runtime creates for the mounts are not part of the step's layer
    const stubs = prepared ? await stubsBefore(b, snapKey, prepared.targets) : [];
    b.out.line(` ---> Running in ${shortId(id)}`);
    const waited = await cs.wait(id, { condition: "next-exit" }, ctx);
    const session = await cs.prepareAttach(id, { stream: true, logs: false, stdin: false, stdout: true, stderr: true }, ctx);
    const attachAc = new AbortController();
    const onAbort = (): void => attachAc.abort();
    b.signal.addEventListener("abort", onAbort, { once: true });
    const attached = session.run({ stdin: null, output: (_s, chunk) => b.out.raw(chunk), signal: attachAc.signal });
    try {
      await cs.start(id, ctx);
    } catch (e) {
      attachAc.abort();
      await attached.catch(() => undefined);
      throw e;
    }
    const killOnAbort = (): void => {
      b.deps.log.debug("build cancelled: killing the RUN container", { id });
      void cs.kill(id, { signal: "SIGKILL" }, ctx).catch((e: unknown) => b.deps.log.warn("killing a cancelled RUN failed", { id, err: messageOf(e) }));
    };
    if (b.signal.aborted) killOnAbort();
    else b.signal.addEventListener("abort", killOnAbort, { once: true });
    const res = await waited.result;
    b.signal.removeEventListener("abort", killOnAbort);
    // the attach ends when conmon closes the socket; do not wait long past the exit for it
    await Promise.race([attached.catch(() => undefined), new Promise((r) => setTimeout(r, 1_000).unref())]);
    attachAc.abort();
    b.signal.removeEventListener("abort", onAbort);
    b.signal.throwIfAborted();
    if (res.StatusCode !== 0) {
      throw new BuildRunError(`The command '${o.cmd.join(" ")}' returned a non-zero code: ${res.StatusCode}`, res.StatusCode);
    }
    await cleanStubs(b, snapKey, stubs);
    const layer = await openLayer(b.deps.snapshotter, snapKey, id);
    try {
      imageId = await writeImage(b.deps.images, {
        parentId: o.parentId,
        layer: await layer.tar(),
        config: structuredClone(o.config),
        containerConfig: o.containerConfig,
        createdBy: o.createdBy,
        containerId: id,
        ...(o.author ? { author: o.author } : {}),
        platform: b.deps.platform,
        signal: b.signal,
      });
    } finally {
      await layer.release().catch(() => undefined);
    }
  } catch (e) {
    await remove();
    throw e;
  }
  // the next step does not need it gone; the build waits for it before it reports its result
  b.background(remove());
  b.out.line(`Removing intermediate container ${shortId(id)}`);
  return imageId;
}
