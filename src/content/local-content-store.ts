import { randomBytes } from "../util/crypto.js";
import { createReadStream, promises as fsp } from "node:fs";
import * as path from "node:path";
import type { Readable } from "node:stream";
import { NotFoundError, errnoCode } from "../errdefs/index.js";
import { parseDigest } from "../oci/index.js";
import type { BlobInfo, ContentStore, ContentWriter } from "./content-store.js";
import { LocalContentWriter } from "./local-content-writer.js";

/**
 * Blobs on the local disk (see content-store.ts for the lifecycle):
 *   <root>/blobs/sha256/<hex>      committed blobs, never changed after commit
 *   <root>/ingest/<random>/data    writes in progress, invisible; removed by sweep() after a crash
 * Every digest from outside goes through parseDigest, so a path can never escape blobs/.
 */
export class LocalContentStore implements ContentStore {
  private readonly blobs: string;
  private readonly ingest: string;
  private ready: Promise<void> | undefined;

  constructor(readonly root: string) {
    this.blobs = path.join(root, "blobs", "sha256");
    this.ingest = path.join(root, "ingest");
  }

  /** Creates the directories (done lazily by writes and sweep). */
  init(): Promise<void> {
    this.ready ??= (async () => {
      await fsp.mkdir(this.blobs, { recursive: true, mode: 0o700 });
      await fsp.mkdir(this.ingest, { recursive: true, mode: 0o700 });
    })().catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  blobPath(digest: string): string {
    return path.join(this.blobs, parseDigest(digest).hex);
  }

  private notFound(digest: string, err: unknown): unknown {
    return errnoCode(err) === "ENOENT" ? new NotFoundError(`content ${digest}: not found`, { cause: err }) : err;
  }

  async info(digest: string): Promise<BlobInfo> {
    const p = this.blobPath(digest);
    try {
      return { digest, size: (await fsp.stat(p)).size };
    } catch (err) {
      throw this.notFound(digest, err);
    }
  }

  async has(digest: string): Promise<boolean> {
    const p = this.blobPath(digest);
    try {
      await fsp.access(p);
      return true;
    } catch (err) {
      if (errnoCode(err) === "ENOENT") return false;
      throw err;
    }
  }

  async reader(digest: string, opts?: { start?: number }): Promise<Readable> {
    const p = this.blobPath(digest);
    const fh = await fsp.open(p, "r").catch((err: unknown) => {
      throw this.notFound(digest, err);
    });
    return fh.createReadStream({ start: opts?.start ?? 0, highWaterMark: 1 << 20, autoClose: true });
  }

  async readBytes(digest: string): Promise<Buffer> {
    const p = this.blobPath(digest);
    try {
      return await fsp.readFile(p);
    } catch (err) {
      throw this.notFound(digest, err);
    }
  }

  async writer(): Promise<ContentWriter> {
    await this.init();
    const dir = path.join(this.ingest, randomBytes(12).toString("hex"));
    await fsp.mkdir(dir, { mode: 0o700 });
    try {
      const fh = await fsp.open(path.join(dir, "data"), "wx", 0o644);
      return new LocalContentWriter(dir, fh, (d) => this.blobPath(d));
    } catch (err) {
      await fsp.rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  async writeStream(
    src: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    opts?: { expected?: string; expectedSize?: number; signal?: AbortSignal },
  ): Promise<BlobInfo> {
    if (opts?.expected !== undefined) parseDigest(opts.expected);
    opts?.signal?.throwIfAborted();
    const w = await this.writer();
    try {
      for await (const chunk of src) {
        opts?.signal?.throwIfAborted();
        await w.write(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
      }
      opts?.signal?.throwIfAborted();
      const commitOpts: { expected?: string; expectedSize?: number } = {};
      if (opts?.expected !== undefined) commitOpts.expected = opts.expected;
      if (opts?.expectedSize !== undefined) commitOpts.expectedSize = opts.expectedSize;
      return await w.commit(commitOpts);
    } catch (err) {
      await w.abort();
      throw err;
    }
  }

  async writeBytes(data: Uint8Array | string, opts?: { expected?: string }): Promise<BlobInfo> {
    return this.writeStream([typeof data === "string" ? Buffer.from(data) : data], opts);
  }

  async *list(): AsyncIterable<BlobInfo> {
    let names: string[] = [];
    try {
      names = await fsp.readdir(this.blobs);
    } catch (err) {
      if (errnoCode(err) !== "ENOENT") throw err;
    }
    for (const n of names.sort()) {
      if (!/^[a-f0-9]{64}$/.test(n)) continue;
      const st = await fsp.stat(path.join(this.blobs, n)).catch(() => undefined);
      if (st?.isFile()) yield { digest: `sha256:${n}`, size: st.size };
    }
  }

  async delete(digest: string): Promise<void> {
    const p = this.blobPath(digest);
    try {
      await fsp.unlink(p);
    } catch (err) {
      throw this.notFound(digest, err);
    }
  }

  async usage(): Promise<number> {
    let total = 0;
    for await (const b of this.list()) total += b.size;
    return total;
  }

  /** Removes every ingest: only safe when no write is in flight (berthd calls it at start). */
  async sweep(): Promise<void> {
    await this.init();
    for (const n of await fsp.readdir(this.ingest)) await fsp.rm(path.join(this.ingest, n), { recursive: true, force: true });
  }
}
