/** HostConfig.PortBindings (+ -P with ExposedPorts) → the ports a container publishes. */
import { createServer } from "node:net";
import { createSocket } from "node:dgram";
import { ConflictError, InvalidArgumentError } from "../errdefs/index.js";
import type { PublishedPort } from "./network-store.js";
import { portHolder } from "./port-holder.js";

export interface PortBindingInput {
  HostIp: string;
  HostPort: string;
}

export interface PublishRequest {
  portBindings: Record<string, PortBindingInput[] | null> | null | undefined;
  publishAll: boolean;
  exposedPorts: Record<string, unknown> | null | undefined;
}

/** "80/tcp" → [80, "tcp"]; a bare "80" is tcp. */
export function parsePortKey(key: string): { port: number; proto: PublishedPort["proto"] } {
  const m = /^(\d+)(?:\/(tcp|udp|sctp))?$/.exec(key.trim());
  const port = m ? Number(m[1]) : NaN;
  if (!m || !(port >= 1 && port <= 65535)) throw new InvalidArgumentError(`invalid port specification: "${key}"`);
  return { port, proto: (m[2] ?? "tcp") as PublishedPort["proto"] };
}

/** Whether the host can bind hostIp:port now (nothing else listening on it). */
export function portFree(hostIp: string, port: number, proto: PublishedPort["proto"]): Promise<boolean> {
  const host = hostIp === "" ? "0.0.0.0" : hostIp;
  return new Promise((resolve) => {
    if (proto === "udp") {
      const s = createSocket(host.includes(":") ? "udp6" : "udp4");
      s.once("error", () => resolve(false));
      s.bind({ port, address: host, exclusive: true }, () => s.close(() => resolve(true)));
      return;
    }
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

const clash = (a: PublishedPort, b: { hostIp: string; hostPort: number; proto: string }): boolean => {
  if (a.hostPort !== b.hostPort || a.proto !== b.proto) return false;
  const any = (ip: string): boolean => ip === "" || ip === "0.0.0.0";
  return any(a.hostIp) || any(b.hostIp) || a.hostIp === b.hostIp;
};

/** Whether the request publishes anything (resolvePorts would return ports, or fail on a bad key). */
export function publishes(req: PublishRequest): boolean {
  return Object.keys(req.portBindings ?? {}).length > 0 || (req.publishAll && Object.keys(req.exposedPorts ?? {}).length > 0);
}

/**
 * Resolves every binding to a concrete host port: explicit ports are checked against berth's other
 * published ports and against listeners on the host; empty ones get a free port from 49153–60999.
 */
export async function resolvePorts(req: PublishRequest, inUse: readonly PublishedPort[]): Promise<PublishedPort[]> {
  const bindings: Record<string, PortBindingInput[]> = {};
  for (const [k, v] of Object.entries(req.portBindings ?? {})) bindings[k] = v && v.length > 0 ? v : [{ HostIp: "", HostPort: "" }];
  if (req.publishAll) for (const k of Object.keys(req.exposedPorts ?? {})) bindings[k] ??= [{ HostIp: "", HostPort: "" }];
  const out: PublishedPort[] = [];
  const taken = (p: { hostIp: string; hostPort: number; proto: string }): boolean => [...inUse, ...out].some((u) => clash(u, p));
  for (const [key, list] of Object.entries(bindings)) {
    const { port, proto } = parsePortKey(key);
    for (const b of list) {
      const hostIp = b.HostIp === "0.0.0.0" ? "" : (b.HostIp ?? "");
      const hp = (b.HostPort ?? "").trim();
      if (hp === "" || hp === "0") {
        out.push({ hostIp, hostPort: await randomPort(hostIp, proto, taken), containerPort: port, proto });
        continue;
      }
      const range = /^(\d+)(?:-(\d+))?$/.exec(hp);
      if (!range) throw new InvalidArgumentError(`invalid port specification: "${hp}"`);
      const lo = Number(range[1]);
      const hi = range[2] !== undefined ? Number(range[2]) : lo;
      if (!(lo >= 1 && hi <= 65535 && lo <= hi)) throw new InvalidArgumentError(`invalid port specification: "${hp}"`);
      let chosen: number | undefined;
      let why = "";
      for (let p = lo; p <= hi && chosen === undefined; p++) {
        if (taken({ hostIp, hostPort: p, proto })) why = `Bind for ${hostIp || "0.0.0.0"}:${p} failed: port is already allocated`;
        else if (!(await portFree(hostIp, p, proto))) {
          const holder = portHolder(p, proto);
          why = `Bind for ${hostIp || "0.0.0.0"}:${p} failed: port is already in use by ${holder ?? "a process on the host"}`;
        }
        else chosen = p;
      }
      if (chosen === undefined) throw new ConflictError(why);
      out.push({ hostIp, hostPort: chosen, containerPort: port, proto });
    }
  }
  return out;
}

async function randomPort(hostIp: string, proto: PublishedPort["proto"], taken: (p: { hostIp: string; hostPort: number; proto: string }) => boolean): Promise<number> {
  const lo = 49153;
  const hi = 60999;
  const start = lo + Math.floor(Math.random() * (hi - lo + 1));
  for (let i = 0; i <= hi - lo; i++) {
    const p = lo + ((start - lo + i) % (hi - lo + 1));
    if (!taken({ hostIp, hostPort: p, proto }) && (await portFree(hostIp, p, proto))) return p;
  }
  throw new ConflictError("no free host port in 49153-60999");
}
