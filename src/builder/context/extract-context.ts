/**
 * Unpacks a build context (the body of POST /build: a tar, plain or gzip/bzip2/xz/zstd compressed)
 * into destDir, reads the Dockerfile and the ignore file, and applies the ignore patterns on the
 * daemon side (for raw-tar clients that sent everything).
 *
 * Extraction goes through archive.applyLayer: no entry lands outside destDir (absolute paths,
 * `..` and writes through symlinks are refused). The Dockerfile and ignore file are read with
 * symlinks resolved inside destDir. (Known gap: applyLayer treats `.wh.*` names as whiteouts, so
 * a context file with such a name is dropped.)
 *
 * The docker CLI sends `docker build - < Dockerfile` as a tar holding one file named `Dockerfile`;
 * a body that is not a tar at all (curl --data-binary @Dockerfile) is taken as the Dockerfile itself.
 *
 * A body the /build route marked as berth's incremental context (pending-context.ts, X-Berth-Context)
 * holds only the files berthd lacked; the context is then assembled from the context store
 * (context-store.ts) and the manifest's verified digests are recorded for COPY's cache keys.
 *
 * Like dockerd, the Dockerfile and `.dockerignore` are removed from the context after they are read
 * when the patterns exclude them (so `COPY . /x` does not copy them); everything else the patterns
 * exclude is removed too.
 */
import { mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { Readable } from "node:stream";
import { applyLayer, decompress } from "../../archive/index.js";
import { resolveInRoot } from "../../containers/fs/index.js";
import { CanceledError, InvalidArgumentError, errnoCode } from "../../errdefs/index.js";
import { IgnoreMatcher, goCleanPath, parseDockerignore } from "../../util/ignore-matcher.js";
import { recordContextDigests } from "./file-digests.js";
import { pendingContextOf } from "./pending-context.js";
import { lstatOrNull } from "../../util/fs-stat.js";

export interface ExtractContextResult {
  dockerfileText: string;
  ignorePatterns: string[];
  /** The Dockerfile's clean path inside the context (may be `dockerfile` when `Dockerfile` was asked for but only that exists). */
  dockerfilePath: string;
}

/** Largest Dockerfile / ignore file read into memory. */
const MAX_TEXT_FILE = 64 * 1024 * 1024;

function isTarHeader(b: Buffer): boolean {
  if (b.length < 512) return false;
  let allZero = true;
  for (let i = 0; i < 512; i++) {
    if (b[i] !== 0) {
      allZero = false;
      break;
    }
  }
  if (allZero) return true;
  const field = b.toString("latin1", 148, 156).replace(/[\0 ]+$/, "").trim();
  if (!/^[0-7]+$/.test(field)) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : (b[i] as number);
  return sum === parseInt(field, 8);
}

/** Reads up to n bytes, returning them and an iterable of everything (head included). */
async function peekStream(input: Readable, n: number): Promise<{ head: Buffer; all: AsyncIterable<Buffer> }> {
  const it = input[Symbol.asyncIterator]();
  const parts: Buffer[] = [];
  let len = 0;
  while (len < n) {
    const r = await it.next();
    if (r.done) break;
    const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as Uint8Array);
    parts.push(b);
    len += b.length;
  }
  const head = Buffer.concat(parts);
  async function* gen(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as Uint8Array);
    }
  }
  return { head, all: gen() };
}

async function readAll(s: AsyncIterable<Buffer>, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let len = 0;
  for await (const b of s) {
    len += b.length;
    if (len > limit) throw new InvalidArgumentError(`build context is not a tar archive and is too large to be a Dockerfile`);
    parts.push(b);
  }
  return Buffer.concat(parts);
}


/** The clean context-relative form of a path given by the client ("" for the root). */
function contextRel(p: string): string {
  const c = goCleanPath("/" + p.replace(/\\/g, "/"));
  return c === "/" ? "" : c.slice(1);
}

/** Reads a regular file at rel inside root (symlinks resolved inside root), or undefined when missing. */
function readInRoot(root: string, rel: string): Buffer | undefined {
  const r = resolveInRoot({ rootfs: root, extraMounts: [] }, rel, { followFinal: true });
  try {
    return readFileSync(r.host);
  } catch (e) {
    const code = errnoCode(e);
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") return undefined;
    throw e;
  }
}

/** Removes what the matcher excludes under destDir, never touching paths in `keep` (or their parents). */
function applyIgnore(destDir: string, pm: IgnoreMatcher, keep: ReadonlySet<string>): void {
  const keepParents = new Set<string>();
  for (const k of keep) {
    const parts = k.split("/");
    for (let i = 1; i < parts.length; i++) keepParents.add(parts.slice(0, i).join("/"));
  }
  const walk = (relDir: string): void => {
    const abs = relDir === "" ? destDir : path.join(destDir, relDir);
    for (const d of readdirSync(abs, { withFileTypes: true })) {
      const rel = relDir === "" ? d.name : `${relDir}/${d.name}`;
      const isDir = d.isDirectory();
      if (keep.has(rel)) continue;
      if (keepParents.has(rel)) {
        if (isDir) walk(rel);
        continue;
      }
      if (!pm.matches(rel)) {
        if (isDir) walk(rel);
        continue;
      }
      if (isDir && pm.mayReinclude(rel)) {
        walk(rel);
        // Like the docker CLI's tar: an excluded directory only exists as the parent of re-included content.
        if (readdirSync(path.join(destDir, rel)).length === 0) rmdirSync(path.join(destDir, rel));
        continue;
      }
      rmSync(path.join(destDir, rel), { recursive: true, force: true });
    }
  };
  walk("");
}

/** Extracts the (decompressed) body into destDir: a tar, or else the Dockerfile itself. */
async function unpack(stream: Readable, destDir: string, dfRel: string, signal: AbortSignal | undefined, onFileDigest?: (p: string, d: Buffer) => void): Promise<void> {
  const { head, all } = await peekStream(stream, 512);
  if (head.length === 0 || isTarHeader(head)) {
    await applyLayer(all, destDir, { whiteouts: "delete", signal, ...(onFileDigest ? { onFileDigest } : {}) });
    return;
  }
  const text = await readAll(all, MAX_TEXT_FILE);
  const target = path.join(destDir, dfRel);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, text, { mode: 0o644 });
}

export async function extractContext(
  tar: NodeJS.ReadableStream,
  destDir: string,
  opts: { dockerfile: string; signal?: AbortSignal },
): Promise<ExtractContextResult> {
  mkdirSync(destDir, { recursive: true });
  const requested = opts.dockerfile === "" ? "Dockerfile" : opts.dockerfile;
  let dfRel = contextRel(requested);
  if (dfRel === "") throw new InvalidArgumentError(`Cannot locate specified Dockerfile: ${requested}`);

  const digests = recordContextDigests(path.resolve(destDir));
  const incremental = pendingContextOf(tar);
  if (incremental) {
    // berth's incremental context: the body holds only the files berthd lacked (context-store.ts)
    const { store, pending } = incremental;
    const onAbort = (): void => {
      (tar as { destroy?: (e?: Error) => void }).destroy?.(new CanceledError("build context upload canceled"));
    };
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await store.receive(pending, tar as AsyncIterable<Buffer>, opts.signal);
      store.assemble(pending, destDir, digests.onFileDigest);
    } finally {
      opts.signal?.removeEventListener("abort", onAbort);
      store.release(pending.id);
    }
    store.enforceLimit();
  } else {
    const { stream } = await decompress(tar);
    // An abort must also end a wait for input that never comes.
    const onAbort = (): void => {
      stream.destroy(new CanceledError("build context upload canceled"));
      (tar as { destroy?: () => void }).destroy?.();
    };
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await unpack(stream, destDir, dfRel, opts.signal, digests.onFileDigest);
    } finally {
      opts.signal?.removeEventListener("abort", onAbort);
      stream.destroy(); // on error, stop a decompressor still running
    }
  }

  let df = readInRoot(destDir, dfRel);
  if (df === undefined && dfRel === "Dockerfile") {
    df = readInRoot(destDir, "dockerfile");
    if (df !== undefined) dfRel = "dockerfile";
  }
  if (df === undefined) throw new InvalidArgumentError(`Cannot locate specified Dockerfile: ${requested}`);
  if (df.length > MAX_TEXT_FILE) throw new InvalidArgumentError(`Dockerfile ${requested} is too large`);

  let ignoreRel = `${dfRel}.dockerignore`;
  let ignore = readInRoot(destDir, ignoreRel);
  if (ignore === undefined) {
    ignoreRel = ".dockerignore";
    ignore = readInRoot(destDir, ignoreRel);
  }
  const ignorePatterns = ignore === undefined ? [] : parseDockerignore(ignore.toString("utf8"));
  if (ignorePatterns.length > 0) {
    const pm = new IgnoreMatcher(ignorePatterns);
    applyIgnore(destDir, pm, new Set([dfRel, ignoreRel]));
    // dockerd's removeDockerfile: the build files leave the context when the patterns exclude them.
    for (const f of [ignoreRel, dfRel]) {
      if (!pm.matches(f)) continue;
      const r = resolveInRoot({ rootfs: destDir, extraMounts: [] }, f, { followFinal: false });
      if (r.containerPath !== "/") rmSync(r.host, { force: true, recursive: true });
    }
  }
  digests.seal((p) => lstatOrNull(p));
  return { dockerfileText: df.toString("utf8"), ignorePatterns, dockerfilePath: dfRel };
}
