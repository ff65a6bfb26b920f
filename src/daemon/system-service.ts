/** SystemBackend: /version, /info, /system/df, from the daemon's config and services. */
import { randomUUID } from "../util/crypto.js";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { RequestContext, SystemBackend } from "../api/backend.js";
import type { DiskUsage, ImageSummary, InfoResponse, VersionComponent, VersionResponse } from "../api/types/index.js";
import { API_VERSION, MIN_API_VERSION } from "../api/version.js";
import { writeFileAtomic } from "../util/atomic.js";
import type { DaemonConfig, StorageDriverName } from "./config.js";
import { backingFilesystem, cgroupVersion, goArch, hostFacts } from "./host-info.js";
import { isoTime } from "../util/iso-time.js";

export const BERTH_VERSION = "0.1.0";

export interface SystemImages {
  count(): Promise<number>;
  diskUsage(apiVersion: string): { layersSize: number; images: ImageSummary[] };
}

/** What containers/ and volumes/ will supply (later issues); absent → zeros and empty lists. */
export interface SystemContainers {
  counts(): Promise<{ total: number; running: number; paused: number; stopped: number }>;
  /** docker's /system/df `Containers` entries. */
  diskUsage(): Promise<unknown[]>;
}
export interface SystemVolumes {
  /** docker's /system/df `Volumes` entries. */
  diskUsage(): Promise<unknown[]>;
}

export interface SystemServiceOptions {
  config: DaemonConfig;
  driver: StorageDriverName;
  images: SystemImages;
  containers?: SystemContainers;
  volumes?: SystemVolumes;
  /** The builder's step cache (docker's types.BuildCache entries); absent → an empty list. */
  buildCache?: { diskUsage(): unknown[] | Promise<unknown[]> };
  eventListeners?: () => number;
  /** From engineId(). */
  id: string;
  /** Extra /version components (the OCI runtime's version), resolved per call. */
  components?: () => Promise<VersionComponent[]>;
}

/** The engine ID stays the same across restarts: `<data-root>/engine-id`. */
export async function engineId(dataRoot: string): Promise<string> {
  const file = path.join(dataRoot, "engine-id");
  try {
    const id = readFileSync(file, "utf8").trim();
    if (id) return id;
  } catch {
    // create below
  }
  const id = randomUUID();
  await writeFileAtomic(file, id + "\n");
  return id;
}

function openFds(): number {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return 0;
  }
}

export class SystemService implements SystemBackend {
  private readonly facts = hostFacts();
  private readonly buildTime = isoTime();

  constructor(private readonly opts: SystemServiceOptions) {}

  async version(_ctx: RequestContext): Promise<VersionResponse> {
    const f = this.facts;
    const arch = goArch().architecture;
    const details = {
      ApiVersion: API_VERSION,
      MinAPIVersion: MIN_API_VERSION,
      GitCommit: "berth",
      GoVersion: `node${process.versions.node}`,
      Os: "linux",
      Arch: arch,
      KernelVersion: f.kernel,
      BuildTime: this.buildTime,
      Experimental: "false",
    };
    const extra = (await this.opts.components?.()) ?? [];
    return {
      Platform: { Name: "berth" },
      Components: [{ Name: "Engine", Version: BERTH_VERSION, Details: details }, ...extra],
      Version: BERTH_VERSION,
      ApiVersion: API_VERSION,
      MinAPIVersion: MIN_API_VERSION,
      GitCommit: "berth",
      GoVersion: details.GoVersion,
      Os: "linux",
      Arch: arch,
      KernelVersion: f.kernel,
      BuildTime: this.buildTime,
      Experimental: false,
    };
  }

  async info(_ctx: RequestContext): Promise<InfoResponse> {
    const f = this.facts;
    const c = this.opts.config;
    const driverStatus =
      this.opts.driver === "overlay2"
        ? [["Backing Filesystem", backingFilesystem(c.dataRoot)], ["Supports d_type", "true"], ["Using metacopy", "false"], ["Native Overlay Diff", "true"], ["userxattr", "false"]]
        : [];
    const cg = cgroupVersion();
    const counts = (await this.opts.containers?.counts()) ?? { total: 0, running: 0, paused: 0, stopped: 0 };
    const runtime = (await this.opts.components?.())?.find((comp) => comp.Name === c.runtime);
    return {
      ID: this.opts.id,
      Containers: counts.total,
      ContainersRunning: counts.running,
      ContainersPaused: counts.paused,
      ContainersStopped: counts.stopped,
      Images: await this.opts.images.count(),
      Driver: this.opts.driver,
      DriverStatus: driverStatus,
      Plugins: {
        Volume: ["local"],
        Network: ["bridge", "host", "none"],
        Authorization: null,
        Log: ["json-file", "local", "none"],
      },
      MemoryLimit: true,
      SwapLimit: cg === "2",
      CpuCfsPeriod: true,
      CpuCfsQuota: true,
      CPUShares: true,
      CPUSet: true,
      PidsLimit: true,
      IPv4Forwarding: true,
      BridgeNfIptables: false,
      BridgeNfIp6tables: false,
      Debug: c.logLevel === "debug",
      NFd: openFds(),
      OomKillDisable: cg === "1",
      NGoroutines: process.getActiveResourcesInfo().length,
      SystemTime: isoTime(),
      LoggingDriver: "json-file",
      CgroupDriver: "cgroupfs",
      CgroupVersion: cg,
      NEventsListener: this.opts.eventListeners?.() ?? 0,
      KernelVersion: f.kernel,
      OperatingSystem: f.os,
      OSVersion: f.osVersion,
      OSType: "linux",
      Architecture: f.arch,
      IndexServerAddress: "https://index.docker.io/v1/",
      RegistryConfig: {
        AllowNondistributableArtifactsCIDRs: null,
        AllowNondistributableArtifactsHostnames: null,
        InsecureRegistryCIDRs: ["127.0.0.0/8", ...c.insecureRegistries.filter((r) => r.includes("/"))],
        IndexConfigs: {
          "docker.io": { Name: "docker.io", Mirrors: c.registryMirrors, Secure: true, Official: true },
        },
        Mirrors: c.registryMirrors,
      },
      NCPU: f.ncpu,
      MemTotal: f.memTotal,
      GenericResources: null,
      DockerRootDir: c.dataRoot,
      HttpProxy: process.env["HTTP_PROXY"] ?? "",
      HttpsProxy: process.env["HTTPS_PROXY"] ?? "",
      NoProxy: process.env["NO_PROXY"] ?? "",
      Name: f.hostname,
      Labels: [],
      ExperimentalBuild: false,
      ServerVersion: BERTH_VERSION,
      Runtimes: { runc: { path: "runc" }, crun: { path: "crun" } },
      DefaultRuntime: c.runtime,
      Swarm: { NodeID: "", NodeAddr: "", LocalNodeState: "inactive", ControlAvailable: false, Error: "", RemoteManagers: null },
      LiveRestoreEnabled: false,
      Isolation: "",
      InitBinary: "",
      ContainerdCommit: { ID: "" },
      RuncCommit: { ID: runtime?.Details?.["GitCommit"] ?? "" },
      InitCommit: { ID: "" },
      SecurityOptions: ["name=seccomp,profile=builtin", ...(cg === "2" ? ["name=cgroupns"] : [])],
      Warnings: [],
    };
  }

  async df(opts: { types: string[] }, ctx: RequestContext): Promise<DiskUsage> {
    const want = (t: string): boolean => opts.types.length === 0 || opts.types.includes(t);
    const du = want("image") ? this.opts.images.diskUsage(ctx.apiVersion) : { layersSize: 0, images: [] };
    return {
      LayersSize: du.layersSize,
      Images: du.images,
      Containers: want("container") ? ((await this.opts.containers?.diskUsage()) ?? []) : [],
      Volumes: want("volume") ? ((await this.opts.volumes?.diskUsage()) ?? []) : [],
      BuildCache: want("build-cache") ? ((await this.opts.buildCache?.diskUsage()) ?? []) : [],
    };
  }
}
