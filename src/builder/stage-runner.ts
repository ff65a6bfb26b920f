/**
 * Runs one stage of a Dockerfile as docker's classic builder does: each instruction after FROM makes
 * an image on top of the previous one. Metadata instructions only change the config (an empty
 * layer; WORKDIR also makes its directory); RUN runs a container and commits its changes; COPY/ADD copy into a fresh snapshot of the
 * current image and commit it. Every step is looked up in the build cache first (parent image +
 * expanded step + content checksum; with --cache-from, cache-from.ts); a hit makes no container.
 */
import { chown, mkdir, readFile } from "node:fs/promises";
import * as path from "node:path";
import { resolveInRoot } from "../containers/fs/index.js";
import { resolveUser } from "../containers/index.js";
import { InvalidArgumentError, NotImplementedError } from "../errdefs/index.js";
import type { ContainerConfig, HealthConfig } from "../oci/index.js";
import { expandInstruction, parseDockerfile, planRunHeredocs } from "../dockerfile/index.js";
import type { Instruction, RunInstruction, CopyInstruction, AddInstruction } from "../dockerfile/index.js";
import { envKey, setEnv } from "./build-args.js";
import { cachedStep, type BuildContextState } from "./build-state.js";
import { cacheKeyOf } from "./build-cache.js";
import { stepImageOptions, writeImage } from "./image-writer.js";
import { runStep } from "./run-step.js";
import { mountSourcesKey, parseRunMounts } from "./run-mounts.js";
import { commitSnapshotStep, copyStep } from "./copy-step.js";

const DEFAULT_SHELL = ["/bin/sh", "-c"];
const DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The state of a stage between steps. */
export interface StageState {
  /** The current image ("sha256:…"); undefined while a stage FROM scratch has no step yet. */
  imageId: string | undefined;
  config: ContainerConfig;
  /** Declared ARGs in effect (value undefined: declared without a value). */
  args: Map<string, string | undefined>;
  author: string | undefined;
  /** CMD was set in this stage (ENTRYPOINT then keeps it). */
  cmdSet: boolean;
}

export function shellOf(st: StageState): string[] {
  return st.config.Shell && st.config.Shell.length > 0 ? st.config.Shell : DEFAULT_SHELL;
}

/** Variables for expanding an instruction: declared ARGs with values, then ENV (which wins). */
export function expansionEnv(st: StageState): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of st.args) if (v !== undefined) m.set(k, v);
  for (const e of st.config.Env ?? []) {
    const i = e.indexOf("=");
    if (i > 0) m.set(e.slice(0, i), e.slice(i + 1));
  }
  return m;
}

/**
 * Starts a stage from its base: a copy of the base image's config with a default PATH. A stage FROM
 * scratch (no config) starts in WorkingDir "/", like BuildKit's empty image.
 */
export function beginStage(imageId: string | undefined, config: ContainerConfig | undefined, author: string | undefined): StageState {
  const cfg: ContainerConfig = structuredClone(config ?? { WorkingDir: "/" });
  const env = cfg.Env ?? [];
  if (!env.some((e) => envKey(e) === "PATH")) cfg.Env = [...env, DEFAULT_PATH];
  return { imageId, config: cfg, args: new Map(), author, cmdSet: false };
}

/** The stage now stands on image `id`: pinned against deletion until the build ends. */
function useImage(b: BuildContextState, st: StageState, id: string): void {
  b.pin(id);
  st.imageId = id;
}

/**
 * Commits a metadata step: the config changes, no layer; `comment` goes in the history as
 * `/bin/sh -c #(nop)  <comment>`.
 */
async function commitMeta(b: BuildContextState, st: StageState, comment: string): Promise<void> {
  const cc: ContainerConfig = { ...structuredClone(st.config), Cmd: [...shellOf(st), "#(nop) ", comment] };
  const key = cacheKeyOf({ cc, config: st.config, author: st.author ?? "" });
  const hit = await cachedStep(b, st.imageId, key, { createdBy: (cc.Cmd ?? []).join(" "), config: st.config });
  if (hit) {
    useImage(b, st, hit);
    return;
  }
  const id = await writeImage(b.deps.images, stepImageOptions(st, cc, b.deps.platform, b.signal));
  b.cachePut(st.imageId, key, id);
  useImage(b, st, id);
}

/** WORKDIR: the directory is made in the image (0755, owned by the USER like BuildKit) when missing. */
async function commitWorkdir(b: BuildContextState, st: StageState, wd: string): Promise<void> {
  const cc: ContainerConfig = { ...structuredClone(st.config), Cmd: [...shellOf(st), "#(nop) ", `WORKDIR ${wd}`] };
  const key = cacheKeyOf({ cc, config: st.config, author: st.author ?? "" });
  const hit = await cachedStep(b, st.imageId, key, { createdBy: (cc.Cmd ?? []).join(" "), config: st.config });
  if (hit) {
    useImage(b, st, hit);
    return;
  }
  const user = st.config.User ?? "";
  const id = await commitSnapshotStep(b, st, cc, async (root) => {
    const host = resolveInRoot({ rootfs: root, extraMounts: [] }, wd, { followFinal: true }).host;
    const first = await mkdir(host, { recursive: true, mode: 0o755 });
    // like BuildKit, the directories WORKDIR makes belong to the stage's USER
    if (first === undefined || user === "" || user === "root" || user === "0" || user === "0:0") return;
    const read = (f: string): Promise<string> => readFile(resolveInRoot({ rootfs: root, extraMounts: [] }, f, { followFinal: true }).host, "utf8").catch(() => "");
    const u = resolveUser(user, await read("/etc/passwd"), await read("/etc/group"));
    for (let d = host; d.length >= first.length; d = path.dirname(d)) await chown(d, u.uid, u.gid);
  });
  b.cachePut(st.imageId, key, id);
  useImage(b, st, id);
}

function commandOf(st: StageState, ins: { cmdLine: string[]; prependShell: boolean }): string[] {
  return ins.prependShell ? [...shellOf(st), ...ins.cmdLine] : [...ins.cmdLine];
}

/** EXPOSE's port specs: `port[/proto]`, a range `lo-hi[/proto]` naming each of its ports (as docker does). */
function portSpecs(p: string): string[] {
  const [port = "", proto = "tcp"] = p.split("/");
  if (!["tcp", "udp", "sctp"].includes(proto.toLowerCase())) throw new InvalidArgumentError(`Invalid proto: ${proto}`);
  if (!/^\d+(-\d+)?$/.test(port)) throw new InvalidArgumentError(`Invalid containerPort: ${port}`);
  const range = /^(\d+)-(\d+)$/.exec(port);
  if (range) {
    const lo = Number(range[1]);
    const hi = Number(range[2]);
    if (hi >= lo && hi - lo < 65536) return Array.from({ length: hi - lo + 1 }, (_, i) => `${lo + i}/${proto.toLowerCase()}`);
  }
  return [`${port}/${proto.toLowerCase()}`];
}

function healthOf(h: { test: string[]; interval: number; timeout: number; startPeriod: number; startInterval: number; retries: number }): HealthConfig {
  const out: HealthConfig = { Test: h.test };
  if (h.interval) out.Interval = h.interval;
  if (h.timeout) out.Timeout = h.timeout;
  if (h.startPeriod) out.StartPeriod = h.startPeriod;
  if (h.startInterval) out.StartInterval = h.startInterval;
  if (h.retries) out.Retries = h.retries;
  return out;
}

/** Runs one instruction (not FROM) on the stage. */
export async function dispatch(b: BuildContextState, st: StageState, stageIndex: number, raw: Instruction): Promise<void> {
  const ins = expandInstruction(raw, expansionEnv(st), b.escapeToken);
  const cfg = st.config;
  switch (ins.kind) {
    case "ENV": {
      let env = cfg.Env ?? [];
      for (const p of ins.env) env = setEnv(env, p.key, p.value);
      cfg.Env = env;
      return commitMeta(b, st, `ENV ${ins.env.map((p) => `${p.key}=${p.value}`).join(" ")}`);
    }
    case "LABEL": {
      const labels = { ...(cfg.Labels ?? {}) };
      for (const p of ins.labels) labels[p.key] = p.value;
      cfg.Labels = labels;
      return commitMeta(b, st, `LABEL ${ins.labels.map((p) => `${p.key}=${p.value}`).join(" ")}`);
    }
    case "MAINTAINER":
      st.author = ins.maintainer;
      return commitMeta(b, st, `MAINTAINER ${ins.maintainer}`);
    case "CMD":
      cfg.Cmd = commandOf(st, ins);
      st.cmdSet = true;
      return commitMeta(b, st, `CMD ${JSON.stringify(cfg.Cmd)}`);
    case "ENTRYPOINT":
      cfg.Entrypoint = ins.cmdLine.length === 0 ? null : commandOf(st, ins);
      if (!st.cmdSet) cfg.Cmd = null;
      return commitMeta(b, st, `ENTRYPOINT ${JSON.stringify(cfg.Entrypoint)}`);
    case "WORKDIR": {
      const wd = path.posix.isAbsolute(ins.path) ? path.posix.normalize(ins.path) : path.posix.join(cfg.WorkingDir || "/", ins.path);
      cfg.WorkingDir = wd;
      return commitWorkdir(b, st, wd);
    }
    case "USER":
      cfg.User = ins.user;
      return commitMeta(b, st, `USER ${ins.user}`);
    case "EXPOSE": {
      const ports = { ...(cfg.ExposedPorts ?? {}) };
      const specs = ins.ports.flatMap(portSpecs);
      for (const p of specs) ports[p] = {};
      cfg.ExposedPorts = ports;
      return commitMeta(b, st, `EXPOSE ${specs.join(" ")}`);
    }
    case "VOLUME": {
      const vols = { ...(cfg.Volumes ?? {}) };
      for (const v of ins.volumes) vols[v] = {};
      cfg.Volumes = vols;
      return commitMeta(b, st, `VOLUME ${JSON.stringify(ins.volumes)}`);
    }
    case "STOPSIGNAL":
      cfg.StopSignal = ins.signal;
      return commitMeta(b, st, `STOPSIGNAL ${ins.signal}`);
    case "HEALTHCHECK":
      cfg.Healthcheck = healthOf(ins.health);
      return commitMeta(b, st, `HEALTHCHECK &{${JSON.stringify(ins.health.test)}}`);
    case "SHELL":
      cfg.Shell = ins.shell;
      return commitMeta(b, st, `SHELL ${JSON.stringify(ins.shell)}`);
    case "ONBUILD": {
      const trigger = ins.expression.replace(/^\s*(\S+)/, (w) => w.toUpperCase());
      cfg.OnBuild = [...(cfg.OnBuild ?? []), trigger];
      return commitMeta(b, st, `ONBUILD ${trigger}`);
    }
    case "ARG": {
      for (const a of ins.args) {
        let value = b.args.valueOf(a.key);
        if (value === undefined) value = a.value;
        if (value === undefined && b.args.meta.has(a.key)) value = b.args.meta.get(a.key);
        st.args.set(a.key, value);
      }
      return commitMeta(b, st, `ARG ${ins.args.map((a) => (a.value === undefined ? a.key : `${a.key}=${a.value}`)).join(" ")}`);
    }
    case "RUN":
      return dispatchRun(b, st, stageIndex, ins);
    case "COPY":
    case "ADD":
      return dispatchCopy(b, st, stageIndex, ins);
    case "FROM":
      throw new InvalidArgumentError("FROM inside a stage");
  }
}

async function dispatchRun(b: BuildContextState, st: StageState, stageIndex: number, ins: RunInstruction): Promise<void> {
  const mounts = parseRunMounts(ins, expansionEnv(st), b.escapeToken);
  const plan = planRunHeredocs(ins);
  if (plan.file) throw new NotImplementedError("RUN with a #! heredoc is not supported yet");
  const cmd = plan.prependShell ? [...shellOf(st), ...plan.cmdLine] : [...plan.cmdLine];
  // Declared ARGs with a value, unless ENV sets the same name: in RUN's environment and its history.
  const envKeys = new Set((st.config.Env ?? []).map(envKey));
  const argEnv: string[] = [];
  for (const [k, v] of st.args) if (v !== undefined && !envKeys.has(k)) argEnv.push(`${k}=${v}`);
  argEnv.sort();
  const proxyEnv: string[] = [];
  for (const [k, v] of b.args.proxyEnv()) if (!st.args.has(k) && !envKeys.has(k)) proxyEnv.push(`${k}=${v}`);
  const saveCmd = argEnv.length > 0 ? [`|${argEnv.length}`, ...argEnv, ...cmd] : cmd;
  const cc: ContainerConfig = { ...structuredClone(st.config), Cmd: saveCmd };
  // the mounts (as expanded; never a secret's bytes) are part of the step's identity
  const mountSources = mounts.length > 0 ? await mountSourcesKey(b, mounts, { stageIndex, line: ins.startLine }) : [];
  const key = cacheKeyOf(mounts.length > 0 ? { cc, config: st.config, author: st.author ?? "", mounts, mountSources } : { cc, config: st.config, author: st.author ?? "" });
  // a RUN --mount of the context or of another image has inputs its history entry does not show
  const hit = await cachedStep(b, st.imageId, key, { createdBy: saveCmd.join(" "), config: st.config, fromSources: mountSources.length === 0 });
  if (hit) {
    useImage(b, st, hit);
    return;
  }
  if (!st.imageId) throw new InvalidArgumentError("RUN in a stage FROM scratch needs an earlier COPY or ADD of something to run");
  const id = await runStep(b, {
    parentId: st.imageId,
    cmd,
    env: [...(st.config.Env ?? []), ...argEnv, ...proxyEnv],
    config: st.config,
    containerConfig: cc,
    createdBy: saveCmd.join(" "),
    ...(st.author ? { author: st.author } : {}),
    ...(mounts.length > 0 ? { mounts, stageIndex, line: ins.startLine } : {}),
  });
  b.cachePut(st.imageId, key, id);
  useImage(b, st, id);
}

async function dispatchCopy(b: BuildContextState, st: StageState, stageIndex: number, ins: CopyInstruction | AddInstruction): Promise<void> {
  const from = ins.kind === "COPY" ? ins.from : "";
  const id = await copyStep(b, st, stageIndex, ins, from, (comment, extra) => {
    const cc: ContainerConfig = { ...structuredClone(st.config), Cmd: [...shellOf(st), `#(nop) ${comment}`] };
    return { cc, key: cacheKeyOf({ cc, config: st.config, author: st.author ?? "", extra }) };
  });
  useImage(b, st, id);
}

/** Runs the ONBUILD triggers of a stage's base image (then clears them, as docker does). */
export async function runTriggers(b: BuildContextState, st: StageState, stageIndex: number): Promise<void> {
  const triggers = st.config.OnBuild ?? [];
  if (triggers.length === 0) return;
  st.config.OnBuild = null;
  b.out.line(`# Executing ${triggers.length} build trigger${triggers.length === 1 ? "" : "s"}`);
  for (const t of triggers) {
    const parsed = parseDockerfile(`FROM scratch\n${t}\n`);
    for (const ins of parsed.stages[0]?.commands ?? []) {
      b.out.line(` ---> Running ${ins.original}`);
      await dispatch(b, st, stageIndex, ins);
    }
  }
}

