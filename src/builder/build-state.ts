/** What every step of one build shares: dependencies, output, cache, args, stage results. */
import type { ContainerService } from "../containers/index.js";
import type { ImageService } from "../images/index.js";
import type { Snapshotter } from "../snapshots/index.js";
import type { StateDb } from "../state/index.js";
import type { Logger } from "../util/log.js";
import type { BuildArgs } from "./build-args.js";
import type { BuildOutput } from "./build-output.js";
import type { CacheFromStage, CacheStep } from "./cache-from.js";

export interface BuilderDeps {
  state: StateDb;
  images: ImageService;
  containers: ContainerService;
  snapshotter: Snapshotter;
  /** Where build contexts are unpacked (emptied at start). */
  tmpRoot: string;
  log: Logger;
  platform: { os: string; architecture: string; variant?: string };
}

export interface BuildContextState {
  deps: BuilderDeps;
  out: BuildOutput;
  signal: AbortSignal;
  apiVersion: string;
  contextDir: string;
  escapeToken: string;
  args: BuildArgs;
  networkMode: string;
  /** Image made by each stage that ran (undefined: a scratch stage with no steps). */
  stageResults: Map<number, string | undefined>;
  /** Lower-cased stage name → index. */
  stageNames: Map<string, number>;
  cacheGet(parent: string | undefined, key: string): string | undefined;
  cachePut(parent: string | undefined, key: string, imageId: string, description?: string): void;
  /** `--cache-from` lookups of this stage (undefined: the local step cache only). */
  cacheFrom?: CacheFromStage;
  /** The instruction being run (as written), for cache descriptions. */
  currentStep: string;
  /** Keeps image `id` from deletion until the build ends (ImageService.pin). */
  pin(id: string): void;
  /** Work the next step need not wait for (removing an intermediate container); the build awaits it before it ends. */
  background(p: Promise<void>): void;
}

/**
 * The image the step cache (or, with `--cache-from`, a cache source) holds for a step, announced as
 * docker does (" ---> Using cache"); undefined on a miss.
 */
export async function cachedStep(b: BuildContextState, parent: string | undefined, key: string, step: CacheStep): Promise<string | undefined> {
  const hit = b.cacheFrom ? await b.cacheFrom.probe(parent, () => b.cacheGet(parent, key), step) : b.cacheGet(parent, key);
  if (hit) b.out.line(" ---> Using cache");
  return hit;
}
