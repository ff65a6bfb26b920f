/** Manifests: GET (schema 1 refused, size capped, digest verified), HEAD and PUT. */
import { DigestMismatchError, InvalidArgumentError } from "../../errdefs/index.js";
import { digestOf, isDigest } from "../../oci/digest.js";
import { MediaTypes } from "../../oci/media-types.js";
import type { Descriptor } from "../../oci/types.js";
import { imageName, pullCall, repoUrl, type RepoContext } from "./context.js";
import { errorForStatus } from "./registry-errors.js";
import { isSchema1, schema1Message } from "./schema1.js";
import type { HttpResponse } from "./transport.js";
import type { FetchedManifest } from "./types.js";

export const MAX_MANIFEST_SIZE = 4 << 20;

const SUPPORTED: readonly string[] = [MediaTypes.dockerManifest, MediaTypes.dockerManifestList, MediaTypes.ociManifest, MediaTypes.ociIndex];

/** What GET/HEAD manifest accept: the four supported types, then schema 1 so it can be recognised. */
export const MANIFEST_ACCEPT = [...SUPPORTED, MediaTypes.dockerManifestV1Signed, MediaTypes.dockerManifestV1].join(", ");

function contentType(res: HttpResponse): string | undefined {
  const ct = res.header("content-type");
  return ct === undefined ? undefined : (ct.split(";")[0] ?? "").trim().toLowerCase();
}

async function readCapped(res: HttpResponse, cap: number, what: string): Promise<Buffer> {
  const len = Number(res.header("content-length"));
  if (Number.isFinite(len) && len > cap) {
    res.body.destroy();
    throw new InvalidArgumentError(`${what}: manifest too big (${len} bytes, the limit is ${cap})`);
  }
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body) {
    const b = chunk as Buffer;
    total += b.length;
    if (total > cap) {
      res.body.destroy();
      throw new InvalidArgumentError(`${what}: manifest too big (more than ${cap} bytes)`);
    }
    parts.push(b);
  }
  return Buffer.concat(parts);
}

function inferMediaType(ct: string | undefined, body: unknown): string | undefined {
  const b = (body && typeof body === "object" ? body : {}) as { mediaType?: unknown; manifests?: unknown; config?: unknown; layers?: unknown };
  if (typeof b.mediaType === "string" && b.mediaType !== "") return b.mediaType;
  if (ct !== undefined && SUPPORTED.includes(ct)) return ct;
  if (Array.isArray(b.manifests)) return MediaTypes.ociIndex;
  if (b.config !== undefined && Array.isArray(b.layers)) return MediaTypes.ociManifest;
  return ct;
}

export async function getManifest(ctx: RepoContext, reference: string, signal?: AbortSignal): Promise<FetchedManifest> {
  const res = await pullCall(ctx, (base) => ({
    method: "GET",
    url: repoUrl(base, ctx.ref.path, `manifests/${reference}`),
    headers: { accept: MANIFEST_ACCEPT },
    signal,
  }));
  if (res.status !== 200) {
    const text = await res.text().catch(() => "");
    throw errorForStatus(res.status, text, `manifest for ${imageName(ctx.ref, reference, true)} not found`);
  }
  const ct = contentType(res);
  const bytes = await readCapped(res, MAX_MANIFEST_SIZE, imageName(ctx.ref, reference));
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString("utf8"));
  } catch {
    body = undefined;
  }
  if (isSchema1(ct, body)) throw new InvalidArgumentError(schema1Message(imageName(ctx.ref, reference)));
  if (body === undefined) throw new InvalidArgumentError(`${imageName(ctx.ref, reference)}: the registry returned an invalid manifest (not JSON)`);
  const mediaType = inferMediaType(ct, body);
  if (mediaType === undefined || !SUPPORTED.includes(mediaType)) {
    throw new InvalidArgumentError(`${imageName(ctx.ref, reference)}: unsupported manifest media type ${mediaType ?? "(none)"}`);
  }
  const digest = digestOf(bytes);
  if (isDigest(reference) && digest !== reference) throw new DigestMismatchError(reference, digest);
  const descriptor: Descriptor = { mediaType, digest, size: bytes.length };
  return { descriptor, bytes };
}

export async function headManifest(ctx: RepoContext, reference: string, signal?: AbortSignal): Promise<Descriptor | undefined> {
  const res = await pullCall(ctx, (base) => ({
    method: "HEAD",
    url: repoUrl(base, ctx.ref.path, `manifests/${reference}`),
    headers: { accept: MANIFEST_ACCEPT },
    signal,
  }));
  await res.dump();
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw errorForStatus(res.status, "", `manifest for ${imageName(ctx.ref, reference, true)} not found`);
  const ct = contentType(res);
  if (isSchema1(ct, undefined)) throw new InvalidArgumentError(schema1Message(imageName(ctx.ref, reference)));
  const headerDigest = res.header("docker-content-digest");
  const size = Number(res.header("content-length"));
  if (headerDigest !== undefined && isDigest(headerDigest) && ct !== undefined && SUPPORTED.includes(ct) && Number.isFinite(size)) {
    if (isDigest(reference) && headerDigest !== reference) throw new DigestMismatchError(reference, headerDigest);
    return { mediaType: ct, digest: headerDigest, size };
  }
  // The registry did not say enough: read the manifest itself.
  return (await getManifest(ctx, reference, signal)).descriptor;
}

export async function putManifest(ctx: RepoContext, reference: string, mediaType: string, bytes: Buffer, signal?: AbortSignal): Promise<string> {
  const computed = digestOf(bytes);
  if (isDigest(reference) && reference !== computed) throw new DigestMismatchError(reference, computed);
  const res = await ctx.session.call({
    method: "PUT",
    url: repoUrl(ctx.registryBase, ctx.ref.path, `manifests/${reference}`),
    headers: { "content-type": mediaType },
    body: bytes,
    signal,
  });
  const text = await res.text().catch(() => "");
  if (res.status !== 201 && res.status !== 200 && res.status !== 202) throw errorForStatus(res.status, text);
  const reported = res.header("docker-content-digest");
  return reported !== undefined && isDigest(reported) ? reported : computed;
}
