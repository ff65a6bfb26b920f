/**
 * `berth cp`: container → local (GET /containers/{id}/archive, extracted with tar(1) after docker's
 * renaming), local → container (tar(1) of the source, renamed, PUT archive), and `-` for a raw tar on
 * stdin/stdout. HEAD archive (X-Docker-Container-Path-Stat) resolves container symlinks and destinations.
 */
import { spawn } from "node:child_process";
import { lstatSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { posix } from "node:path";
import { PassThrough, Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { IncomingMessage } from "node:http";
import type { CliContext } from "../context.js";
import { bool } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import type { PathStat } from "../../api/types/index.js";
import type { EngineClient } from "../../client/engine-client.js";
import { walkTar } from "../../archive/tar-reader.js";
import { packTar, type TarWriteEntry } from "../../archive/tar-writer.js";
import { humanSizeWithPrecision } from "../format/units.js";
import { StatusError } from "../cli-error.js";
import {
  CopyError,
  MODE_DIR,
  MODE_SYMLINK,
  clean,
  getRebaseName,
  goBase,
  hasTrailingSeparator,
  modeHas,
  prepareArchiveCopy,
  rebaseName,
  resolveLocalPath,
  splitCpArg,
  splitPathDirEntry,
  type CopyInfo,
} from "./cp-path.js";

export const flags: FlagSpec[] = [
  { long: "archive", short: "a", type: "bool", usage: "Archive mode (copy all uid/gid information)" },
  { long: "follow-link", short: "L", type: "bool", usage: "Always follow symbol link in SRC_PATH" },
  { long: "quiet", short: "q", type: "bool", usage: "Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached" },
];
export const args: ArgRule = { kind: "exact", n: 2 };

interface CpConfig {
  container: string;
  src: string;
  dst: string;
  followLink: boolean;
  copyUIDGID: boolean;
  quiet: boolean;
}

export async function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<void> {
  const [source = "", destination = ""] = argv;
  if (source === "") throw new StatusError("source can not be empty", 1);
  if (destination === "") throw new StatusError("destination can not be empty", 1);
  const [srcCtr, srcPath] = splitCpArg(source);
  const [dstCtr, dstPath] = splitCpArg(destination);
  const base = { followLink: bool(f, "follow-link"), copyUIDGID: bool(f, "archive"), quiet: bool(f, "quiet") || ctx.stdout.isTTY !== true };
  if (srcCtr !== "" && dstCtr !== "") throw new StatusError("copying between containers is not supported", 1);
  if (srcCtr !== "") return copyFromContainer(ctx, { ...base, container: srcCtr, src: srcPath, dst: dstPath });
  if (dstCtr !== "") return copyToContainer(ctx, { ...base, container: dstCtr, src: srcPath, dst: dstPath });
  throw new StatusError("must specify at least one container source", 1);
}

/** Go-style error text for a failed local file-system call ("lstat /x: no such file or directory"). */
function goFsError(op: string, path: string, e: unknown): StatusError {
  const code = (e as NodeJS.ErrnoException).code;
  const text: Record<string, string> = {
    ENOENT: "no such file or directory",
    ENOTDIR: "not a directory",
    EACCES: "permission denied",
    ELOOP: "too many levels of symbolic links",
    EISDIR: "is a directory",
  };
  return new StatusError(`${op} ${path}: ${text[code ?? ""] ?? (e as Error).message}`, 1);
}

/** command.ValidateOutputPath. */
function validateOutputPath(p: string): void {
  const dir = posix.dirname(clean(p));
  if (dir !== "" && dir !== ".") {
    try {
      statSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new StatusError(`invalid output path: directory ${JSON.stringify(dir)} does not exist`, 1);
    }
  }
  let st;
  try {
    st = statSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw goFsError("stat", p, e);
  }
  if (st.isCharacterDevice() || st.isBlockDevice()) throw new StatusError(`invalid output path: ${JSON.stringify(p)} must be a directory or a regular file: got a device`, 1);
}

/** HEAD /containers/{id}/archive: the path's stat, or undefined when it cannot be read. */
export async function statPath(client: EngineClient, container: string, path: string): Promise<PathStat | undefined> {
  try {
    const res = await client.request("HEAD", `/containers/${encodeURIComponent(container)}/archive`, { query: { path } });
    res.resume();
    return decodeStat(res);
  } catch {
    return undefined;
  }
}

export function decodeStat(res: Pick<IncomingMessage, "headers">): PathStat | undefined {
  const h = res.headers["x-docker-container-path-stat"];
  const v = Array.isArray(h) ? h[0] : h;
  if (v === undefined || v === "") return undefined;
  return JSON.parse(Buffer.from(v, "base64").toString("utf8")) as PathStat;
}

/** A tar stream with the top-level entry renamed (RebaseArchiveEntries). */
export function rebaseArchive(input: Readable, from: string, to: string): Readable {
  async function* entries(): AsyncGenerator<TarWriteEntry> {
    for await (const e of walkTar(input)) {
      yield {
        name: rebaseName(e.name, from, to),
        type: e.type,
        mode: e.mode,
        uid: e.uid,
        gid: e.gid,
        uname: e.uname,
        gname: e.gname,
        mtime: e.mtime,
        size: e.size,
        source: e.type === "file" ? e.body() : undefined,
        linkname: e.type === "hardlink" ? rebaseName(e.linkname, from, to) : e.linkname,
        devmajor: e.devmajor,
        devminor: e.devminor,
        xattrs: e.xattrs,
      };
    }
  }
  return packTar(entries());
}

/**
 * Counts the bytes flowing through (the progress total). With `tarAware`, counting stops after the
 * end-of-archive marker, as docker's count does when a tar reader (rather than a buffered extractor)
 * consumes the stream: headers, padded bodies and the two zero blocks, not the record padding after.
 */
export function counter(total: { n: number }, tarAware = false): Transform {
  let skip = 0; // body bytes still to pass before the next header
  let head = Buffer.alloc(0);
  let zeros = 0;
  let ended = false;
  const scan = (chunk: Buffer): void => {
    let i = 0;
    while (i < chunk.length && !ended) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - i);
        skip -= n;
        i += n;
        total.n += n;
        continue;
      }
      const need = 512 - head.length;
      const part = chunk.subarray(i, i + need);
      head = Buffer.concat([head, part]);
      i += part.length;
      total.n += part.length;
      if (head.length < 512) break;
      if (head.every((b) => b === 0)) {
        zeros++;
        if (zeros === 2) ended = true;
      } else {
        zeros = 0;
        skip = Math.ceil(tarSize(head) / 512) * 512;
      }
      head = Buffer.alloc(0);
    }
  };
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (tarAware) scan(chunk);
      else total.n += chunk.length;
      cb(null, chunk);
    },
  });
}

/** The size field of a tar header (octal, or GNU base-256). */
function tarSize(h: Buffer): number {
  const f = h.subarray(124, 136);
  if (((f[0] ?? 0) & 0x80) !== 0) {
    let n = 0;
    for (let k = 1; k < f.length; k++) n = n * 256 + (f[k] ?? 0);
    return n;
  }
  const t = f.toString("latin1").replace(/\0.*$/s, "").trim();
  return t === "" ? 0 : Number.parseInt(t, 8);
}

/** Runs tar(1) with the archive on stdin (extract) or stdout (create). */
function runTar(argv: string[], input: Readable | undefined): { out: Readable; done: Promise<void> } {
  const child = spawn("tar", argv, { stdio: [input !== undefined ? "pipe" : "ignore", "pipe", "pipe"] });
  const { stdout, stderr } = child;
  if (stdout === null || stderr === null) throw new Error("tar: no pipes");
  let err = "";
  stderr.on("data", (c: Buffer) => (err += c.toString("utf8")));
  const feed = input !== undefined && child.stdin !== null ? pipeline(input, child.stdin).catch((e: unknown) => e) : Promise.resolve(undefined);
  const exited = new Promise<void>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new StatusError(err.trim().split("\n").map((l) => l.replace(/^tar: /, "")).join("\n") || `tar exited with status ${String(code)}`, 1));
    });
  });
  const done = Promise.all([feed, exited]).then(([fed]) => {
    if (fed instanceof Error && (fed as NodeJS.ErrnoException).code !== "EPIPE") throw fed;
  });
  return { out: stdout, done };
}

function progressSize(n: number): string {
  return humanSizeWithPrecision(n, 3);
}

/** docker 28.2's summary on stderr ("Successfully copied 2.05kB to …", the tar bytes moved) unless quiet. */
function progress(ctx: CliContext, cfg: CpConfig, total: { n: number }): (doneText: string) => void {
  if (cfg.quiet) return () => undefined;
  return (doneText) => ctx.err(`Successfully copied ${progressSize(total.n)} to ${doneText}\n`);
}

async function copyFromContainer(ctx: CliContext, cfg: CpConfig): Promise<void> {
  let dstPath = cfg.dst;
  let srcPath = cfg.src;
  if (dstPath !== "-") dstPath = resolveLocalPath(dstPath);
  if (dstPath !== "-") validateOutputPath(dstPath);
  const client = await ctx.client();
  let rebase = "";
  if (cfg.followLink) {
    const st = await statPath(client, cfg.container, srcPath);
    if (st !== undefined && modeHas(st.mode, MODE_SYMLINK)) {
      let target = st.linkTarget;
      if (!target.startsWith("/")) target = posix.join(splitPathDirEntry(srcPath)[0], target);
      [srcPath, rebase] = getRebaseName(srcPath, target);
    }
  }
  const res = await client.request("GET", `/containers/${encodeURIComponent(cfg.container)}/archive`, { query: { path: srcPath } });
  if (dstPath === "-") {
    await pipeline(res, ctx.stdout, { end: false });
    return;
  }
  const stat = decodeStat(res);
  const srcInfo: CopyInfo = { path: srcPath, exists: true, isDir: stat !== undefined && modeHas(stat.mode, MODE_DIR), rebaseName: rebase };
  const total = { n: 0 };
  const finish = progress(ctx, cfg, total);
  let plan;
  try {
    const dstInfo = copyInfoDestinationPath(dstPath);
    plan = prepareArchiveCopy(srcInfo, dstInfo);
  } catch (e) {
    res.destroy();
    if (e instanceof CopyError) throw new StatusError(e.message, 1);
    throw e;
  }
  let content: Readable = res.pipe(counter(total, rebase !== "" || plan.rebase !== undefined));
  if (rebase !== "") content = rebaseArchive(content, splitPathDirEntry(srcInfo.path)[1], rebase);
  if (plan.rebase !== undefined) content = rebaseArchive(content, plan.rebase.from, plan.rebase.to);
  const tar = runTar(["-x", "--no-same-owner", "-C", plan.dstDir, "-f", "-"], content);
  tar.out.resume();
  await tar.done;
  finish(dstPath);
}

/** CopyInfoDestinationPath: follows symlinks at the destination; a missing path needs an existing parent dir. */
export function copyInfoDestinationPath(path: string): CopyInfo {
  let p = path;
  let st;
  try {
    st = lstatSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw goFsError("lstat", p, e);
  }
  for (let n = 0; st?.isSymbolicLink() === true; n++) {
    if (n > 10) throw new StatusError(`too many symlinks in ${path}`, 1);
    let target = readlinkSync(p);
    if (!target.startsWith("/")) target = posix.join(splitPathDirEntry(p)[0], target);
    p = target;
    try {
      st = lstatSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw goFsError("lstat", p, e);
      st = undefined;
    }
  }
  if (st === undefined) {
    const parent = splitPathDirEntry(p)[0];
    let pst;
    try {
      pst = statSync(parent);
    } catch (e) {
      throw goFsError("stat", parent, e);
    }
    if (!pst.isDirectory()) throw new StatusError("not a directory", 1);
    return { path: p, exists: false, isDir: false, rebaseName: "" };
  }
  return { path: p, exists: true, isDir: st.isDirectory(), rebaseName: "" };
}

/** filepath.EvalSymlinks with Go's errors: "not a directory", or "lstat <first missing part>: …". */
function evalSymlinks(p: string): string {
  try {
    return realpathSync.native(p === "" ? "." : p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOTDIR") throw new StatusError("not a directory", 1);
    if (code === "ENOENT") {
      const parts = p.split("/");
      for (let i = 1; i <= parts.length; i++) {
        const prefix = parts.slice(0, i).join("/");
        if (prefix === "") continue;
        try {
          lstatSync(prefix);
        } catch (e2) {
          throw goFsError("lstat", prefix, e2);
        }
      }
    }
    throw goFsError("lstat", p, e);
  }
}

/** CopyInfoSourcePath: resolves symlinks in the parent (or everywhere with -L). */
export function copyInfoSourcePath(path: string, followLink: boolean): CopyInfo {
  let resolved: string;
  let rebase = "";
  if (followLink) {
    [resolved, rebase] = getRebaseName(path, evalSymlinks(path));
  } else {
    const i = path.lastIndexOf("/");
    const dir = path.slice(0, i + 1);
    const basePath = path.slice(i + 1);
    resolved = `${evalSymlinks(dir)}/${basePath}`;
    if (hasTrailingSeparator(path) && goBase(path) !== goBase(resolved)) rebase = goBase(path);
  }
  let st;
  try {
    st = lstatSync(resolved);
  } catch (e) {
    throw goFsError("lstat", resolved, e);
  }
  return { path: resolved, exists: true, isDir: st.isDirectory(), rebaseName: rebase };
}

async function copyToContainer(ctx: CliContext, cfg: CpConfig): Promise<void> {
  let srcPath = cfg.src;
  const dstPath = cfg.dst;
  if (srcPath !== "-") srcPath = resolveLocalPath(srcPath);
  // As docker: a local source that cannot be read fails before the daemon is asked anything.
  const srcInfo = srcPath !== "-" ? copyInfoSourcePath(srcPath, cfg.followLink) : undefined;
  const client = await ctx.client();
  const dstInfo: CopyInfo = { path: dstPath, exists: false, isDir: false, rebaseName: "" };
  let st = await statPath(client, cfg.container, dstPath);
  if (st !== undefined && modeHas(st.mode, MODE_SYMLINK)) {
    let target = st.linkTarget;
    if (!target.startsWith("/")) target = posix.join(splitPathDirEntry(dstPath)[0], target);
    dstInfo.path = target;
    st = await statPath(client, cfg.container, target);
  }
  if (st !== undefined) {
    dstInfo.exists = true;
    dstInfo.isDir = modeHas(st.mode, MODE_DIR);
  }
  const total = { n: 0 };
  let content: Readable;
  let resolvedDst: string;
  let tarDone: Promise<void> = Promise.resolve();
  if (srcInfo === undefined) {
    if (!dstInfo.isDir) throw new StatusError(`destination "${cfg.container}:${dstPath}" must be a directory`, 1);
    content = ctx.stdin;
    resolvedDst = dstInfo.path;
  } else {
    let plan;
    try {
      plan = prepareArchiveCopy(srcInfo, dstInfo);
    } catch (e) {
      if (e instanceof CopyError) throw new StatusError(e.message, 1);
      throw e;
    }
    const [srcDir, srcBase] = splitPathDirEntry(srcInfo.path);
    const tar = runTar(["-c", "-b", "1", "-f", "-", "-C", srcDir, "--", srcBase], undefined);
    tarDone = tar.done;
    content = tar.out;
    if (srcInfo.rebaseName !== "") content = rebaseArchive(content, srcBase, srcInfo.rebaseName);
    if (plan.rebase !== undefined) content = rebaseArchive(content, plan.rebase.from, plan.rebase.to);
    resolvedDst = plan.dstDir;
  }
  const finish = progress(ctx, cfg, total);
  // As docker, stdin is sent uncounted ("Successfully copied 0B").
  const body = srcInfo === undefined ? content : content.pipe(counter(total)).pipe(new PassThrough());
  const query: Record<string, string> = { path: resolvedDst, noOverwriteDirNonDir: "true" };
  if (cfg.copyUIDGID) query.copyUIDGID = "true";
  const res = await client.request("PUT", `/containers/${encodeURIComponent(cfg.container)}/archive`, { query, body, headers: { "Content-Type": "application/x-tar" } });
  res.resume();
  await tarDone;
  finish(`${cfg.container}:${dstInfo.path}`);
}
