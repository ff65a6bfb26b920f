/**
 * Exec instances (docker exec): created against a running container, started once (detached, or attached
 * through a StreamSession), each under its own conmon. Records are kept in memory for inspect until their
 * container is gone (pruned lazily on every call), as docker keeps them until the container is removed.
 */
import { randomBytes } from "../util/crypto.js";
import { readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import type { Readable } from "node:stream";
import type { ExecCreateRequest, ExecInspect } from "../api/types/containers.js";
import { BerthError, ConflictError, InvalidArgumentError, NotFoundError, messageOf } from "../errdefs/index.js";
import { ALL_CAPABILITIES, resolveCapabilities, type ContainerRuntime, type ProcessInput } from "../runtime/index.js";
import type { Logger } from "../util/log.js";
import type { ContainerRecord } from "./container-store.js";
import { anySignal, detachFilter, parseDetachKeys } from "./detach-keys.js";
import { precheckExecutable } from "./explain-start.js";
import { resolveInRoot } from "./fs/index.js";
import { resolveUser } from "./user-lookup.js";

const DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** What the manager needs from the container service. */
export interface ExecHost {
  runtime: Pick<ContainerRuntime, "exec" | "resize">;
  /** Finds a container by id, name or prefix; throws NoSuchContainerError. */
  lookup(ref: string): ContainerRecord;
  /** The record by full id, undefined once removed. */
  get(id: string): ContainerRecord | undefined;
  /** The container's conmon state dir (the exec dirs go below it). */
  stateDir(id: string): string;
  bundleDir(id: string): string;
  emit(action: string, rec: ContainerRecord, extra: Record<string, string>): void;
  log: Logger;
}

interface StreamIo {
  stdin: Readable | null;
  output: (stream: 1 | 2, chunk: Buffer) => void;
  signal: AbortSignal;
}

/** api/backend.ts StreamSession, restated structurally (containers/ sits below api/). */
export interface ExecSession {
  readonly tty: boolean;
  run(io: StreamIo): Promise<void>;
}

interface ExecRecord {
  id: string;
  containerId: string;
  cmd: string[];
  env: string[];
  user: string;
  workingDir: string;
  privileged: boolean;
  tty: boolean;
  attachStdin: boolean;
  attachStdout: boolean;
  attachStderr: boolean;
  detachKeys: string;
  consoleSize: [number, number] | undefined;
  started: boolean;
  running: boolean;
  exitCode: number | null;
  pid: number;
}

/** An exec that could not start, with the exit code docker records for it. */
class ExecStartFailure extends BerthError {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    // docker: a command that cannot start is the caller's error (400), anything else the daemon's
    super(/executable file not found|no such file or directory|permission denied|exec format error|unable to find (user|group)/i.test(message) ? "invalid-argument" : "internal", message);
  }
}

/**
 * A runtime failure before the process ran: docker's wording, and exit code 126 whatever the cause
 * (dockerd records 126 for every exec that failed to start, a missing command included).
 */
function runtimeFailure(msg: string): ExecStartFailure {
  const message = /^OCI runtime exec failed/.test(msg) ? msg : `OCI runtime exec failed: ${msg}: unknown`;
  return new ExecStartFailure(message, 126);
}

/** Any error of launch() as an ExecStartFailure (user lookup errors keep their own message, exit 126). */
function asStartFailure(err: unknown): ExecStartFailure {
  return err instanceof ExecStartFailure ? err : new ExecStartFailure(messageOf(err), 126);
}

export class ExecManager {
  private readonly execs = new Map<string, ExecRecord>();

  constructor(private readonly h: ExecHost) {}

  /** Drops the records of removed containers. */
  private prune(): void {
    for (const [id, e] of this.execs) if (!this.h.get(e.containerId)) this.execs.delete(id);
  }

  private find(id: string): ExecRecord {
    this.prune();
    const e = this.execs.get(id);
    if (!e) throw new NotFoundError(`No such exec instance: ${id}`);
    return e;
  }

  /** The running container, or docker's 409s. */
  private active(ref: string): ContainerRecord {
    const rec = this.h.lookup(ref);
    if (rec.status === "paused") throw new ConflictError(`Container ${ref} is paused, unpause the container before exec`);
    if (rec.status === "restarting") throw new ConflictError(`container ${rec.id} is restarting, wait until the container is running`);
    if (rec.status !== "running") throw new ConflictError(`container ${rec.id} is not running`);
    return rec;
  }

  /** Ids of the container's running exec instances (docker's inspect ExecIDs; null when none). */
  runningIdsOf(containerId: string): string[] | null {
    const ids = [...this.execs.values()].filter((e) => e.containerId === containerId && e.running).map((e) => e.id);
    return ids.length > 0 ? ids : null;
  }

  create(ref: string, body: ExecCreateRequest): { Id: string } {
    this.prune();
    const rec = this.active(ref);
    const cmd = Array.isArray(body.Cmd) ? body.Cmd.filter((c): c is string => typeof c === "string") : [];
    if (cmd.length === 0) throw new InvalidArgumentError("No exec command specified");
    const detachKeys = body.DetachKeys ?? "";
    parseDetachKeys(detachKeys || undefined);
    const env = body.Env ?? [];
    for (const kv of env) if (!kv.includes("=") && kv.trim() === "") throw new InvalidArgumentError(`invalid environment variable: ${kv}`);
    const id = randomBytes(32).toString("hex");
    const cs = body.ConsoleSize;
    const e: ExecRecord = {
      id,
      containerId: rec.id,
      cmd,
      env,
      user: body.User ?? "",
      workingDir: body.WorkingDir ?? "",
      privileged: body.Privileged === true,
      tty: body.Tty === true,
      attachStdin: body.AttachStdin === true,
      attachStdout: body.AttachStdout === true,
      attachStderr: body.AttachStderr === true,
      detachKeys,
      consoleSize: cs && cs[0] > 0 && cs[1] > 0 ? [cs[0], cs[1]] : undefined,
      started: false,
      running: false,
      exitCode: null,
      pid: 0,
    };
    this.execs.set(id, e);
    this.h.emit(`exec_create: ${cmd.join(" ")}`, rec, { execID: id });
    return { Id: id };
  }

  inspect(id: string): ExecInspect {
    const e = this.find(id);
    return {
      CanRemove: false,
      DetachKeys: e.detachKeys,
      ID: e.id,
      Running: e.running,
      ExitCode: e.exitCode,
      ProcessConfig: { arguments: e.cmd.slice(1), entrypoint: e.cmd[0] ?? "", privileged: e.privileged, tty: e.tty, user: e.user },
      OpenStdin: e.attachStdin,
      OpenStderr: e.attachStderr,
      OpenStdout: e.attachStdout,
      ContainerID: e.containerId,
      Pid: e.pid,
    };
  }

  async resize(id: string, size: { h: number; w: number }): Promise<void> {
    const e = this.find(id);
    if (!e.started || (e.running && e.pid === 0)) {
      // before the process runs: becomes its initial console size
      if (size.h > 0 && size.w > 0) e.consoleSize = [size.h, size.w];
      // while it launches the size may come too late: a conflict makes the docker CLI retry
      if (e.started) throw new ConflictError(`Exec ${id} is starting, retry the resize`);
      return;
    }
    if (!e.running) throw new ConflictError(`Exec ${id} is not running`);
    if (!e.tty) return;
    await this.h.runtime.resize(this.execDir(e), size.h, size.w).catch((err) => this.h.log.debug("exec resize failed", { id, err: messageOf(err) }));
  }

  private execDir(e: ExecRecord): string {
    return path.join(this.h.stateDir(e.containerId), "exec", e.id.slice(0, 16));
  }

  /**
   * Validates (404 unknown exec; 409 already started / container not running) and marks the exec started.
   * Detached: launches here (a runtime failure is this call's error) and the session's run() returns at once.
   * Attached: run() launches with the client's streams; a runtime failure is written to the output
   * (docker writes it on the stream) and becomes the exit code.
   */
  async prepareStart(id: string, opts: { detach: boolean }): Promise<ExecSession> {
    const e = this.find(id);
    if (e.exitCode !== null) throw new ConflictError(`Error: Exec command ${id} has already run`);
    if (e.started) throw new ConflictError(`Error: Exec command ${id} is already running`);
    this.active(e.containerId);
    e.started = true;
    e.running = true;
    if (opts.detach) {
      try {
        await this.launch(e, undefined);
      } catch (err) {
        const f = asStartFailure(err);
        this.finish(e, f.exitCode);
        throw err instanceof BerthError ? err : f;
      }
      return { tty: e.tty, run: async () => undefined };
    }
    return {
      tty: e.tty,
      run: async (io) => {
        // only on a TTY, like docker: piped binary stdin passes whole
        const keys = e.tty ? parseDetachKeys(e.detachKeys || undefined) : Buffer.alloc(0);
        const filtered = io.stdin && e.attachStdin ? detachFilter(io.stdin, keys) : null;
        const signal = filtered ? anySignal(io.signal, filtered.detached) : io.signal;
        const output = (stream: 1 | 2, chunk: Buffer): void => {
          if ((stream === 1 && e.attachStdout) || (stream === 2 && e.attachStderr)) io.output(stream, chunk);
        };
        let exit: Promise<number>;
        try {
          ({ exit } = await this.launch(e, { stdin: filtered?.stream ?? null, output, signal, closeStdinOnEnd: true }));
        } catch (err) {
          const f = asStartFailure(err);
          this.finish(e, f.exitCode);
          io.output(1, Buffer.from(`${f.message}\r\n`));
          return;
        }
        // ends with the process, or when the client goes away or detaches (the process keeps running)
        await Promise.race([exit.then(() => undefined, () => undefined), new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener("abort", () => r(), { once: true })))]);
      },
    };
  }

  /** Starts the process; resolves once it runs, with its exit (already recorded when it settles). */
  private async launch(e: ExecRecord, io: Parameters<ContainerRuntime["exec"]>[1]): Promise<{ exit: Promise<number> }> {
    const rec = this.active(e.containerId);
    const proc = this.processFor(rec, e);
    const problem = precheckExecutable(path.join(this.h.bundleDir(rec.id), "rootfs"), proc.args, proc.env);
    if (problem) throw runtimeFailure(`exec failed: unable to start container process: ${problem.message}`);
    const dir = this.execDir(e);
    const r = await this.h.runtime.exec(
      { containerId: rec.id, execId: e.id, stateDir: dir, process: proc, exitDir: path.join(dir, "result"), stdin: e.attachStdin && io !== undefined, detach: io === undefined },
      io,
    ).catch((err) => {
      rmSync(dir, { recursive: true, force: true });
      throw runtimeFailure(messageOf(err));
    });
    e.pid = r.pid;
    this.h.emit(`exec_start: ${e.cmd.join(" ")}`, rec, { execID: e.id });
    const exit = r.exit.then(
      (code) => {
        this.finish(e, code);
        return code;
      },
      (err: unknown) => {
        this.h.log.warn("exec exit unknown", { id: e.id, err: messageOf(err) });
        this.finish(e, -1);
        return -1;
      },
    );
    return { exit };
  }

  private finish(e: ExecRecord, code: number): void {
    e.running = false;
    e.exitCode = code;
    rmSync(this.execDir(e), { recursive: true, force: true });
    const rec = this.h.get(e.containerId);
    if (rec && e.pid > 0) this.h.emit("exec_die", rec, { execID: e.id, exitCode: String(code) });
  }

  /** docker's exec process: the container's env + Env, -u looked up in the image, -w, the container's caps or all. */
  private processFor(rec: ContainerRecord, e: ExecRecord): ProcessInput {
    const rootfs = path.join(this.h.bundleDir(rec.id), "rootfs");
    const spec = readSpecProcess(path.join(this.h.bundleDir(rec.id), "config.json"));
    const userSpec = e.user || rec.config.User || "";
    const user = resolveUser(userSpec, readInRoot(rootfs, "/etc/passwd"), readInRoot(rootfs, "/etc/group"));
    for (const g of rec.hostConfig.GroupAdd ?? []) {
      const n = /^\d+$/.test(g) ? Number(g) : resolveUser(`0:${g}`, "", readInRoot(rootfs, "/etc/group")).gid;
      if (!user.additionalGids.includes(n)) user.additionalGids.push(n);
    }
    const env = mergeEnv(
      // docker's order: PATH, HOSTNAME, TERM, then the container's (replacing in place), then the exec's
      [DEFAULT_PATH, `HOSTNAME=${rec.config.Hostname ?? ""}`, ...(e.tty ? ["TERM=xterm"] : []), ...(rec.config.Env ?? [])],
      e.env,
    );
    const caps = e.privileged
      ? [...ALL_CAPABILITIES]
      : spec.capabilities ?? resolveCapabilities({ add: rec.hostConfig.CapAdd ?? [], drop: rec.hostConfig.CapDrop ?? [], privileged: rec.hostConfig.Privileged === true });
    return {
      args: e.cmd,
      env,
      cwd: e.workingDir || rec.config.WorkingDir || "/",
      uid: user.uid,
      gid: user.gid,
      additionalGids: user.additionalGids,
      terminal: e.tty,
      ...(e.tty && e.consoleSize ? { consoleSize: e.consoleSize } : {}),
      noNewPrivileges: spec.noNewPrivileges,
      capabilities: caps,
      rlimits: spec.rlimits,
      ...(spec.oomScoreAdj !== undefined ? { oomScoreAdj: spec.oomScoreAdj } : {}),
    };
  }
}

/** Later entries replace earlier ones with the same name. */
function mergeEnv(base: string[], extra: string[]): string[] {
  const out = new Map<string, string>();
  for (const kv of [...base, ...extra]) {
    const i = kv.indexOf("=");
    if (i < 0) continue;
    out.set(kv.slice(0, i), kv);
  }
  return [...out.values()];
}

/** The container's own process settings from its bundle (what `docker run` resolved). */
function readSpecProcess(file: string): { capabilities?: string[]; noNewPrivileges: boolean; rlimits: ProcessInput["rlimits"]; oomScoreAdj?: number } {
  try {
    const spec = JSON.parse(readFileSync(file, "utf8")) as {
      process?: { capabilities?: { bounding?: string[] }; noNewPrivileges?: boolean; rlimits?: Array<{ type: string; soft: number; hard: number }>; oomScoreAdj?: number };
    };
    const p = spec.process ?? {};
    return {
      ...(p.capabilities?.bounding ? { capabilities: p.capabilities.bounding.map((c) => (c.startsWith("CAP_") ? c.slice(4) : c)) } : {}),
      noNewPrivileges: p.noNewPrivileges === true,
      rlimits: (p.rlimits ?? []).map((r) => ({ type: r.type, soft: r.soft, hard: r.hard })),
      ...(p.oomScoreAdj !== undefined ? { oomScoreAdj: p.oomScoreAdj } : {}),
    };
  } catch {
    return { noNewPrivileges: false, rlimits: [] };
  }
}

/** A file of the rootfs without following symlinks out of it ("" when absent). */
function readInRoot(rootfs: string, p: string): string {
  try {
    return readFileSync(resolveInRoot({ rootfs, extraMounts: [] }, p, { followFinal: true }).host, "utf8");
  } catch {
    return "";
  }
}
