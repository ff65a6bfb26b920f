/**
 * The build context the berth CLI sends to POST /build, as the docker CLI makes it: the context
 * directory walked in lexical order, `.dockerignore` (or `<Dockerfile>.dockerignore`) honoured with
 * moby's semantics (excluded directories skipped unless a `!` pattern may re-include something under
 * them), owners 0:0, the Dockerfile and ignore file always sent, and a Dockerfile from stdin or from
 * outside the context added under a generated `.dockerfile.<random>` name that the ignore file then
 * excludes. Also the flag helpers of `berth build` (--build-arg, --label) and stdin detection.
 */
import { randomBytes } from "node:crypto";
import { accessSync, constants, existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, realpathSync, type BigIntStats } from "node:fs";
import * as path from "node:path";
import type { Readable } from "node:stream";
import { packTar, type TarWriteEntry } from "../../archive/tar-writer.js";
import { IgnoreMatcher, goCleanPath, parseDockerignore } from "../../util/ignore-matcher.js";
import { StatusError } from "../cli-error.js";

export const DEFAULT_DOCKERFILE = "Dockerfile";

/** Go's error text for a failed fs call ("no such file or directory"). */
function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const text: Record<string, string> = { ENOENT: "no such file or directory", ENOTDIR: "not a directory", EACCES: "permission denied", ELOOP: "too many levels of symbolic links" };
  return text[code ?? ""] ?? (e as Error).message;
}

/** ResolveAndValidateContextPath: absolute, symlinks resolved, a directory. */
export function resolveContextDir(given: string): string {
  const abs = path.resolve(given);
  let real: string;
  try {
    real = realpathSync(abs);
  } catch (e) {
    throw new StatusError(`unable to prepare context: unable to evaluate symlinks in context path: lstat ${abs}: ${errnoText(e)}`, 1);
  }
  if (!lstatSync(real).isDirectory()) throw new StatusError(`unable to prepare context: context must be a directory: ${real}`, 1);
  return real;
}

/**
 * getDockerfileRelPath: the Dockerfile's path relative to the (resolved) context dir. `given` is the
 * -f value ("" for the default, which also accepts a lower-case `dockerfile`), taken relative to
 * the current directory as docker does. The result starts with `../` when it lies outside.
 */
export function dockerfileRelPath(contextDir: string, given: string, cwd = process.cwd()): { rel: string; abs: string } {
  let abs = given === "" ? path.join(contextDir, DEFAULT_DOCKERFILE) : path.resolve(cwd, given);
  if (given === "" && !existsSync(abs) && existsSync(path.join(contextDir, "dockerfile"))) abs = path.join(contextDir, "dockerfile");
  try {
    abs = realpathSync(abs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new StatusError(`unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${abs}: no such file or directory`, 1);
    throw new StatusError(`unable to prepare context: unable to evaluate symlinks in Dockerfile path: ${errnoText(e)}`, 1);
  }
  return { rel: path.relative(contextDir, abs) || ".", abs };
}

export const isOutside = (rel: string): boolean => rel === ".." || rel.startsWith("../") || path.isAbsolute(rel);

/** The ignore patterns for a build: `<Dockerfile>.dockerignore` beside the Dockerfile wins over `<context>/.dockerignore`. */
export function readIgnore(contextDir: string, dockerfileAbs: string | undefined): { patterns: string[]; file: string | undefined } {
  const candidates = [...(dockerfileAbs !== undefined ? [`${dockerfileAbs}.dockerignore`] : []), path.join(contextDir, ".dockerignore")];
  for (const f of candidates) {
    let text: string;
    try {
      text = readFileSync(f, "utf8");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") continue;
      throw new StatusError(`open ${f}: ${errnoText(e)}`, 1);
    }
    try {
      return { patterns: parseDockerignore(text), file: f };
    } catch (e) {
      throw new StatusError(`error reading ${f}: ${(e as Error).message}`, 1);
    }
  }
  return { patterns: [], file: undefined };
}

/** TrimBuildFilesFromExcludes: the Dockerfile and ignore file stay in the context even when excluded (the daemon drops them). */
export function keepBuildFiles(patterns: readonly string[], buildFiles: readonly string[]): string[] {
  const out = [...patterns];
  if (out.length === 0) return out;
  const m = new IgnoreMatcher(out);
  for (const f of buildFiles) if (m.matches(f)) out.push(`!${f}`);
  return out;
}

function typeOf(st: BigIntStats): TarWriteEntry["type"] | undefined {
  if (st.isFile()) return "file";
  if (st.isDirectory()) return "dir";
  if (st.isSymbolicLink()) return "symlink";
  if (st.isFIFO()) return "fifo";
  if (st.isCharacterDevice()) return "char";
  if (st.isBlockDevice()) return "block";
  return undefined; // sockets are not archived
}

/** A context tar entry; regular files read from the context also carry their lstat (the digest cache's key). */
export interface ContextEntry extends TarWriteEntry {
  stat?: BigIntStats;
}

/**
 * The context's tar entries, walked lazily in lexical order; `matcher` excludes. Regular files with
 * several links in the context become hard links to the first one seen.
 */
export function* contextEntries(root: string, matcher: IgnoreMatcher | undefined): Generator<ContextEntry> {
  const seen = new Map<string, string>();
  function* walk(rel: string): Generator<ContextEntry> {
    let names: string[];
    try {
      names = readdirSync(rel === "" ? root : path.join(root, rel));
    } catch (e) {
      throw new StatusError(`error checking context: can't stat '${path.join(root, rel)}': ${errnoText(e)}`, 1);
    }
    names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) {
      const r = rel === "" ? name : `${rel}/${name}`;
      const full = path.join(root, r);
      let st: BigIntStats;
      try {
        st = lstatSync(full, { bigint: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") continue; // removed while walking
        throw new StatusError(`error checking context: can't stat '${full}'`, 1);
      }
      const type = typeOf(st);
      if (type === undefined) continue;
      const excluded = matcher?.matches(r) ?? false;
      if (excluded) {
        if (type === "dir" && matcher?.mayReinclude(r) === true) yield* walk(r);
        continue;
      }
      const base: TarWriteEntry = { name: r, type, mode: Number(st.mode & 0o7777n), uid: 0, gid: 0, mtime: Number(st.mtimeMs / 1000n) };
      if (type === "dir") {
        yield base;
        yield* walk(r);
      } else if (type === "symlink") {
        yield { ...base, linkname: readlinkSync(full) };
      } else if (type === "file") {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1n ? seen.get(key) : undefined;
        if (first !== undefined) {
          yield { ...base, type: "hardlink", linkname: first };
          continue;
        }
        if (st.nlink > 1n) seen.set(key, r);
        try {
          accessSync(full, constants.R_OK); // ValidateContextDirectory: every file must be readable
        } catch {
          throw new StatusError(`error checking context: no permission to read from '${full}'`, 1);
        }
        yield { ...base, size: Number(st.size), source: { file: full }, stat: st };
      } else {
        const rdev = st.rdev;
        yield { ...base, devmajor: Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn)), devminor: Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn)) };
      }
    }
  }
  yield* walk("");
}

/** docker's ".dockerfile." + 20 random hex digits. */
export function generatedDockerfileName(): string {
  return `.dockerfile.${randomBytes(10).toString("hex")}`;
}

export interface LocalContextEntries {
  /** The tar's entries, walked lazily (iterate once). */
  entries: Iterable<ContextEntry>;
  /** The Dockerfile's path inside the tar (the `dockerfile` query parameter). */
  dockerfile: string;
  /** The ignore file used, if any. */
  ignoreFile: string | undefined;
  /** The context directory (absolute, symlinks resolved). */
  contextDir: string;
}

export interface LocalContext {
  /** The context tar. */
  tar: Readable;
  /** The Dockerfile's path inside the tar (the `dockerfile` query parameter). */
  dockerfile: string;
  /** The ignore file used, if any. */
  ignoreFile: string | undefined;
}

/**
 * A context directory as a tar. `dockerfileFlag` is the -f value ("" default, "-" = `dockerfileText`
 * holds the Dockerfile read from stdin). A Dockerfile from stdin or outside the context is added under
 * a generated name and listed in `.dockerignore` (as the docker CLI does), so `COPY .` never sees it.
 */
export function localContext(contextArg: string, dockerfileFlag: string, dockerfileText?: Buffer, cwd = process.cwd()): LocalContext {
  const l = localContextEntries(contextArg, dockerfileFlag, dockerfileText, cwd);
  return { tar: packTar(l.entries), dockerfile: l.dockerfile, ignoreFile: l.ignoreFile };
}

/** localContext's entries, before they become a tar (the incremental context sends a manifest of them first). */
export function localContextEntries(contextArg: string, dockerfileFlag: string, dockerfileText?: Buffer, cwd = process.cwd()): LocalContextEntries {
  const contextDir = resolveContextDir(path.resolve(cwd, contextArg));
  const fromStdin = dockerfileFlag === "-";
  let rel = DEFAULT_DOCKERFILE;
  let extra: Buffer | undefined = fromStdin ? (dockerfileText ?? Buffer.alloc(0)) : undefined;
  let dfAbs: string | undefined;
  if (!fromStdin) {
    const r = dockerfileRelPath(contextDir, dockerfileFlag, cwd);
    dfAbs = r.abs;
    rel = r.rel;
    if (isOutside(rel)) {
      try {
        extra = readFileSync(r.abs);
      } catch (e) {
        throw new StatusError(`unable to open Dockerfile: open ${dockerfileFlag}: ${errnoText(e)}`, 1);
      }
    }
  }
  const ignore = readIgnore(contextDir, dfAbs);
  const ignoreRel = ignore.file === undefined ? ".dockerignore" : path.relative(contextDir, ignore.file);
  const buildFiles = [".dockerignore", ...(ignore.file !== undefined && !isOutside(ignoreRel) ? [ignoreRel] : []), ...(extra === undefined ? [goCleanPath(rel)] : [])];
  const patterns = keepBuildFiles(ignore.patterns, buildFiles);
  const matcher = patterns.length > 0 ? new IgnoreMatcher(patterns) : undefined;
  if (extra === undefined) return { entries: contextEntries(contextDir, matcher), dockerfile: goCleanPath(rel), ignoreFile: ignore.file, contextDir };

  // The Dockerfile travels under a generated name; an ignore file the daemon reads lists it.
  const name = generatedDockerfileName();
  const now = Math.floor(Date.now() / 1000);
  const dockerfileEntry: TarWriteEntry = { name, type: "file", mode: 0o600, mtime: now, source: extra, size: extra.length };
  const outsideIgnore = ignore.file !== undefined && (isOutside(ignoreRel) || ignoreRel !== ".dockerignore");
  return {
    entries: withDockerfile(contextEntries(contextDir, matcher), dockerfileEntry, ignore.patterns, outsideIgnore, contextDir, now),
    dockerfile: name,
    ignoreFile: ignore.file,
    contextDir,
  };
}

/**
 * AddDockerfileToBuildContext: the entries plus the Dockerfile; `.dockerignore` gets the generated name
 * appended (created when missing). With a Dockerfile-specific ignore file, that file's patterns travel
 * as `<generated>.dockerignore` instead (the daemon prefers it), and the context's own
 * `.dockerignore` is left as it is.
 */
function* withDockerfile(entries: Iterable<ContextEntry>, df: TarWriteEntry, patterns: readonly string[], specific: boolean, contextDir: string, now: number): Generator<ContextEntry> {
  const name = String(df.name);
  const text = (lines: readonly string[]): Buffer => Buffer.from(`${lines.join("\n")}\n`);
  let sawIgnore = false;
  for (const e of entries) {
    if (!specific && e.name === ".dockerignore" && e.type === "file") {
      sawIgnore = true;
      const body = Buffer.concat([readFileSync(path.join(contextDir, ".dockerignore")), Buffer.from(`\n${name}\n`)]);
      yield { ...e, source: body, size: body.length };
      continue;
    }
    yield e;
  }
  yield df;
  if (specific) {
    const body = text([...patterns, name, `${name}.dockerignore`]);
    yield { name: `${name}.dockerignore`, type: "file", mode: 0o600, mtime: now, source: body, size: body.length };
  } else if (!sawIgnore) {
    const body = Buffer.from(`.dockerignore\n${name}\n`);
    yield { name: ".dockerignore", type: "file", mode: 0o600, mtime: now, source: body, size: body.length };
  }
}

/** A tar holding one file, `Dockerfile` (`berth build - < Dockerfile`). */
export function dockerfileOnlyContext(text: Buffer): Readable {
  return packTar([{ name: DEFAULT_DOCKERFILE, type: "file", mode: 0o644, mtime: Math.floor(Date.now() / 1000), source: text, size: text.length }]);
}

/** IsArchive: a compressed stream's magic, or a valid tar header. */
export function isArchive(head: Buffer): boolean {
  const magic = [
    [0x1f, 0x8b, 0x08], // gzip
    [0x42, 0x5a, 0x68], // bzip2
    [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], // xz
    [0x28, 0xb5, 0x2f, 0xfd], // zstd
  ];
  if (magic.some((m) => head.length >= m.length && m.every((b, i) => head[i] === b))) return true;
  if (head.length < 512) return false;
  const field = head.toString("latin1", 148, 156).replace(/[\0 ]+$/, "").trim();
  if (!/^[0-7]+$/.test(field)) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : (head[i] as number);
  return sum === Number.parseInt(field, 8);
}

/**
 * --build-arg values (opts.ValidateEnv + ConvertKVStringsToMapWithNil): KEY=VAL as given, a bare KEY
 * takes its value from the environment, or stays null (the Dockerfile's default) when unset.
 */
export function parseBuildArgs(values: readonly string[], env: NodeJS.ProcessEnv = process.env): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const v of values) {
    const eq = v.indexOf("=");
    const key = eq >= 0 ? v.slice(0, eq) : v;
    if (key === "") throw new StatusError(`invalid argument "${v}" for "--build-arg" flag: invalid environment variable: ${v}`, 125);
    if (eq >= 0) out[key] = v.slice(eq + 1);
    else out[key] = env[key] ?? null;
  }
  return out;
}

/** --label values (opts.ValidateLabel + ConvertKVStringsToMap): KEY=VAL, or KEY for an empty value. */
export function parseLabels(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf("=");
    const key = eq >= 0 ? v.slice(0, eq) : v;
    if (key.trim() === "") throw new StatusError(`invalid argument "${v}" for "--label" flag: invalid label '${v}': empty name`, 125);
    out[key] = eq >= 0 ? v.slice(eq + 1) : "";
  }
  return out;
}
