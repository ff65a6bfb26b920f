/**
 * `berth image debian`: a Debian base image from the machine's configured apt sources, made with
 * `debootstrap --variant=minbase` (plus `--include` packages), cleaned of apt lists and caches,
 * packed with tar(1) and imported through POST /images/create?fromSrc=- with `CMD ["bash"]`.
 * The image carries a label describing what it was made from; when the tag already names an image
 * with the same label, nothing is done.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import type { CliContext } from "../context.js";
import { bool, list, str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { DaemonError } from "../../client/engine-client.js";
import { parseNormalizedNamed } from "../../oci/reference.js";
import { StatusError } from "../cli-error.js";
import { pickSource, readAptSources } from "./apt-sources.js";
import { streamMessages } from "./load.js";
import { splitRepoTag } from "./tag.js";
import { findBinary } from "../../util/find-binary.js";

export const flags: FlagSpec[] = [
  { long: "tag", short: "t", type: "stringArray", valueName: "list", usage: 'Name and optionally a tag in the "name:tag" format (required)' },
  { long: "suite", type: "string", valueName: "string", usage: "Debian suite (default: the release suite of the machine's apt sources)" },
  { long: "packages", short: "p", type: "stringArray", valueName: "list", usage: "Packages to install, comma-separated or repeated (e.g. python3)" },
  { long: "mirror", type: "string", valueName: "string", usage: "Mirror URI (default: the one the machine's apt sources use for the suite)" },
  { long: "apt-dir", type: "string", valueName: "string", usage: "apt configuration directory to read the sources from", default: "/etc/apt", hidden: true },
  { long: "force", type: "bool", usage: "Make the image even when the tag already has one made the same way" },
  { long: "quiet", short: "q", type: "bool", usage: "Suppress debootstrap's output" },
];
export const args: ArgRule = { kind: "none" };

/** The label recording how the image was made (the cache key). */
export const SPEC_LABEL = "org.berth.debian.spec";

export interface DebianPlan {
  tags: string[];
  suite: string;
  mirror: string;
  components: string[];
  packages: string[];
  /** The SPEC_LABEL value: suite, mirror and sorted packages. */
  spec: string;
}

/** Validates the flags and resolves suite and mirror from the apt sources; pure apart from reading aptDir. */
export function planDebian(f: FlagValues): DebianPlan {
  const tags = list(f, "tag");
  if (tags.length === 0) throw new StatusError("a tag is required: berth image debian -t NAME[:TAG] [--suite SUITE] [--packages PKG,...]", 125);
  for (const t of tags) {
    try {
      parseNormalizedNamed(t);
    } catch (e) {
      throw new StatusError(`invalid argument "${t}" for "-t, --tag" flag: ${(e as Error).message}`, 125);
    }
  }
  const packages = [...new Set(list(f, "packages").flatMap((p) => p.split(/[,\s]+/)).filter((p) => p !== ""))].sort();
  for (const p of packages) {
    if (!/^[a-z0-9][a-z0-9+.-]+$/.test(p)) throw new StatusError(`invalid package name: ${JSON.stringify(p)}`, 125);
  }
  const suiteFlag = str(f, "suite");
  if (suiteFlag !== undefined && !/^[a-z0-9][a-z0-9.-]*$/.test(suiteFlag)) throw new StatusError(`invalid suite: ${JSON.stringify(suiteFlag)}`, 125);
  const aptDir = str(f, "apt-dir") ?? "/etc/apt";
  const mirrorFlag = str(f, "mirror");
  let mirror = mirrorFlag;
  let suite = suiteFlag;
  let components = ["main"];
  if (mirror === undefined || suite === undefined) {
    const picked = pickSource(readAptSources(aptDir), suite);
    if (picked === undefined) {
      throw new StatusError(
        suite !== undefined
          ? `no apt source in ${aptDir} (sources.list, sources.list.d/*.list, *.sources) carries suite ${suite}: pass --mirror URI`
          : `no Debian release suite found in the apt sources of ${aptDir}: pass --suite and --mirror`,
        1,
      );
    }
    mirror ??= picked.uri;
    suite ??= picked.suite;
    if (picked.components.length > 0) components = picked.components;
  }
  const spec = `suite=${suite} mirror=${mirror} variant=minbase packages=${packages.join(",")}`;
  return { tags, suite, mirror, components, packages, spec };
}

/** debootstrap's argv for a plan. */
export function debootstrapArgs(plan: DebianPlan, target: string): string[] {
  const a = ["--variant=minbase", `--components=${plan.components.join(",")}`];
  if (plan.packages.length > 0) a.push(`--include=${plan.packages.join(",")}`);
  a.push(plan.suite, target, plan.mirror);
  return a;
}

function findDebootstrap(): string | undefined {
  return findBinary("debootstrap", ["/usr/sbin", "/sbin", "/usr/local/sbin"]);
}

function mountsUnder(root: string): string[] {
  try {
    return readFileSync("/proc/self/mountinfo", "utf8")
      .split("\n")
      .map((l) => l.split(" ")[4] ?? "")
      .filter((m) => m === root || m.startsWith(`${root}/`));
  } catch {
    return [];
  }
}

/** Unmounts anything debootstrap left mounted under root (deepest first); true when nothing is left. */
function unmountUnder(root: string): boolean {
  for (const m of mountsUnder(root).sort((a, b) => b.length - a.length)) spawnSync("umount", ["-l", m], { stdio: "ignore" });
  return mountsUnder(root).length === 0;
}

/** Removes what a base image should not carry: apt lists and caches, logs' content, device nodes, host files. */
export function cleanTree(root: string): void {
  const emptyDir = (rel: string): void => {
    const dir = path.join(root, rel);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) rmSync(path.join(dir, n), { recursive: true, force: true });
  };
  for (const d of ["var/lib/apt/lists", "var/cache/apt/archives", "var/cache/debconf", "var/log/apt", "dev", "proc", "sys", "run", "tmp", "var/tmp"]) emptyDir(d);
  for (const f of ["var/cache/apt/pkgcache.bin", "var/cache/apt/srcpkgcache.bin", "var/log/dpkg.log", "var/log/bootstrap.log", "var/log/alternatives.log", "etc/hostname", "etc/resolv.conf", "etc/machine-id"]) {
    rmSync(path.join(root, f), { force: true });
  }
  rmSync(path.join(root, "var/lib/apt/lists"), { recursive: true, force: true });
  spawnSync("mkdir", ["-p", path.join(root, "var/lib/apt/lists/partial"), path.join(root, "var/cache/apt/archives/partial")]);
}

async function existingSpec(ctx: CliContext, tag: string): Promise<string | undefined> {
  const client = await ctx.client();
  try {
    const img = await client.get<{ Config?: { Labels?: Record<string, string> | null } | null }>(`/images/${encodeURIComponent(tag)}/json`);
    return img.Config?.Labels?.[SPEC_LABEL] ?? "";
  } catch (e) {
    if (e instanceof DaemonError && e.statusCode === 404) return undefined;
    throw e;
  }
}

function runInherit(cmd: string, argv: string[], quiet: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ["ignore", quiet ? "ignore" : "inherit", quiet ? "pipe" : "inherit"] });
    let err = "";
    child.stderr?.on("data", (c: Buffer) => (err = (err + c.toString("utf8")).slice(-4000)));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (quiet && code !== 0) process.stderr.write(err);
      resolve(code ?? (signal !== null ? 128 : 1));
    });
  });
}

export async function run(ctx: CliContext, _argv: string[], f: FlagValues): Promise<number | void> {
  const plan = planDebian(f);
  const quiet = bool(f, "quiet");
  const first = plan.tags[0] as string;
  const have = await existingSpec(ctx, first);
  if (have === plan.spec && !bool(f, "force")) {
    ctx.out(`${first} is up to date (${plan.spec}); use --force to make it again\n`);
    return;
  }
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    throw new StatusError("berth image debian must run as root: debootstrap needs root to build the tree", 1);
  }
  const debootstrap = findDebootstrap();
  if (debootstrap === undefined) throw new StatusError("debootstrap not found: install it (apt-get install debootstrap) and try again", 1);

  const work = mkdtempSync(path.join(process.env["TMPDIR"] ?? tmpdir(), "berth-debian-"));
  const root = path.join(work, "rootfs");
  const started = Date.now();
  try {
    if (!quiet) ctx.err(`debootstrap ${debootstrapArgs(plan, root).join(" ")}\n`);
    const code = await runInherit(debootstrap, debootstrapArgs(plan, root), quiet);
    unmountUnder(root);
    if (code !== 0) throw new StatusError(`debootstrap failed with exit status ${code} (see ${path.join(root, "debootstrap/debootstrap.log")} while it exists)`, 1);
    cleanTree(root);

    const tar = spawn("tar", ["--numeric-owner", "--xattrs", "--acls", "-C", root, "-cf", "-", "."], { stdio: ["ignore", "pipe", "pipe"] });
    let tarErr = "";
    tar.stderr.on("data", (c: Buffer) => (tarErr += c.toString("utf8")));
    const tarDone = new Promise<number>((resolve) => tar.on("close", (c) => resolve(c ?? 1)));
    const { repo, tag } = splitRepoTag(first);
    const qs = new URLSearchParams();
    qs.set("fromSrc", "-");
    qs.set("repo", repo);
    if (tag !== undefined) qs.set("tag", tag);
    qs.set("message", `berth image debian ${plan.spec}`);
    for (const c of ["ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", `LABEL ${SPEC_LABEL}=${JSON.stringify(plan.spec)}`, 'CMD ["bash"]']) qs.append("changes", c);
    const client = await ctx.client();
    const res = await client.request("POST", `/images/create?${qs.toString()}`, { body: tar.stdout, headers: { "Content-Type": "application/x-tar" } });
    const quietCtx: CliContext = quiet ? { ...ctx, stdout: Object.assign(new PassThrough().resume(), { isTTY: false }) } : ctx;
    await streamMessages(quietCtx, res);
    if ((await tarDone) !== 0) throw new StatusError(`tar: ${tarErr.trim()}`, 1);
    for (const t of plan.tags.slice(1)) {
      const s = splitRepoTag(t);
      const r = await client.request("POST", `/images/${encodeURIComponent(first)}/tag`, { query: { repo: s.repo, tag: s.tag } });
      r.resume();
    }
    ctx.out(`Made ${plan.tags.join(", ")} from ${plan.mirror} ${plan.suite}${plan.packages.length > 0 ? ` with ${plan.packages.join(", ")}` : ""} in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
  } finally {
    if (unmountUnder(root)) rmSync(work, { recursive: true, force: true });
    else ctx.err(`warning: mounts remain under ${root}; not removing ${work}\n`);
  }
  return undefined;
}
