import { promises as fsp } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import * as path from "node:path";
import { DigestMismatchError, InvalidArgumentError, errnoCode } from "../errdefs/index.js";
import { Digester, parseDigest } from "../oci/index.js";
import { startWriteback } from "../native/index.js";
import { bufferPool, fsyncDir } from "../util/index.js";
import type { BlobInfo, ContentWriter } from "./content-store.js";

/** Bytes gathered before one write(2): few syscalls for streams of small chunks. */
const STAGE = 4 << 20;
/** An owned chunk at least this big is written as it is, while the caller produces the next one. */
const OWNED_DIRECT = 64 << 10;
/** Writeback of what was written is started every this many bytes, so commit's fsync has little left. */
const WRITEBACK_EVERY = 4 << 20;
/** Staging buffers, taken at a writer's first staged chunk and given back when it closes. */
const stages = bufferPool(STAGE, 2);

/**
 * One ingest: <ingestDir>/data, digested as it is written. Small chunks are copied into a staging
 * buffer (so a caller may reuse its buffer once write() resolves) and written in 4 MiB pieces; large
 * chunks go straight to the file. An owned chunk (the caller never touches it again) is written in the
 * background: at most one write is in flight, and every other operation waits for it first. Every 4 MiB
 * the writer starts the kernel's writeback of what it wrote (sync_file_range), so that the disk works
 * while the rest arrives and commit's fsync has little left to wait for.
 */
export class LocalContentWriter implements ContentWriter {
  private readonly digester = new Digester();
  /** Taken from `stages` on first use. */
  private stageBuf: Buffer | undefined;
  private staged = 0;
  private done = false;
  /** The owned write in flight, if any (settled with its error, if it failed). */
  private inflight: Promise<void> | undefined;
  /** Bytes in the file, and how many of them have had their writeback started. */
  private inFile = 0;
  private writebackStarted = 0;

  constructor(
    private readonly dir: string,
    private readonly fh: FileHandle,
    private readonly blobPath: (digest: string) => string,
  ) {}

  get size(): number {
    return this.digester.size;
  }

  digest(): string {
    return this.digester.digest();
  }

  async write(chunk: Uint8Array, opts?: { owned?: boolean }): Promise<void> {
    if (this.done) throw new InvalidArgumentError("content writer is closed");
    await this.settle();
    this.digester.update(chunk);
    if (opts?.owned === true && chunk.length >= OWNED_DIRECT) {
      const staged = this.staged;
      this.staged = 0;
      this.inflight = (async () => {
        if (staged > 0) await this.writeAll(this.stage.subarray(0, staged));
        await this.writeAll(chunk);
      })();
      // a failure surfaces at the next write, commit or abort; never as an unhandled rejection
      this.inflight.catch(() => undefined);
      return;
    }
    if (chunk.length >= STAGE / 2) {
      await this.flush();
      await this.writeAll(chunk);
      return;
    }
    if (this.staged + chunk.length > STAGE) await this.flush();
    this.stage.set(chunk, this.staged);
    this.staged += chunk.length;
  }

  /** Waits for the owned write in flight; throws its error. */
  private async settle(): Promise<void> {
    const p = this.inflight;
    if (p === undefined) return;
    this.inflight = undefined;
    await p;
  }

  private get stage(): Buffer {
    this.stageBuf ??= stages.take();
    return this.stageBuf;
  }

  private async flush(): Promise<void> {
    if (this.staged === 0) return;
    const n = this.staged;
    this.staged = 0;
    await this.writeAll(this.stage.subarray(0, n));
  }

  private async writeAll(buf: Uint8Array): Promise<void> {
    let off = 0;
    while (off < buf.length) {
      const { bytesWritten } = await this.fh.write(buf, off, buf.length - off);
      off += bytesWritten;
    }
    this.inFile += buf.length;
    const pending = this.inFile - this.writebackStarted;
    if (pending >= WRITEBACK_EVERY) {
      const from = this.writebackStarted;
      this.writebackStarted = this.inFile;
      // only a hint: commit's fsync is what makes the bytes durable
      await startWriteback(this.fh.fd, from, pending).catch(() => undefined);
    }
  }

  async commit(opts?: { expected?: string; expectedSize?: number }): Promise<BlobInfo> {
    if (this.done) throw new InvalidArgumentError("content writer is closed");
    try {
      if (opts?.expected !== undefined) parseDigest(opts.expected);
      await this.settle();
      await this.flush();
      const size = this.digester.size;
      const actual = this.digester.digest();
      if (opts?.expectedSize !== undefined && opts.expectedSize !== size)
        throw new InvalidArgumentError(`unexpected commit size ${size}, expected ${opts.expectedSize}`);
      if (opts?.expected !== undefined && opts.expected !== actual) throw new DigestMismatchError(opts.expected, actual);
      await this.fh.sync();
      await this.close();
      const dest = this.blobPath(actual);
      const exists = await fsp.stat(dest).then(
        () => true,
        (err: unknown) => {
          if (errnoCode(err) === "ENOENT") return false;
          throw err;
        },
      );
      // Already there (an earlier or concurrent commit): blobs never change, so keep the existing file.
      if (!exists) {
        await fsp.rename(path.join(this.dir, "data"), dest);
        await fsyncDir(path.dirname(dest));
      }
      return { digest: actual, size };
    } finally {
      await this.abort();
    }
  }

  private async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.fh.close().catch(() => undefined);
    // close() runs after settle(): no write still reads the stage
    if (this.stageBuf) stages.give(this.stageBuf);
    this.stageBuf = undefined;
  }

  async abort(): Promise<void> {
    await this.settle().catch(() => undefined);
    await this.close();
    await fsp.rm(this.dir, { recursive: true, force: true });
  }
}
