import { randomBytes } from "node:crypto";
import { createReadStream, promises as fsp } from "node:fs";
import * as path from "node:path";
import type { Readable } from "node:stream";
import { DigestMismatchError, InvalidArgumentError, NotFoundError, errnoCode } from "../errdefs/index.js";
import { Digester, parseDigest } from "../oci/index.js";
import { fsyncDir } from "../util/index.js";
import type { BlobInfo, ContentStore, ContentWriter } from "./content-store.js";

/**
 * Blobs on the local disk: <root>/blobs/sha256/<hex>; writes go to <root>/ingest/<random>/data first and
 * are renamed into place only after the digest checks out (see content-store.ts for the lifecycle).
 */
export class LocalContentStore implements ContentStore {
  private readonly blobs: string;
  private readonly ingest: string;

  constructor(readonly root: string) {
    this.blobs = path.join(root, "blobs", "sha256");
    this.ingest = path.join(root, "ingest");
  }

  async init(): Promise<void> {
    await fsp.mkdir(this.blobs, { recursive: true, mode: 0o700 });
    await fsp.mkdir(this.ingest, { recursive: true, mode: 0o700 });
  }

  blobPath(digest: string): string {
    return path.join(this.blobs, parseDigest(digest).hex);
  }

  async info(digest: string): Promise<BlobInfo> {
    try {
      const st = await fsp.stat(this.blobPath(digest));
      return { digest, size: st.size };
    } catch (err) {
      if (errnoCode(err) === "ENOENT") throw new NotFoundError(`content ${digest}: not found`, { cause: err });
      throw err;
    }
  }

  async has(digest: string): Promise<boolean> {
    try {
      await fsp.access(this.blobPath(digest));
      return true;
    } catch {
      return false;
    }
  }

  async reader(digest: string, opts?: { start?: number }): Promise<Readable> {
    const p = this.blobPath(digest);
    const fh = await fsp.open(p, "r").catch((err: unknown) => {
      if (errnoCode(err) === "ENOENT") throw new NotFoundError(`content ${digest}: not found`, { cause: err });
      throw err;
    });
    return createReadStream("", { fd: fh.fd, start: opts?.start ?? 0, highWaterMark: 1 << 20, autoClose: true }).on(
      "close",
      () => void fh.close().catch(() => undefined),
    );
  }

  async readBytes(digest: string): Promise<Buffer> {
    try {
      return await fsp.readFile(this.blobPath(digest));
    } catch (err) {
      if (errnoCode(err) === "ENOENT") throw new NotFoundError(`content ${digest}: not found`, { cause: err });
      throw err;
    }
  }

  async writer(): Promise<ContentWriter> {
    await this.init();
    const dir = path.join(this.ingest, randomBytes(12).toString("hex"));
    await fsp.mkdir(dir, { mode: 0o700 });
    const fh = await fsp.open(path.join(dir, "data"), "wx", 0o644);
    const d = new Digester();
    let closed = false;
    const cleanup = async (): Promise<void> => {
      if (!closed) {
        closed = true;
        await fh.close().catch(() => undefined);
      }
      await fsp.rm(dir, { recursive: true, force: true });
    };
    const store = this;
    return {
      get size() {
        return d.size;
      },
      async write(chunk: Uint8Array) {
        d.update(chunk);
        let off = 0;
        while (off < chunk.length) {
          const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
          off += bytesWritten;
        }
      },
      digest: () => d.digest(),
      async commit(opts) {
        try {
          const actual = d.digest();
          if (opts?.expectedSize !== undefined && opts.expectedSize !== d.size)
            throw new InvalidArgumentError(`size mismatch: expected ${opts.expectedSize} bytes, got ${d.size}`);
          if (opts?.expected !== undefined && opts.expected !== actual) throw new DigestMismatchError(opts.expected, actual);
          await fh.sync();
          closed = true;
          await fh.close();
          const dest = store.blobPath(actual);
          await fsp.rename(path.join(dir, "data"), dest);
          await fsyncDir(store.blobs);
          return { digest: actual, size: d.size };
        } finally {
          await cleanup();
        }
      },
      abort: cleanup,
    };
  }

  async writeStream(
    src: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    opts?: { expected?: string; expectedSize?: number; signal?: AbortSignal },
  ): Promise<BlobInfo> {
    const w = await this.writer();
    try {
      for await (const chunk of src) {
        opts?.signal?.throwIfAborted();
        await w.write(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
      }
      return await w.commit(opts);
    } catch (err) {
      await w.abort();
      throw err;
    }
  }

  async writeBytes(data: Uint8Array | string, opts?: { expected?: string }): Promise<BlobInfo> {
    const buf = typeof data === "string" ? Buffer.from(data) : data;
    return this.writeStream([buf], opts);
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
      if (st) yield { digest: `sha256:${n}`, size: st.size };
    }
  }

  async delete(digest: string): Promise<void> {
    try {
      await fsp.unlink(this.blobPath(digest));
    } catch (err) {
      if (errnoCode(err) === "ENOENT") throw new NotFoundError(`content ${digest}: not found`, { cause: err });
      throw err;
    }
  }

  async usage(): Promise<number> {
    let total = 0;
    for await (const b of this.list()) total += b.size;
    return total;
  }

  async sweep(): Promise<void> {
    await this.init();
    for (const n of await fsp.readdir(this.ingest)) await fsp.rm(path.join(this.ingest, n), { recursive: true, force: true });
  }
}
