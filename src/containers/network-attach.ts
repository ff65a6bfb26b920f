/** Glue between container lifecycle and network/: attach before the runtime creates, settings for inspect. */
import { readFileSync, writeFileSync } from "node:fs";
import type { NetworkSettings, Port } from "../api/types/containers.js";
import { BerthError, InvalidArgumentError } from "../errdefs/index.js";
import type { EndpointRecord, NetworkService } from "../network/index.js";
import type { ContainerRecord } from "./container-store.js";
import { containerHosts, containerResolvConf, extraHostRecords } from "./etc-files.js";

function hostResolv(): string {
  try {
    return readFileSync("/etc/resolv.conf", "utf8");
  } catch {
    return "";
  }
}

/** A failure to attach a container to its network: start reports its message as is, with its kind. */
export class NetworkAttachError extends BerthError {
  constructor(cause: unknown) {
    super(cause instanceof BerthError ? cause.kind : "internal", cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

/** The container's /etc/hosts: docker's fixed lines, its `--add-host` entries, and its address when it has one. */
export function hostsFileOf(net: NetworkService | undefined, rec: Pick<ContainerRecord, "config" | "hostConfig">, ip?: string): string {
  let gateway: string | undefined;
  const extraHosts = rec.hostConfig.ExtraHosts ?? [];
  if (extraHosts.some((e) => e.endsWith(":host-gateway"))) {
    try {
      gateway = net?.networkOf("bridge")?.gateway;
    } catch {
      gateway = undefined;
    }
  }
  return containerHosts(rec.config.Hostname ?? "", ip, extraHostRecords(extraHosts, gateway));
}

/** Fails create for an unknown network with docker's message ("network x not found"). */
export function checkNetworkMode(net: NetworkService | undefined, mode: string | undefined): void {
  try {
    net?.networkOf(mode ?? "");
  } catch (e) {
    // not a 404: the docker CLI would take a 404 from create for a missing image and try to pull it
    if (e instanceof BerthError && e.kind === "not-found") throw new InvalidArgumentError(e.message);
    throw e;
  }
}

/**
 * Attaches the container to its network and rewrites its /etc/hosts with its address. Returns the
 * netns path the runtime must join, or undefined (host, none: the spec's own choice stands).
 */
export async function attachNetwork(
  net: NetworkService | undefined,
  rec: ContainerRecord,
  paths: { hostsPath: string; resolvConfPath: string },
): Promise<{ netnsPath?: string; ready: Promise<void> }> {
  if (!net) return { ready: Promise.resolve() };
  const hc = rec.hostConfig;
  const r = await net
    .attach({
      containerId: rec.id,
      name: rec.name,
    networkMode: hc.NetworkMode ?? "",
    portBindings: hc.PortBindings,
    publishAll: hc.PublishAllPorts === true,
      exposedPorts: rec.config.ExposedPorts,
    })
    .catch((e: unknown) => {
      throw new NetworkAttachError(e);
    });
  if (r.ip) writeFileSync(paths.hostsPath, hostsFileOf(net, rec, r.ip));
  // user networks: names resolve through the responder on the gateway (unless --dns was given)
  if (r.dns && !(hc.Dns && hc.Dns.length > 0)) writeFileSync(paths.resolvConfPath, containerResolvConf(hostResolv(), [r.dns], [...(hc.DnsOptions ?? []), "ndots:0"]));
  const ready = (r.ready ?? Promise.resolve()).catch((e: unknown) => {
    throw new NetworkAttachError(e);
  });
  ready.catch(() => undefined); // awaited by the caller before start
  return { ...(r.netnsPath ? { netnsPath: r.netnsPath } : {}), ready };
}

/** `eps`: the container's endpoints when the caller read them already (a whole list at once). */
export function networkSettingsOf(net: NetworkService | undefined, rec: ContainerRecord, eps?: readonly EndpointRecord[]): NetworkSettings | undefined {
  if (!net) return undefined;
  return eps ? net.settings(rec.id, rec.hostConfig.NetworkMode ?? "", rec.config.ExposedPorts, eps) : net.settings(rec.id, rec.hostConfig.NetworkMode ?? "", rec.config.ExposedPorts);
}

/** `docker ps` PORTS column data. */
export function portsOf(net: NetworkService | undefined, rec: ContainerRecord, eps?: readonly EndpointRecord[]): Port[] {
  if (!net) return [];
  return (eps ? net.portsOf(rec.id, eps) : net.portsOf(rec.id)).map((p) => ({ IP: p.hostIp || "0.0.0.0", PrivatePort: p.containerPort, PublicPort: p.hostPort, Type: p.proto }));
}
