import { promises as fsp } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import * as path from "node:path";
import { DigestMismatchError, InvalidArgumentError, errnoCode } from "../errdefs/index.js";
import { Digester, parseDigest } from "../oci/index.js";
import { fsyncDir } from "../util/index.js";
import type { BlobInfo, ContentWriter } from "./content-store.js";

/** Bytes gathered before one write(2): few syscalls for streams of small chunks. */
const STAGE = 4 << 20;

/**
 * One ingest: <ingestDir>/data, digested as it is written. Small chunks are copied into a staging
 * buffer (so a caller may reuse its buffer once write() resolves) and written in 4 MiB pieces; large
 * chunks go straight to the file. No fsync until commit.
 */
export class LocalContentWriter implements ContentWriter {
  private readonly digester = new Digester();
  private readonly stage = Buffer.allocUnsafe(STAGE);
  private staged = 0;
  private done = false;

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

  async write(chunk: Uint8Array): Promise<void> {
    if (this.done) throw new InvalidArgumentError("content writer is closed");
    this.digester.update(chunk);
    if (chunk.length >= STAGE / 2) {
      await this.flush();
      await this.writeAll(chunk);
      return;
    }
    if (this.staged + chunk.length > STAGE) await this.flush();
    this.stage.set(chunk, this.staged);
    this.staged += chunk.length;
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
  }

  async commit(opts?: { expected?: string; expectedSize?: number }): Promise<BlobInfo> {
    if (this.done) throw new InvalidArgumentError("content writer is closed");
    try {
      if (opts?.expected !== undefined) parseDigest(opts.expected);
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
  }

  async abort(): Promise<void> {
    await this.close();
    await fsp.rm(this.dir, { recursive: true, force: true });
  }
}
