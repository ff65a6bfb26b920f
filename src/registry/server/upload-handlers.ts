import { RegistryError } from "./errors.js";
import { contentLength, send, type Ctx } from "./http-util.js";
import { isSha256Digest, isValidRepoName } from "./names.js";
import type { Upload } from "./uploads.js";

function uploadHeaders(name: string, u: Upload): Record<string, string> {
  return {
    Location: `/v2/${name}/blobs/uploads/${u.uuid}`,
    Range: `0-${Math.max(u.size - 1, 0)}`,
    "Docker-Upload-UUID": u.uuid,
  };
}

function created(ctx: Ctx, name: string, digest: string): void {
  send(ctx.res, 201, { Location: `/v2/${name}/blobs/${digest}`, "Docker-Content-Digest": digest });
}

function wantDigest(v: string | null): string {
  if (v === null || !isSha256Digest(v)) throw new RegistryError("DIGEST_INVALID", { digest: v ?? "" });
  return v;
}

/** Streams the body into the upload; Content-Length, when given, must match what arrives. */
async function appendBody(ctx: Ctx, u: Upload): Promise<void> {
  const len = contentLength(ctx.req);
  const before = u.size;
  await ctx.uploads.append(u, ctx.req, len === undefined ? undefined : before + len);
  if (len !== undefined && u.size - before !== len) throw new RegistryError("SIZE_INVALID", { expected: len, received: u.size - before });
}

/**
 * POST /v2/<name>/blobs/uploads/: `?mount=&from=` links a blob of another repository the client may
 * pull (201), falling back to a new session (202); `?digest=` is a monolithic upload (201); otherwise
 * a new session (202).
 */
export async function startUpload(ctx: Ctx, name: string): Promise<void> {
  const q = ctx.url.searchParams;
  const mount = q.get("mount");
  const from = q.get("from");
  if (mount !== null) {
    const digest = wantDigest(mount);
    if (from !== null && isValidRepoName(from) && ctx.grant.can({ type: "repository", name: from, action: "pull" })) {
      if (ctx.store.mountBlob(name, from, digest)) return created(ctx, name, digest);
    }
  }
  const digestParam = q.get("digest");
  if (digestParam !== null) {
    const digest = wantDigest(digestParam);
    const u = await ctx.uploads.start(name, digest);
    try {
      await appendBody(ctx, u);
      await ctx.uploads.finish(u, digest);
    } catch (err) {
      await ctx.uploads.cancel(u);
      throw err;
    }
    return created(ctx, name, digest);
  }
  const u = await ctx.uploads.start(name);
  // A body on a session start (not expected) is drained.
  ctx.req.resume();
  send(ctx.res, 202, uploadHeaders(name, u));
}

/** `Content-Range: a-b` (with or without "bytes="): must start where the upload ends. */
function checkContentRange(ctx: Ctx, name: string, u: Upload): void {
  const h = ctx.req.headers["content-range"];
  if (h === undefined) return;
  const m = /^(?:bytes[= ])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(h.trim());
  const range416 = new RegistryError("RANGE_INVALID", { "content-range": h, size: u.size }, undefined, uploadHeaders(name, u));
  if (!m) throw range416;
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (start !== u.size || end < start) throw range416;
  const len = contentLength(ctx.req);
  if (len !== undefined && len !== end - start + 1) throw range416;
}

/** PATCH: appends a chunk (streamed). */
export async function patchUpload(ctx: Ctx, name: string, uuid: string): Promise<void> {
  const u = await ctx.uploads.get(name, uuid);
  checkContentRange(ctx, name, u);
  await appendBody(ctx, u);
  send(ctx.res, 202, uploadHeaders(name, u));
}

/** PUT ?digest=: the last chunk (maybe empty), then verify and commit. */
export async function finishUpload(ctx: Ctx, name: string, uuid: string): Promise<void> {
  const u = await ctx.uploads.get(name, uuid);
  const digest = wantDigest(ctx.url.searchParams.get("digest"));
  checkContentRange(ctx, name, u);
  await appendBody(ctx, u);
  await ctx.uploads.finish(u, digest);
  created(ctx, name, digest);
}

/** GET: the upload's progress. */
export async function uploadStatus(ctx: Ctx, name: string, uuid: string): Promise<void> {
  const u = await ctx.uploads.get(name, uuid);
  send(ctx.res, 204, uploadHeaders(name, u));
}

export async function cancelUpload(ctx: Ctx, name: string, uuid: string): Promise<void> {
  const u = await ctx.uploads.get(name, uuid);
  await ctx.uploads.cancel(u);
  send(ctx.res, 204, {});
}
