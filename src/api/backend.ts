/**
 * What the API layer needs from the engine. api/ depends only on these interfaces (and rank-0
 * modules); daemon/ builds objects that satisfy them, so handlers can be tested with fakes.
 * Methods throw BerthErrors; api/errors.ts maps their kinds to HTTP statuses.
 */
import type { Readable } from "node:stream";
import type { ContextCheckResponse, ContextManifest } from "../util/build-context-manifest.js";
import type {
  ContainerChange,
  ContainerCreateRequest,
  ContainerCreateResponse,
  ContainerInspect,
  ContainerPruneResponse,
  ContainerStats,
  ContainerSummary,
  ContainerTopResponse,
  ContainerUpdateResponse,
  ContainerWaitResponse,
  ExecCreateRequest,
  ExecInspect,
  HostConfig,
  PathStat,
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
  Volume,
  VolumeCreateRequest,
  VolumeListResponse,
  VolumePruneResponse,
} from "./types/index.js";
import type { NetworkConnectRequest, NetworkCreateRequest, NetworkCreateResponse, NetworkPruneResponse, NetworkResource } from "./types/networks.js";

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
  /**
   * POST /images/create?fromImage=…: pulls `name` with `tag` (a tag or a digest; "latest" when empty).
   * Errors thrown before the first progress message become HTTP errors; later ones a final error line.
   * Absent when the daemon has no registry client (501).
   */
  pull?(opts: { name: string; tag?: string; platform?: string; auth?: RegistryAuth }, progress: Progress, ctx: RequestContext): Promise<string>;
  /** POST /images/{name}/push?tag=…: one tag, or every tag of the repository when `tag` is absent. */
  push?(opts: { name: string; tag?: string; auth?: RegistryAuth }, progress: Progress, ctx: RequestContext): Promise<void>;
  /** POST /auth: docker login against a registry; wrong credentials throw UnauthorizedError. */
  login?(auth: RegistryAuth, ctx: RequestContext): Promise<{ status: string; identityToken: string }>;
}

/** docker's AuthConfig as X-Registry-Auth and POST /auth carry it (the `auth` field already split). */
export interface RegistryAuth {
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
  serveraddress?: string;
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

/**
 * A stream session prepared before the HTTP upgrade: prepare*() validates (404, 409) and returns this;
 * the route then answers 101/200 and calls run(). `tty` decides framing: without a TTY the route wraps
 * output in docker's 8-byte headers, with one it passes bytes raw.
 */
export interface StreamSession {
  readonly tty: boolean;
  /**
   * Pumps until the process ends, the client detaches (detach keys), or the signal aborts.
   * `stdin` is the client's bytes (null when stdin is not attached); its end closes the process's
   * stdin when the container/exec was created with StdinOnce (docker's rule). Output chunks go to
   * `output` with stream 1 (stdout) or 2 (stderr); with a TTY everything is stream 1.
   */
  run(io: { stdin: Readable | null; output: (stream: 1 | 2, chunk: Buffer) => void; signal: AbortSignal }): Promise<void>;
}

export interface LogsOptions {
  follow: boolean;
  stdout: boolean;
  stderr: boolean;
  since?: number; // unix seconds, fractional allowed
  until?: number;
  timestamps: boolean;
  tail?: number; // undefined = all
  details: boolean;
}

export interface ContainersBackend {
  /** 404 NoSuchImageError when the image is missing (the docker CLI then pulls); 409 on a name in use. */
  create(body: ContainerCreateRequest, opts: { name?: string; platform?: string }, ctx: RequestContext): Promise<ContainerCreateResponse>;
  list(opts: { all: boolean; limit?: number; size: boolean; filters: Filters }, ctx: RequestContext): Promise<ContainerSummary[]>;
  inspect(ref: string, opts: { size: boolean }, ctx: RequestContext): Promise<ContainerInspect>;
  /** NotModifiedError (304) when already running. */
  start(ref: string, ctx: RequestContext): Promise<void>;
  /** NotModifiedError (304) when not running. `timeout` seconds; -1 waits forever; undefined = container's StopTimeout or 10. */
  stop(ref: string, opts: { signal?: string; timeout?: number }, ctx: RequestContext): Promise<void>;
  restart(ref: string, opts: { signal?: string; timeout?: number }, ctx: RequestContext): Promise<void>;
  /** ConflictError (409) when not running: "Container <id> is not running". */
  kill(ref: string, opts: { signal?: string }, ctx: RequestContext): Promise<void>;
  /** 409 when running and !force. `volumes` removes anonymous volumes. */
  remove(ref: string, opts: { force: boolean; volumes: boolean; link: boolean }, ctx: RequestContext): Promise<void>;
  /**
   * Validates now (404; 400 on a bad condition) and returns the pending result: the route flushes
   * 200 headers before awaiting it, as docker does, so `run` can wait before it starts.
   */
  wait(ref: string, opts: { condition: "not-running" | "next-exit" | "removed" }, ctx: RequestContext): Promise<{ result: Promise<ContainerWaitResponse> }>;
  prepareAttach(
    ref: string,
    opts: { stream: boolean; logs: boolean; stdin: boolean; stdout: boolean; stderr: boolean; detachKeys?: string },
    ctx: RequestContext,
  ): Promise<StreamSession>;
  resize(ref: string, opts: { h: number; w: number }, ctx: RequestContext): Promise<void>;
  /** Log chunks already formatted (timestamps/details prefixes applied), tagged with their stream. */
  logs(ref: string, opts: LogsOptions, ctx: RequestContext): Promise<{ tty: boolean; chunks: AsyncIterable<{ stream: 1 | 2; data: Buffer }> }>;
  top(ref: string, opts: { psArgs?: string }, ctx: RequestContext): Promise<ContainerTopResponse>;
  /** berth's own GET /containers/{id}/port-warnings: published ports that reset because the listener inside is on loopback only. */
  portWarnings?(ref: string, ctx: RequestContext): Promise<string[]>;
  /** One sample when !stream; otherwise a sample per second until the signal aborts or the container is removed. */
  stats(ref: string, opts: { stream: boolean; oneShot: boolean }, ctx: RequestContext): AsyncIterable<ContainerStats>;
  pause(ref: string, ctx: RequestContext): Promise<void>;
  unpause(ref: string, ctx: RequestContext): Promise<void>;
  rename(ref: string, newName: string, ctx: RequestContext): Promise<void>;
  update(ref: string, resources: HostConfig, ctx: RequestContext): Promise<ContainerUpdateResponse>;
  changes(ref: string, ctx: RequestContext): Promise<ContainerChange[]>;
  export(ref: string, ctx: RequestContext): Promise<Readable>;
  statPath(ref: string, path: string, ctx: RequestContext): Promise<PathStat>;
  getArchive(ref: string, path: string, ctx: RequestContext): Promise<{ stat: PathStat; tar: Readable }>;
  putArchive(ref: string, path: string, body: Readable, opts: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean }, ctx: RequestContext): Promise<void>;
  /** POST /commit. Returns the new image id ("sha256:…"). */
  commit(
    opts: { container: string; repo?: string; tag?: string; comment?: string; author?: string; pause: boolean; changes: string[]; config?: ContainerCreateRequest },
    ctx: RequestContext,
  ): Promise<{ Id: string }>;
  prune(opts: { filters: Filters }, ctx: RequestContext): Promise<ContainerPruneResponse>;
  execCreate(ref: string, body: ExecCreateRequest, ctx: RequestContext): Promise<{ Id: string }>;
  /** 404 unknown exec; 409 already started / container not running. Detached execs: the session's run() returns at once. */
  prepareExecStart(execId: string, opts: { detach: boolean; tty: boolean }, ctx: RequestContext): Promise<StreamSession>;
  execInspect(execId: string, ctx: RequestContext): Promise<ExecInspect>;
  execResize(execId: string, opts: { h: number; w: number }, ctx: RequestContext): Promise<void>;
}

/** POST /build's query, parsed (the legacy builder's options). */
export interface BuildRequest {
  tags: string[];
  dockerfile: string;
  buildArgs: Record<string, string | null>;
  labels: Record<string, string>;
  target: string;
  noCache: boolean;
  quiet: boolean;
  networkMode: string;
  platform: string;
  /** `pull=1` (--pull): pull base images even when present. */
  pull?: boolean;
  /** `cachefrom` (JSON array, --cache-from): local images to take steps' layers from; missing ones are skipped. */
  cacheFrom?: string[];
  /** X-Registry-Config: credentials per registry host, for the base images the build pulls. */
  registryAuths?: Record<string, RegistryAuth>;
  /**
   * `berth build --secret`: id → bytes, from the X-Berth-Build-Secrets header (berth only; the legacy
   * API has no session). For RUN --mount=type=secret; never in the image, cache keys, history or logs.
   */
  secrets?: ReadonlyMap<string, Buffer>;
}

export interface BuildBackend {
  /**
   * Builds from a context tar; returns the image id. Progress gets docker's JSON messages (stream
   * lines, the aux ID). Errors thrown before any progress answer as HTTP errors, later ones end the
   * stream as an error line; an error with a numeric `exitCode` (a failed RUN) gives errorDetail.code.
   */
  build(context: Readable, opts: BuildRequest, progress: Progress, ctx: RequestContext): Promise<string>;
  /** POST /build/prune. */
  prune(opts: { all: boolean; filters: Filters }, ctx: RequestContext): Promise<{ CachesDeleted: string[]; SpaceReclaimed: number }>;
  /** berth's incremental build-context store (POST /berth/build-context/check, X-Berth-Context); absent: full tars only. */
  contextStore?: BuildContextStore;
}

/** berth's incremental build contexts (util/build-context-manifest.ts; builder/context/context-store.ts). */
export interface BuildContextStore {
  /** POST /berth/build-context/check: which of the manifest's contents berthd lacks, under a new id. */
  check(manifest: ContextManifest): ContextCheckResponse;
  /** X-Berth-Context: marks `body` (the /build request) as the context checked as `id`; InvalidArgumentError when unknown. */
  attach(id: string, body: object): void;
}

/** /volumes: docker's messages ("get x: no such volume" 404, "remove x: volume is in use - [ids]" 409). */
export interface VolumesBackend {
  list(opts: { filters: Filters }, ctx: RequestContext): Promise<VolumeListResponse>;
  create(req: VolumeCreateRequest, ctx: RequestContext): Promise<Volume>;
  inspect(name: string, ctx: RequestContext): Promise<Volume>;
  remove(name: string, opts: { force: boolean }, ctx: RequestContext): Promise<void>;
  /** From API 1.42 only anonymous volumes unless the filter all=true. */
  prune(opts: { filters: Filters }, ctx: RequestContext): Promise<VolumePruneResponse>;
}

export interface Backend {
  images: ImagesBackend;
  system: SystemBackend;
  events: EventsBackend;
  /** Absent until the daemon wires containers (route tests with fakes may omit it). */
  containers?: ContainersBackend;
  /** Absent until the daemon wires the builder. */
  build?: BuildBackend;
  /** Absent until the daemon wires volumes. */
  volumes?: VolumesBackend;
  /** Absent until the daemon wires networks. */
  networks?: NetworksBackend;
}

/** /networks: docker's messages ("network x not found" 404, pre-defined networks 403, active endpoints 403). */
export interface NetworksBackend {
  list(filters: Filters, ctx: RequestContext): Promise<NetworkResource[]>;
  inspect(ref: string, ctx: RequestContext): Promise<NetworkResource>;
  create(body: NetworkCreateRequest, ctx: RequestContext): Promise<NetworkCreateResponse>;
  remove(ref: string, ctx: RequestContext): Promise<void>;
  prune(filters: Filters, ctx: RequestContext): Promise<NetworkPruneResponse>;
  connect(ref: string, body: NetworkConnectRequest, ctx: RequestContext): Promise<void>;
  disconnect(ref: string, body: NetworkConnectRequest, ctx: RequestContext): Promise<void>;
}
