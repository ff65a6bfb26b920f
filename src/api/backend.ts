/**
 * What the API layer needs from the engine. api/ depends only on these interfaces (and rank-0
 * modules); daemon/ builds objects that satisfy them, so handlers can be tested with fakes.
 * Methods throw BerthErrors; api/errors.ts maps their kinds to HTTP statuses.
 */
import type { Readable } from "node:stream";
import type {
  DiskUsage,
  EventMessage,
  HistoryResponseItem,
  ImageDeleteResponseItem,
  ImageInspect,
  ImagePruneResponse,
  ImageSummary,
  InfoResponse,
  JSONMessage,
  VersionResponse,
} from "./types/index.js";

/** Parsed docker filters: `{"dangling":{"true":true}}` and `{"dangling":["true"]}` both become `{dangling:["true"]}`. */
export type Filters = Record<string, string[]>;

/** The API version of the request ("1.41", "1.44"…), for behaviour gated by version. */
export interface RequestContext {
  apiVersion: string;
  signal: AbortSignal;
}

export type Progress = (msg: JSONMessage) => void;

export interface ImagesBackend {
  list(opts: { all: boolean; filters: Filters; digests: boolean; sharedSize: boolean }, ctx: RequestContext): Promise<ImageSummary[]>;
  inspect(ref: string, ctx: RequestContext): Promise<ImageInspect>;
  history(ref: string, ctx: RequestContext): Promise<HistoryResponseItem[]>;
  /** Tags image `ref` as `repo[:tag]`. */
  tag(ref: string, repo: string, tag: string | undefined, ctx: RequestContext): Promise<void>;
  remove(ref: string, opts: { force: boolean; noprune: boolean }, ctx: RequestContext): Promise<ImageDeleteResponseItem[]>;
  /** POST /images/create?fromSrc=- : body is a (possibly compressed) rootfs tar. Returns the image id. */
  import(
    body: Readable,
    opts: { repo?: string; tag?: string; changes: string[]; message?: string; platform?: string },
    progress: Progress,
    ctx: RequestContext,
  ): Promise<string>;
  /** GET /images/get and /images/{name}/get: a docker-archive tar of the named images. */
  save(names: string[], ctx: RequestContext): Promise<Readable>;
  /** POST /images/load: docker-archive or OCI-layout tar. Progress lines are docker's ("Loaded image: …"). */
  load(body: Readable, opts: { quiet: boolean }, progress: Progress, ctx: RequestContext): Promise<void>;
  prune(opts: { filters: Filters }, ctx: RequestContext): Promise<ImagePruneResponse>;
}

export interface SystemBackend {
  version(ctx: RequestContext): Promise<VersionResponse>;
  info(ctx: RequestContext): Promise<InfoResponse>;
  df(opts: { types: string[] }, ctx: RequestContext): Promise<DiskUsage>;
}

export interface EventsBackend {
  /**
   * Past events matching since/until, then (when until is absent or in the future) live events until
   * `until` passes or the signal aborts. `since`/`until` are unix seconds (fractional allowed).
   * Invalid filters throw InvalidArgumentError from the call itself (before any iteration), so the
   * route can still answer 400 before the stream's headers go out.
   */
  stream(opts: { since?: number; until?: number; filters: Filters }, ctx: RequestContext): AsyncIterable<EventMessage>;
}

export interface Backend {
  images: ImagesBackend;
  system: SystemBackend;
  events: EventsBackend;
}
