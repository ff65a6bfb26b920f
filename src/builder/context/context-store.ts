/**
 * berthd's content-addressed store of build-context files (the incremental context protocol,
 * context-manifest.ts): `<root>/objects/<sha256 hex>/<mode>-<uid>-<gid>-<mtime>`, one file per
 * (content, metadata) variant, so an assembled context can hard-link each file to a variant whose
 * inode already carries the mode, owner and mtime the tar path would have given it. Received bytes are
 * hashed and verified before they enter the store; the root is 0700 under the daemon's data root.
 *
 * The store is shared by builds but never written through: a context assembled from it holds hard
 * links (or reflink/plain copies across file systems), the builder only reads a context (COPY copies
 * out of it, RUN binds it read-only or copies it for `rw`) and only unlinks from it (ignore patterns),
 * so a variant's content stays what its name says.
 *
 * Bounded in size: after a build, the least recently used objects go until the store is under
 * `maxBytes`; `prune()` (builder prune) empties it. Digests of checked manifests not yet built are
 * pinned so neither removes them in between.
 */
import { createHash, randomBytes } from "../../util/crypto.js";
import {
  chmodSync,
  chownSync,
  closeSync,
  constants,
  copyFileSync,
  fchmodSync,
  fchownSync,
  futimesSync,
  linkSync,
  lchownSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeSync,
} from "node:fs";
import * as path from "node:path";
import { walkTar } from "../../archive/index.js";
import { InvalidArgumentError, errnoCode } from "../../errdefs/index.js";
import type { Logger } from "../../util/log.js";
import { manifestDigests, type ContextCheckResponse, type ContextManifest, type ManifestEntry } from "../../util/build-context-manifest.js";
import { isoTime } from "../../util/iso-time.js";

/** A checked manifest waiting for its build. */
export interface PendingContext {
  readonly id: string;
  readonly manifest: ContextManifest;
  /** Digest → size of every file content the manifest names. */
  readonly digests: ReadonlyMap<string, number>;
  /** The digests the build body must carry. */
  readonly missing: ReadonlySet<string>;
  /** Bytes of file content received for this build (after receive()). */
  received: number;
}

export interface ContextStoreOptions {
  /** Most bytes kept after a build (least recently used objects go first); default 2 GiB. */
  maxBytes?: number;
  /** How long a checked manifest waits for its build; default 10 minutes. */
  pendingTtlMs?: number;
  /** Gets a debug line per received context (bytes that crossed, files reused). */
  log?: Logger;
}

const MAX_PENDING = 256;

/** Gives a made file or directory the entry's owner, mode and mtime. */
function applyMetadata(p: string, e: ManifestEntry): void {
  chownSync(p, e.uid, e.gid);
  chmodSync(p, e.mode);
  utimesSync(p, e.mtime, e.mtime);
}

function variantName(e: ManifestEntry): string {
  return `${e.mode.toString(8)}-${e.uid}-${e.gid}-${e.mtime}`;
}

export class ContextStore {
  private readonly objects: string;
  private readonly tmp: string;
  private ready = false;
  /** Total bytes of the variants, once counted. */
  private bytes = -1;
  private readonly pending = new Map<string, { p: PendingContext; timer: NodeJS.Timeout }>();
  private readonly pins = new Map<string, number>();
  private readonly maxBytes: number;
  private readonly ttl: number;
  private readonly log: Logger | undefined;

  constructor(
    readonly root: string,
    opts: ContextStoreOptions = {},
  ) {
    this.objects = path.join(root, "objects");
    this.tmp = path.join(root, "tmp");
    this.maxBytes = opts.maxBytes ?? 2 * 1024 * 1024 * 1024;
    this.ttl = opts.pendingTtlMs ?? 10 * 60 * 1000;
    this.log = opts.log;
  }

  private init(): void {
    if (this.ready) return;
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    chmodSync(this.root, 0o700);
    mkdirSync(this.objects, { recursive: true, mode: 0o700 });
    rmSync(this.tmp, { recursive: true, force: true });
    mkdirSync(this.tmp, { mode: 0o700 });
    this.ready = true;
  }

  private objectDir(hex: string): string {
    return path.join(this.objects, hex);
  }

  /** Whether some variant of the content is stored. */
  has(hex: string): boolean {
    this.init();
    try {
      return readdirSync(this.objectDir(hex)).length > 0;
    } catch (e) {
      if (errnoCode(e) === "ENOENT") return false;
      throw e;
    }
  }

  /** Registers a validated manifest: its id and the digests the build must send. */
  check(manifest: ContextManifest): ContextCheckResponse {
    this.init();
    const digests = manifestDigests(manifest);
    const missing = new Set([...digests.keys()].filter((d) => !this.has(d)));
    while (this.pending.size >= MAX_PENDING) {
      const oldest = this.pending.keys().next().value;
      if (oldest === undefined) break;
      this.release(oldest);
    }
    const id = randomBytes(16).toString("hex");
    const p: PendingContext = { id, manifest, digests, missing, received: 0 };
    for (const d of digests.keys()) this.pins.set(d, (this.pins.get(d) ?? 0) + 1);
    const timer = setTimeout(() => this.release(id), this.ttl);
    timer.unref();
    this.pending.set(id, { p, timer });
    return { Id: id, Missing: [...missing] };
  }

  /** The pending manifest with this id (it stays pinned until release()). */
  take(id: string): PendingContext | undefined {
    return this.pending.get(id)?.p;
  }

  /** Forgets a pending manifest and unpins its digests. */
  release(id: string): void {
    const e = this.pending.get(id);
    if (!e) return;
    clearTimeout(e.timer);
    this.pending.delete(id);
    for (const d of e.p.digests.keys()) {
      const n = (this.pins.get(d) ?? 1) - 1;
      if (n <= 0) this.pins.delete(d);
      else this.pins.set(d, n);
    }
  }

  /**
   * Reads the build body: a tar of regular files named by the sha256 (hex) of their content, each one
   * the manifest lacked. Each is hashed while written and enters the store only when the digest and
   * size match; anything else (another type, name or digest, a duplicate, one missing) is an error.
   */
  async receive(p: PendingContext, body: AsyncIterable<Buffer>, signal?: AbortSignal): Promise<void> {
    this.init();
    const got = new Set<string>();
    const first = new Map<string, ManifestEntry>();
    for (const e of p.manifest.entries) if (e.type === "file" && e.digest !== undefined && !first.has(e.digest)) first.set(e.digest, e);
    for await (const entry of walkTar(body)) {
      signal?.throwIfAborted();
      const hex = entry.name;
      if (entry.type !== "file") throw new InvalidArgumentError(`build context: unexpected ${entry.type} entry ${JSON.stringify(hex)} in an incremental context`);
      if (!p.missing.has(hex) || got.has(hex)) throw new InvalidArgumentError(`build context: unexpected file ${JSON.stringify(hex)} in an incremental context`);
      if (entry.size !== p.digests.get(hex)) throw new InvalidArgumentError(`build context: file sha256:${hex} has size ${entry.size}, the manifest says ${p.digests.get(hex)}`);
      const e = first.get(hex) as ManifestEntry;
      const tmp = path.join(this.tmp, `in-${randomBytes(8).toString("hex")}`);
      const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      const h = createHash("sha256");
      let ok = false;
      try {
        for await (const chunk of entry.body()) {
          h.update(chunk);
          let off = 0;
          while (off < chunk.length) off += writeSync(fd, chunk, off);
        }
        const actual = h.digest("hex");
        if (actual !== hex) throw new InvalidArgumentError(`build context: content of ${hex} does not match its digest (got sha256:${actual})`);
        fchownSync(fd, e.uid, e.gid);
        fchmodSync(fd, e.mode);
        futimesSync(fd, e.mtime, e.mtime);
        ok = true;
      } finally {
        closeSync(fd);
        if (!ok) rmSync(tmp, { force: true });
      }
      mkdirSync(this.objectDir(hex), { recursive: true, mode: 0o700 });
      renameSync(tmp, path.join(this.objectDir(hex), variantName(e)));
      if (this.bytes >= 0) this.bytes += entry.size;
      p.received += entry.size;
      got.add(hex);
    }
    for (const d of p.missing) if (!got.has(d)) throw new InvalidArgumentError(`build context: the content of sha256:${d} was not sent`);
    this.log?.debug("incremental build context received", { entries: p.manifest.entries.length, contents: p.digests.size, sent: got.size, bytes: p.received });
  }

  /** A stored file with the content and the entry's metadata (made from another variant when new). */
  private variant(e: ManifestEntry): string {
    const hex = e.digest as string;
    const dir = this.objectDir(hex);
    const want = path.join(dir, variantName(e));
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (err) {
      if (errnoCode(err) !== "ENOENT") throw err;
      names = [];
    }
    const now = new Date();
    if (names.length > 0) utimesSync(dir, now, now); // last use, for the size bound
    if (names.includes(variantName(e))) return want;
    const from = names[0];
    if (from === undefined) throw new InvalidArgumentError(`build context: sha256:${hex} is no longer in berthd's context store; build again`);
    const tmp = path.join(this.tmp, `v-${randomBytes(8).toString("hex")}`);
    copyFileSync(path.join(dir, from), tmp, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
    applyMetadata(tmp, e);
    renameSync(tmp, want);
    if (this.bytes >= 0) this.bytes += e.size ?? 0;
    return want;
  }

  /**
   * Builds the context in destDir (empty, private to the build) from the manifest: directories made,
   * files hard-linked to their variants (copied across file systems), symlinks created as given.
   * `onFile(hostPath, sha256)` gets each file's verified digest (COPY cache keys need no re-read).
   */
  assemble(p: PendingContext, destDir: string, onFile?: (hostPath: string, sha256: Buffer) => void): void {
    this.init();
    const dirs: ManifestEntry[] = [];
    for (const e of p.manifest.entries) {
      const dst = path.join(destDir, e.path);
      if (e.type === "dir") {
        if (e.implicit) {
          mkdirSync(dst, { mode: 0o755 }); // as a tar extraction makes a missing parent
          continue;
        }
        mkdirSync(dst, { mode: 0o700 });
        dirs.push(e);
      } else if (e.type === "symlink") {
        symlinkSync(e.linkname as string, dst);
        lchownSync(dst, e.uid, e.gid);
        lutimesSync(dst, e.mtime, e.mtime);
      } else {
        const src = this.variant(e);
        try {
          linkSync(src, dst);
        } catch (err) {
          if (!["EXDEV", "EMLINK", "EPERM"].includes(errnoCode(err) ?? "")) throw err;
          copyFileSync(src, dst, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
          applyMetadata(dst, e);
        }
        onFile?.(dst, Buffer.from(e.digest as string, "hex"));
      }
    }
    // deepest first, so setting a directory's mtime comes after its contents were made
    for (let i = dirs.length - 1; i >= 0; i--) {
      const e = dirs[i] as ManifestEntry;
      applyMetadata(path.join(destDir, e.path), e);
    }
  }

  /** Objects (content digests) and bytes stored. */
  usage(): { objects: number; bytes: number } {
    this.init();
    let objects = 0;
    let bytes = 0;
    for (const o of this.list()) {
      objects++;
      bytes += o.bytes;
    }
    this.bytes = bytes;
    return { objects, bytes };
  }

  /** The store as one `system df` build-cache record (docker's type for a local context source); none when empty. */
  diskUsage(): Array<{ ID: string; Parent: string; Parents: string[]; Type: string; Description: string; InUse: boolean; Shared: boolean; Size: number; CreatedAt: string; LastUsedAt: string; UsageCount: number }> {
    this.init();
    const all = this.list();
    if (all.length === 0) return [];
    const created = isoTime(statSync(this.objects).birthtime.getTime());
    const last = isoTime(Math.max(...all.map((o) => o.used)));
    const size = all.reduce((n, o) => n + o.bytes, 0);
    return [{ ID: "berth-context-store", Parent: "", Parents: [], Type: "source.local", Description: `local source for context (${all.length} files, berth's incremental context store)`, InUse: this.pending.size > 0, Shared: false, Size: size, CreatedAt: created, LastUsedAt: last, UsageCount: all.length }];
  }

  private list(): Array<{ hex: string; bytes: number; used: number }> {
    const out: Array<{ hex: string; bytes: number; used: number }> = [];
    for (const hex of readdirSync(this.objects)) {
      const dir = this.objectDir(hex);
      let bytes = 0;
      let used = 0;
      try {
        used = statSync(dir).mtimeMs;
        for (const n of readdirSync(dir)) bytes += statSync(path.join(dir, n)).size;
      } catch (e) {
        if (errnoCode(e) !== "ENOENT") throw e;
      }
      out.push({ hex, bytes, used });
    }
    return out;
  }

  /** Removes every object no checked manifest is waiting for (builder prune). */
  prune(): { objects: number; bytes: number } {
    this.init();
    let objects = 0;
    let bytes = 0;
    for (const o of this.list()) {
      if (this.pins.has(o.hex)) continue;
      rmSync(this.objectDir(o.hex), { recursive: true, force: true });
      objects++;
      bytes += o.bytes;
    }
    this.bytes = -1;
    return { objects, bytes };
  }

  /** Drops the least recently used unpinned objects until the store holds at most maxBytes. */
  enforceLimit(): void {
    this.init();
    if (this.bytes >= 0 && this.bytes <= this.maxBytes) return;
    const all = this.list().sort((a, b) => a.used - b.used);
    let total = all.reduce((n, o) => n + o.bytes, 0);
    for (const o of all) {
      if (total <= this.maxBytes) break;
      if (this.pins.has(o.hex)) continue;
      rmSync(this.objectDir(o.hex), { recursive: true, force: true });
      total -= o.bytes;
    }
    this.bytes = total;
  }
}
