/**
 * The build corpus: one folder per case (a Dockerfile, context files, maybe a .dockerignore, and an
 * expected.json with the case's inputs and the results recorded from Docker). Shared by the e2e suite
 * (build-corpus.test.ts) and the recorder (record.ts, run by hand against Debian's dockerd).
 *
 * A case's results are read without running it: `create` + `export` of a container, extracted with
 * numeric owners, then lstat'ed, so scratch images are checked the same way as busybox ones.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, chownSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../../helpers/daemon.js";
import type { RunResult } from "../../helpers/run.js";

export const CORPUS_DIR = path.join(REPO_ROOT, "test", "e2e", "build-corpus");

/** The config fields compared (from `image inspect`'s .Config, plus the image's Author). */
export const CONFIG_FIELDS = ["Cmd", "Entrypoint", "Env", "WorkingDir", "User", "ExposedPorts", "Volumes", "Labels", "Healthcheck", "StopSignal", "OnBuild"] as const;

export interface ArchiveFile {
  path: string;
  content: string;
  mode: string;
  uid: number;
  gid: number;
}

export interface ArchiveSpec {
  name: string;
  format: "tar" | "tar.gz" | "tar.bz2" | "tar.xz";
  files: ArchiveFile[];
}

export interface FileResult {
  type: "file" | "dir" | "symlink" | "missing" | "other";
  uid?: number;
  gid?: number;
  mode?: string;
  content?: string | null;
  sha256?: string;
  target?: string;
  entries?: string[];
}

export interface CaseResult {
  config: Record<string, unknown>;
  files: Record<string, FileResult>;
  /** Cache cases: whether the second build gave the same id, and its count of " ---> Using cache" lines. */
  cache?: { sameId: boolean; usingCache: number };
}

export interface CaseSpec {
  description: string;
  /** Extra `build` arguments, the same for every CLI. */
  build?: { args?: string[] };
  generate?: ArchiveSpec[];
  check: string[];
  /** A cache case: build, (change a file,) build again. */
  cache?: { change?: { path: string; content: string } };
  /** The expected results (BuildKit's where it differs from the legacy builder). */
  expected?: CaseResult;
  /** Where the expectations come from: "buildkit" (recorded), or "hand: why". */
  source?: string;
  /** A known berth bug outside the builder files (the suite marks the case todo); say where. */
  knownIssue?: string;
  /** How Docker 20.10's legacy builder differs, per recorded field ("same" when it does not). */
  legacy?: string | Record<string, unknown>;
}

export interface CorpusCase {
  name: string;
  dir: string;
  spec: CaseSpec;
}

export function listCases(): CorpusCase[] {
  return readdirSync(CORPUS_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(path.join(CORPUS_DIR, e.name, "Dockerfile")))
    .map((e) => e.name)
    .sort()
    .map((name) => ({ name, dir: path.join(CORPUS_DIR, name), spec: JSON.parse(readFileSync(path.join(CORPUS_DIR, name, "expected.json"), "utf8")) as CaseSpec }));
}

/** A temp copy of the case's context (without expected.json) with its generated archives. */
export function prepareContext(c: CorpusCase, tmpRoot: string): string {
  const dir = mkdtempSync(path.join(tmpRoot, `${c.name}-`));
  cpSync(c.dir, dir, { recursive: true, filter: (src) => path.basename(src) !== "expected.json" });
  for (const a of c.spec.generate ?? []) makeArchive(a, path.join(dir, a.name), tmpRoot);
  return dir;
}

function makeArchive(a: ArchiveSpec, out: string, tmpRoot: string): void {
  const stage = mkdtempSync(path.join(tmpRoot, "archive-"));
  try {
    for (const f of a.files) {
      const p = path.join(stage, f.path);
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, f.content);
      chmodSync(p, parseInt(f.mode, 8));
      chownSync(p, f.uid, f.gid);
    }
    const entries = readdirSync(stage).sort();
    const tar = execFileSync("tar", ["-c", "--sort=name", "--mtime=@0", "--numeric-owner", "-C", stage, ...entries]);
    const tool = { tar: undefined, "tar.gz": ["gzip", "-n", "-c"], "tar.bz2": ["bzip2", "-c"], "tar.xz": ["xz", "-c"] }[a.format];
    writeFileSync(out, tool ? execFileSync(tool[0] as string, tool.slice(1), { input: tar, maxBuffer: 64 << 20 }) : tar);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

export type Cli = (args: readonly string[]) => Promise<RunResult>;

async function must(cli: Cli, args: string[]): Promise<string> {
  const r = await cli(args);
  if (r.code !== 0) throw new Error(`${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** The compared config fields of an image (empty lists, maps and strings count as absent: null). */
export async function readConfig(cli: Cli, ref: string): Promise<Record<string, unknown>> {
  const img = JSON.parse(await must(cli, ["image", "inspect", ref])) as Array<{ Config?: Record<string, unknown> | null; Author?: string }>;
  const cfg = img[0]?.Config ?? {};
  const out: Record<string, unknown> = {};
  for (const k of CONFIG_FIELDS) out[k] = normalize(cfg[k]);
  out["Author"] = normalize(img[0]?.Author);
  return out;
}

function normalize(v: unknown): unknown {
  if (v === undefined || v === null || v === "") return null;
  if (Array.isArray(v)) return v.length === 0 ? null : v;
  if (typeof v === "object") return Object.keys(v).length === 0 ? null : v;
  return v;
}

/** The checked paths of an image's filesystem, read from an exported container (never started). */
export async function readFiles(cli: Cli, ref: string, paths: readonly string[], tmpRoot: string): Promise<Record<string, FileResult>> {
  const out: Record<string, FileResult> = {};
  if (paths.length === 0) return out;
  const id = (await must(cli, ["create", "--network", "none", ref, "/corpus-never-run"])).trim();
  const dir = mkdtempSync(path.join(tmpRoot, "export-"));
  try {
    const tarFile = path.join(dir, "fs.tar");
    await must(cli, ["export", "-o", tarFile, id]);
    const root = path.join(dir, "root");
    mkdirSync(root);
    execFileSync("tar", ["-x", "-p", "--numeric-owner", "-f", tarFile, "-C", root]);
    for (const p of paths) out[p] = fileResult(path.join(root, p));
  } finally {
    await cli(["rm", "-f", id]);
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

function fileResult(p: string): FileResult {
  let st;
  try {
    st = lstatSync(p);
  } catch {
    return { type: "missing" };
  }
  const base = { uid: st.uid, gid: st.gid, mode: (st.mode & 0o7777).toString(8) };
  if (st.isSymbolicLink()) return { type: "symlink", uid: st.uid, gid: st.gid, target: readlinkSync(p) };
  if (st.isDirectory()) return { type: "dir", ...base, entries: readdirSync(p).sort() };
  if (!st.isFile()) return { type: "other", ...base };
  const data = readFileSync(p);
  const text = data.length <= 4096 && !data.includes(0) ? data.toString("utf8") : null;
  return { type: "file", ...base, content: text !== null && Buffer.from(text, "utf8").equals(data) ? text : null, sha256: createHash("sha256").update(data).digest("hex") };
}

export const usingCacheLines = (stdout: string): number => stdout.split("\n").filter((l) => l === " ---> Using cache").length;

export const imageIdOf = async (cli: Cli, ref: string): Promise<string> => (await must(cli, ["image", "inspect", "-f", "{{.Id}}", ref])).trim();

/** Runs `build ARGS CONTEXT` for a CLI; the CLI flavour decides the environment (DOCKER_BUILDKIT, …). */
export type Builder = (args: readonly string[], contextDir: string) => Promise<RunResult>;

export type CaseOutcome = { ok: true; result: CaseResult; output: string } | { ok: false; error: string };

/** Builds a case (twice for a cache case, changing its file in between) and reads the results. */
export async function runCase(c: CorpusCase, build: Builder, cli: Cli, tmpRoot: string, tag: string, extraArgs: readonly string[] = []): Promise<CaseOutcome> {
  const ctx = prepareContext(c, tmpRoot);
  try {
    const args = [...(c.spec.build?.args ?? []), ...extraArgs, "-t", tag];
    // cache cases declare ARG CORPUS_FLAVOUR: each build flavour gets its own chain of cached steps
    if (c.spec.cache) args.push("--build-arg", `CORPUS_FLAVOUR=${tag}`);
    const r = await build(args, ctx);
    if (r.code !== 0) return { ok: false, error: `exit ${r.code}: ${r.stderr.trim() || r.stdout.trim()}` };
    let cache: CaseResult["cache"];
    let output = r.stdout;
    if (c.spec.cache) {
      const first = await imageIdOf(cli, tag);
      const ch = c.spec.cache.change;
      if (ch) writeFileSync(path.join(ctx, ch.path), ch.content);
      const again = await build(args.filter((a) => a !== "--no-cache"), ctx);
      if (again.code !== 0) return { ok: false, error: `rebuild exit ${again.code}: ${again.stderr}` };
      output = again.stdout;
      cache = { sameId: (await imageIdOf(cli, tag)) === first, usingCache: usingCacheLines(again.stdout) };
    }
    const result: CaseResult = { config: await readConfig(cli, tag), files: await readFiles(cli, tag, c.spec.check, tmpRoot) };
    if (cache) result.cache = cache;
    return { ok: true, result, output };
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}
