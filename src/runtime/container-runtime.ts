import { execFile, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, readdirSync, watch } from "node:fs";
import { mkdir, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { NotFoundError } from "../errdefs/index.js";
import { writeFileAtomic, writeFileReplace } from "../util/atomic.js";
import type { Logger } from "../util/log.js";
import type { OciRuntimeSpec } from "./spec.js";
import { crunStateMissing, runcWording } from "./crun-errors.js";
import { tryFastDelete } from "./fast-delete.js";
import { tryFastStart } from "./fast-start.js";
import type { AttachIO, ContainerHandle, CreateOptions, ExecOptions, ResourcesInput, RuntimeState } from "./types.js";

const CONMON_DEFAULT = "/usr/bin/conmon";

type SeqpacketModule = typeof import("node-unix-socket");
let seqpacketModule: Promise<SeqpacketModule> | undefined;

/**
 * node-unix-socket is loaded on the first attach, not when berthd starts: its loader asks for a whole
 * process report (to tell glibc from musl) and pulls in worker_threads, which an idle daemon never needs.
 */
function loadSeqpacket(): Promise<SeqpacketModule> {
  seqpacketModule ??= import("node-unix-socket").then((m) => ("SeqpacketSocket" in m ? m : (m as { default: SeqpacketModule }).default));
  return seqpacketModule;
}

interface RunResult { code: number; stdout: string; stderr: string }

function run(bin: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(bin, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === "number" ? Number((err as { code?: unknown }).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Extracts the useful part of a runc/crun error output (runc logs `level=error msg="..."`). */
export function runtimeErrorText(s: string): string {
  const lines = s.split("\n").map((l) => l.trim()).filter(Boolean);
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /msg="((?:[^"\\]|\\.)*)"/.exec(lines[i] ?? "");
    if (m && m[1]) return m[1].replace(/\\"/g, '"').replace(/\\\\/g, "\\");
  }
  return lines.join("; ") || "unknown runtime error";
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Reads one JSON line ({"data": n, "message"?: s}) from conmon's sync pipe. */
function readSync(stream: Readable, timeoutMs: number): Promise<{ data: number; message?: string }> {
  return new Promise((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(() => finish(new Error("timed out waiting for conmon")), timeoutMs);
    const finish = (err: Error | undefined, v?: { data: number; message?: string }): void => {
      clearTimeout(timer);
      // paused, so that bytes after this message wait (unshifted) for the next reader
      stream.pause();
      stream.removeAllListeners("data");
      stream.removeAllListeners("end");
      stream.on("error", () => undefined);
      if (err) reject(err);
      else if (v) resolve(v);
    };
    stream.on("data", (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf("\n");
      const line = nl >= 0 ? buf.slice(0, nl) : buf;
      try {
        const v = JSON.parse(line) as { data: number; message?: string };
        const rest = nl >= 0 ? buf.slice(nl + 1) : "";
        finish(undefined, v);
        if (rest.length > 0) stream.unshift(Buffer.from(rest));
      } catch {
        // wait for more
      }
    });
    stream.on("end", () => {
      try {
        finish(undefined, JSON.parse(buf) as { data: number; message?: string });
      } catch {
        finish(new Error(buf.trim() || "conmon exited without reporting the container pid"));
      }
    });
    stream.on("error", (e: Error) => finish(e));
    stream.resume();
  });
}

/** Drives runc/crun through conmon. */
export class ContainerRuntime {
  /** The program run as the runtime (the runtime itself, or berth-crun-launcher). */
  readonly runtimeBinary: string;
  /** Arguments given before the runtime's own (the launcher's: the real crun). */
  readonly runtimeArgs: readonly string[];
  /** The runtime's name for messages ("runc", "crun"). */
  readonly runtimeName: string;
  readonly runtimeRoot: string;
  readonly conmonBinary: string;
  private readonly log: Logger | undefined;

  constructor(opts: { runtimeBinary: string; runtimeArgs?: readonly string[]; runtimeName?: string; runtimeRoot: string; conmonBinary?: string; log?: Logger }) {
    this.runtimeBinary = opts.runtimeBinary;
    this.runtimeArgs = opts.runtimeArgs ?? [];
    this.runtimeName = opts.runtimeName ?? basename(opts.runtimeBinary);
    this.runtimeRoot = opts.runtimeRoot;
    this.conmonBinary = opts.conmonBinary ?? CONMON_DEFAULT;
    this.log = opts.log;
  }

  private rt(args: string[]): Promise<RunResult> {
    return run(this.runtimeBinary, [...this.runtimeArgs, "--root", this.runtimeRoot, ...args]);
  }

  /** A start failure in runc's words (crun's differ; docker's clients and exit codes expect runc's). */
  private wordStartError(e: unknown, argv0: string | undefined): unknown {
    if (this.runtimeName === "crun" && e instanceof Error) e.message = runcWording(e.message, argv0);
    return e;
  }

  private async bundleArgv0(bundleDir: string): Promise<string | undefined> {
    try {
      const spec = JSON.parse(await readFile(join(bundleDir, "config.json"), "utf8")) as { process?: { args?: unknown } };
      const a = spec.process?.args;
      return Array.isArray(a) && typeof a[0] === "string" ? a[0] : undefined;
    } catch {
      return undefined;
    }
  }

  private async rtOk(args: string[]): Promise<string> {
    const r = await this.rt(args);
    if (r.code !== 0) throw new Error(runtimeErrorText(r.stderr || r.stdout));
    return r.stdout;
  }

  async writeBundle(bundleDir: string, spec: OciRuntimeSpec): Promise<void> {
    await mkdir(bundleDir, { recursive: true });
    // remade at every start: atomic, but no fsync
    await writeFileReplace(join(bundleDir, "config.json"), JSON.stringify(spec, null, 2));
  }

  /** Spawns conmon with the sync/start pipes and waits for the pid report. */
  private async spawnConmon(args: string[], label: string, onAttachReady?: () => Promise<void>, keepSync = false): Promise<{ pid: number; next?: Promise<{ data: number; message?: string }> }> {
    await mkdir(this.runtimeRoot, { recursive: true });
    const env: NodeJS.ProcessEnv = { ...process.env, _OCI_SYNCPIPE: "3", _OCI_STARTPIPE: "4" };
    if (onAttachReady) env._OCI_ATTACHPIPE = "5";
    // conmon writes some files (e.g. "oom") relative to its working directory: keep them in its own dir.
    const pd = args.findIndex((a) => a === "--persist-dir" || a === "-0");
    const cwd = pd >= 0 && args[pd + 1] ? (args[pd + 1] as string) : this.runtimeRoot;
    const child = spawn(this.conmonBinary, args, {
      cwd,
      stdio: onAttachReady ? ["ignore", "ignore", "pipe", "pipe", "pipe", "pipe"] : ["ignore", "ignore", "pipe", "pipe", "pipe"],
      detached: true,
      env,
    });
    const errChunks: Buffer[] = [];
    child.stderr?.on("data", (d: Buffer) => errChunks.push(d));
    const syncPipe = child.stdio[3] as Readable;
    const startPipe = child.stdio[4] as unknown as NodeJS.WritableStream & { destroy(): void };
    child.on("error", () => undefined);
    startPipe.on("error", () => undefined);
    startPipe.write("0");
    const attachPipe = onAttachReady ? ((child.stdio as unknown as Array<Readable | null>)[5] ?? undefined) : undefined;
    try {
      if (attachPipe && onAttachReady) {
        // exec --exec-attach: conmon reports the attach socket ready, we connect, then let it run the runtime
        const a = await readSync(attachPipe, 30_000);
        if (a.data < 0) throw new Error(a.message ?? "conmon failed to set up the attach socket");
        await onAttachReady();
        startPipe.write("0");
      }
      startPipe.end();
      const msg = await readSync(syncPipe, 60_000);
      if (msg.data < 0) {
        throw new Error(runtimeErrorText(msg.message ?? Buffer.concat(errChunks).toString()) );
      }
      this.log?.debug(`conmon reported ${label} pid ${msg.data}`);
      if (keepSync) {
        // exec: conmon later writes the exit status on the sync pipe; keep it open so conmon does not die of SIGPIPE
        const next = readSync(syncPipe, 2 ** 31 - 1);
        void next.catch(() => undefined).finally(() => syncPipe.destroy());
        return { pid: msg.data, next };
      }
      return { pid: msg.data };
    } catch (e) {
      const extra = Buffer.concat(errChunks).toString().trim();
      if (extra && e instanceof Error && !e.message.includes(extra)) e.message = `${e.message}${e.message ? ": " : ""}${runtimeErrorText(extra)}`;
      syncPipe.destroy();
      throw e;
    } finally {
      if (!keepSync) syncPipe.destroy();
      startPipe.destroy();
      attachPipe?.destroy();
      child.stderr?.destroy();
      child.unref();
    }
  }

  private commonArgs(id: string, stateDir: string, bundle: string, exitDir: string, logPath: string | undefined, logSizeMax: number | undefined, terminal: boolean, stdin: boolean, stdinOnce: boolean): string[] {
    const args = [
      "--api-version", "1",
      "-c", id, "-n", id,
      "-r", this.runtimeBinary,
      // conmon puts runtime args first, before the command (create, exec): the launcher's crun path leads
      ...this.runtimeArgs.flatMap((a) => ["--runtime-arg", a]),
      "--runtime-arg", "--root", "--runtime-arg", this.runtimeRoot,
      "-b", bundle,
      "-p", join(stateDir, "pidfile"),
      "-P", join(stateDir, "conmon.pid"),
      "--exit-dir", exitDir,
      "-0", stateDir,
      "--socket-dir-path", stateDir,
      "--full-attach",
      "-l", logPath ? `k8s-file:${logPath}` : "none:",
      "--log-level", "error",
      "--syslog",
    ];
    if (logPath && logSizeMax && logSizeMax > 0) args.push("--log-size-max", String(logSizeMax));
    if (terminal) args.push("-t");
    if (stdin) args.push("-i");
    if (stdin && !stdinOnce) args.push("--leave-stdin-open");
    return args;
  }

  async create(opts: CreateOptions): Promise<ContainerHandle> {
    await mkdir(opts.stateDir, { recursive: true });
    await mkdir(opts.exitDir, { recursive: true });
    await rm(join(opts.exitDir, opts.id), { force: true });
    await rm(join(opts.stateDir, "oom"), { force: true });
    const link = join(opts.stateDir, "bundle");
    await rm(link, { force: true });
    await symlink(opts.bundleDir, link);
    const args = ["-u", opts.id, ...this.commonArgs(opts.id, opts.stateDir, opts.bundleDir, opts.exitDir, opts.logPath, opts.logSizeMax, opts.terminal, opts.stdin, opts.stdinOnce)];
    try {
      const { pid } = await this.spawnConmon(args, `container ${opts.id}`);
      const conmonPid = await this.readConmonPid(opts.stateDir);
      return { pid, conmonPid };
    } catch (e) {
      await this.rt(["delete", "--force", opts.id]).catch(() => undefined);
      const cp = await this.readConmonPid(opts.stateDir).catch(() => 0);
      if (cp > 0) {
        try {
          process.kill(cp, "SIGKILL");
        } catch {
          // gone
        }
      }
      throw this.runtimeName === "crun" ? this.wordStartError(e, await this.bundleArgv0(opts.bundleDir)) : e;
    }
  }

  private async readConmonPid(stateDir: string): Promise<number> {
    for (let i = 0; i < 50; i++) {
      try {
        const n = Number.parseInt((await readFile(join(stateDir, "conmon.pid"), "utf8")).trim(), 10);
        if (n > 0) return n;
      } catch {
        // not yet
      }
      await sleep(20);
    }
    return 0;
  }

  async start(id: string): Promise<void> {
    if (this.runtimeName === "runc") {
      const r = await tryFastStart(this.runtimeRoot, id);
      if (r === "started") return;
      if (r === "dead") throw new Error("container process is already dead");
    }
    await this.rtOk(["start", id]);
  }

  async state(id: string): Promise<RuntimeState | undefined> {
    const r = await this.rt(["state", id]);
    if (r.code !== 0) return undefined;
    try {
      const s = JSON.parse(r.stdout) as { id: string; pid: number; status: RuntimeState["status"]; bundle: string };
      return { id: s.id, pid: s.pid, status: s.status, bundle: s.bundle };
    } catch {
      return undefined;
    }
  }

  async kill(id: string, signal: number, opts?: { all?: boolean }): Promise<void> {
    const args = ["kill"];
    if (opts?.all) args.push("--all");
    args.push(id, String(signal));
    const r = await this.rt(args);
    if (r.code !== 0) {
      const msg = runtimeErrorText(r.stderr);
      if (crunStateMissing(msg)) throw new NotFoundError(`container does not exist: ${msg}`);
      if (/not exist|not running|process already finished|no such process/i.test(msg)) {
        if (/not exist/i.test(msg)) throw new NotFoundError(msg);
        return;
      }
      throw new Error(msg);
    }
  }

  async delete(id: string, opts?: { force?: boolean }): Promise<void> {
    if (tryFastDelete(this.runtimeRoot, id)) return;
    const args = ["delete"];
    if (opts?.force) args.push("--force");
    args.push(id);
    const r = await this.rt(args);
    if (r.code !== 0) {
      const msg = runtimeErrorText(r.stderr);
      if (/not exist|not found/i.test(msg) || crunStateMissing(msg)) return;
      throw new Error(msg);
    }
  }

  async pause(id: string): Promise<void> {
    await this.rtOk(["pause", id]);
  }

  async resume(id: string): Promise<void> {
    await this.rtOk(["resume", id]);
  }

  async update(id: string, r: ResourcesInput): Promise<void> {
    const args = ["update"];
    if (r.memory !== undefined && r.memory > 0) args.push("--memory", String(r.memory));
    if (r.memorySwap !== undefined && r.memorySwap !== 0) args.push("--memory-swap", String(r.memorySwap));
    if (r.memoryReservation !== undefined && r.memoryReservation > 0) args.push("--memory-reservation", String(r.memoryReservation));
    if (r.cpuShares !== undefined && r.cpuShares > 0) args.push("--cpu-share", String(r.cpuShares));
    if (r.cpuQuota !== undefined && r.cpuQuota !== 0) args.push("--cpu-quota", String(r.cpuQuota));
    if (r.cpuPeriod !== undefined && r.cpuPeriod > 0) args.push("--cpu-period", String(r.cpuPeriod));
    if (r.cpusetCpus) args.push("--cpuset-cpus", r.cpusetCpus);
    if (r.cpusetMems) args.push("--cpuset-mems", r.cpusetMems);
    if (r.pidsLimit !== undefined && r.pidsLimit !== 0) args.push("--pids-limit", String(r.pidsLimit));
    if (r.blkioWeight !== undefined && r.blkioWeight > 0) args.push("--blkio-weight", String(r.blkioWeight));
    if (args.length === 1) return;
    args.push(id);
    await this.rtOk(args);
  }

  async pids(id: string): Promise<number[]> {
    const out = await this.rtOk(["ps", "--format", "json", id]);
    const v = JSON.parse(out.trim() || "[]") as number[] | null;
    return v ?? [];
  }

  /** The directory conmon was given as bundle (-b): the attach socket and ctl fifo live there. */
  private async conmonDir(stateDir: string): Promise<string> {
    try {
      return await readlink(join(stateDir, "bundle"));
    } catch {
      return stateDir;
    }
  }

  async attach(stateDir: string, io: AttachIO, onConnected?: () => void): Promise<void> {
    const dir = await this.conmonDir(stateDir);
    const { SeqpacketSocket } = await loadSeqpacket();
    const dirFd = openSync(dir, "r");
    const sock = new SeqpacketSocket();
    try {
      await new Promise<void>((resolve, reject) => {
        sock.once("error", reject);
        sock.connect(`/proc/self/fd/${dirFd}/attach`, () => {
          sock.removeListener("error", reject);
          resolve();
        });
      });
    } finally {
      closeSync(dirFd);
    }
    onConnected?.();
    await new Promise<void>((resolve) => {
      let done = false;
      const finish = (why: string): void => {
        if (done) return;
        done = true;
        this.log?.debug(`attach ended: ${why}`);
        io.signal.removeEventListener("abort", onAbort);
        if (io.stdin) {
          io.stdin.removeListener("data", onStdin);
          io.stdin.removeListener("end", onStdinEnd);
        }
        try {
          sock.destroy();
        } catch {
          // already
        }
        resolve();
      };
      const onAbort = (): void => finish("the client went away");
      const onStdin = (d: Buffer | string): void => {
        const b = typeof d === "string" ? Buffer.from(d) : d;
        for (let off = 0; off < b.length; off += 8192) {
          try {
            sock.write(b.subarray(off, Math.min(b.length, off + 8192)));
          } catch (e) {
            finish(`write failed: ${e instanceof Error ? e.message : String(e)}`);
            return;
          }
        }
      };
      const onStdinEnd = (): void => {
        if (io.closeStdinOnEnd) {
          try {
            sock.end();
          } catch {
            // closed
          }
        }
      };
      sock.on("data", (d: Buffer) => {
        if (d.length < 1) return;
        const t = d[0];
        if (t === 2) io.output(1, Buffer.from(d.subarray(1)));
        else if (t === 3) io.output(2, Buffer.from(d.subarray(1)));
      });
      sock.on("end", () => finish("conmon closed the socket"));
      sock.on("close", () => finish("socket closed"));
      sock.on("error", (e: Error) => finish(`socket error: ${e.message}`));
      if (io.signal.aborted) finish("the client had gone before attach");
      io.signal.addEventListener("abort", onAbort);
      if (io.stdin) {
        io.stdin.on("data", onStdin);
        io.stdin.on("end", onStdinEnd);
      }
    });
  }

  private async ctl(stateDir: string, msg: string): Promise<void> {
    const dir = await this.conmonDir(stateDir);
    await writeFile(join(dir, "ctl"), msg, { flag: "a" });
  }

  async resize(stateDir: string, h: number, w: number): Promise<void> {
    await this.ctl(stateDir, `1 ${Math.trunc(h)} ${Math.trunc(w)}\n`);
  }

  async reopenLog(stateDir: string): Promise<void> {
    await this.ctl(stateDir, "2 0 0\n");
  }

  /**
   * Runs a process in a running container under its own conmon (`-e --exec-process-spec`, api-version 1).
   * conmon reports on its sync pipe the exec's pid, then (when it ends) its exit status; it also writes
   * the status to <stateDir>/exit (its persist dir) and <stateDir>/exits/<containerId> (its exit dir is
   * named by -c). A runtime failure (missing executable…) rejects with the runtime's message.
   * `exit` resolves with the status (-1 when conmon died without reporting one) and writes it to
   * <exitDir>/<execId>.
   */
  async exec(opts: ExecOptions, io?: AttachIO): Promise<{ pid: number; exit: Promise<number> }> {
    await mkdir(opts.stateDir, { recursive: true });
    await mkdir(opts.exitDir, { recursive: true });
    // Not <stateDir>/exit: conmon writes that *file* (-0 is the persist dir); a directory there makes it
    // fail before it reports the exit status.
    const ownExit = join(opts.stateDir, "exits");
    await mkdir(ownExit, { recursive: true });
    await rm(join(opts.stateDir, "exit"), { recursive: true, force: true });
    await rm(join(ownExit, opts.containerId), { force: true });
    const p = opts.process;
    const caps = p.capabilities.map((c) => (c.startsWith("CAP_") ? c : `CAP_${c}`));
    const procSpec = {
      terminal: p.terminal,
      ...(p.terminal && p.consoleSize ? { consoleSize: { height: p.consoleSize[0], width: p.consoleSize[1] } } : {}),
      user: { uid: p.uid, gid: p.gid, ...(p.additionalGids.length ? { additionalGids: p.additionalGids } : {}) },
      args: p.args,
      env: p.env,
      cwd: p.cwd || "/",
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
      rlimits: p.rlimits.map((r) => ({ type: r.type, hard: r.hard, soft: r.soft })),
      noNewPrivileges: p.noNewPrivileges,
      ...(p.oomScoreAdj !== undefined ? { oomScoreAdj: p.oomScoreAdj } : {}),
    };
    const specPath = join(opts.stateDir, "process.json");
    await writeFileReplace(specPath, JSON.stringify(procSpec));
    const args = [
      "-u", opts.execId,
      ...this.commonArgs(opts.containerId, opts.stateDir, opts.stateDir, ownExit, opts.logPath, undefined, p.terminal, opts.stdin, true),
      "-e", "--exec-process-spec", specPath,
    ];
    if (io) args.push("--exec-attach");
    let attachDone: Promise<void> | undefined;
    const onReady = io
      ? async (): Promise<void> => {
          const connected = new Promise<void>((res) => {
            attachDone = this.attach(opts.stateDir, io, res).catch(() => undefined);
            void attachDone.then(() => res());
          });
          await connected;
        }
      : undefined;
    let started: { pid: number; next?: Promise<{ data: number; message?: string }> };
    try {
      started = await this.spawnConmon(args, `exec ${opts.execId}`, onReady, true);
    } catch (e) {
      throw this.wordStartError(e, p.args[0]);
    }
    const { pid, next } = started;
    const exit = (async (): Promise<number> => {
      const m = await next?.catch(() => undefined);
      let code = m && !m.message ? m.data : undefined;
      // conmon writes its files before the sync message: without a message, they are the answer
      if (code === undefined) code = (await this.readExitCode(opts.stateDir, "exit")) ?? (await this.readExitCode(ownExit, opts.containerId));
      if (code === undefined && m) code = m.data;
      if (code === undefined) code = -1;
      await writeFileAtomic(join(opts.exitDir, opts.execId), String(code));
      if (attachDone) await Promise.race([attachDone, sleep(2000)]);
      return code;
    })();
    return { pid, exit };
  }

  async readExitCode(exitDir: string, id: string): Promise<number | undefined> {
    try {
      const t = (await readFile(join(exitDir, id), "utf8")).trim();
      if (t === "") return undefined;
      const n = Number.parseInt(t, 10);
      return Number.isFinite(n) ? n : undefined;
    } catch {
      return undefined;
    }
  }

  watchExits(exitDir: string, cb: (id: string, code: number) => void): { close(): void } {
    const seen = new Map<string, boolean>();
    const check = (name: string): void => {
      // Only finished files named by an id (ids have no dots): conmon writes "<id>.XXXXXX" first and
      // renames it, and touching that temp file (reading it as an exit, then removing it) makes conmon's
      // rename fail, so the exit would never be reported.
      if (seen.get(name) || name.includes(".")) return;
      let t: string;
      try {
        t = readFileSync(join(exitDir, name), "utf8").trim();
      } catch {
        return;
      }
      if (t === "") return;
      const n = Number.parseInt(t, 10);
      if (!Number.isFinite(n)) return;
      seen.set(name, true);
      cb(name, n);
    };
    const scan = (): void => {
      let names: string[] = [];
      try {
        names = readdirSync(exitDir);
      } catch {
        return;
      }
      const present = new Set(names);
      for (const k of [...seen.keys()]) if (!present.has(k)) seen.delete(k);
      for (const n of names) check(n);
    };
    let w: ReturnType<typeof watch> | undefined;
    try {
      w = watch(exitDir, () => scan());
      w.on("error", () => undefined);
    } catch {
      w = undefined;
    }
    const timer = setInterval(scan, 500);
    timer.unref();
    scan();
    return {
      close: () => {
        clearInterval(timer);
        w?.close();
      },
    };
  }

  conmonAlive(stateDir: string): boolean {
    try {
      const n = Number.parseInt(readFileSync(join(stateDir, "conmon.pid"), "utf8").trim(), 10);
      return n > 0 && alive(n);
    } catch {
      return false;
    }
  }
}

