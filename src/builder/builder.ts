/**
 * The builder behind `POST /build` (the docker CLI's legacy path): unpacks the context, parses the
 * Dockerfile, runs the stages the target needs (docker's classic builder: one image per step,
 * `Step i/N` lines; stages that do not depend on each other run at the same time, their output
 * still shown stage by stage), tags the result. A base image that is missing (or every base image, with
 * --pull) is pulled from its registry.
 * A failed build tags nothing and leaves no container behind.
 */
import { mkdirSync, rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import * as path from "node:path";
import type { Readable } from "node:stream";
import { BerthError, InvalidArgumentError, NoSuchImageError, isKind, isNotFound, messageOf } from "../errdefs/index.js";
import { expandWord, parseDockerfile } from "../dockerfile/index.js";
import type { Dockerfile, Stage } from "../dockerfile/index.js";
import { familiarString, parseNormalizedNamed } from "../oci/index.js";
import { extractContext } from "./context/extract-context.js";
import { BuildArgs } from "./build-args.js";
import { BuildCache } from "./build-cache.js";
import { CacheFromStage, resolveCacheSources } from "./cache-from.js";
import { BuildOutput, BuildRunError, StageOutputGate, shortId, type BuildProgress } from "./build-output.js";
import type { BuildContextState, BuilderDeps } from "./build-state.js";
import { beginStage, dispatch, runTriggers } from "./stage-runner.js";
import { runMountStageRefs } from "./run-mounts.js";

export interface BuildOptions {
  /** `t`: names to tag the result with. */
  tags: string[];
  /** Path of the Dockerfile inside the context ("Dockerfile" by default). */
  dockerfile: string;
  buildArgs: Record<string, string | null>;
  labels: Record<string, string>;
  target: string;
  noCache: boolean;
  quiet: boolean;
  networkMode: string;
  platform: string;
  /** `--pull`: pull every base image even when it is here. */
  pull?: boolean;
  /** `--cache-from`: local images whose layers may stand for steps (cache-from.ts); nothing is pulled. */
  cacheFrom?: string[];
  /** Credentials per registry host (X-Registry-Config) for base images that are pulled. */
  registryAuths?: Record<string, { username?: string; password?: string; identitytoken?: string; registrytoken?: string; serveraddress?: string }>;
}

export interface BuildPruneResult {
  CachesDeleted: string[];
  SpaceReclaimed: number;
}

/** The stages stage `i` uses directly (FROM an earlier stage, COPY --from an earlier stage). */
export function stageDeps(df: Dockerfile, i: number, fromImages: Map<number, string>): number[] {
  const byName = new Map(df.stages.filter((s) => s.name !== "").map((s) => [s.name, s.index] as const));
  const out = new Set<number>();
  const s = df.stages[i];
  if (!s) return [];
  const base = byName.get((fromImages.get(i) ?? "").toLowerCase());
  if (base !== undefined && base < i) out.add(base);
  for (const c of s.commands) {
    const refs = c.kind === "COPY" && c.from !== "" ? [c.from] : runMountStageRefs(c);
    for (const from of refs) {
      const ref = /^\d+$/.test(from) ? Number(from) : byName.get(from.toLowerCase());
      if (ref !== undefined && ref < i) out.add(ref);
    }
  }
  return [...out].sort((a, b) => a - b);
}

/** The stages `target` needs (FROM an earlier stage, COPY --from, RUN --mount from=), in file order. */
export function neededStages(df: Dockerfile, target: number, fromImages: Map<number, string>): number[] {
  const need = new Set<number>();
  const visit = (i: number): void => {
    if (need.has(i) || !df.stages[i]) return;
    need.add(i);
    for (const d of stageDeps(df, i, fromImages)) visit(d);
  };
  visit(target);
  return [...need].sort((a, b) => a - b);
}

function validateTags(tags: readonly string[]): Array<{ repo: string; tag: string; shown: string }> {
  return tags.map((t) => {
    let named;
    try {
      named = parseNormalizedNamed(t);
    } catch {
      throw new InvalidArgumentError(`invalid reference format: ${t}`);
    }
    if (named.digest !== undefined) throw new InvalidArgumentError(`invalid reference format: ${t}`);
    const tag = named.tag ?? "latest";
    named.tag = tag;
    const shown = familiarString(named);
    return { repo: shown.slice(0, shown.length - tag.length - 1), tag, shown };
  });
}

export class Builder {
  readonly cache: BuildCache;

  constructor(private readonly deps: BuilderDeps) {
    this.cache = new BuildCache(deps.state, (id) => deps.images.store.has(id));
    rmSync(deps.tmpRoot, { recursive: true, force: true });
    mkdirSync(deps.tmpRoot, { recursive: true, mode: 0o700 });
  }

  /** Runs a build; returns the image id ("sha256:…"). Progress gets docker's JSON messages. */
  async build(context: Readable, opts: BuildOptions, progress: BuildProgress, ctx: { apiVersion: string; signal: AbortSignal }): Promise<string> {
    const tags = validateTags(opts.tags);
    if (opts.platform && !opts.platform.startsWith(`${this.deps.platform.os}/${this.deps.platform.architecture}`) && opts.platform !== this.deps.platform.os) {
      throw new InvalidArgumentError(`"${opts.platform}": only ${this.deps.platform.os}/${this.deps.platform.architecture} images can be built here`);
    }
    const dir = await mkdtemp(path.join(this.deps.tmpRoot, "ctx-"));
    // every image the build stands on stays pinned until its result is tagged (or the build failed)
    const unpins: Array<() => void> = [];
    try {
      const dockerfileName = opts.dockerfile || "Dockerfile";
      const { dockerfileText } = await extractContext(context, dir, { dockerfile: dockerfileName });
      const df = parseDockerfile(dockerfileText);
      const out = new BuildOutput(progress, opts.quiet);
      try {
        // The steps commit without fsyncs of their own (their blobs are fsynced as always); the tag, or the
        // flush when there is none, makes all of it durable before the build reports success.
        const id = await this.deps.state.relaxedWithin(() => this.run(df, dir, opts, out, ctx, unpins));
        for (const t of tags) await this.deps.images.tag(id, t.repo, t.tag, ctx);
        if (tags.length === 0) this.deps.state.flush();
        out.aux({ ID: id });
        if (opts.quiet) out.always(`${id}\n`);
        out.line(`Successfully built ${shortId(id)}`);
        for (const t of tags) out.line(`Successfully tagged ${t.shown}`);
        return id;
      } catch (e) {
        out.flushHeld();
        throw e;
      }
    } finally {
      for (const unpin of unpins) unpin();
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  private async run(
    df: Dockerfile,
    contextDir: string,
    opts: BuildOptions,
    out: BuildOutput,
    ctx: { apiVersion: string; signal: AbortSignal },
    unpins: Array<() => void>,
  ): Promise<string> {
    const dockerfileLabel = path.posix.basename(opts.dockerfile || "Dockerfile");
    const args = new BuildArgs(opts.buildArgs);
    const escape = df.escapeToken;
    // meta ARGs: --build-arg wins over the default; defaults may use earlier meta ARGs
    for (const a of df.metaArgs) {
      for (const p of a.args) {
        const given = args.valueOf(p.key);
        const def = p.value === undefined ? undefined : expandWord(p.value, metaEnv(args.meta), escape);
        args.meta.set(p.key, given ?? def);
      }
    }
    const fromImages = new Map<number, string>();
    for (const s of df.stages) fromImages.set(s.index, expandWord(s.from.image, metaEnv(args.meta), escape));
    let target = df.stages.length - 1;
    if (opts.target) {
      const t = df.stages.find((s) => s.name === opts.target.toLowerCase());
      if (!t) throw new InvalidArgumentError(`failed to reach build target ${opts.target} in Dockerfile`);
      target = t.index;
    }
    const order = neededStages(df, target, fromImages);
    const labelStep = Object.keys(opts.labels).length > 0;
    const stepsOf = (i: number): number => 1 + (df.stages[i]?.commands.length ?? 0) + (i === target && labelStep ? 1 : 0);
    const total = df.metaArgs.length + order.reduce((n, i) => n + stepsOf(i), 0);
    const stageNames = new Map(df.stages.filter((s) => s.name !== "").map((s) => [s.name, s.index] as const));
    const stageResults = new Map<number, string | undefined>();
    // step work left to finish in the background (BuildContextState.background), awaited before returning
    const pending: Promise<void>[] = [];
    // a failing stage stops the others (their RUN containers are killed)
    const failed = new AbortController();
    const signal = AbortSignal.any([ctx.signal, failed.signal]);
    // --cache-from: the sources are looked up once; each stage gets its own lookups (docker resets them per stage)
    const cacheSources = !opts.noCache && opts.cacheFrom && opts.cacheFrom.length > 0 ? resolveCacheSources(this.deps.images, opts.cacheFrom, this.deps.log) : undefined;
    const contextFor = (stageOut: BuildOutput): BuildContextState => {
      const b: BuildContextState = {
        deps: this.deps,
        out: stageOut,
        signal,
        apiVersion: ctx.apiVersion,
        contextDir,
        escapeToken: escape,
        args,
        networkMode: opts.networkMode,
        stageResults,
        stageNames,
        cacheGet: (parent, key) => (opts.noCache ? undefined : this.cache.get(parent ?? "", key)),
        cachePut: (parent, key, id, description) => this.cache.put(parent ?? "", key, id, description ?? b.currentStep),
        currentStep: "",
        pin: (id) => unpins.push(this.deps.images.pin(id)),
        background: (p) => void pending.push(p),
        ...(cacheSources ? { cacheFrom: new CacheFromStage(this.deps.images, cacheSources) } : {}),
      };
      return b;
    };
    let step = 0;
    for (const a of df.metaArgs) out.line(`Step ${++step}/${total} : ${a.original}`);

    // Stages run as soon as the stages they use are done; their output still reads in stage order.
    const gate = new StageOutputGate(order.length, (m) => out.forward(m));
    const running = new Map<number, Promise<string | undefined>>();
    let firstError: unknown;
    let base = step;
    order.forEach((i, k) => {
      const stage = df.stages[i] as Stage;
      const firstStep = base;
      base += stepsOf(i);
      const deps = stageDeps(df, i, fromImages).map((d) => running.get(d)).filter((p) => p !== undefined);
      const run = async (): Promise<string | undefined> => {
        await Promise.all(deps);
        const b = contextFor(new BuildOutput(gate.sinkFor(k), false));
        let n = firstStep;
        const stepLine = (text: string): void => {
          b.currentStep = text;
          b.out.line(`Step ${++n}/${total} : ${text}`);
        };
        signal.throwIfAborted();
        stepLine(stage.from.original);
        const st = await this.fromStage(b, stage, fromImages.get(i) ?? stage.from.image, opts);
        if (st.imageId) b.out.line(` ---> ${shortId(st.imageId)}`);
        await runTriggers(b, st, i);
        for (const c of stage.commands) {
          signal.throwIfAborted();
          stepLine(c.original);
          try {
            await dispatch(b, st, i, c);
          } catch (e) {
            throw withLine(e, dockerfileLabel, c.startLine);
          }
          if (st.imageId) b.out.line(` ---> ${shortId(st.imageId)}`);
        }
        if (i === target && labelStep) {
          const line = `LABEL ${Object.entries(opts.labels)
            .map(([key, v]) => `${JSON.stringify(key)}=${JSON.stringify(v)}`)
            .join(" ")}`;
          stepLine(line);
          const parsed = parseDockerfile(`FROM scratch\n${line}\n`).stages[0]?.commands[0];
          if (parsed) await dispatch(b, st, i, parsed);
          if (st.imageId) b.out.line(` ---> ${shortId(st.imageId)}`);
        }
        stageResults.set(i, st.imageId);
        this.stageArgsOf(b).set(i, st.args);
        return st.imageId;
      };
      const p = run().then(
        (id) => {
          gate.finish(k);
          return id;
        },
        (e: unknown) => {
          firstError ??= e;
          failed.abort(e);
          throw e;
        },
      );
      p.catch(() => undefined);
      running.set(i, p);
    });
    await Promise.allSettled(running.values());
    await Promise.allSettled(pending);
    if (firstError !== undefined) {
      gate.flushAll();
      throw firstError;
    }
    const last = stageResults.get(target);
    const unused = args.unused();
    if (unused.length > 0) out.line(`[Warning] One or more build-args [${unused.join(" ")}] were not consumed`);
    if (!last) throw new InvalidArgumentError("No image was generated. Is your Dockerfile empty?");
    return last;
  }

  private async fromStage(b: BuildContextState, stage: Stage, image: string, opts: BuildOptions) {
    const pull = opts.pull === true;
    if (image === "") throw new InvalidArgumentError(`base name (${stage.from.image}) should not be blank`);
    if (image.toLowerCase() === "scratch") return beginStage(undefined, undefined, undefined);
    const prev = b.stageNames.get(image.toLowerCase());
    let id: string | undefined;
    if (prev !== undefined && prev < stage.index && b.stageResults.has(prev)) id = b.stageResults.get(prev);
    else {
      let missing = pull && isPullable(image);
      if (!missing) {
        try {
          id = this.deps.images.resolve(image);
        } catch (e) {
          if (!isNotFound(e)) throw e;
          missing = true;
        }
      }
      if (missing) {
        // A base image that is not here (or --pull): pulled, with docker's pull progress in the build
        // output (state changes only, no byte counts, to keep it short).
        if (!isPullable(image)) throw new NoSuchImageError(image);
        try {
          const auth = opts.registryAuths?.[parseNormalizedNamed(image).domain];
          id = await this.deps.images.pull(
            { name: image, ...(auth ? { auth } : {}) },
            (m) => {
              if (m.progressDetail?.current === undefined && m.status !== undefined) b.out.forward(m);
            },
            { apiVersion: b.apiVersion, signal: b.signal },
          );
        } catch (e) {
          // A registry this daemon may not contact (allowed-registries): the image is simply not here.
          if (isKind(e, "forbidden") && messageOf(e).includes("allowed-registries")) throw new NoSuchImageError(image);
          throw e;
        }
      }
    }
    const rec = id ? this.deps.images.store.get(id) : undefined;
    if (id) b.pin(id);
    const st = beginStage(id, rec?.config.config, rec?.config.author);
    // like BuildKit, a stage FROM an earlier stage starts with that stage's declared ARGs
    const parentArgs = prev !== undefined && prev < stage.index ? this.stageArgsOf(b).get(prev) : undefined;
    if (parentArgs) st.args = new Map(parentArgs);
    return st;
  }

  /** Declared ARGs each finished stage ended with, per build (keyed by the build's shared stage results). */
  private readonly stageArgs = new WeakMap<object, Map<number, Map<string, string | undefined>>>();

  private stageArgsOf(b: BuildContextState): Map<number, Map<string, string | undefined>> {
    let m = this.stageArgs.get(b.stageResults);
    if (!m) {
      m = new Map();
      this.stageArgs.set(b.stageResults, m);
    }
    return m;
  }

  /** POST /build/prune: drops the step cache (the intermediate images stay until `image prune`). */
  async prune(): Promise<BuildPruneResult> {
    const CachesDeleted = this.cache.prune();
    return { CachesDeleted, SpaceReclaimed: this.cache.lastReclaimed };
  }
}

/**
 * A step's error names the Dockerfile and line unless it already names a line; a failing RUN keeps
 * docker's own message (it shows the command), and a cancelled build stays as it is.
 */
function withLine(e: unknown, dockerfile: string, line: number): unknown {
  if (!(e instanceof BerthError) || e instanceof BuildRunError || e.kind === "canceled" || /\bline \d+/.test(e.message)) return e;
  return new BerthError(e.kind, `${e.message} (${dockerfile} line ${line})`, { cause: e });
}

/** A FROM naming a repository (not an image id), which a registry could serve. */
function isPullable(image: string): boolean {
  return !/^(sha256:)?[a-f0-9]{64}$/.test(image) && !/^[a-f0-9]{1,63}$/.test(image);
}

function metaEnv(meta: Map<string, string | undefined>): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of meta) if (v !== undefined) m.set(k, v);
  return m;
}
