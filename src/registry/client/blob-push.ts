/**
 * Uploading a blob (distribution's upload protocol): HEAD (exists?), cross-repository mounts
 * (201 mounted; 202 opens an upload session that is used), POST to open an upload, then either one
 * streamed PUT ?digest= (monolithic) or PATCHes with Content-Range and a closing PUT (chunked). Location
 * answers may be relative or absolute and are followed. A failed upload is resumed from the offset the
 * upload's status (GET → 204 Range) reports when chunked, else restarted with a new session and open(0).
 */
import { BerthError, CanceledError, InvalidArgumentError, UnavailableError } from "../../errdefs/index.js";
import type { Descriptor } from "../../oci/types.js";
import { ByteReader, SourceEndedError, counted } from "./byte-reader.js";
import { repoUrl, type RepoContext } from "./context.js";
import { errorForStatus } from "./registry-errors.js";
import { backoffMs, isRetryableStatus, sleep, type RetryPolicy } from "./retry.js";
import { connectionError } from "./session.js";
import type { HttpResponse } from "./transport.js";
import type { BlobPushOptions, BlobPushResult } from "./types.js";

/** A failure worth another attempt (connection error, 5xx, 429, a Range disagreement). */
class RetryableUpload extends Error {}

type Open = (offset: number) => Promise<AsyncIterable<Uint8Array>>;

function locationOf(res: HttpResponse): string {
  const loc = res.header("location");
  if (loc === undefined || loc === "") throw new UnavailableError(`the registry answered ${res.status} without a Location for the upload`);
  return new URL(loc, res.url).href;
}

function withDigest(location: string, digest: string): string {
  const u = new URL(location);
  u.searchParams.set("digest", digest);
  return u.href;
}

/** The last byte offset + 1 a Range header ("0-1234") reports, or undefined. */
function rangeEnd(res: HttpResponse): number | undefined {
  const m = /^(?:bytes=)?0-(\d+)$/.exec((res.header("range") ?? "").trim());
  return m ? Number(m[1]) + 1 : undefined;
}

async function check(res: HttpResponse, ok: readonly number[]): Promise<void> {
  if (ok.includes(res.status)) return;
  const text = await res.text().catch(() => "");
  if (isRetryableStatus(res.status)) throw new RetryableUpload(errorForStatus(res.status, text).message);
  throw errorForStatus(res.status, text);
}

export async function pushBlob(ctx: RepoContext, desc: Descriptor, open: Open, policy: RetryPolicy, opts: BlobPushOptions = {}): Promise<BlobPushResult> {
  const { signal } = opts;
  const base = ctx.registryBase;
  const s = ctx.session;
  const head = await s.call({ method: "HEAD", url: repoUrl(base, ctx.ref.path, `blobs/${desc.digest}`), signal });
  await head.dump();
  if (head.status === 200) return "exists";
  if (head.status !== 404) await check(head, [404]).catch((e: unknown) => {
    if (!(e instanceof RetryableUpload)) throw e;
  });

  let location: string | undefined;
  for (const from of opts.mountFrom ?? []) {
    if (from === ctx.ref.path) continue;
    const q = new URLSearchParams({ mount: desc.digest, from });
    const res = await s.call({ method: "POST", url: `${repoUrl(base, ctx.ref.path, "blobs/uploads/")}?${q}`, headers: { "content-length": "0" }, signal });
    await res.dump();
    if (res.status === 201) return "mounted";
    if (res.status === 202) {
      location = locationOf(res);
      break;
    }
    ctx.log?.(`registry: mount of ${desc.digest} from ${from} answered ${res.status}`);
  }

  let failures = 0;
  let offset = 0;
  for (;;) {
    try {
      if (location === undefined) {
        offset = 0;
        const res = await s.call({ method: "POST", url: repoUrl(base, ctx.ref.path, "blobs/uploads/"), headers: { "content-length": "0" }, signal });
        await res.dump();
        await check(res, [202]);
        location = locationOf(res);
      }
      if (opts.chunkSize !== undefined && opts.chunkSize > 0) await chunked(ctx, desc, open, opts, location, offset, (o) => (offset = o), (l) => (location = l));
      else await monolithic(ctx, desc, open, opts, location);
      return "pushed";
    } catch (err) {
      if (signal?.aborted) throw new CanceledError(undefined, { cause: err });
      if (err instanceof SourceEndedError) throw new InvalidArgumentError(`blob ${desc.digest}: ${err.message}`, { cause: err });
      if (err instanceof BerthError && err.kind !== "unavailable") throw err;
      failures++;
      if (failures >= policy.attempts) {
        throw err instanceof BerthError ? err : new UnavailableError(`error pushing blob ${desc.digest}: ${(err as Error).message}`, { cause: err });
      }
      const d = backoffMs(policy, failures);
      ctx.log?.(`registry: upload of ${desc.digest} failed (${(err as Error).message}); retrying in ${Math.round(d)} ms`);
      await sleep(d, signal);
      location = await resumeOffset(ctx, location, opts.chunkSize, (o) => (offset = o), signal);
    }
  }
}

/** After a failure: the upload session to continue (with `offset` set), or undefined to start again. */
async function resumeOffset(ctx: RepoContext, location: string | undefined, chunkSize: number | undefined, setOffset: (o: number) => void, signal: AbortSignal | undefined): Promise<string | undefined> {
  if (location === undefined || chunkSize === undefined || chunkSize <= 0) return undefined;
  try {
    const res = await ctx.session.call({ method: "GET", url: location, signal, attempts: 1 });
    await res.dump();
    if (res.status !== 204) return undefined;
    setOffset(rangeEnd(res) ?? 0);
    return res.header("location") !== undefined ? locationOf(res) : location;
  } catch (err) {
    if (signal?.aborted) throw err;
    return undefined;
  }
}

async function monolithic(ctx: RepoContext, desc: Descriptor, open: Open, opts: BlobPushOptions, location: string): Promise<void> {
  const src = counted(await open(0), 0, opts.onProgress);
  const url = withDigest(location, desc.digest);
  let res: HttpResponse;
  try {
    res = await ctx.session.call({
      method: "PUT",
      url,
      headers: { "content-type": "application/octet-stream", "content-length": String(desc.size) },
      body: src,
      signal: opts.signal,
    });
  } catch (err) {
    throw err instanceof BerthError && err.kind !== "unavailable" ? err : new RetryableUpload((err as Error).message);
  }
  await res.dump();
  await check(res, [201, 204]);
}

async function chunked(
  ctx: RepoContext,
  desc: Descriptor,
  open: Open,
  opts: BlobPushOptions,
  startLocation: string,
  startOffset: number,
  setOffset: (o: number) => void,
  setLocation: (l: string) => void,
): Promise<void> {
  const chunkSize = opts.chunkSize ?? desc.size;
  let location = startLocation;
  let offset = startOffset;
  let reader = new ByteReader(await open(offset));
  try {
    while (offset < desc.size) {
      const len = Math.min(chunkSize, desc.size - offset);
      const end = offset + len - 1;
      let res: HttpResponse;
      try {
        res = await ctx.session.call({
          method: "PATCH",
          url: location,
          headers: { "content-type": "application/octet-stream", "content-length": String(len), "content-range": `${offset}-${end}` },
          body: counted(reader.take(len), offset, opts.onProgress),
          signal: opts.signal,
        });
      } catch (err) {
        if (err instanceof SourceEndedError) throw err;
        throw err instanceof BerthError && err.kind !== "unavailable" ? err : new RetryableUpload(connectionError("PATCH", location, err).message);
      }
      await res.dump();
      if (res.status === 416) throw new RetryableUpload("the registry refused the chunk's range (416)");
      await check(res, [202, 204]);
      if (res.header("location") !== undefined) {
        location = locationOf(res);
        setLocation(location);
      }
      const reported = rangeEnd(res);
      const next = reported ?? end + 1;
      if (next !== end + 1) {
        // The registry holds a different amount than sent: continue from what it reports.
        ctx.log?.(`registry: upload of ${desc.digest} is at ${next}, not ${end + 1}; continuing from there`);
        await reader.close();
        reader = new ByteReader(await open(next));
      }
      offset = next;
      setOffset(offset);
    }
  } finally {
    await reader.close().catch(() => undefined);
  }
  const res = await ctx.session.call({ method: "PUT", url: withDigest(location, desc.digest), headers: { "content-length": "0" }, body: Buffer.alloc(0), signal: opts.signal });
  await res.dump();
  await check(res, [201, 204]);
}
