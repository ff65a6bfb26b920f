/**
 * A real berthd for one e2e test: its own temp dir (/tmp/berth-test-*) with data root, exec root,
 * socket, docker CLI config and daemon log; registries restricted to loopback. It waits for
 * `/_ping`, prints the daemon log when the test failed, and always cleans up: stops the daemon
 * (SIGKILL if it does not stop), unmounts everything left under its dirs, then removes them.
 *
 *   const d = await startBerthd(t);            // registers its own cleanup with t.after
 *   const r = await d.berth(["images", "-q"]);  // {stdout, stderr, code}
 *   const s = await d.docker(["images", "-q"]);
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { ping, rawRequest, type RawRequest, type RawResponse } from "./http.js";
import { run, type RunOptions, type RunResult } from "./run.js";

/** The repository root (this module runs compiled, from out/test/helpers). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const BERTHD_JS = path.join(REPO_ROOT, "dist", "berthd.js");
export const BERTH_JS = path.join(REPO_ROOT, "dist", "berth.cjs");
export const DOCKER_CLI = process.env["BERTH_TEST_DOCKER_CLI"] ?? "/usr/local/bin/docker";

/**
 * Calibration mode: BERTH_TEST_REFERENCE=dockerd starts Debian's dockerd (20.10, own throwaway root,
 * no bridge, no iptables) instead of berthd, and `berth()` runs the docker CLI too — so the suites'
 * expectations can be checked against the reference engine. Never set in CI.
 */
export const REFERENCE_DOCKERD = process.env["BERTH_TEST_REFERENCE"] === "dockerd";

export interface BerthdOptions {
  storageDriver?: "overlay2" | "native";
  /** More berthd flags. */
  args?: string[];
  /** How long to wait for /_ping; default 20 s. */
  startTimeoutMs?: number;
  /** Extra environment for the daemon (e.g. a PATH without conmon). */
  daemonEnv?: NodeJS.ProcessEnv;
  /** node's own flags for berthd (before dist/berthd.js), e.g. V8 tracing. */
  nodeArgs?: string[];
}

/** The bits of node:test's TestContext the harness uses. */
export interface TestLike {
  after(fn: () => Promise<void> | void): void;
  diagnostic(message: string): void;
  readonly passed?: boolean;
}

export interface Berthd {
  readonly dir: string;
  readonly socket: string;
  readonly host: string;
  readonly dataRoot: string;
  readonly execRoot: string;
  readonly logFile: string;
  /** BERTH_HOST, DOCKER_HOST, DOCKER_CONFIG, BERTH_NO_AUTOSTART on top of process.env. */
  readonly env: NodeJS.ProcessEnv;
  readonly pid: number | undefined;
  berth(args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  docker(args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** Raw HTTP to the daemon's socket. */
  api(req: RawRequest): Promise<RawResponse>;
  /** True when the daemon process is still running and answers /_ping. */
  alive(): Promise<boolean>;
  log(): string;
  kill9(): Promise<void>;
  /** Starts the daemon again on the same dirs (after kill9 or stop). */
  restart(): Promise<void>;
  /** SIGTERM, then SIGKILL after 10 s. */
  stop(): Promise<void>;
  /** stop + unmount + remove the dirs. Idempotent. */
  cleanup(): Promise<void>;
}

export async function startBerthd(t?: TestLike, opts: BerthdOptions = {}): Promise<Berthd> {
  if (!REFERENCE_DOCKERD && !existsSync(BERTHD_JS)) throw new Error(`${BERTHD_JS} is missing: run node scripts/build.mjs`);
  const dir = mkdtempSync("/tmp/berth-test-");
  const dataRoot = path.join(dir, "data");
  const execRoot = path.join(dir, "exec");
  const dockerConfig = path.join(dir, "docker-config");
  for (const d of [dataRoot, execRoot, dockerConfig]) mkdirSync(d, { recursive: true });
  const socket = path.join(dir, "berth.sock");
  const host = `unix://${socket}`;
  const logFile = path.join(dir, "berthd.log");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BERTH_HOST: host,
    DOCKER_HOST: host,
    DOCKER_CONFIG: dockerConfig,
    BERTH_NO_AUTOSTART: "1",
    NO_COLOR: "1",
    // the berth CLI's build-context digest cache stays in the test's directory
    XDG_CACHE_HOME: path.join(dir, "cache"),
  };
  delete env["DOCKER_CONTEXT"];
  delete env["DOCKER_TLS_VERIFY"];
  delete env["DOCKER_CERT_PATH"];
  const daemonArgs = REFERENCE_DOCKERD
    ? ["--data-root", dataRoot, "--exec-root", execRoot, "-H", host, "--pidfile", path.join(dir, "dockerd.pid"), "--iptables=false", "--ip6tables=false", "--bridge=none"]
    : [...(opts.nodeArgs ?? []), BERTHD_JS, "--data-root", dataRoot, "--exec-root", execRoot, "-H", host, "--log-level", "debug", "--allowed-registry", "127.0.0.0/8"];
  if (opts.storageDriver) daemonArgs.push("--storage-driver", opts.storageDriver);
  // Daemons sharing one network namespace (parallel test files) keep their bridges and nft tables apart.
  const netTag = `t${randomBytes(3).toString("hex")}`;
  if (!REFERENCE_DOCKERD && !(opts.args ?? []).includes("--nft-table")) daemonArgs.push("--nft-table", `berth_${netTag}`);
  if (!REFERENCE_DOCKERD && !(opts.args ?? []).includes("--bridge-prefix")) daemonArgs.push("--bridge-prefix", netTag);
  if (!REFERENCE_DOCKERD && process.env["BERTH_TEST_RUNTIME"] && !(opts.args ?? []).includes("--runtime")) daemonArgs.push("--runtime", process.env["BERTH_TEST_RUNTIME"]);
  daemonArgs.push(...(opts.args ?? []));

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let cleaned = false;

  const spawnDaemon = async (): Promise<void> => {
    const fd = openSync(logFile, "a");
    const c = spawn(REFERENCE_DOCKERD ? "dockerd" : process.execPath, daemonArgs, { env: { ...env, ...opts.daemonEnv }, stdio: ["ignore", fd, fd] });
    closeSync(fd);
    child = c;
    exited = new Promise((resolve) => c.once("exit", () => resolve()));
    const deadline = Date.now() + (opts.startTimeoutMs ?? 20_000);
    while (Date.now() < deadline) {
      if (c.exitCode !== null || c.signalCode !== null) break;
      if (await ping(socket, 1_000)) return;
      await sleep(50);
    }
    const why = c.exitCode !== null || c.signalCode !== null ? `exited (${c.exitCode ?? c.signalCode})` : "did not answer /_ping";
    c.kill("SIGKILL");
    await exited;
    throw new Error(`berthd ${why}; log:\n${tail(readLog(logFile), 80)}`);
  };

  const stop = async (): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    c.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      exited.then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 10_000))),
    ]);
    clearTimeout(timer);
    if (!done) {
      c.kill("SIGKILL");
      await exited;
    }
  };

  const d: Berthd = {
    dir,
    socket,
    host,
    dataRoot,
    execRoot,
    logFile,
    env,
    get pid() {
      return child?.pid;
    },
    berth: (args, o = {}) =>
      REFERENCE_DOCKERD ? run(DOCKER_CLI, args, { ...o, env: { ...env, ...o.env } }) : run(process.execPath, [BERTH_JS, ...args], { ...o, env: { ...env, ...o.env } }),
    docker: (args, o = {}) => run(DOCKER_CLI, args, { ...o, env: { ...env, ...o.env } }),
    api: (req) => rawRequest(socket, req),
    alive: async () => child !== undefined && child.exitCode === null && child.signalCode === null && (await ping(socket)),
    log: () => readLog(logFile),
    kill9: async () => {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      c.kill("SIGKILL");
      await exited;
    },
    restart: async () => {
      await stop();
      await spawnDaemon();
    },
    stop,
    cleanup: async () => {
      if (cleaned) return;
      cleaned = true;
      // Containers outlive their daemon (conmon owns them): remove them through the API while it answers,
      // then kill whatever is left under this daemon's dirs.
      if (child !== undefined && child.exitCode === null && child.signalCode === null) await removeAllContainers(socket);
      await stop();
      killLeftovers(dir, execRoot);
      if (!REFERENCE_DOCKERD) removeDaemonNetwork(daemonArgs);
      unmountUnder(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };

  if (t) {
    t.after(async () => {
      if (t.passed === false) process.stderr.write(`--- berthd log (${logFile}), last 80 lines:\n${tail(d.log(), 80)}\n---\n`);
      await d.cleanup();
    });
  }
  try {
    await spawnDaemon();
  } catch (e) {
    if (!t) await d.cleanup();
    throw e;
  }
  return d;
}

/** Removes the bridges and nft table a stopped berthd left (its --bridge-prefix / --nft-table), so the subnet pool is not used up. */
function removeDaemonNetwork(args: readonly string[]): void {
  const val = (flag: string): string | undefined => {
    const i = args.lastIndexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const prefix = val("--bridge-prefix");
  const table = val("--nft-table");
  if (prefix) {
    const out = spawnSync("ip", ["-j", "link", "show", "type", "bridge"], { encoding: "utf8" });
    let links: Array<{ ifname: string }> = [];
    try {
      links = JSON.parse(out.stdout || "[]") as Array<{ ifname: string }>;
    } catch {
      links = [];
    }
    for (const l of links) if (l.ifname === `${prefix}0` || l.ifname.startsWith(`${prefix}-`)) spawnSync("ip", ["link", "del", l.ifname], { stdio: "ignore" });
  }
  if (table) spawnSync("nft", ["delete", "table", "inet", table], { stdio: "ignore" });
}

async function removeAllContainers(socket: string): Promise<void> {
  try {
    const r = await rawRequest(socket, { method: "GET", path: "/containers/json?all=1" });
    if (r.status !== 200) return;
    const list = JSON.parse(r.body.toString("utf8")) as Array<{ Id: string }>;
    await Promise.all(list.map((c) => rawRequest(socket, { method: "DELETE", path: `/containers/${c.Id}?force=1&v=1` }).catch(() => undefined)));
  } catch {
    // the daemon is gone or has no containers API: killLeftovers does the rest
  }
}

/** Kills conmon/runtime processes started for this daemon and force-deletes the runtime's containers. */
function killLeftovers(dir: string, execRoot: string): void {
  for (const rt of ["runc", "crun"]) {
    const root = path.join(execRoot, rt);
    if (!existsSync(root)) continue;
    const ls = spawnSync(rt, ["--root", root, "list", "-q"], { encoding: "utf8" });
    for (const id of (ls.stdout ?? "").split("\n").filter((x) => x !== "")) {
      spawnSync(rt, ["--root", root, "kill", "--all", id, "KILL"], { encoding: "utf8" });
      spawnSync(rt, ["--root", root, "delete", "--force", id], { encoding: "utf8" });
    }
  }
  for (const pid of readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cmd.includes(dir) && Number(pid) !== process.pid && /conmon|runc|crun/.test(cmd.split("\0")[0] ?? "")) process.kill(Number(pid), "SIGKILL");
    } catch {
      // exited meanwhile
    }
  }
}

function readLog(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

export function tail(s: string, lines: number): string {
  return s.split("\n").slice(-lines).join("\n");
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Mount points at or under `dir`, deepest first, from /proc/self/mountinfo. */
export function mountsUnder(dir: string): string[] {
  const prefix = dir.endsWith("/") ? dir : dir + "/";
  const out: string[] = [];
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const mp = line.split(" ")[4];
    if (mp === undefined) continue;
    const p = mp.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (p === dir || p.startsWith(prefix)) out.push(p);
  }
  return [...new Set(out)].sort((a, b) => b.length - a.length);
}

/** Unmounts everything at or under `dir` (lazily when a plain unmount fails). */
export function unmountUnder(dir: string): void {
  for (let round = 0; round < 3; round++) {
    const mps = mountsUnder(dir);
    if (mps.length === 0) return;
    for (const mp of mps) {
      const r = spawnSync("umount", [mp], { stdio: "ignore" });
      if (r.status !== 0) spawnSync("umount", ["-l", mp], { stdio: "ignore" });
    }
  }
}
