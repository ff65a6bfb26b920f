/**
 * DistributionService: pull, push and login through a registry client that is created on first use
 * (the client's code is loaded lazily by the factory, so an idle daemon does not carry it).
 */
import { ForbiddenError, InvalidArgumentError } from "../errdefs/index.js";
import { parseNormalizedNamed, type Reference } from "../oci/index.js";
import type { AuthConfig, RegistryClient } from "../registry/client/types.js";
import type { ImageCore } from "./core.js";
import type { DistributionContext } from "./distribution-context.js";
import { DistributionStore, type CompressedLayer } from "./distribution-store.js";
import { pullImage, type PullRequest, type PullResult } from "./pull.js";
import { pushImage, type PushedTag } from "./push.js";
import type { ProgressFn } from "./transfer-progress.js";

export type RegistryClientFactory = () => Promise<RegistryClient>;

/** docker's registry host of a login server address: "https://index.docker.io/v1/" → docker.io. */
export function loginHost(serverAddress: string | undefined): string {
  let s = (serverAddress ?? "").trim();
  if (s === "") return "docker.io";
  s = s.replace(/^[a-z]+:\/\//i, "");
  s = s.replace(/\/.*$/, "");
  const lower = s.toLowerCase();
  if (lower === "index.docker.io" || lower === "registry-1.docker.io" || lower === "docker.io") return "docker.io";
  return s;
}

/** The reference a pull asks for: `fromImage` plus `tag` (a tag or a digest); `latest` when neither is given. */
export function pullReference(fromImage: string, tag: string | undefined): Reference {
  const ref = parseNormalizedNamed(fromImage);
  if (tag !== undefined && tag !== "") {
    if (tag.startsWith("sha256:")) {
      if (!/^sha256:[a-f0-9]{64}$/.test(tag)) throw new InvalidArgumentError("invalid reference format: invalid checksum digest length");
      return { domain: ref.domain, path: ref.path, name: ref.name, digest: tag };
    }
    return { domain: ref.domain, path: ref.path, name: ref.name, tag };
  }
  if (ref.tag === undefined && ref.digest === undefined) return { ...ref, tag: "latest" };
  return ref;
}

export class DistributionService {
  readonly records: DistributionStore;
  private readonly ctx: DistributionContext;
  private clientP: Promise<RegistryClient> | undefined;

  constructor(
    core: ImageCore,
    factory: RegistryClientFactory,
    private readonly allowed: (host: string) => boolean = () => true,
  ) {
    this.records = new DistributionStore(core.state);
    this.ctx = {
      core,
      records: this.records,
      client: () => {
        const p = (this.clientP ??= factory());
        p.catch(() => {
          if (this.clientP === p) this.clientP = undefined;
        });
        return p;
      },
      downloads: new Map<string, Promise<void>>(),
      compressions: new Map<string, Promise<CompressedLayer>>(),
    };
  }

  private check(host: string): void {
    if (!this.allowed(host)) throw new ForbiddenError(`registry ${host} is not allowed by this daemon's allowed-registries setting`);
  }

  async pull(req: PullRequest, progress: ProgressFn): Promise<PullResult> {
    this.check(req.ref.domain);
    return pullImage(this.ctx, req, progress);
  }

  /** Every tag of a repository (docker pull -a). */
  async listTags(req: { ref: Reference; auth?: AuthConfig; signal?: AbortSignal }): Promise<string[]> {
    this.check(req.ref.domain);
    const client = await this.ctx.client();
    const repo = client.repository({ host: req.ref.domain, path: req.ref.path }, req.auth, "pull");
    return repo.listTags(req.signal ? { signal: req.signal } : {});
  }

  async push(req: { ref: Reference; tag?: string; auth?: AuthConfig; signal?: AbortSignal }, progress: ProgressFn): Promise<PushedTag[]> {
    this.check(req.ref.domain);
    return pushImage(this.ctx, req, progress);
  }

  async login(auth: AuthConfig, signal?: AbortSignal): Promise<{ status: string; identityToken: string }> {
    const host = loginHost(auth.serveraddress);
    this.check(host);
    const client = await this.ctx.client();
    const r = await client.login(host, auth, signal ? { signal } : {});
    return { status: r.status, identityToken: r.identityToken ?? "" };
  }

  /** Drops pooled connections (daemon shutdown); only when a client was ever made. */
  async close(): Promise<void> {
    const p = this.clientP;
    this.clientP = undefined;
    if (p) await (await p.catch(() => undefined))?.close();
  }
}
