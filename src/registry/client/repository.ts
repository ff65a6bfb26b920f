/** A Repository handle: binds a RepoContext to the operations of types.ts. */
import type { Descriptor } from "../../oci/types.js";
import { fetchBlob, hasBlob } from "./blob-fetch.js";
import { pushBlob } from "./blob-push.js";
import type { RepoContext } from "./context.js";
import { getManifest, headManifest, putManifest } from "./manifest.js";
import type { RetryPolicy } from "./retry.js";
import { listTags } from "./tags.js";
import type { BlobFetchOptions, BlobPushOptions, BlobPushResult, FetchedManifest, Repository, RepositoryRef } from "./types.js";

export class RegistryRepository implements Repository {
  constructor(
    private readonly ctx: RepoContext,
    private readonly policy: RetryPolicy,
  ) {}

  get ref(): RepositoryRef {
    return this.ctx.ref;
  }

  getManifest(reference: string, opts?: { signal?: AbortSignal }): Promise<FetchedManifest> {
    return getManifest(this.ctx, reference, opts?.signal);
  }

  headManifest(reference: string, opts?: { signal?: AbortSignal }): Promise<Descriptor | undefined> {
    return headManifest(this.ctx, reference, opts?.signal);
  }

  fetchBlob(desc: Descriptor, opts?: BlobFetchOptions): AsyncIterable<Uint8Array> {
    return fetchBlob(this.ctx, desc, this.policy, opts);
  }

  hasBlob(digest: string, opts?: { signal?: AbortSignal }): Promise<boolean> {
    return hasBlob(this.ctx, digest, opts?.signal);
  }

  pushBlob(desc: Descriptor, open: (offset: number) => Promise<AsyncIterable<Uint8Array>>, opts?: BlobPushOptions): Promise<BlobPushResult> {
    return pushBlob(this.ctx, desc, open, this.policy, opts);
  }

  putManifest(reference: string, mediaType: string, bytes: Buffer, opts?: { signal?: AbortSignal }): Promise<string> {
    return putManifest(this.ctx, reference, mediaType, bytes, opts?.signal);
  }

  listTags(opts?: { signal?: AbortSignal }): Promise<string[]> {
    return listTags(this.ctx, opts?.signal);
  }
}
