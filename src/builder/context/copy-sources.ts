/**
 * COPY/ADD sources inside an extracted build context: resolution (clean, clamped at the context
 * root, wildcards, symlinks followed inside the root) and the content checksum used as the
 * instruction's cache key.
 */
import { createHash, type Hash } from "../../util/crypto.js";
import { createReadStream, readFileSync, readdirSync, readlinkSync, type Stats } from "node:fs";
import * as path from "node:path";
import { resolveInRoot } from "../../containers/fs/index.js";
import { InvalidArgumentError, errnoCode } from "../../errdefs/index.js";
import { goCleanPath, goPathMatch, hasGoMeta } from "../../util/ignore-matcher.js";
import { knownDigest } from "./file-digests.js";
import { lstatOrNull } from "../../util/fs-stat.js";

export interface SourceEntry {
  /** Host path of the source (final symlink resolved inside the context). */
  host: string;
  /** The clean path relative to the context root as written (`.` for the root); its base names a copied file. */
  rel: string;
  isDir: boolean;
}

/** The legacy builder's wording for a missing source (without the "COPY failed: " prefix). */
export function sourceNotFoundMessage(rel: string): string {
  return `file not found in build context or excluded by .dockerignore: stat ${rel}: file does not exist`;
}

/** The clean context-relative path of a source (`..` clamps at the root; a leading `/` means the root). */
export function cleanSource(src: string): string {
  const c = goCleanPath("/" + src);
  return c === "/" ? "." : c.slice(1);
}


/** Resolves one literal context path; undefined when it does not exist. */
function resolveLiteral(contextDir: string, rel: string): SourceEntry | undefined {
  const r = resolveInRoot({ rootfs: contextDir, extraMounts: [] }, rel === "." ? "/" : rel, { followFinal: true });
  const st = lstatOrNull(r.host);
  if (st === null || st.isSymbolicLink()) return undefined; // missing, or a dangling / looping link
  return { host: r.host, rel, isDir: st.isDirectory() };
}

/** Splits a path pattern into components (a `\/` escape never occurs: Go's Match treats `/` as separator). */
function splitPattern(p: string): string[] {
  return p.split("/").filter((c) => c !== "");
}

/** Every context path matching the per-component Go pattern, in lexical (filepath.Walk) order. */
function expandWildcards(contextDir: string, comps: string[]): string[] {
  const out: string[] = [];
  const walk = (relDir: string, i: number): void => {
    const comp = comps[i] as string;
    const last = i === comps.length - 1;
    const absDir = relDir === "" ? contextDir : path.join(contextDir, relDir);
    let names: string[];
    if (!hasGoMeta(comp)) {
      names = lstatOrNull(path.join(absDir, comp)) === null ? [] : [comp];
    } else {
      try {
        names = readdirSync(absDir).filter((n) => goPathMatch(comp, n)).sort();
      } catch (e) {
        const code = errnoCode(e);
        if (code === "ENOENT" || code === "ENOTDIR") return;
        throw e;
      }
    }
    for (const n of names) {
      const rel = relDir === "" ? n : `${relDir}/${n}`;
      if (last) {
        out.push(rel);
        continue;
      }
      // filepath.Walk does not follow symlinks: only real directories are descended into.
      if (lstatOrNull(path.join(contextDir, rel))?.isDirectory()) walk(rel, i + 1);
    }
  };
  if (comps.length > 0) walk("", 0);
  return out;
}

/**
 * Resolves COPY/ADD sources against the context root. Each source is cleaned and clamped at the
 * root; with allowWildcards, Go filepath.Match patterns expand per path component (a pattern
 * matching nothing contributes nothing; no source at all → "no source files were specified").
 * A literal source that does not exist → InvalidArgumentError with the legacy builder's wording
 * ("file not found in build context or excluded by .dockerignore: stat x: file does not exist";
 * prefixed "COPY failed: " when opts.instruction is "COPY").
 */
export async function resolveSources(
  contextDir: string,
  sources: readonly string[],
  opts: { allowWildcards: boolean; /** When set, errors start with "<instruction> failed: " like the legacy builder's. */ instruction?: string },
): Promise<SourceEntry[]> {
  const prefix = opts.instruction === undefined ? "" : `${opts.instruction} failed: `;
  const out: SourceEntry[] = [];
  for (const src of sources) {
    const rel = cleanSource(src);
    if (opts.allowWildcards && rel !== "." && hasGoMeta(rel)) {
      for (const m of expandWildcards(contextDir, splitPattern(rel))) {
        const e = resolveLiteral(contextDir, m);
        if (e === undefined) throw new InvalidArgumentError(prefix + sourceNotFoundMessage(m));
        out.push(e);
      }
      continue;
    }
    const e = resolveLiteral(contextDir, rel);
    if (e === undefined) throw new InvalidArgumentError(prefix + sourceNotFoundMessage(rel));
    out.push(e);
  }
  if (out.length === 0) throw new InvalidArgumentError(prefix + "no source files were specified");
  return out;
}

const SMALL_FILE = 1024 * 1024;


/** Hashes a file's content into h (small files in one read: a stream per file costs more than the hashing). */
async function hashFile(h: Hash, p: string, size: number): Promise<void> {
  const fh = createHash("sha256");
  if (size <= SMALL_FILE) {
    fh.update(readFileSync(p));
  } else {
    for await (const chunk of createReadStream(p, { highWaterMark: SMALL_FILE })) fh.update(chunk as Buffer);
  }
  h.update(fh.digest());
}

function record(h: Hash, fields: Array<string | number>): void {
  // NUL-separated fields, newline-terminated records: names cannot contain NUL.
  h.update(fields.join("\0") + "\n");
}

async function hashTree(h: Hash, host: string, name: string, st: Stats): Promise<void> {
  const mode = st.mode & 0o7777;
  if (st.isSymbolicLink()) {
    record(h, ["l", name, mode, st.uid, st.gid, readlinkSync(host)]);
  } else if (st.isDirectory()) {
    // A source directory's own metadata is not copied (only its contents), so it stays out of the sum.
    record(h, name === "" ? ["d", ""] : ["d", name, mode, st.uid, st.gid]);
    for (const n of readdirSync(host).sort()) {
      const child = path.join(host, n);
      const cst = lstatOrNull(child);
      if (cst !== null) await hashTree(h, child, name === "" ? n : `${name}/${n}`, cst);
    }
  } else if (st.isFile()) {
    record(h, ["f", name, mode, st.uid, st.gid, st.size]);
    const known = knownDigest(host, st);
    if (known) h.update(known);
    else await hashFile(h, host, st.size);
  } else {
    const kind = st.isFIFO() ? "p" : st.isCharacterDevice() ? "c" : st.isBlockDevice() ? "b" : "s";
    record(h, [kind, name, mode, st.uid, st.gid, st.rdev]);
  }
}

/**
 * A sha256 (`sha256:<hex>`) over the sources' relative paths, types, modes, owners, symlink targets
 * and file contents (mtimes excluded), in the given order: the cache key of a COPY/ADD.
 */
export async function contentChecksum(entries: ReadonlyArray<SourceEntry>): Promise<string> {
  const h = createHash("sha256");
  for (const e of entries) {
    record(h, ["source", e.rel, e.isDir ? 1 : 0]);
    const st = lstatOrNull(e.host);
    if (st === null) throw new InvalidArgumentError(sourceNotFoundMessage(e.rel));
    await hashTree(h, e.host, "", st);
  }
  return "sha256:" + h.digest("hex");
}
