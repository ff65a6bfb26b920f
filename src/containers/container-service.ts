/**
 * ContainerService: the container lifecycle behind the Engine API. Records live in SQLite
 * (ContainerStore); each running container has one conmon (ContainerRuntime), so containers outlive
 * berthd; exits come back as conmon's exit files, watched here and reconciled at start.
 *
 * Dirs: <data-root>/containers/<id>/ (config.json, rootfs mount point, hosts, hostname, resolv.conf,
 * <id>-json.log), <exec-root>/c/<id12>/ (conmon's pidfiles, attach socket, ctl fifo), <exec-root>/exits/.
 */
import { randomBytes } from "../util/crypto.js";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile, rename as renameFile, stat } from "node:fs/promises";
import * as path from "node:path";
import type { Readable } from "node:stream";
import type {
  ContainerCreateRequest,
  ContainerCreateResponse,
  ContainerInspect,
  ContainerPruneResponse,
  ContainerSummary,
  ContainerTopResponse,
  ContainerWaitResponse,
  ContainerStats,
  ContainerUpdateResponse,
  ContainerChange,
  ExecCreateRequest,
  ExecInspect,
  HostConfig,
  PathStat,
} from "../api/types/containers.js";
import { checkWorkingDir, precheckExecutable } from "./explain-start.js";
import { HealthMonitor, probeArgs, type HealthState, type ProbeOutcome } from "./health-monitor.js";
import { runProbe } from "../runtime/probe.js";
import { ConflictError, InvalidArgumentError, NotImplementedError, NotModifiedError, messageOf, BerthError } from "../errdefs/index.js";
import type { ImageService } from "../images/index.js";
import { isMounted, mountAll, unmountRecursive } from "../mount/index.js";
import { parseFamiliarNamed } from "./image-ref.js";
import { buildSpec, parseSignal, readLog, readOomKilled, type ContainerRuntime, type LogEntry } from "../runtime/index.js";
import { VOLATILE_LABEL, type Snapshotter } from "../snapshots/index.js";
import type { StateDb } from "../state/index.js";
import type { Logger } from "../util/log.js";
import { ContainerStore, emptyRunState, type ContainerRecord } from "./container-store.js";
import { containerResolvConf } from "./etc-files.js";
import { anySignal, detachFilter, parseDetachKeys } from "./detach-keys.js";
import { ExecManager } from "./exec-manager.js";
import { commitContainer, exportRootfs, getArchive, putArchive, resolveInRoot, statPath, type ContainerFs } from "./fs/index.js";
import { commitConfig, extraMountsOf, mountTemp, openLayer, overlayDirs, releaseAfter } from "./container-fs-access.js";
import { statsStream } from "./stats-sampler.js";
import { formatLogs, logAttrs } from "./format-logs.js";
import { mergeConfig } from "./merge-config.js";
import { generateName, nameInUseMessage, normalizeName } from "./names.js";
import { RestartBackoff, shouldRestart } from "./restart-policy.js";
import { sizeOption, specInput } from "./spec-input.js";
import { mountPoints, prepareMounts, resolveMounts, volumeExtraMounts } from "./mounts.js";
import type { VolumeService } from "../volumes/index.js";
import { validateHostConfig } from "./validate-host-config.js";
import { viewFilter } from "./list-filters.js";
import { inspectView, summaryView, type ContainerPaths } from "./views.js";
import { attachNetwork, checkNetworkMode, hostsFileOf, NetworkAttachError, networkSettingsOf, portsOf } from "./network-attach.js";
import type { NetworkService } from "../network/index.js";
import { isoTime } from "../util/iso-time.js";
import { monotonicMs } from "../util/monotonic.js";

// The Engine API's shapes, restated structurally: containers/ sits below api/ (api/backend.ts's
// ContainersBackend is satisfied without importing it, as images/ does for ImagesBackend).
type Filters = Record<string, string[]>;
interface RequestContext {
  apiVersion: string;
  signal: AbortSignal;
}
interface LogsOptions {
  follow: boolean;
  stdout: boolean;
  stderr: boolean;
  since?: number;
  until?: number;
  timestamps: boolean;
  tail?: number;
  details: boolean;
}
interface StreamSession {
  readonly tty: boolean;
  run(io: { stdin: Readable | null; output: (stream: 1 | 2, chunk: Buffer) => void; signal: AbortSignal }): Promise<void>;
}

export type ContainerEmit = (action: string, id: string, attributes: Record<string, string>) => void;

export interface ContainerServiceOptions {
  state: StateDb;
  images: ImageService;
  snapshotter: Snapshotter;
  runtime: ContainerRuntime;
  dataRoot: string;
  execRoot: string;
  /** "overlay2" | "native", for inspect's GraphDriver. */
  driver: string;
  log: Logger;
  emit: ContainerEmit;
  /** A reason containers cannot run on this host (e.g. conmon missing): start fails with it. */
  unavailable?: string;
  initBinary?: string;
  /** Bridge networks (absent: every container gets a private netns with loopback only). */
  network?: NetworkService;
  /** Named/anonymous volumes for -v/--mount (absent: host binds and tmpfs only). */
  volumes?: VolumeService;
}

interface Waiter {
  condition: "not-running" | "next-exit" | "removed";
  resolve: (r: ContainerWaitResponse) => void;
}

const LOG_MAX_SIZE = 10 * 1024 * 1024;
const LOG_MAX_FILES = 3;

export class ContainerService {
  readonly store: ContainerStore;
  private readonly waiters = new Map<string, Waiter[]>();
  /** Exits being handled now (conmon's exit file seen, the record not yet updated), by container id. */
  private readonly exiting = new Map<string, Promise<void>>();
  private readonly backoff = new Map<string, RestartBackoff>();
  private readonly stopping = new Set<string>();
  /** Containers between runtime create and "running" in the store; an exit seen then waits here. */
  private readonly launching = new Set<string>();
  private readonly earlyExits = new Map<string, number>();
  private readonly starting = new Map<string, Promise<void>>();
  private watcher: { close(): void } | undefined;
  private rotateTimer: NodeJS.Timeout | undefined;

  private readonly health = new HealthMonitor({
    probe: (id, args, timeoutMs) => this.probe(id, args, timeoutMs),
    update: (id, state, changed) => this.healthUpdate(id, state, changed),
  });

  private readonly execs: ExecManager;

  constructor(private readonly o: ContainerServiceOptions) {
    this.store = new ContainerStore(o.state);
    this.execs = new ExecManager({
      runtime: o.runtime,
      lookup: (ref) => this.store.lookup(ref),
      get: (id) => this.store.get(id),
      stateDir: (id) => this.stateDir(id),
      bundleDir: (id) => this.bundleDir(id),
      emit: (action, rec, extra) => this.emit(action, rec, extra),
      log: o.log,
    });
    mkdirSync(this.exitDir, { recursive: true });
  }

  private get exitDir(): string {
    return path.join(this.o.execRoot, "exits");
  }
  private bundleDir(id: string): string {
    return path.join(this.o.dataRoot, "containers", id);
  }
  private stateDir(id: string): string {
    return path.join(this.o.execRoot, "c", id.slice(0, 12));
  }
  private paths(id: string): ContainerPaths {
    const b = this.bundleDir(id);
    return { bundleDir: b, logPath: path.join(b, `${id}-json.log`), hostsPath: path.join(b, "hosts"), hostnamePath: path.join(b, "hostname"), resolvConfPath: path.join(b, "resolv.conf") };
  }
  private cgroupsPath(id: string): string {
    return `/berth/${id}`;
  }

  /** Reconciles records with conmon and the runtime, then watches exits. Call once at daemon start. */
  async recover(): Promise<void> {
    for (const rec of this.store.all()) {
      if (rec.status === "removing") {
        await this.cleanupRemoved(rec).catch((e) => this.o.log.warn("removing a half-removed container failed", { id: rec.id, err: messageOf(e) }));
        continue;
      }
      if (rec.status !== "running" && rec.status !== "paused" && rec.status !== "restarting") continue;
      const code = await this.o.runtime.readExitCode(this.exitDir, rec.id);
      if (code !== undefined) continue; // the watcher below handles it with its real exit code
      const st = await this.o.runtime.state(rec.id);
      if (st && (st.status === "running" || st.status === "paused") && this.o.runtime.conmonAlive(this.stateDir(rec.id))) continue;
      await this.onExit(rec.id, 255, "container's monitor is gone");
    }
    for (const rec of this.store.all()) {
      if (this.isRunning(rec)) this.startHealth(rec, rec.state.Health ?? { Status: "starting", FailingStreak: 0, Log: [] });
    }
    this.watcher = this.o.runtime.watchExits(this.exitDir, (id, code) => {
      const handled: Promise<void> = this.onExit(id, code)
        .catch((e) => this.o.log.warn("exit handling failed", { id, err: messageOf(e) }))
        .finally(() => {
          if (this.exiting.get(id) === handled) this.exiting.delete(id);
        });
      this.exiting.set(id, handled);
    });
    // Restart policies "always" and "unless-stopped" apply at daemon start too.
    for (const rec of this.store.all()) {
      const p = rec.hostConfig.RestartPolicy?.Name;
      if (rec.status === "exited" && (p === "always" || (p === "unless-stopped" && !rec.state.ManuallyStopped))) {
        void this.startRecord(rec.id).catch((e) => this.o.log.warn("restart at daemon start failed", { id: rec.id, err: messageOf(e) }));
      }
    }
    this.rotateTimer = setInterval(() => void this.rotateLogs(), 5_000);
    this.rotateTimer.unref();
  }

  close(): void {
    this.health.stopAll();
    this.watcher?.close();
    if (this.rotateTimer) clearInterval(this.rotateTimer);
  }

  imageUse(imageId: string): { containerId: string; running: boolean } | undefined {
    let found: { containerId: string; running: boolean } | undefined;
    for (const r of this.store.all()) {
      if (r.imageId !== imageId) continue;
      const running = r.status === "running" || r.status === "paused";
      if (!found || (running && !found.running)) found = { containerId: r.id, running };
    }
    return found;
  }

  snapshotKeys(): string[] {
    return this.store.all().map((r) => r.snapshotKey);
  }

  counts(): { total: number; running: number; paused: number; stopped: number } {
    const all = this.store.all();
    const running = all.filter((r) => r.status === "running").length;
    const paused = all.filter((r) => r.status === "paused").length;
    return { total: all.length, running, paused, stopped: all.length - running - paused };
  }

  private emit(action: string, rec: ContainerRecord, extra: Record<string, string> = {}): void {
    this.o.emit(action, rec.id, { ...(rec.config.Labels ?? {}), image: rec.image, name: rec.name.slice(1), ...extra });
  }

  // ---- create -------------------------------------------------------------------------------------

  /**
   * Two options for the builder's RUN steps only (not reachable through the API). `imageVolumes: false`: the
   * image's VOLUMEs get no anonymous volumes, so what the step writes there lands in its layer, as BuildKit
   * does. `volatileRootfs`: the root file system's snapshot is VOLATILE_LABEL (the step's layer blob is
   * the durable copy of what it writes).
   */
  async create(
    body: ContainerCreateRequest,
    opts: { name?: string; platform?: string; imageVolumes?: false; volatileRootfs?: true },
    _ctx: RequestContext,
  ): Promise<ContainerCreateResponse> {
    if (typeof body !== "object" || body === null) throw new InvalidArgumentError("config cannot be empty in order to create a container");
    if (!body.Image) throw new InvalidArgumentError("No command specified");
    const hc: HostConfig = { ...(body.HostConfig ?? {}) };
    validateHostConfig(hc);
    checkNetworkMode(this.o.network, hc.NetworkMode);
    let img;
    try {
      img = this.o.images.get(body.Image);
    } catch (e) {
      if (e instanceof BerthError && e.kind === "not-found") throw new (e.constructor as new (ref: string) => BerthError)(parseFamiliarNamed(body.Image));
      throw e;
    }
    const { HostConfig: _h, NetworkingConfig: _n, ...userCfg } = body;
    const config = mergeConfig(userCfg, img.config.config);
    if (opts.imageVolumes === false) delete config.Volumes;
    if ((config.Entrypoint ?? []).length === 0 && (config.Cmd ?? []).length === 0) throw new InvalidArgumentError("No command specified");
    if (config.WorkingDir && !config.WorkingDir.startsWith("/")) {
      throw new InvalidArgumentError(`the working directory '${config.WorkingDir}' is invalid, it needs to be an absolute path`);
    }
    if (hc.AutoRemove && hc.RestartPolicy?.Name && hc.RestartPolicy.Name !== "no") throw new InvalidArgumentError("can't create 'AutoRemove' container with restart policy");
    const id = randomBytes(32).toString("hex");
    config.Hostname ||= id.slice(0, 12);
    let name: string;
    if (opts.name !== undefined && opts.name !== "") name = normalizeName(opts.name);
    else {
      name = `/${generateName()}`;
      for (let i = 1; this.store.nameInUse(name) !== undefined && i < 10; i++) name = `/${generateName(i)}`;
    }
    hc.LogConfig = hc.LogConfig?.Type ? hc.LogConfig : { Type: "json-file", Config: hc.LogConfig?.Config ?? {} };
    hc.NetworkMode ||= "default";
    hc.RestartPolicy ??= { Name: "no", MaximumRetryCount: 0 };
    const rec: ContainerRecord = {
      id,
      name,
      image: body.Image,
      imageId: img.id,
      config: { ...config, Image: body.Image },
      hostConfig: hc,
      status: "created",
      state: emptyRunState(),
      restartCount: 0,
      created: isoTime(),
      snapshotKey: id,
    };
    // Name first (a 409 must leave nothing behind), then the snapshot, then the record.
    const holder = this.store.nameInUse(name);
    if (holder !== undefined) throw new ConflictError(nameInUseMessage(name, holder));
    const b = this.bundleDir(id);
    try {
      await this.o.snapshotter.prepare(id, img.topChainId, { labels: { "berth.container": id, ...(opts.volatileRootfs ? { [VOLATILE_LABEL]: "true" } : {}) } });
      mkdirSync(path.join(b, "rootfs"), { recursive: true, mode: 0o711 });
      const p = this.paths(id);
      writeFileSync(p.hostnamePath, `${config.Hostname}\n`);
      writeFileSync(p.hostsPath, hostsFileOf(this.o.network, { config, hostConfig: hc }));
      writeFileSync(p.resolvConfPath, containerResolvConf(readHostResolv(), hc.Dns, hc.DnsOptions));
      if (this.o.volumes) prepareMounts(id, hc, config, { volumes: this.o.volumes, dataRoot: this.o.dataRoot, lookupContainer: (r) => this.store.lookup(r) });
      this.o.network?.saveRequest(id, body.NetworkingConfig?.EndpointsConfig);
      this.store.insert(rec);
    } catch (e) {
      if (this.o.volumes) await this.o.volumes.removeUnused(this.o.volumes.release(id));
      await this.o.snapshotter.remove(id).catch(() => undefined);
      rmSync(b, { recursive: true, force: true });
      throw e;
    }
    this.emit("create", rec);
    return { Id: id, Warnings: [] };
  }

  // ---- start / exit -------------------------------------------------------------------------------

  async start(ref: string, _ctx: RequestContext): Promise<void> {
    const rec = this.store.lookup(ref);
    if (rec.status === "running") throw new NotModifiedError("container already started");
    if (rec.status === "paused") throw new ConflictError("cannot start a paused container, try unpause instead");
    if (rec.status === "removing") throw new ConflictError(`container is marked for removal and cannot be started`);
    this.stopping.delete(rec.id);
    await this.startRecord(rec.id);
  }

  private startRecord(id: string): Promise<void> {
    const running = this.starting.get(id);
    if (running) return running;
    const p = this.doStart(id).finally(() => this.starting.delete(id));
    this.starting.set(id, p);
    return p;
  }

  private async doStart(id: string): Promise<void> {
    const rec = this.store.get(id);
    if (!rec) return;
    if (this.o.unavailable) {
      rec.state.Error = this.o.unavailable;
      this.store.updateRuntimeState(rec);
      this.failPendingAttach(id);
      if (rec.hostConfig.AutoRemove) await this.removeRecord(rec).catch(() => undefined);
      throw new BerthError("unavailable", this.o.unavailable);
    }
    const p = this.paths(id);
    const rootfs = path.join(p.bundleDir, "rootfs");
    const stateDir = this.stateDir(id);
    let netReady: Promise<void> | undefined;
    const t0 = monotonicMs();
    const phases: Record<string, number> = {};
    const mark = (name: string): void => {
      phases[name] = Math.round(monotonicMs() - t0);
    };
    this.launching.add(id);
    this.earlyExits.delete(id);
    try {
      checkWorkingDir(rec.config.WorkingDir ?? "");
      if (!isMounted(rootfs)) await mountAll(await this.o.snapshotter.mounts(rec.snapshotKey), rootfs);
      mark("mounted");
      if (rec.config.WorkingDir) mkdirInRoot(rootfs, rec.config.WorkingDir);
      const problem = precheckExecutable(rootfs, [...(rec.config.Entrypoint ?? []), ...(rec.config.Cmd ?? [])], rec.config.Env ?? []);
      if (problem) throw new Error(problem.message);
      const userMounts = this.o.volumes ? await resolveMounts(id, rec.hostConfig, rec.config, rootfs, { volumes: this.o.volumes, dataRoot: this.o.dataRoot, lookupContainer: (r) => this.store.lookup(r) }) : undefined;
      const net = await attachNetwork(this.o.network, rec, p);
      netReady = net.ready;
      const netnsPath = net.netnsPath;
      mark("network");
      const spec = specInput(rec, { rootfs, hostsPath: p.hostsPath, hostnamePath: p.hostnamePath, resolvConfPath: p.resolvConfPath, ...(this.o.initBinary ? { initBinary: this.o.initBinary } : {}), ...(userMounts ? { userMounts } : {}) }, this.cgroupsPath(id));
      if (netnsPath) spec.namespaces.network = netnsPath;
      await this.o.runtime.writeBundle(p.bundleDir, buildSpec(spec));
      mark("bundle");
      await this.o.runtime.delete(id, { force: true }).catch(() => undefined);
      mark("deleted");
      const logType = rec.hostConfig.LogConfig?.Type ?? "json-file";
      const handle = await this.o.runtime.create({
        id,
        bundleDir: p.bundleDir,
        stateDir,
        exitDir: this.exitDir,
        ...(logType === "none" ? {} : { logPath: p.logPath }),
        logSizeMax: 4 * sizeOption(rec.hostConfig.LogConfig?.Config?.["max-size"], LOG_MAX_SIZE),
        terminal: rec.config.Tty === true,
        stdin: rec.config.OpenStdin === true,
        stdinOnce: rec.config.StdinOnce === true,
      });
      mark("created");
      await net.ready;
      mark("plumbed");
      await this.attachPending(id);
      await this.o.runtime.start(id);
      mark("started");
      this.o.log.debug("container started", { id, ...phases });
      const now = isoTime();
      const fresh = this.store.get(id) ?? rec;
      fresh.status = "running";
      fresh.state = { ...fresh.state, Pid: handle.pid, StartedAt: now, Error: "", ExitCode: 0, OOMKilled: false, ManuallyStopped: false };
      this.store.updateRuntimeState(fresh);
      this.launching.delete(id);
      this.emit("start", fresh);
      this.checkPortsLater(fresh);
      const early = this.earlyExits.get(id);
      if (early !== undefined) {
        this.earlyExits.delete(id);
        void this.onExit(id, early).catch((e) => this.o.log.warn("exit handling failed", { id, err: messageOf(e) }));
        return;
      }
      this.startHealth(fresh, { Status: "starting", FailingStreak: 0, Log: fresh.state.Health?.Log ?? [] });
    } catch (e) {
      this.launching.delete(id);
      this.earlyExits.delete(id);
      rmSync(path.join(this.exitDir, id), { force: true });
      await this.o.runtime.delete(id, { force: true }).catch(() => undefined);
      await unmountRecursive(rootfs).catch(() => undefined);
      await netReady?.catch(() => undefined); // plumbing still under way must finish before it is undone
      await this.o.network?.release(id).catch(() => undefined);
      // berth's own refusals (an unknown user, a bad ulimit) read as docker's daemon words them, without
      // the runtime's wrapping: docker finds them before it asks the runtime
      const own = e instanceof NetworkAttachError || e instanceof InvalidArgumentError;
      const msg = own ? e.message : startErrorMessage(messageOf(e), this.o.runtime.runtimeName);
      const fresh = this.store.get(id) ?? rec;
      fresh.state = { ...fresh.state, Error: msg, ExitCode: exitCodeForStartError(msg) };
      this.store.updateRuntimeState(fresh);
      this.failPendingAttach(id);
      // docker removes a --rm container whose start failed (the CLI waits for condition=removed).
      if (fresh.hostConfig.AutoRemove) await this.removeRecord(fresh).catch(() => undefined);
      if (own) throw e;
      throw /executable file not found|no such file or directory|permission denied|exec format error|not a directory|working directory/i.test(msg) ? new InvalidArgumentError(msg) : new BerthError("internal", msg);
    }
  }

  private async onExit(id: string, code: number, error = ""): Promise<void> {
    const rec = this.store.get(id);
    if (this.launching.has(id)) {
      // The process ended before start recorded it as running (a short command on a busy host):
      // doStart replays this exit once the record says running.
      this.earlyExits.set(id, code);
      return;
    }
    this.health.stop(id);
    rmSync(path.join(this.exitDir, id), { force: true });
    if (!rec || (rec.status !== "running" && rec.status !== "paused" && rec.status !== "restarting")) return;
    const oom = await readOomKilled(this.stateDir(id), this.cgroupsPath(id)).catch(() => false);
    // Independent teardown steps, side by side: each is mostly a wait on another process or the kernel.
    await Promise.all([
      this.o.runtime.delete(id, { force: true }).catch(() => undefined),
      // veths go in the background (~10 ms of kernel time each); the container's removal waits for them
      this.o.network?.release(id, { unplugLater: true }).catch((e) => this.o.log.warn("network release failed", { id, err: messageOf(e) })),
      unmountRecursive(path.join(this.bundleDir(id), "rootfs")).catch(() => undefined),
    ]);
    const ranMs = Date.now() - Date.parse(rec.state.StartedAt);
    const manually = this.stopping.has(id) || rec.state.ManuallyStopped === true;
    rec.status = "exited";
    rec.state = { ...rec.state, Pid: 0, ExitCode: code, FinishedAt: isoTime(), OOMKilled: oom, Error: error };
    this.store.updateRuntimeState(rec);
    if (this.o.volumes) {
      const names = this.o.volumes.refsOf(id).map((r) => r.volume);
      const running = (cid: string): boolean => {
        if (cid === id) return false;
        if (this.launching.has(cid)) return true; // starting now: its mounts are being made
        const s = this.store.get(cid)?.status;
        return s === "running" || s === "paused" || s === "restarting";
      };
      await this.o.volumes.unuse(names, running).catch((e: unknown) => this.o.log.warn("unmounting a volume failed", { id, err: messageOf(e) }));
    }
    if (oom) this.emit("oom", rec);
    this.emit("die", rec, { exitCode: String(code) });
    this.resolveWaiters(id, ["not-running", "next-exit"], code);
    if (rec.hostConfig.AutoRemove && !manually) {
      await this.removeRecord(rec).catch((e) => this.o.log.warn("auto-remove failed", { id, err: messageOf(e) }));
      return;
    }
    if (!rec.hostConfig.AutoRemove && shouldRestart(rec.hostConfig.RestartPolicy, code, rec.restartCount, manually)) {
      const b = this.backoff.get(id) ?? new RestartBackoff();
      this.backoff.set(id, b);
      const delay = b.next(ranMs);
      rec.status = "restarting";
      this.store.updateRuntimeState(rec);
      setTimeout(() => {
        const cur = this.store.get(id);
        if (!cur || cur.status !== "restarting") return;
        cur.restartCount++;
        this.store.updateRuntimeState(cur);
        this.emit("restart", cur);
        void this.startRecord(id).catch((e) => {
          const c2 = this.store.get(id);
          if (c2 && c2.status === "restarting") {
            c2.status = "exited";
            this.store.updateRuntimeState(c2);
          }
          this.o.log.warn("restart failed", { id, err: messageOf(e) });
        });
      }, delay).unref();
    }
  }

  private resolveWaiters(id: string, conditions: Waiter["condition"][], code: number): void {
    const list = this.waiters.get(id) ?? [];
    const keep: Waiter[] = [];
    for (const w of list) {
      if (conditions.includes(w.condition)) w.resolve({ StatusCode: code, Error: null });
      else keep.push(w);
    }
    if (keep.length > 0) this.waiters.set(id, keep);
    else this.waiters.delete(id);
  }

  // ---- stop / kill / restart / remove ----------------------------------------------------------------

  private isRunning(rec: ContainerRecord): boolean {
    return rec.status === "running" || rec.status === "paused";
  }

  /** Resolves when the container has exited (or after ms); true if it did. */
  private waitExit(id: string, ms: number): Promise<boolean> {
    const rec = this.store.get(id);
    if (!rec || !this.isRunning(rec)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = ms >= 0 ? setTimeout(() => resolve(false), ms) : undefined;
      const list = this.waiters.get(id) ?? [];
      list.push({
        condition: "not-running",
        resolve: () => {
          if (timer) clearTimeout(timer);
          resolve(true);
        },
      });
      this.waiters.set(id, list);
    });
  }

  async stop(ref: string, opts: { signal?: string; timeout?: number }, _ctx: RequestContext): Promise<void> {
    const rec = this.store.lookup(ref);
    if (rec.status === "restarting") {
      rec.status = "exited";
      rec.state.ManuallyStopped = true;
      this.store.update(rec);
      return;
    }
    if (!this.isRunning(rec)) throw new NotModifiedError("container already stopped");
    await this.stopRecord(rec, opts);
  }

  private async stopRecord(rec: ContainerRecord, opts: { signal?: string; timeout?: number }): Promise<void> {
    const id = rec.id;
    this.stopping.add(id);
    rec.state.ManuallyStopped = true;
    this.store.update(rec);
    const sig = parseSignal(opts.signal || rec.config.StopSignal || "SIGTERM");
    const timeout = opts.timeout ?? rec.config.StopTimeout ?? 10;
    this.emit("kill", rec, { signal: String(sig) });
    await this.o.runtime.kill(id, sig).catch((e) => this.o.log.warn("stop signal failed", { id, err: messageOf(e) }));
    if (rec.status === "paused") await this.o.runtime.resume(id).catch(() => undefined);
    if (!(await this.waitExit(id, timeout < 0 ? -1 : timeout * 1000))) {
      this.emit("kill", rec, { signal: "9" });
      await this.killHard(rec);
      if (!(await this.waitExit(id, 10_000)) && !(await this.reapLost(id))) throw new BerthError("internal", `container ${id} did not stop after SIGKILL`);
    }
    this.emit("stop", this.store.get(id) ?? rec);
  }

  /** Starts the container's health checks when it has one (image HEALTHCHECK or --health-*). */
  private startHealth(rec: ContainerRecord, initial: HealthState): void {
    const args = probeArgs(rec.config.Healthcheck, rec.config.Shell);
    if (!args || !rec.config.Healthcheck) return;
    rec.state.Health = initial;
    this.store.updateRuntimeState(rec);
    this.health.start(rec.id, { config: rec.config.Healthcheck, args, startedAt: new Date(rec.state.StartedAt), initial });
  }

  private async probe(id: string, args: string[], timeoutMs: number): Promise<ProbeOutcome> {
    const spec = JSON.parse(await readFile(path.join(this.bundleDir(id), "config.json"), "utf8")) as { process?: Record<string, unknown> };
    const proc: Record<string, unknown> = { ...(spec.process ?? {}), args };
    delete proc["consoleSize"];
    return runProbe({ runtimeBinary: this.o.runtime.runtimeBinary, runtimeArgs: this.o.runtime.runtimeArgs, runtimeRoot: this.o.runtime.runtimeRoot, id, process: proc, workDir: this.stateDir(id), timeoutMs });
  }

  private healthUpdate(id: string, state: HealthState, changed: boolean): void {
    const rec = this.store.get(id);
    if (!rec || !this.isRunning(rec)) return;
    rec.state.Health = state;
    this.store.updateRuntimeState(rec);
    if (changed) this.emit(`health_status: ${state.Status}`, rec);
  }

  /**
   * After a SIGKILL that no exit report followed: when the runtime says the container stopped and its
   * conmon is gone (so no exit file will ever come), records the exit itself. True if it did.
   */
  private async reapLost(id: string): Promise<boolean> {
    const code = await this.o.runtime.readExitCode(this.exitDir, id);
    if (code !== undefined) {
      await this.onExit(id, code);
      return true;
    }
    const st = await this.o.runtime.state(id);
    if (st && st.status !== "stopped") return false;
    if (this.o.runtime.conmonAlive(this.stateDir(id))) return false;
    this.o.log.warn("container stopped without an exit report from its monitor", { id });
    await this.onExit(id, 137, "container's monitor is gone");
    return true;
  }

  /**
   * SIGKILL for good. With its own PID namespace the container dies with its init, so only init is
   * signalled: `kill --all` freezes the cgroup first, and a v1 freezer can fail to freeze under load.
   * A shared PID namespace needs every process in the cgroup signalled. Either way the other form is
   * the fallback.
   */
  private async killHard(rec: ContainerRecord): Promise<void> {
    const shared = (rec.hostConfig.PidMode ?? "") !== "";
    const tries = shared ? [true, false] : [false, true];
    for (const all of tries) {
      try {
        await this.o.runtime.kill(rec.id, 9, { all });
        return;
      } catch (e) {
        this.o.log.warn("SIGKILL failed", { id: rec.id, all, err: messageOf(e) });
      }
    }
  }

  async restart(ref: string, opts: { signal?: string; timeout?: number }, _ctx: RequestContext): Promise<void> {
    const rec = this.store.lookup(ref);
    if (this.isRunning(rec)) await this.stopRecord(rec, opts);
    this.stopping.delete(rec.id);
    await this.startRecord(rec.id);
    this.emit("restart", this.store.get(rec.id) ?? rec);
  }

  async kill(ref: string, opts: { signal?: string }, _ctx: RequestContext): Promise<void> {
    const rec = this.store.lookup(ref);
    if (!this.isRunning(rec)) throw new ConflictError(`Container ${rec.id} is not running`);
    const sig = parseSignal(opts.signal || "SIGKILL");
    await this.o.runtime.kill(rec.id, sig);
    this.emit("kill", rec, { signal: String(sig) });
  }

  async remove(ref: string, opts: { force: boolean; volumes: boolean; link: boolean }, _ctx: RequestContext): Promise<void> {
    const rec = this.store.lookup(ref);
    if (this.isRunning(rec) || rec.status === "restarting") {
      if (!opts.force) {
        throw new ConflictError(`You cannot remove a ${rec.status} container ${rec.id}. Stop the container before attempting removal or force remove`);
      }
      this.stopping.add(rec.id);
      rec.state.ManuallyStopped = true;
      if (rec.status === "restarting") rec.status = "exited";
      this.store.update(rec);
      if (this.isRunning(rec)) {
        await this.killHard(rec);
        if (rec.status === "paused") await this.o.runtime.resume(rec.id).catch(() => undefined);
        if (!(await this.waitExit(rec.id, 10_000))) throw new BerthError("internal", `could not kill running container ${rec.id}, cannot remove`);
      }
    }
    const anonymous = opts.volumes ? (this.o.volumes?.anonymousOf(rec.id) ?? []) : [];
    await this.removeRecord(this.store.get(rec.id) ?? rec);
    await this.o.volumes?.removeUnused(anonymous);
  }

  private async removeRecord(rec: ContainerRecord): Promise<void> {
    rec.status = "removing";
    this.store.updateRuntimeState(rec);
    await this.cleanupRemoved(rec);
    this.emit("destroy", rec);
    this.resolveWaiters(rec.id, ["removed", "not-running", "next-exit"], rec.state.ExitCode);
  }

  private async cleanupRemoved(rec: ContainerRecord): Promise<void> {
    await this.o.runtime.delete(rec.id, { force: true }).catch(() => undefined);
    // --rm: the veths' deletion (under way since the exit) need not hold up the removal
    await this.o.network?.release(rec.id, { unplugLater: rec.hostConfig.AutoRemove === true }).catch(() => undefined);
    this.o.network?.forget(rec.id);
    await unmountRecursive(path.join(this.bundleDir(rec.id), "rootfs"));
    await this.o.snapshotter.remove(rec.snapshotKey).catch((e) => {
      if (!(e instanceof BerthError && e.kind === "not-found")) throw e;
    });
    rmSync(this.bundleDir(rec.id), { recursive: true, force: true });
    rmSync(this.stateDir(rec.id), { recursive: true, force: true });
    rmSync(path.join(this.exitDir, rec.id), { force: true });
    this.store.delete(rec.id);
    const anonymous = this.o.volumes?.release(rec.id) ?? [];
    if (rec.hostConfig.AutoRemove) await this.o.volumes?.removeUnused(anonymous);
    this.backoff.delete(rec.id);
    this.stopping.delete(rec.id);
  }

  async wait(ref: string, opts: { condition: "not-running" | "next-exit" | "removed" }, _ctx: RequestContext): Promise<{ result: Promise<ContainerWaitResponse> }> {
    const cond = opts.condition;
    if (!["not-running", "next-exit", "removed"].includes(cond)) throw new InvalidArgumentError(`invalid condition: "${String(cond)}"`);
    const rec = this.store.lookup(ref);
    if (cond === "not-running" && !this.isRunning(rec) && rec.status !== "restarting") {
      return { result: Promise.resolve({ StatusCode: rec.state.ExitCode, Error: null }) };
    }
    const result = new Promise<ContainerWaitResponse>((resolve) => {
      const list = this.waiters.get(rec.id) ?? [];
      list.push({ condition: cond, resolve });
      this.waiters.set(rec.id, list);
    });
    return { result };
  }

  /** Published TCP ports whose listener inside is bound to loopback only (docker would just reset them). */
  async portWarnings(ref: string, _ctx: RequestContext): Promise<string[]> {
    const rec = this.store.lookup(ref);
    if (!this.o.network || !this.isRunning(rec)) return [];
    return this.o.network.explainPorts(rec.id, rec.state.Pid);
  }

  /** A few seconds after start, says in the daemon log when a published port can only reset. */
  private checkPortsLater(rec: ContainerRecord): void {
    const net = this.o.network;
    if (!net || !net.portsOf(rec.id).some((p) => p.proto === "tcp")) return;
    setTimeout(() => {
      const now = this.store.get(rec.id);
      if (!now || now.status !== "running" || now.state.Pid !== rec.state.Pid) return;
      void net
        .explainPorts(rec.id, now.state.Pid)
        .then((msgs) => {
          for (const m of msgs) this.o.log.warn(m, { container: rec.id.slice(0, 12), name: rec.name.replace(/^\//, "") });
        })
        .catch(() => undefined);
    }, 3_000).unref();
  }

  // ---- queries --------------------------------------------------------------------------------------

  async list(opts: { all: boolean; limit?: number; size: boolean; filters: Filters }, _ctx: RequestContext): Promise<ContainerSummary[]> {
    const f = opts.filters;
    for (const k of Object.keys(f)) {
      if (!["id", "name", "label", "status", "exited", "ancestor", "before", "since", "health", "network", "volume", "publish", "expose", "is-task"].includes(k)) {
        throw new InvalidArgumentError(`invalid filter '${k}'`);
      }
    }
    for (const h of f["health"] ?? []) {
      if (!["starting", "healthy", "unhealthy", "none"].includes(h)) throw new InvalidArgumentError(`Unrecognised filter value for health: ${h}`);
    }
    for (const s of f["status"] ?? []) {
      if (!["created", "restarting", "running", "removing", "paused", "exited", "dead"].includes(s)) throw new InvalidArgumentError(`invalid filter 'status=${s}'`);
    }
    let recs = this.store.allForRead().sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
    const all = opts.all || (opts.limit !== undefined && opts.limit > 0) || f["status"] !== undefined || f["exited"] !== undefined;
    if (!all) recs = recs.filter((r) => r.status === "running" || r.status === "paused" || r.status === "restarting");
    const byRef = (ref: string): ContainerRecord | undefined => {
      try {
        return this.store.lookup(ref);
      } catch {
        return undefined;
      }
    };
    const before = (f["before"] ?? []).map(byRef)[0];
    const since = (f["since"] ?? []).map(byRef)[0];
    recs = recs.filter((r) => {
      if (f["id"] && !f["id"].some((x) => r.id.startsWith(x))) return false;
      if (f["name"] && !f["name"].some((x) => new RegExp(x).test(r.name.slice(1)) || new RegExp(x).test(r.name))) return false;
      if (f["status"] && !f["status"].includes(r.status)) return false;
      if (f["exited"] && !(r.status === "exited" && f["exited"].includes(String(r.state.ExitCode)))) return false;
      if (f["label"] && !f["label"].every((l) => labelMatch(r.config.Labels ?? {}, l))) return false;
      if (f["ancestor"] && !f["ancestor"].some((a) => this.ancestorMatch(r, a))) return false;
      if (f["health"] && !f["health"].includes(healthOf(r))) return false;
      if (before && !(r.created < before.created)) return false;
      if (since && !(r.created > since.created)) return false;
      return true;
    });
    const now = Date.now();
    const endpoints = this.o.network?.endpointsByContainer();
    const byView = viewFilter(f);
    let views = recs.map((r) => {
      const s = summaryView(r, now);
      const eps = endpoints?.get(r.id) ?? [];
      s.Ports = portsOf(this.o.network, r, eps);
      s.NetworkSettings = { Networks: networkSettingsOf(this.o.network, r, eps)?.Networks ?? {} };
      if (this.o.volumes) s.Mounts = mountPoints(r.id, r.hostConfig, r.config, this.o.volumes, this.mountSource);
      return { r, s };
    });
    if (byView) views = views.filter(({ r, s }) => byView(s, { exposed: r.config.ExposedPorts, hostConfig: r.hostConfig }));
    if (opts.limit !== undefined && opts.limit > 0) views = views.slice(0, opts.limit);
    return Promise.all(
      views.map(async ({ r, s }) => {
        if (opts.size) {
          s.SizeRw = await this.sizeRw(r);
          s.SizeRootFs = this.o.images.sizeOfImage(r.imageId) + s.SizeRw;
        }
        return s;
      }),
    );
  }

  private ancestorMatch(r: ContainerRecord, a: string): boolean {
    try {
      return this.o.images.resolve(a) === r.imageId;
    } catch {
      return r.image === a;
    }
  }

  /** Bytes the container wrote on top of its image (its own snapshot layer). */
  private async sizeRw(rec: ContainerRecord): Promise<number> {
    try {
      return (await this.o.snapshotter.usage(rec.snapshotKey)).size;
    } catch {
      return 0;
    }
  }

  async inspect(ref: string, opts: { size: boolean }, _ctx: RequestContext): Promise<ContainerInspect> {
    let rec = this.store.lookup(ref);
    // An exit being handled (conmon has reported it; teardown runs before the record says exited) is
    // waited for, as docker's container lock makes inspect wait: a client that inspects right after its
    // command ended sees it exited (docker-py's dockerpty starts a container again when it finds it so).
    const exiting = this.exiting.get(rec.id);
    if (exiting) {
      await Promise.race([exiting, new Promise((r) => setTimeout(r, 2_000).unref())]);
      rec = this.store.lookup(ref);
    }
    const v = inspectView(rec, this.paths(rec.id), this.o.driver, networkSettingsOf(this.o.network, rec));
    if (this.o.volumes) v.Mounts = mountPoints(rec.id, rec.hostConfig, rec.config, this.o.volumes, this.mountSource);
    v.ExecIDs = this.execs.runningIdsOf(rec.id);
    if (opts.size) {
      v.SizeRw = await this.sizeRw(rec);
      v.SizeRootFs = this.o.images.sizeOfImage(rec.imageId) + v.SizeRw;
    }
    return v;
  }

  async logs(ref: string, opts: LogsOptions, ctx: RequestContext): Promise<{ tty: boolean; chunks: AsyncIterable<{ stream: 1 | 2; data: Buffer }> }> {
    const rec = this.store.lookup(ref);
    const t = rec.hostConfig.LogConfig?.Type ?? "json-file";
    if (t === "none") throw new InvalidArgumentError("configured logging driver does not support reading");
    if (!opts.stdout && !opts.stderr) throw new InvalidArgumentError("You must choose at least one stream");
    const logPath = this.paths(rec.id).logPath;
    const id = rec.id;
    const entries = existsSync(logPath) || opts.follow
      ? readLog(logPath, {
          follow: opts.follow && this.isRunning(rec),
          ...(opts.tail !== undefined && opts.tail >= 0 ? { tail: opts.tail } : {}),
          ...(opts.since !== undefined ? { since: opts.since } : {}),
          ...(opts.until !== undefined ? { until: opts.until } : {}),
          signal: ctx.signal,
          stopWhen: () => {
            const cur = this.store.get(id);
            return !cur || !this.isRunning(cur);
          },
        })
      : emptyIterable();
    return { tty: rec.config.Tty === true, chunks: formatLogs(entries, {
        stdout: opts.stdout,
        stderr: opts.stderr,
        timestamps: opts.timestamps,
        ...(opts.details ? { details: logAttrs(rec.config.Labels ?? {}, rec.config.Env ?? [], rec.hostConfig.LogConfig?.Config ?? {}) } : {}),
      }),
    };
  }

  /** json-file rotation: keeps max-file files of max-size each (conmon reopens its log on request). */
  private async rotateLogs(): Promise<void> {
    for (const rec of this.store.all()) {
      if (!this.isRunning(rec) || (rec.hostConfig.LogConfig?.Type ?? "json-file") !== "json-file") continue;
      const cfg = rec.hostConfig.LogConfig?.Config ?? {};
      const max = sizeOption(cfg["max-size"], LOG_MAX_SIZE);
      const files = Math.max(1, Number(cfg["max-file"] ?? LOG_MAX_FILES) || LOG_MAX_FILES);
      const p = this.paths(rec.id).logPath;
      try {
        if ((await stat(p)).size < max) continue;
        for (let i = files - 1; i >= 1; i--) {
          const from = i === 1 ? p : `${p}.${i - 1}`;
          if (existsSync(from)) await renameFile(from, `${p}.${i}`);
        }
        if (files === 1) rmSync(p, { force: true });
        await this.o.runtime.reopenLog(this.stateDir(rec.id));
      } catch {
        // next round
      }
    }
  }

  async top(ref: string, opts: { psArgs?: string }, _ctx: RequestContext): Promise<ContainerTopResponse> {
    const rec = this.store.lookup(ref);
    if (!this.isRunning(rec)) throw new ConflictError(`Container ${rec.id} is not running`);
    const pids = new Set(await this.o.runtime.pids(rec.id));
    const { execFile } = await import("node:child_process");
    const args = (opts.psArgs || "-ef").split(/\s+/).filter((s) => s !== "");
    const out = await new Promise<string>((resolve, reject) =>
      execFile("ps", args, { maxBuffer: 16 << 20 }, (err, stdout, stderr) => (err ? reject(new InvalidArgumentError(`ps: ${stderr || err.message}`)) : resolve(stdout))),
    );
    const lines = out.split("\n").filter((l) => l.trim() !== "");
    const titles = (lines[0] ?? "").trim().split(/\s+/);
    const pidCol = titles.indexOf("PID");
    if (pidCol < 0) throw new InvalidArgumentError(`Couldn't find PID field in ps output`);
    const processes: string[][] = [];
    for (const l of lines.slice(1)) {
      const fields = l.trim().split(/\s+/);
      if (!pids.has(Number(fields[pidCol]))) continue;
      processes.push([...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(" ")]);
    }
    return { Titles: titles, Processes: processes };
  }

  async pause(ref: string, _ctx: RequestContext): Promise<void> {
    const rec = this.store.lookup(ref);
    if (rec.status === "paused") throw new ConflictError(`Container ${rec.id} is already paused`);
    if (rec.status !== "running") throw new ConflictError(`Container ${rec.id} is not running`);
    await this.o.runtime.pause(rec.id);
    rec.status = "paused";
    this.store.updateRuntimeState(rec);
    this.emit("pause", rec);
  }

  async unpause(ref: string, _ctx: RequestContext): Promise<void> {
    const rec = this.store.lookup(ref);
    if (rec.status !== "paused") throw new ConflictError(`Container ${rec.id} is not paused`);
    await this.o.runtime.resume(rec.id);
    rec.status = "running";
    this.store.updateRuntimeState(rec);
    this.emit("unpause", rec);
  }

  async rename(ref: string, newName: string, _ctx: RequestContext): Promise<void> {
    const rec = this.store.lookup(ref);
    const name = normalizeName(newName);
    if (name === rec.name) throw new InvalidArgumentError("Renaming a container with the same name as its current name");
    const old = rec.name;
    this.store.rename(rec.id, name);
    this.emit("rename", { ...rec, name }, { oldName: old });
  }

  async update(ref: string, resources: HostConfig, _ctx: RequestContext): Promise<ContainerUpdateResponse> {
    const rec = this.store.lookup(ref);
    const hc = { ...rec.hostConfig, ...resources };
    validateHostConfig(hc);
    if (this.isRunning(rec)) {
      const cpuQuota = hc.NanoCpus ? Math.round((hc.NanoCpus * 100_000) / 1e9) : hc.CpuQuota;
      await this.o.runtime.update(rec.id, {
        ...(hc.Memory ? { memory: hc.Memory } : {}),
        ...(hc.MemorySwap ? { memorySwap: hc.MemorySwap } : {}),
        ...(hc.MemoryReservation ? { memoryReservation: hc.MemoryReservation } : {}),
        ...(hc.CpuShares ? { cpuShares: hc.CpuShares } : {}),
        ...(cpuQuota ? { cpuQuota, cpuPeriod: hc.NanoCpus ? 100_000 : (hc.CpuPeriod ?? 100_000) } : {}),
        ...(hc.CpusetCpus ? { cpusetCpus: hc.CpusetCpus } : {}),
        ...(hc.PidsLimit && hc.PidsLimit > 0 ? { pidsLimit: hc.PidsLimit } : {}),
      });
    }
    rec.hostConfig = hc;
    this.store.update(rec);
    this.emit("update", rec);
    return { Warnings: [] };
  }

  async prune(opts: { filters: Filters }, _ctx: RequestContext): Promise<ContainerPruneResponse> {
    const f = opts.filters;
    const until = f["until"]?.[0];
    const cutoff = until !== undefined ? parseUntil(until) : undefined;
    const deleted: string[] = [];
    for (const rec of this.store.all()) {
      if (rec.status !== "exited" && rec.status !== "created" && rec.status !== "dead") continue;
      if (f["label"] && !f["label"].every((l) => labelMatch(rec.config.Labels ?? {}, l))) continue;
      if (f["label!"] && f["label!"].some((l) => labelMatch(rec.config.Labels ?? {}, l))) continue;
      if (cutoff !== undefined && Date.parse(rec.created) / 1000 >= cutoff) continue;
      await this.removeRecord(rec);
      deleted.push(rec.id);
    }
    return { ContainersDeleted: deleted.length > 0 ? deleted : null, SpaceReclaimed: 0 };
  }

  // ---- not built yet: attach/exec/stats/cp/diff/export/commit ----------------------------------------

  private pendingAttach = new Map<string, Array<{ connect: () => Promise<void>; fail: () => void }>>();

  private async attachPending(id: string): Promise<void> {
    const list = this.pendingAttach.get(id) ?? [];
    this.pendingAttach.delete(id);
    await Promise.all(list.map((p) => Promise.race([p.connect(), new Promise<void>((r) => setTimeout(r, 10_000).unref())])));
  }

  private failPendingAttach(id: string): void {
    const list = this.pendingAttach.get(id) ?? [];
    this.pendingAttach.delete(id);
    for (const p of list) p.fail();
  }

  async prepareAttach(
    ref: string,
    opts: { stream: boolean; logs: boolean; stdin: boolean; stdout: boolean; stderr: boolean; detachKeys?: string },
    _ctx: RequestContext,
  ): Promise<StreamSession> {
    const rec = this.store.lookup(ref);
    const id = rec.id;
    const tty = rec.config.Tty === true;
    const runtime = this.o.runtime;
    const stateDir = this.stateDir(id);
    // Like docker, the detach sequence is only watched for on a TTY: piped binary stdin passes whole.
    const keys = tty ? parseDetachKeys(opts.detachKeys) : Buffer.alloc(0);
    if (!tty) parseDetachKeys(opts.detachKeys); // still refuse a malformed spec
    const self = this;
    return {
      tty,
      async run(io) {
        if (!opts.stream) return;
        const filtered = io.stdin && opts.stdin ? detachFilter(io.stdin, keys) : null;
        const out = (stream: 1 | 2, chunk: Buffer): void => {
          if ((stream === 1 && opts.stdout) || (stream === 2 && opts.stderr)) io.output(stream, chunk);
        };
        const attachIo = { stdin: filtered?.stream ?? null, output: out, signal: filtered ? anySignal(io.signal, filtered.detached) : io.signal, closeStdinOnEnd: rec.config.StdinOnce === true };
        // However the attach socket behaves, the session ends a little after the container's next exit
        // (the grace lets conmon flush the last output).
        const exitedLater = (): Promise<void> =>
          new Promise<void>((resolve) => {
            const list = self.waiters.get(id) ?? [];
            list.push({ condition: "not-running", resolve: () => setTimeout(resolve, 2_000).unref() });
            self.waiters.set(id, list);
          });
        const cur = self.store.get(id);
        let missedExit = false;
        if (cur && cur.status === "running" && !processAlive(cur.state.Pid)) {
          // its process has ended and the exit is being handled: docker, whose exit handling is over by
          // now, would treat it as stopped, so do the same (below) once the record says so
          missedExit = await self.waitExit(id, 5_000);
        }
        if (cur && cur.status === "running" && !missedExit) {
          const exited = exitedLater();
          try {
            await Promise.race([runtime.attach(stateDir, attachIo), exited]);
            return;
          } catch (e) {
            // The process ended before its attach socket was reached (conmon removes it at the exit). As
            // docker does for a container that is not running, the session waits for the next start:
            // docker-py's dockerpty attaches after start and starts the container again when it finds it
            // exited, and its output must reach that session.
            if (!attachSocketGone(e) || !(await self.waitExit(id, 5_000))) throw e;
            missedExit = true;
          }
        }
        // Not started (yet, or again): connect between runtime create and start, as for `docker run`,
        // which attaches before it starts.
        const exited = exitedLater();
        await new Promise<void>((resolve) => {
          const entry = {
            connect: () =>
              new Promise<void>((connected) => {
                runtime.attach(stateDir, attachIo, connected).then(resolve, () => resolve());
              }),
            fail: () => resolve(),
          };
          const list = self.pendingAttach.get(id) ?? [];
          list.push(entry);
          self.pendingAttach.set(id, list);
          if (missedExit) {
            // attached to a running container that then turned out to have ended: docker's session would
            // have ended with it, so a start that does not come soon ends this one
            setTimeout(() => {
              const now = self.pendingAttach.get(id);
              if (!now?.includes(entry)) return;
              const rest = now.filter((x) => x !== entry);
              if (rest.length > 0) self.pendingAttach.set(id, rest);
              else self.pendingAttach.delete(id);
              resolve();
            }, 1_000).unref();
          }
          io.signal.addEventListener("abort", () => resolve(), { once: true });
          void exited.then(resolve);
        });
      },
    };
  }

  async resize(ref: string, opts: { h: number; w: number }, _ctx: RequestContext): Promise<void> {
    const rec = this.store.lookup(ref);
    if (!this.isRunning(rec)) throw new ConflictError(`Container ${rec.id} is not running`);
    await this.o.runtime.resize(this.stateDir(rec.id), opts.h, opts.w);
  }

  stats(ref: string, opts: { stream: boolean; oneShot: boolean }, ctx: RequestContext): AsyncIterable<ContainerStats> {
    const id = this.store.lookup(ref).id;
    return statsStream({
      stream: opts.stream,
      oneShot: opts.oneShot,
      signal: ctx.signal,
      target: () => {
        const cur = this.store.get(id);
        if (!cur) return undefined;
        const live = this.isRunning(cur) && cur.state.Pid > 0;
        return { id, name: cur.name, ...(live ? { cgroupsPath: this.cgroupsPath(id), pid: cur.state.Pid } : {}) };
      },
    });
  }

  /** The container's filesystem with its rootfs mounted: its own mount while it runs, else the snapshot on a temp dir until release(). */
  private async openFs(ref: string): Promise<{ rec: ContainerRecord; fs: ContainerFs; release: () => Promise<void> }> {
    const rec = this.store.lookup(ref);
    const mounts = await this.o.snapshotter.mounts(rec.snapshotKey);
    const own = path.join(this.bundleDir(rec.id), "rootfs");
    const base = { ...overlayDirs(mounts), id: ref, extraMounts: [...extraMountsOf(rec.hostConfig, this.paths(rec.id)), ...(this.o.volumes ? volumeExtraMounts(rec.id, rec.hostConfig, rec.config, this.o.volumes, this.mountSource) : [])] };
    if (this.isRunning(rec) && isMounted(own)) return { rec, fs: { ...base, rootfs: own }, release: async () => undefined };
    const t = await mountTemp(mounts);
    return { rec, fs: { ...base, rootfs: t.root }, release: t.release };
  }

  /** A --volumes-from source as mounts.ts reads it (undefined when it is gone). */
  private readonly mountSource = (ref: string): ContainerRecord | undefined => {
    try {
      return this.store.lookup(ref);
    } catch {
      return undefined;
    }
  };

  private releaseWarn = (e: unknown): void => this.o.log.warn("unmounting a container's temporary rootfs failed", { err: messageOf(e) });

  async changes(ref: string, _ctx: RequestContext): Promise<ContainerChange[]> {
    const layer = await openLayer(this.o.snapshotter, this.store.lookup(ref).snapshotKey, ref);
    try {
      return await layer.changes();
    } finally {
      await layer.release();
    }
  }
  /**
   * docker export: the container's root filesystem without its volumes and binds, so an image's
   * content under a VOLUME path is in it. A running container's live rootfs is bind-mounted without
   * its submounts; a stopped one's snapshot is mounted on a temp dir.
   */
  async export(ref: string, _ctx: RequestContext): Promise<Readable> {
    const rec = this.store.lookup(ref);
    const own = path.join(this.bundleDir(rec.id), "rootfs");
    const live = this.isRunning(rec) && isMounted(own);
    const t = await mountTemp(live ? [{ type: "bind", source: own, options: ["bind"] }] : await this.o.snapshotter.mounts(rec.snapshotKey));
    const fs: ContainerFs = { id: ref, rootfs: t.root, extraMounts: [] };
    const release = t.release;
    try {
      const tar = releaseAfter(exportRootfs(fs), release, this.releaseWarn);
      this.emit("export", rec);
      return tar;
    } catch (e) {
      await release();
      throw e;
    }
  }
  async statPath(ref: string, p: string, _ctx: RequestContext): Promise<PathStat> {
    const { fs, release } = await this.openFs(ref);
    try {
      return dirAsserted(p, await statPath(fs, p));
    } finally {
      await release();
    }
  }
  async getArchive(ref: string, p: string, _ctx: RequestContext): Promise<{ stat: PathStat; tar: Readable }> {
    const { rec, fs, release } = await this.openFs(ref);
    try {
      const r = await getArchive(fs, p);
      try {
        dirAsserted(p, r.stat);
      } catch (e) {
        r.tar.destroy();
        throw e;
      }
      this.emit("archive-path", rec);
      return { stat: r.stat, tar: releaseAfter(r.tar, release, this.releaseWarn) };
    } catch (e) {
      await release();
      throw e;
    }
  }
  async putArchive(ref: string, p: string, body: Readable, o: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean }, _ctx: RequestContext): Promise<void> {
    const { rec, fs, release } = await this.openFs(ref);
    try {
      await putArchive(fs, p, body, { ...o, readOnlyRootfs: rec.hostConfig.ReadonlyRootfs === true });
      this.emit("extract-to-dir", rec);
    } finally {
      await release();
    }
  }
  async commit(
    o: { container: string; repo?: string; tag?: string; comment?: string; author?: string; pause: boolean; changes: string[]; config?: ContainerCreateRequest },
    ctx: RequestContext,
  ): Promise<{ Id: string }> {
    const rec = this.store.lookup(o.container);
    const layer = await openLayer(this.o.snapshotter, rec.snapshotKey, o.container);
    const pause = o.pause && rec.status === "running";
    let id: string;
    try {
      if (pause) await this.o.runtime.pause(rec.id);
      id = await commitContainer(this.o.images, {
        parentImageId: rec.imageId,
        diff: await layer.tar(),
        config: commitConfig(rec.config, o.config),
        containerId: rec.id,
        changes: o.changes,
        ...(o.author ? { author: o.author } : {}),
        ...(o.comment ? { comment: o.comment } : {}),
        ...(o.repo ? { repo: o.repo } : {}),
        ...(o.tag ? { tag: o.tag } : {}),
        signal: ctx.signal,
      });
    } finally {
      if (pause) await this.o.runtime.resume(rec.id).catch((e) => this.o.log.warn("unpausing after commit failed", { id: rec.id, err: messageOf(e) }));
      await layer.release().catch(this.releaseWarn);
    }
    this.emit("commit", rec, { comment: o.comment ?? "", imageID: id, imageRef: o.repo ? `${o.repo}:${o.tag || "latest"}` : "" });
    return { Id: id };
  }
  async execCreate(ref: string, body: ExecCreateRequest, _ctx: RequestContext): Promise<{ Id: string }> {
    return this.execs.create(ref, body);
  }
  async prepareExecStart(id: string, o: { detach: boolean; tty: boolean }, _ctx: RequestContext): Promise<StreamSession> {
    return this.execs.prepareStart(id, { detach: o.detach });
  }
  async execInspect(id: string, _ctx: RequestContext): Promise<ExecInspect> {
    return this.execs.inspect(id);
  }
  async execResize(id: string, o: { h: number; w: number }, _ctx: RequestContext): Promise<void> {
    await this.execs.resize(id, o);
  }
}

/** A path ending in "/" or "/." names a directory: anything else fails as lstat would (ENOTDIR), as with docker. */
function dirAsserted(p: string, st: PathStat): PathStat {
  if ((p.endsWith("/") || p.endsWith("/.")) && Math.floor(st.mode / 2 ** 31) % 2 !== 1) throw new InvalidArgumentError(`lstat ${p}: not a directory`);
  return st;
}

function emptyIterable(): AsyncIterable<LogEntry> {
  return (async function* () {})();
}

function readHostResolv(): string {
  try {
    return readFileSync("/etc/resolv.conf", "utf8");
  } catch {
    return "";
  }
}

/**
 * Creates the working directory inside the rootfs (as docker does), resolving symlinks inside the root: a
 * link in the image (/data -> /etc) can never make berthd create directories on the host.
 */
function mkdirInRoot(rootfs: string, dir: string): void {
  mkdirSync(resolveInRoot({ rootfs, extraMounts: [] }, dir, { followFinal: true }).host, { recursive: true, mode: 0o755 });
}

function labelMatch(labels: Record<string, string>, expr: string): boolean {
  const i = expr.indexOf("=");
  if (i < 0) return expr in labels;
  return labels[expr.slice(0, i)] === expr.slice(i + 1);
}

function parseUntil(v: string): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const d = /^(\d+)(s|m|h)$/.exec(v);
  if (d) return Date.now() / 1000 - Number(d[1]) * ({ s: 1, m: 60, h: 3600 } as Record<string, number>)[d[2] ?? "s"]!;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new InvalidArgumentError(`failed to parse value as time or duration: "${v}"`);
  return t / 1000;
}

/** docker's wording around the runtime's own error. */
function startErrorMessage(runtimeMsg: string, runtime: string): string {
  const inner = / create failed|OCI runtime/.test(runtimeMsg) ? runtimeMsg : `${runtime} create failed: unable to start container process: ${runtimeMsg}`;
  return `failed to create task for container: failed to create shim task: OCI runtime create failed: ${inner}: unknown`;
}

function exitCodeForStartError(msg: string): number {
  if (/executable file not found|no such file or directory/i.test(msg)) return 127;
  if (/permission denied|exec format error/i.test(msg)) return 126;
  return 128;
}


/** The health filter's value for a container: its check's status, or "none" without one. */
function healthOf(r: ContainerRecord): string {
  return probeArgs(r.config.Healthcheck, r.config.Shell) && r.state.Health ? r.state.Health.Status : "none";
}

/** True for the errors of connecting to an attach socket that is gone (its container exited). */
function attachSocketGone(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT" || code === "ECONNREFUSED") return true;
  return /ENOENT|ECONNREFUSED|No such file or directory|Connection refused/.test(e instanceof Error ? e.message : String(e));
}

/** False when no process has this pid any more (0, unknown, counts as alive). */
function processAlive(pid: number | undefined): boolean {
  if (!pid || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== "ESRCH";
  }
}
