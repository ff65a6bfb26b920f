import { createHash, randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import * as path from "node:path";
import { RegistryError } from "./errors.js";
import { readBody, send, type Ctx } from "./http-util.js";
import { MAX_MANIFEST, parseManifest } from "./manifest.js";
import { isSha256Digest, isValidTag, looksLikeDigest } from "./names.js";
import type { ManifestRecord } from "./registry-store.js";

function lookup(ctx: Ctx, name: string, reference: string): ManifestRecord {
  let m: ManifestRecord | undefined;
  if (looksLikeDigest(reference)) {
    if (!isSha256Digest(reference)) throw new RegistryError("DIGEST_INVALID", { digest: reference });
    m = ctx.store.manifestByDigest(name, reference);
  } else {
    if (!isValidTag(reference)) throw new RegistryError("MANIFEST_UNKNOWN", { tag: reference });
    m = ctx.store.manifestByTag(name, reference);
  }
  if (!m) throw new RegistryError("MANIFEST_UNKNOWN", looksLikeDigest(reference) ? { digest: reference } : { tag: reference });
  return m;
}

/** GET/HEAD /v2/<name>/manifests/<tag|digest>. */
export async function getManifest(ctx: Ctx, name: string, reference: string): Promise<void> {
  const m = lookup(ctx, name, reference);
  const headers = { "Content-Type": m.mediaType, "Docker-Content-Digest": m.digest, ETag: `"${m.digest}"` };
  if (ctx.req.method === "HEAD") {
    ctx.res.writeHead(200, { ...headers, "Content-Length": m.size });
    ctx.res.end();
    return;
  }
  const bytes = await fsp.readFile(ctx.store.blobPath(m.digest)).catch(() => {
    throw new RegistryError("MANIFEST_UNKNOWN", { digest: m.digest });
  });
  send(ctx.res, 200, headers, bytes);
}

/**
 * PUT /v2/<name>/manifests/<tag|digest>: at most 4 MiB; every blob it references must be in the
 * repository and every child of an index must be a manifest there, or MANIFEST_BLOB_UNKNOWN.
 */
export async function putManifest(ctx: Ctx, name: string, reference: string): Promise<void> {
  const byDigest = looksLikeDigest(reference);
  if (byDigest && !isSha256Digest(reference)) throw new RegistryError("DIGEST_INVALID", { digest: reference });
  if (!byDigest && !isValidTag(reference)) throw new RegistryError("TAG_INVALID", { tag: reference });
  const bytes = await readBody(ctx.req, MAX_MANIFEST, () => new RegistryError("MANIFEST_INVALID", `manifest larger than ${MAX_MANIFEST} bytes`));
  const digest = "sha256:" + createHash("sha256").update(bytes).digest("hex");
  if (byDigest && digest !== reference) throw new RegistryError("DIGEST_INVALID", { expected: reference, actual: digest });
  const parsed = parseManifest(bytes, ctx.req.headers["content-type"]);
  const tmp = path.join(ctx.store.uploadsDir, `manifest-${randomBytes(8).toString("hex")}`);
  const fh = await fsp.open(tmp, "wx", 0o644);
  try {
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    ctx.store.putManifest(tmp, {
      repo: name,
      digest,
      mediaType: parsed.mediaType,
      size: bytes.length,
      blobs: parsed.blobs,
      children: parsed.children,
      subject: parsed.subject,
      artifactType: parsed.artifactType,
      annotations: parsed.annotations,
      tag: byDigest ? undefined : reference,
    });
  } finally {
    await fsp.rm(tmp, { force: true });
  }
  const headers: Record<string, string> = { Location: `/v2/${name}/manifests/${digest}`, "Docker-Content-Digest": digest };
  if (parsed.subject !== undefined) headers["OCI-Subject"] = parsed.subject;
  send(ctx.res, 201, headers);
}

/** DELETE by digest removes the manifest (and its tags); by tag removes the tag. */
export function deleteManifest(ctx: Ctx, name: string, reference: string): void {
  if (looksLikeDigest(reference)) {
    if (!isSha256Digest(reference)) throw new RegistryError("DIGEST_INVALID", { digest: reference });
    if (!ctx.store.deleteManifest(name, reference)) throw new RegistryError("MANIFEST_UNKNOWN", { digest: reference });
  } else if (!isValidTag(reference) || !ctx.store.deleteTag(name, reference)) {
    throw new RegistryError("MANIFEST_UNKNOWN", { tag: reference });
  }
  send(ctx.res, 202, {});
}
