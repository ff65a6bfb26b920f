/** Container records → the Engine API's inspect and list shapes. */
import type { ContainerInspect, ContainerState, ContainerSummary, NetworkSettings } from "../api/types/containers.js";
import type { ContainerRecord } from "./container-store.js";
import { statusString } from "./status-string.js";

export interface ContainerPaths {
  bundleDir: string;
  logPath: string;
  hostsPath: string;
  hostnamePath: string;
  resolvConfPath: string;
}

export function stateOf(rec: ContainerRecord): ContainerState {
  const s = rec.state;
  return {
    Status: rec.status,
    Running: rec.status === "running" || rec.status === "paused",
    Paused: rec.status === "paused",
    Restarting: rec.status === "restarting",
    OOMKilled: s.OOMKilled,
    Dead: rec.status === "dead",
    Pid: s.Pid,
    ExitCode: s.ExitCode,
    Error: s.Error,
    StartedAt: s.StartedAt,
    FinishedAt: s.FinishedAt,
    ...(s.Health && rec.config.Healthcheck?.Test?.[0] !== "NONE" ? { Health: s.Health } : {}),
  };
}

/** Empty until the networking issue attaches containers to networks. */
function networkSettings(): NetworkSettings {
  return {
    Bridge: "",
    SandboxID: "",
    Ports: {},
    SandboxKey: "",
    EndpointID: "",
    Gateway: "",
    GlobalIPv6Address: "",
    GlobalIPv6PrefixLen: 0,
    IPAddress: "",
    IPPrefixLen: 0,
    IPv6Gateway: "",
    MacAddress: "",
    Networks: {},
  };
}

export function inspectView(rec: ContainerRecord, paths: ContainerPaths, driver: string, net?: NetworkSettings): ContainerInspect {
  const cfg = rec.config;
  const args = [...(cfg.Entrypoint ?? []), ...(cfg.Cmd ?? [])];
  return {
    Id: rec.id,
    Created: rec.created,
    Path: args[0] ?? "",
    Args: args.slice(1),
    State: stateOf(rec),
    Image: rec.imageId,
    ResolvConfPath: paths.resolvConfPath,
    HostnamePath: paths.hostnamePath,
    HostsPath: paths.hostsPath,
    LogPath: paths.logPath,
    Name: rec.name,
    RestartCount: rec.restartCount,
    Driver: driver,
    Platform: "linux",
    MountLabel: "",
    ProcessLabel: "",
    AppArmorProfile: "",
    ExecIDs: null,
    HostConfig: rec.hostConfig,
    GraphDriver: { Name: driver, Data: null },
    Mounts: [],
    Config: { ...cfg, Image: rec.image },
    NetworkSettings: net ?? networkSettings(),
  };
}

/** docker's `Command` column: entrypoint and cmd joined by spaces. */
function commandOf(rec: ContainerRecord): string {
  return [...(rec.config.Entrypoint ?? []), ...(rec.config.Cmd ?? [])].join(" ");
}

export function summaryView(rec: ContainerRecord, now = Date.now()): ContainerSummary {
  return {
    Id: rec.id,
    Names: [rec.name],
    Image: rec.image,
    ImageID: rec.imageId,
    Command: commandOf(rec),
    Created: Math.floor(Date.parse(rec.created) / 1000),
    Ports: [],
    Labels: rec.config.Labels ?? {},
    State: rec.status,
    Status: statusString(rec, now),
    HostConfig: { NetworkMode: rec.hostConfig.NetworkMode || "default" },
    NetworkSettings: { Networks: {} },
    Mounts: [],
  };
}
