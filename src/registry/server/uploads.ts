import { createHash, randomUUID, type Hash } from "node:crypto";
import { createReadStream, createWriteStream, promises as fsp } from "node:fs";
import * as path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { RegistryError } from "./errors.js";
import type { RegistryStore } from "./registry-store.js";
import { isoTime } from "../../util/iso-time.js";

/** What <uploads>/<uuid>/info.json records; `digest` (when the client named it up front) is pinned from gc. */
export interface UploadInfo {
  repo: string;
  started: string;
  digest?: string;
}

export interface Upload {
  readonly uuid: string;
  readonly repo: string;
  readonly dir: string;
  size: number;
  hash: Hash;
  busy: boolean;
}

const uuidRe = /^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$/;

/**
 * Blob uploads in progress: <root>/uploads/<uuid>/{info.json,data}. Bytes are hashed as they are
 * written; the running hash lives in memory (after a restart it is rebuilt from the data file). The
 * final PUT verifies the digest, fsyncs and hands the file to the store, which renames it into place.
 */
export class Uploads {
  private readonly live = new Map<string, Upload>();

  constructor(private readonly store: RegistryStore) {}

  async start(repo: string, digest?: string): Promise<Upload> {
    const uuid = randomUUID();
    const dir = path.join(this.store.uploadsDir, uuid);
    await fsp.mkdir(dir, { mode: 0o700 });
    const info: UploadInfo = { repo, started: isoTime() };
    if (digest !== undefined) info.digest = digest;
    await fsp.writeFile(path.join(dir, "info.json"), JSON.stringify(info));
    await fsp.writeFile(path.join(dir, "data"), "");
    const u: Upload = { uuid, repo, dir, size: 0, hash: createHash("sha256"), busy: false };
    this.live.set(uuid, u);
    return u;
  }

  /** The upload `uuid` of `repo`, or BLOB_UPLOAD_UNKNOWN. */
  async get(repo: string, uuid: string): Promise<Upload> {
    if (!uuidRe.test(uuid)) throw new RegistryError("BLOB_UPLOAD_UNKNOWN", { uuid });
    const u = this.live.get(uuid);
    if (u) {
      if (u.repo !== repo) throw new RegistryError("BLOB_UPLOAD_UNKNOWN", { uuid });
      return u;
    }
    const dir = path.join(this.store.uploadsDir, uuid);
    let info: UploadInfo;
    try {
      info = JSON.parse(await fsp.readFile(path.join(dir, "info.json"), "utf8")) as UploadInfo;
    } catch {
      throw new RegistryError("BLOB_UPLOAD_UNKNOWN", { uuid });
    }
    if (info.repo !== repo) throw new RegistryError("BLOB_UPLOAD_UNKNOWN", { uuid });
    const r: Upload = { uuid, repo, dir, size: 0, hash: createHash("sha256"), busy: false };
    await this.rehash(r);
    this.live.set(uuid, r);
    return r;
  }

  /** Rebuilds size and hash from the data file (after a restart or a failed append). */
  private async rehash(u: Upload): Promise<void> {
    u.hash = createHash("sha256");
    u.size = 0;
    for await (const c of createReadStream(path.join(u.dir, "data"), { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      u.hash.update(c);
      u.size += c.length;
    }
  }

  /** Appends a request body, hashing while writing. Concurrent writes to one upload are refused. */
  async append(u: Upload, body: Readable, limit?: number): Promise<void> {
    if (u.busy) throw new RegistryError("BLOB_UPLOAD_INVALID", "upload is busy");
    u.busy = true;
    try {
      const hashing = async function* (src: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
        for await (const c of src) {
          if (limit !== undefined && u.size + c.length > limit) throw new RegistryError("SIZE_INVALID", "body larger than Content-Length");
          u.hash.update(c);
          u.size += c.length;
          yield c;
        }
      };
      await pipeline(body, hashing, createWriteStream(path.join(u.dir, "data"), { flags: "a", highWaterMark: 1 << 20 }));
    } catch (err) {
      await this.rehash(u).catch(() => undefined);
      throw err;
    } finally {
      u.busy = false;
    }
  }

  /** Verifies the digest, fsyncs and commits the blob to `repo`. A mismatch discards the upload. */
  async finish(u: Upload, digest: string): Promise<number> {
    const actual = "sha256:" + u.hash.copy().digest("hex");
    if (actual !== digest) {
      await this.cancel(u);
      throw new RegistryError("DIGEST_INVALID", { expected: digest, actual });
    }
    const file = path.join(u.dir, "data");
    const fh = await fsp.open(file, "r+");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    this.store.commitBlobFile(file, digest, u.size, u.repo);
    await this.cancel(u);
    return u.size;
  }

  async cancel(u: Upload): Promise<void> {
    this.live.delete(u.uuid);
    await fsp.rm(u.dir, { recursive: true, force: true });
  }
}
