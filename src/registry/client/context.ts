/**
 * What one repository handle knows: its session, the registry's base URL, the mirrors it may pull
 * from, and how to name the image in messages. `pullCall` tries each mirror once (a connection error,
 * 5xx, 429 or 404 falls through to the next), then the registry with the full retry policy.
 */
import { BerthError, CanceledError } from "../../errdefs/index.js";
import type { Session, CallRequest } from "./session.js";
import type { HttpResponse } from "./transport.js";
import type { RepositoryRef } from "./types.js";

export interface RepoContext {
  ref: RepositoryRef;
  session: Session;
  /** "https://registry-1.docker.io" */
  registryBase: string;
  /** Mirror base URLs (pull-only handles); empty for push handles. */
  mirrorBases: readonly string[];
  log?: ((msg: string) => void) | undefined;
}

export function repoUrl(base: string, path: string, suffix: string): string {
  return `${base}/v2/${path}/${suffix}`;
}

/** "docker.io/library/busybox:latest" (the full name) or "busybox:latest" (docker's short form). */
export function imageName(ref: RepositoryRef, reference: string, familiar = false): string {
  const sep = reference.includes(":") ? "@" : ":";
  let name = `${ref.host}/${ref.path}`;
  if (familiar && ref.host === "docker.io") name = ref.path.startsWith("library/") ? ref.path.slice("library/".length) : ref.path;
  return `${name}${sep}${reference}`;
}

export async function pullCall(ctx: RepoContext, build: (base: string) => CallRequest): Promise<HttpResponse> {
  for (const base of ctx.mirrorBases) {
    const req = build(base);
    try {
      const res = await ctx.session.call({ ...req, attempts: 1 });
      if (res.status >= 500 || res.status === 404 || res.status === 429) {
        await res.dump();
        ctx.log?.(`registry: mirror ${base} answered ${res.status} for ${req.method} ${req.url}; trying the next endpoint`);
        continue;
      }
      return res;
    } catch (err) {
      if (err instanceof CanceledError || req.signal?.aborted) throw err;
      if (err instanceof BerthError && err.kind !== "unavailable" && err.kind !== "forbidden") throw err;
      ctx.log?.(`registry: mirror ${base} failed (${(err as Error).message}); trying the next endpoint`);
    }
  }
  return ctx.session.call(build(ctx.registryBase));
}
