/**
 * The registry client's contract (OCI Distribution spec, as Docker speaks it). images/ (pull, push, login)
 * codes against these types; registry/client implements them. Rank 2: imports only rank 0/1 modules.
 *
 * Errors thrown (src/errdefs kinds, docker's wording in messages):
 *  - UnauthorizedError: 401 after auth was tried ("unauthorized: authentication required",
 *    "unauthorized: incorrect username or password", or the registry's own error message).
 *  - ForbiddenError: the host is not allowed by the daemon's allowed-registries setting, or 403.
 *  - NotFoundError: manifest or blob unknown (`manifest unknown`, "… not found").
 *  - DigestMismatchError: a blob or manifest whose bytes do not match the digest asked for.
 *  - UnavailableError: the registry could not be reached, or kept failing after the retries.
 *  - InvalidArgumentError: a manifest the client refuses (schema 1, unknown media type, too big).
 */
import type { Descriptor } from "../../oci/types.js";

/** Credentials for one registry, as docker's X-Registry-Auth / POST /auth carry them. */
export interface AuthConfig {
  username?: string;
  password?: string;
  /** An OAuth refresh token from a previous login (docker's IdentityToken). */
  identitytoken?: string;
  /** A bearer token to use as is. */
  registrytoken?: string;
  serveraddress?: string;
}

/** How the daemon reaches registries. Every field is optional; defaults in brackets. */
export interface RegistryClientOptions {
  /** May this host ("localhost:5000", "docker.io") be contacted? [all] */
  allowed?: (host: string) => boolean;
  /**
   * Hosts or CIDRs treated as insecure: HTTPS is tried first with verification off, then plain HTTP.
   * 127.0.0.0/8 and ::1 are always insecure, as in docker.
   */
  insecureRegistries?: readonly string[];
  /**
   * Mirrors per registry host: `{"docker.io": ["http://127.0.0.1:5001"]}`. Pulls try the mirrors in order,
   * then the registry itself. Pushes never go to mirrors.
   */
  mirrors?: Readonly<Record<string, readonly string[]>>;
  /**
   * Per-registry TLS material in docker's layout: `<dir>/<host[:port]>/*.crt` (CA roots),
   * `*.cert` + `*.key` (client certificate). [/etc/berth/certs.d then /etc/docker/certs.d]
   */
  certsDirs?: readonly string[];
  /** HTTP proxies (as HTTP_PROXY/HTTPS_PROXY/NO_PROXY). [read from the process environment] */
  proxy?: { http?: string; https?: string; noProxy?: string };
  userAgent?: string;
  /** Retries of one request on connection errors, 5xx and 429 (Retry-After honoured). [5, 200 ms base, 10 s cap] */
  retry?: { attempts: number; baseDelayMs: number; maxDelayMs: number };
  /** Abort a response body that delivers no byte for this long. [60 s] */
  stallTimeoutMs?: number;
  /** Debug logging. */
  log?: (msg: string) => void;
}

/** A repository on a registry: `{host: "localhost:5000", path: "library/busybox"}`. docker.io means Docker Hub. */
export interface RepositoryRef {
  host: string;
  path: string;
}

export interface FetchedManifest {
  /** The descriptor of the bytes (digest computed from the bytes; verified when asked by digest). */
  descriptor: Descriptor;
  bytes: Buffer;
}

export interface BlobFetchOptions {
  signal?: AbortSignal;
  /** Called as bytes arrive (the total so far). */
  onProgress?: (received: number) => void;
}

export interface BlobPushOptions {
  signal?: AbortSignal;
  onProgress?: (sent: number) => void;
  /** Repositories on the same registry that hold the blob: a cross-repository mount is tried first. */
  mountFrom?: readonly string[];
  /** Upload in chunks of this size (PATCH) instead of one monolithic PUT. [monolithic] */
  chunkSize?: number;
}

export type BlobPushResult = "exists" | "mounted" | "pushed";

export interface Repository {
  readonly ref: RepositoryRef;
  /**
   * GET a manifest by tag or digest, accepting docker v2 schema 2, OCI manifest, manifest lists and OCI
   * indexes. A schema 1 manifest throws InvalidArgumentError with docker's deprecation message.
   * When `reference` is a digest the bytes are verified against it.
   */
  getManifest(reference: string, opts?: { signal?: AbortSignal }): Promise<FetchedManifest>;
  /** HEAD a manifest: its descriptor, or undefined when unknown. */
  headManifest(reference: string, opts?: { signal?: AbortSignal }): Promise<Descriptor | undefined>;
  /**
   * The blob's bytes as they stream. Verified against `desc.digest` and `desc.size` at the end (the last
   * chunk is yielded only after verification passes; a mismatch throws DigestMismatchError). A dropped
   * connection resumes with Range when the registry allows it, else restarts; retries per options.
   */
  fetchBlob(desc: Descriptor, opts?: BlobFetchOptions): AsyncIterable<Uint8Array>;
  /** HEAD a blob: whether the registry has it. */
  hasBlob(digest: string, opts?: { signal?: AbortSignal }): Promise<boolean>;
  /**
   * Uploads a blob unless it is there: HEAD, then a cross-repo mount when `mountFrom` is given, then
   * POST + PUT (monolithic) or POST + PATCH… + PUT (chunked). `open(offset)` gives the bytes from offset
   * (called again to retry or resume).
   */
  pushBlob(
    desc: Descriptor,
    open: (offset: number) => Promise<AsyncIterable<Uint8Array>>,
    opts?: BlobPushOptions,
  ): Promise<BlobPushResult>;
  /** PUT a manifest under a tag or digest; returns the digest the registry reports (or computed). */
  putManifest(reference: string, mediaType: string, bytes: Buffer, opts?: { signal?: AbortSignal }): Promise<string>;
  /** GET /tags/list (all pages). */
  listTags(opts?: { signal?: AbortSignal }): Promise<string[]>;
}

export interface RegistryClient {
  /**
   * A repository handle. `actions` is the token scope asked for ("pull" or "pull,push").
   * Tokens are cached per (host, scope) until they expire and refreshed on 401.
   */
  repository(ref: RepositoryRef, auth: AuthConfig | undefined, actions: "pull" | "pull,push"): Repository;
  /**
   * docker login: checks the credentials against `GET /v2/` (and the token service when the registry
   * asks for bearer auth). Returns docker's status text ("Login Succeeded") and, for token services that
   * issue one, an identity token. Wrong credentials throw UnauthorizedError.
   */
  login(host: string, auth: AuthConfig, opts?: { signal?: AbortSignal }): Promise<{ status: string; identityToken?: string }>;
  /** Drops pooled connections. */
  close(): Promise<void>;
}
