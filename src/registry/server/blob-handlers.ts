import { createReadStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { RegistryError } from "./errors.js";
import { send, type Ctx } from "./http-util.js";
import { isSha256Digest, looksLikeDigest } from "./names.js";

function checkDigest(digest: string): void {
  if (!looksLikeDigest(digest) || !isSha256Digest(digest)) throw new RegistryError("DIGEST_INVALID", { digest });
}

/** Parses `Range: bytes=a-b` (one range) against a size; undefined when absent, RANGE_INVALID when unsatisfiable. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) throw new RegistryError("RANGE_INVALID", { range: header });
  let start: number;
  let end: number;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) throw new RegistryError("RANGE_INVALID", { range: header, size }, undefined, { "Content-Range": `bytes */${size}` });
  return { start, end };
}

/** GET/HEAD /v2/<name>/blobs/<digest>: the file streamed from disk; one Range → 206. */
export async function getBlob(ctx: Ctx, name: string, digest: string): Promise<void> {
  checkDigest(digest);
  const size = ctx.store.repoBlob(name, digest);
  if (size === undefined) throw new RegistryError("BLOB_UNKNOWN", { digest });
  const headers: Record<string, string | number> = {
    "Content-Type": "application/octet-stream",
    "Docker-Content-Digest": digest,
    ETag: `"${digest}"`,
    "Accept-Ranges": "bytes",
    "Cache-Control": "max-age=31536000",
  };
  const range = ctx.req.method === "GET" ? parseRange(ctx.req.headers.range, size) : undefined;
  if (ctx.req.method === "HEAD") {
    ctx.res.writeHead(200, { ...headers, "Content-Length": size });
    ctx.res.end();
    return;
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1;
  const stream = createReadStream(ctx.store.blobPath(digest), { start, end: Math.max(end, 0), highWaterMark: 1 << 20 });
  await new Promise<void>((resolve, reject) => {
    stream.once("open", () => resolve());
    stream.once("error", reject);
  }).catch(() => {
    throw new RegistryError("BLOB_UNKNOWN", { digest });
  });
  if (range) headers["Content-Range"] = `bytes ${start}-${end}/${size}`;
  ctx.res.writeHead(range ? 206 : 200, { ...headers, "Content-Length": size === 0 ? 0 : end - start + 1 });
  if (size === 0) {
    stream.destroy();
    ctx.res.end();
    return;
  }
  await pipeline(stream, ctx.res).catch(() => undefined);
}

/** DELETE /v2/<name>/blobs/<digest>: unlinks the blob from the repository (gc reclaims the bytes). */
export function deleteBlob(ctx: Ctx, name: string, digest: string): void {
  checkDigest(digest);
  if (!ctx.store.unlinkBlob(name, digest)) throw new RegistryError("BLOB_UNKNOWN", { digest });
  send(ctx.res, 202, { "Docker-Content-Digest": digest });
}
