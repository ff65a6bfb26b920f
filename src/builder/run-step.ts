/**
 * RUN: a container from the current image with Cmd = the command (no entrypoint), its output
 * streamed into the build output, then its changes committed as the step's image. The container is
 * removed whatever happens; a non-zero exit fails the build with docker's message.
 */
import { messageOf } from "../errdefs/index.js";
import { openLayer } from "../containers/container-fs-access.js";
import type { ContainerConfig } from "../oci/index.js";
import type { BuildContextState } from "./build-state.js";
import { BuildRunError, shortId } from "./build-output.js";
import { writeImage } from "./image-writer.js";

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
}

/** Runs the step; returns the committed image id. */
export async function runStep(b: BuildContextState, o: RunStepOptions): Promise<string> {
  const cs = b.deps.containers;
  b.signal.throwIfAborted();
  // the container calls below must not stop half-way when the client goes: cleanup depends on them
  const ctx = { apiVersion: b.apiVersion, signal: new AbortController().signal };
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
      Labels: {},
      HostConfig: { NetworkMode: b.networkMode || "default" },
    },
    {},
    ctx,
  );
  const id = created.Id;
  const remove = async (): Promise<void> => {
    await cs.remove(id, { force: true, volumes: true, link: false }, ctx).catch((e: unknown) => b.deps.log.warn("removing an intermediate container failed", { id, err: messageOf(e) }));
  };
  let imageId: string;
  try {
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
    const key = cs.store.get(id)?.snapshotKey ?? id;
    const layer = await openLayer(b.deps.snapshotter, key, id);
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
  } finally {
    await remove();
  }
  b.out.line(`Removing intermediate container ${shortId(id)}`);
  return imageId;
}
