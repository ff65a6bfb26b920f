import type { Readable } from "node:stream";

/**
 * The content store keeps blobs by digest. Lifecycle of a write:
 *   ingest() → write bytes to the returned writer → commit(expected?)
 * Until commit the bytes live under content/ingest/ and are invisible to readers. commit verifies the
 * digest (and size, if given), fsyncs, renames into blobs/sha256/<hex> and fsyncs the directory. A
 * mismatch throws DigestMismatchError and discards the bytes. abort() discards them too. Ingest
 * directories left by a crash are removed by sweep() at daemon start. Blobs never change after commit.
 */
export interface BlobInfo {
  digest: string;
  size: number;
}

export interface Provider {
  /** Throws NotFoundError when absent. */
  info(digest: string): Promise<BlobInfo>;
  has(digest: string): Promise<boolean>;
  /** A stream of the blob's bytes; `start` for ranged reads. Throws NotFoundError when absent. */
  reader(digest: string, opts?: { start?: number }): Promise<Readable>;
  readBytes(digest: string): Promise<Buffer>;
  /** Absolute path of a committed blob (read-only use: e.g. zero-copy sends). */
  blobPath(digest: string): string;
}

export interface ContentWriter {
  /**
   * Append bytes. Resolves when written (backpressure), so the caller may reuse its buffer. With
   * `{ owned: true }` the caller hands the buffer over and never changes it again: the write may still be
   * in flight when this resolves (one at a time), so reading the next chunk overlaps with writing this one.
   */
  write(chunk: Uint8Array, opts?: { owned?: boolean }): Promise<void>;
  /** Bytes written so far. */
  readonly size: number;
  /** Digest of the bytes written so far. Valid only once, right before commit. */
  digest(): string;
  /** Verify, fsync, rename into place. Idempotent when the blob already exists. */
  commit(opts?: { expected?: string; expectedSize?: number }): Promise<BlobInfo>;
  abort(): Promise<void>;
}

export interface Ingester {
  writer(): Promise<ContentWriter>;
  /** Convenience: ingest a whole stream and commit it. On any error nothing becomes visible. */
  writeStream(
    src: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    opts?: { expected?: string; expectedSize?: number; signal?: AbortSignal },
  ): Promise<BlobInfo>;
  writeBytes(data: Uint8Array | string, opts?: { expected?: string }): Promise<BlobInfo>;
}

export interface Manager {
  list(): AsyncIterable<BlobInfo>;
  /** Throws NotFoundError when absent. */
  delete(digest: string): Promise<void>;
  /** Total bytes of committed blobs. */
  usage(): Promise<number>;
  /** Removes ingest leftovers (crash recovery). */
  sweep(): Promise<void>;
}

export type ContentStore = Provider & Ingester & Manager;
