/**
 * Streaming a blob: counted and hashed as it arrives; the final chunk is held back until size and
 * digest are verified (DigestMismatchError otherwise). A dropped or stalled body (undici's bodyTimeout
 * = stallTimeoutMs) is resumed with `Range: bytes=N-`; a registry that ignores Range (200) is read
 * again with the first N bytes skipped, so bytes already yielded are never yielded twice.
 */
import { CanceledError, DigestMismatchError, NotFoundError, UnavailableError } from "../../errdefs/index.js";
import { Digester } from "../../oci/digest.js";
import type { Descriptor } from "../../oci/types.js";
import { pullCall, repoUrl, type RepoContext } from "./context.js";
import { errorForStatus } from "./registry-errors.js";
import { backoffMs, sleep, type RetryPolicy } from "./retry.js";
import type { HttpResponse } from "./transport.js";
import type { BlobFetchOptions } from "./types.js";

function rangeStart(res: HttpResponse): number | undefined {
  const m = /^bytes\s+(\d+)-/.exec(res.header("content-range") ?? "");
  return m ? Number(m[1]) : undefined;
}

export async function* fetchBlob(ctx: RepoContext, desc: Descriptor, policy: RetryPolicy, opts: BlobFetchOptions = {}): AsyncGenerator<Uint8Array> {
  const { signal } = opts;
  const digester = new Digester();
  let received = 0;
  let pending: Uint8Array | undefined;
  let failures = 0;
  const fail = async (why: string, cause?: unknown): Promise<void> => {
    if (signal?.aborted) throw new CanceledError(undefined, { cause });
    failures++;
    if (failures >= policy.attempts) {
      throw new UnavailableError(`error pulling blob ${desc.digest}: ${why} (after ${failures} attempts, ${received} of ${desc.size} bytes)`, { cause });
    }
    const d = backoffMs(policy, failures);
    ctx.log?.(`registry: blob ${desc.digest}: ${why} at ${received}/${desc.size} bytes; resuming in ${Math.round(d)} ms`);
    await sleep(d, signal);
  };
  for (;;) {
    const headers: Record<string, string> = {};
    if (received > 0) headers["range"] = `bytes=${received}-`;
    const res = await pullCall(ctx, (base) => ({ method: "GET", url: repoUrl(base, ctx.ref.path, `blobs/${desc.digest}`), headers, signal }));
    if (res.status !== 200 && res.status !== 206) {
      const text = await res.text().catch(() => "");
      if (res.status === 404) throw new NotFoundError(`blob ${desc.digest} not found${text ? `: ${errorForStatus(404, text).message}` : ""}`);
      throw errorForStatus(res.status, text);
    }
    let skip = 0;
    if (res.status === 206) {
      const start = rangeStart(res) ?? 0;
      if (start > received) {
        res.body.destroy();
        await fail(`the registry resumed at byte ${start}, not ${received}`);
        continue;
      }
      skip = received - start;
    } else skip = received;
    const it = res.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let dropped: unknown;
    try {
      for (;;) {
        let r: IteratorResult<Buffer>;
        try {
          r = await it.next();
        } catch (err) {
          dropped = err ?? new Error("connection dropped");
          break;
        }
        if (r.done) break;
        let c: Uint8Array = r.value;
        if (skip > 0) {
          if (c.length <= skip) {
            skip -= c.length;
            continue;
          }
          c = c.subarray(skip);
          skip = 0;
        }
        if (received + c.length > desc.size) {
          digester.update(c);
          throw new DigestMismatchError(desc.digest, `${digester.digest()} (more than the ${desc.size} bytes expected)`);
        }
        digester.update(c);
        received += c.length;
        opts.onProgress?.(received);
        const out = pending;
        pending = c;
        if (out !== undefined) yield out;
      }
    } finally {
      if (!res.body.destroyed) res.body.destroy();
    }
    if (dropped !== undefined) {
      await fail((dropped as Error).message ?? String(dropped), dropped);
      continue;
    }
    if (received < desc.size) {
      await fail("the body ended early");
      continue;
    }
    break;
  }
  const actual = digester.digest();
  if (actual !== desc.digest || received !== desc.size) throw new DigestMismatchError(desc.digest, actual);
  if (pending !== undefined) yield pending;
}

export async function hasBlob(ctx: RepoContext, digest: string, signal?: AbortSignal): Promise<boolean> {
  const res = await pullCall(ctx, (base) => ({ method: "HEAD", url: repoUrl(base, ctx.ref.path, `blobs/${digest}`), signal }));
  await res.dump();
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  throw errorForStatus(res.status, "");
}
