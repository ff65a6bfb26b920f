/**
 * The composition root. Boot order: config → lock → dirs → state → content (sweep) → snapshotter
 * (sweep) → images.recover() → event bus → API → "API listen on …" → pidfile. What every start needs is
 * imported statically (one chunk of the daemon bundle instead of one per subsystem: each chunk costs
 * module resolution at start); the builder and the registry client load on first use.
 */
import { chmodSync, mkdirSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import * as path from "node:path";
import type { Backend, RequestContext } from "../api/backend.js";
import { createApiServer } from "../api/index.js";
import { InvalidArgumentError } from "../errdefs/index.js";
import type { RegistryClientOptions } from "../registry/client/types.js";
import { EventBus, validateEventFilters } from "../events/index.js";
import { writeFileAtomic } from "../util/atomic.js";
import { drainBufferPools } from "../util/buffer-pool.js";
import { reclaimMemory } from "../native/index.js";
import { Logger } from "../util/log.js";
import { findBinary } from "../util/find-binary.js";
import { registryPolicy } from "./allowed-registries.js";
import { socketPathOf, type DaemonConfig, type StorageDriverName } from "./config.js";
import { goArch } from "./host-info.js";
import { acquireDataRootLock, clearStaleSocket } from "./lock.js";
import { chooseStorageDriver } from "./storage-probe.js";
import { runtimeComponent } from "./runtime-info.js";
import { resolveRuntimeCommand } from "../runtime/runtime-command.js";
import { setSocketGroup } from "./socket-group.js";
import { IdleReclaimer } from "./idle-reclaim.js";
import { openStorage } from "./storage.js";
import { BERTH_VERSION, engineId, SystemService } from "./system-service.js";
import { ContextStore } from "../builder/context/context-store.js";
import { ContainerService } from "../containers/index.js";
import { ImageService } from "../images/index.js";
import { NetworkService } from "../network/index.js";
import { ContainerRuntime } from "../runtime/index.js";
import { StateDb } from "../state/index.js";
import { VolumeService } from "../volumes/index.js";
import { contextStoreBackend } from "../builder/context/pending-context.js";

export interface StartDaemonOptions {
  config: DaemonConfig;
  log?: Logger;
}

export interface RunningDaemon {
  /** The API socket path. */
  readonly socket: string;
  readonly bus: EventBus;
  readonly driver: StorageDriverName;
  /** Stops serving, closes the stores, removes socket and pidfile, releases the data-root lock. Idempotent. */
  close(): Promise<void>;
  /** Same as close(). */
  stop(): Promise<void>;
}

/** The container service: one conmon per container, runc state under <exec-root>/runc. */
async function openContainers(o: {
  config: DaemonConfig;
  log: Logger;
  state: import("../state/index.js").StateDb;
  images: import("../images/index.js").ImageService;
  snapshotter: import("../snapshots/index.js").Snapshotter;
  driver: StorageDriverName;
  runtime: import("../runtime/runtime-command.js").RuntimeCommand;
  bus: EventBus;
  volumes?: import("../volumes/index.js").VolumeService;
  network?: import("../network/index.js").NetworkService;
}): Promise<import("../containers/index.js").ContainerService> {
  const conmon = findBinary("conmon");
  const initBinary = findBinary("tini-static") ?? findBinary("catatonit");
  const runtime = new ContainerRuntime({
    runtimeBinary: o.runtime.binary,
    runtimeArgs: o.runtime.prefixArgs,
    runtimeName: o.runtime.name,
    runtimeRoot: path.join(o.config.execRoot, "runc"),
    ...(conmon ? { conmonBinary: conmon } : {}),
    log: o.log.child({ module: "runtime" }),
  });
  const containers = new ContainerService({
    state: o.state,
    images: o.images,
    snapshotter: o.snapshotter,
    runtime,
    dataRoot: o.config.dataRoot,
    execRoot: o.config.execRoot,
    driver: o.driver === "overlay2" ? "overlay2" : o.driver,
    log: o.log.child({ module: "containers" }),
    emit: (action, id, attributes) => o.bus.publish("container", action, { ID: id, Attributes: attributes }),
    ...(conmon ? {} : { unavailable: "conmon not found in PATH: berthd needs conmon (Debian package conmon) to run containers" }),
    ...(initBinary ? { initBinary } : {}),
    ...(o.volumes ? { volumes: o.volumes } : {}),
    ...(o.network ? { network: o.network } : {}),
  });
  o.images.setInUse((imageId) => containers.imageUse(imageId));
  o.images.setSnapshotRoots(() => containers.snapshotKeys());
  await o.network?.releaseStale((id) => ["running", "paused", "restarting"].includes(containers.store.get(id)?.status ?? ""));
  await containers.recover();
  return containers;
}

/** Bridge networks; a host where they cannot work (no ip/nft, no CAP_NET_ADMIN) runs containers without them. */
async function openNetwork(o: {
  config: DaemonConfig;
  log: Logger;
  state: import("../state/index.js").StateDb;
  bus: EventBus;
  containerName: (id: string) => string | undefined;
  resolveContainer: (ref: string) => import("../network/index.js").ContainerRef | undefined;
}): Promise<import("../network/index.js").NetworkService | undefined> {
  const network = new NetworkService({
    state: o.state,
    execRoot: o.config.execRoot,
    ...(o.config.nftTable ? { nftTable: o.config.nftTable } : {}),
    ...(o.config.bridgePrefix ? { bridgePrefix: o.config.bridgePrefix } : {}),
    log: o.log.child({ module: "network" }),
    emit: (action, id, attributes) => o.bus.publish("network", action, { ID: id, Attributes: attributes }),
    containerName: o.containerName,
    resolveContainer: o.resolveContainer,
  });
  try {
    await network.init();
  } catch (e) {
    o.log.warn("bridge networking unavailable: containers get loopback only", { err: e instanceof Error ? e.message : String(e) });
    return undefined;
  }
  return network;
}

function networksBackend(n: import("../network/index.js").NetworkService): import("../api/backend.js").NetworksBackend {
  return {
    list: (filters) => n.list(filters),
    inspect: (ref) => n.inspect(ref),
    create: (body) => n.create(body),
    remove: (ref) => n.remove(ref),
    prune: (filters) => n.prune(filters),
    connect: (ref, body) => n.connect(ref, body.Container ?? "", endpointRequest(body.EndpointConfig)),
    disconnect: (ref, body) => n.disconnect(ref, body.Container ?? ""),
  };
}

/**
 * The registry client's options from the daemon's config: allowed-registries, insecure registries,
 * mirrors (`registry-mirrors` are docker.io's, as in docker; `registry-mirrors-by-host` any registry's),
 * docker's certs.d layout under /etc/berth and /etc/docker, proxies from the environment.
 */
export function registryClientOptions(config: DaemonConfig, log?: Logger, env: NodeJS.ProcessEnv = process.env): RegistryClientOptions {
  const mirrors: Record<string, string[]> = { ...(config.registryMirrorsByHost ?? {}) };
  if (config.registryMirrors.length > 0) mirrors["docker.io"] = [...config.registryMirrors, ...(mirrors["docker.io"] ?? [])];
  const proxy: { http?: string; https?: string; noProxy?: string } = {};
  const http = env["HTTP_PROXY"] ?? env["http_proxy"];
  const https = env["HTTPS_PROXY"] ?? env["https_proxy"];
  const noProxy = env["NO_PROXY"] ?? env["no_proxy"];
  if (http) proxy.http = http;
  if (https) proxy.https = https;
  if (noProxy) proxy.noProxy = noProxy;
  return {
    allowed: registryPolicy(config.allowedRegistries),
    insecureRegistries: config.insecureRegistries,
    mirrors,
    certsDirs: ["/etc/berth/certs.d", "/etc/docker/certs.d"],
    proxy,
    userAgent: `berth/${BERTH_VERSION}`,
    ...(log ? { log: (msg: string) => log.debug(msg) } : {}),
  };
}

export async function startDaemon(opts: StartDaemonOptions): Promise<RunningDaemon> {
  const config = opts.config;
  const log = opts.log ?? Logger.create(config.logLevel);
  if (config.hosts.length !== 1) throw new InvalidArgumentError("exactly one --host is supported");
  const socket = socketPathOf(config.hosts[0] ?? "");
  const runtimePath = findBinary(config.runtime);
  if (!runtimePath) throw new InvalidArgumentError(`OCI runtime ${config.runtime} not found in PATH`);
  // crun on a hybrid cgroup host runs through berth-crun-launcher; without it, fail here, not at each start
  const runtimeCommand = resolveRuntimeCommand(config.runtime, runtimePath);
  if (runtimeCommand.binary !== runtimePath) log.info("crun runs through the launcher (hybrid cgroup host)", { launcher: runtimeCommand.binary });

  mkdirSync(config.dataRoot, { recursive: true, mode: 0o711 });
  chmodSync(config.dataRoot, 0o711);
  const lock = acquireDataRootLock(config.dataRoot);
  const cleanups: Array<() => Promise<void> | void> = [() => lock.release()];
  const runCleanups = async (): Promise<void> => {
    for (const fn of cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch (err) {
        log.warn("shutdown step failed", { err });
      }
    }
  };
  try {
    mkdirSync(config.execRoot, { recursive: true, mode: 0o700 });
    mkdirSync(path.dirname(socket), { recursive: true, mode: 0o755 });
    await clearStaleSocket(socket);

    const driver = await chooseStorageDriver(config.storageDriver, config.dataRoot);
    log.info("storage driver", { driver });
    const state = StateDb.open(config.dataRoot);
    cleanups.push(() => state.close());
    const { content, snapshotter } = await openStorage(config.dataRoot, driver, state);

    const bus = new EventBus();
    const arch = goArch();
    const platform: { os: string; architecture: string; variant?: string } = { os: "linux", architecture: arch.architecture };
    if (arch.variant) platform.variant = arch.variant;
    const images = new ImageService({
      state,
      content,
      snapshotter,
      log: log.child({ module: "images" }),
      emit: (type, action, id, attributes) => {
        bus.publish(type, action, { ID: id, Attributes: attributes });
      },
      platform,
    });
    // The registry client (and its code) loads on the first pull, push or login.
    const registryLog = log.child({ module: "registry" });
    images.setRegistryClient(async () => {
      const { createRegistryClient } = await import("../registry/client/index.js");
      return createRegistryClient(registryClientOptions(config, registryLog));
    }, registryPolicy(config.allowedRegistries));
    cleanups.push(() => images.closeRegistry());
    const gc = await images.recover();
    log.debug("recovered images", { gc });

    const volumes = new VolumeService({ state, dataRoot: config.dataRoot, log: log.child({ module: "volumes" }), emit: (action, name, attributes) => bus.publish("volume", action, { ID: name, Attributes: attributes }) });
    let containersRef: import("../containers/index.js").ContainerService | undefined;
    const network = await openNetwork({
      config,
      log,
      state,
      bus,
      containerName: (cid) => containersRef?.store.get(cid)?.name,
      resolveContainer: (ref) => {
        try {
          const r = containersRef?.store.lookup(ref);
          return r ? { id: r.id, name: r.name, running: r.status === "running" || r.status === "paused", networkMode: r.hostConfig.NetworkMode ?? "" } : undefined;
        } catch {
          return undefined;
        }
      },
    });
    const containers = await openContainers({ config, log, state, images, snapshotter, driver, runtime: runtimeCommand, bus, volumes, ...(network ? { network } : {}) });
    containersRef = containers;
    if (network) cleanups.push(() => network.close());
    cleanups.push(() => containers.close());
    await volumes.recover(new Set(containers.store.all().map((r) => r.id)));

    // The builder loads on first use: most daemons never build, and its code costs idle memory.
    let builderP: Promise<import("../builder/index.js").Builder> | undefined;
    const builder = (): Promise<import("../builder/index.js").Builder> =>
      (builderP ??= import("../builder/index.js").then(
        ({ Builder }) => new Builder({ state, images, containers, snapshotter, tmpRoot: path.join(config.dataRoot, "builder", "tmp"), log: log.child({ module: "builder" }), platform }),
      ));

    // berth's incremental build contexts (builder/context/context-store.ts)
    const contextStore = new ContextStore(path.join(config.dataRoot, "builder", "context-store"), { log: log.child({ module: "builder" }) });
    const id = await engineId(config.dataRoot);
    const runtimeVersion = runtimeComponent(config.runtime, runtimePath);
    const system = new SystemService({
      config,
      driver,
      id,
      eventListeners: () => bus.listenerCount,
      components: async () => {
        const c = await runtimeVersion();
        return c ? [c] : [];
      },
      images: {
        count: async () => {
          const ctx: RequestContext = { apiVersion: "1.44", signal: new AbortController().signal };
          return (await images.list({ all: true, filters: {}, digests: false, sharedSize: false }, ctx)).length;
        },
        diskUsage: (v) => images.diskUsage(v),
      },
      buildCache: { diskUsage: async () => [...(await builder()).cache.usage(), ...contextStore.diskUsage()] },
      volumes: { diskUsage: () => volumes.diskUsage() },
      containers: {
        counts: async () => containers.counts(),
        diskUsage: async () => {
          const ctx: RequestContext = { apiVersion: "1.44", signal: new AbortController().signal };
          return containers.list({ all: true, size: true, filters: {} }, ctx);
        },
      },
    });
    const backend: Backend = {
      images,
      containers,
      build: {
        build: async (body, o, progress, ctx) => (await builder()).build(body, o, progress, ctx),
        prune: async () => {
          const r = await (await builder()).prune();
          return { ...r, SpaceReclaimed: r.SpaceReclaimed + contextStore.prune().bytes };
        },
        contextStore: contextStoreBackend(contextStore),
      },
      ...(network ? { networks: networksBackend(network) } : {}),
      system,
      volumes,
      events: {
        stream: (o, ctx) => {
          validateEventFilters(o.filters); // throws before the stream starts: a 400, not a cut stream
          return bus.stream(o, ctx);
        },
      },
    };
    const api = createApiServer(backend, { log, serverVersion: BERTH_VERSION, registryAllowed: registryPolicy(config.allowedRegistries) });
    await api.listen(socket, 0o660);
    const idle = new IdleReclaimer({
      delayMs: idleReclaimDelay(),
      reclaim: () => {
        drainBufferPools();
        state.shrinkMemory();
        reclaimMemory();
      },
      log,
    });
    api.server.on("request", (_req: unknown, res: NodeJS.EventEmitter) => {
      idle.touch();
      res.once("close", () => idle.touch());
    });
    api.server.on("upgrade", () => idle.touch());
    cleanups.push(() => idle.close());
    cleanups.push(async () => {
      await api.close();
      rmSync(socket, { force: true });
    });
    const group = setSocketGroup(socket);
    log.info(`API listen on ${socket}`, { group });
    if (config.pidfile) {
      await writeFileAtomic(config.pidfile, `${process.pid}\n`);
      const pidfile = config.pidfile;
      cleanups.push(() => rmSync(pidfile, { force: true }));
    }
    bus.publish("daemon", "start", { ID: id, Attributes: { name: hostname() } });
    let closing: Promise<void> | undefined;
    const close = (): Promise<void> => (closing ??= runCleanups());
    return { socket, bus, driver, close, stop: close };
  } catch (e) {
    await runCleanups();
    throw e;
  }
}

/** How long berthd waits after the last API activity before giving memory back (BERTH_IDLE_RECLAIM_MS, for tests). */
function idleReclaimDelay(): number {
  const v = Number(process.env["BERTH_IDLE_RECLAIM_MS"]);
  return Number.isFinite(v) && v > 0 ? v : 10_000;
}

/** `network connect --ip/--alias`: the parts of a connect request's EndpointConfig berth uses. */
function endpointRequest(cfg: unknown): { ip?: string; aliases?: string[] } {
  if (cfg === null || typeof cfg !== "object") return {};
  const c = cfg as { IPAMConfig?: { IPv4Address?: unknown } | null; Aliases?: unknown };
  const ip = c.IPAMConfig?.IPv4Address;
  const aliases = Array.isArray(c.Aliases) ? c.Aliases.filter((a): a is string => typeof a === "string") : [];
  return { ...(typeof ip === "string" && ip !== "" ? { ip } : {}), ...(aliases.length > 0 ? { aliases } : {}) };
}
