/**
 * A container record + its mounted rootfs → the runtime's SpecInput: the user looked up in the image,
 * capabilities, security options, resources, namespaces and the /etc files bound in.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import type { HostConfig } from "../api/types/containers.js";
import { InvalidArgumentError } from "../errdefs/index.js";
import { resolveCapabilities, type SpecInput } from "../runtime/index.js";
import type { ContainerRecord } from "./container-store.js";
import { resolveInRoot } from "./fs/index.js";
import { parseSize } from "./validate-host-config.js";
import { BUILD_STEP_LABEL, resolveUser } from "./user-lookup.js";

const DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface SpecPaths {
  rootfs: string;
  hostsPath: string;
  hostnamePath: string;
  resolvConfPath: string;
  /** tini or catatonit on the host, for --init. */
  initBinary?: string;
  /** The user mounts resolved by mounts.ts resolveMounts (volumes wired); else userMounts() below. */
  userMounts?: SpecInput["mounts"];
}

/** Reads a file of the rootfs without following symlinks out of it ("" when absent). */
function readInRoot(rootfs: string, p: string): string {
  try {
    return readFileSync(resolveInRoot({ rootfs, extraMounts: [] }, p, { followFinal: true }).host, "utf8");
  } catch {
    return "";
  }
}

function securityOpts(hc: HostConfig): { noNewPrivileges: boolean; seccomp: SpecInput["seccomp"] } {
  let noNewPrivileges = false;
  let seccomp: SpecInput["seccomp"] = "default";
  for (const raw of hc.SecurityOpt ?? []) {
    const [k = "", v = ""] = raw.includes("=") ? [raw.slice(0, raw.indexOf("=")), raw.slice(raw.indexOf("=") + 1)] : raw.split(":", 2);
    if (k === "no-new-privileges") noNewPrivileges = v === "" || v === "true";
    else if (k === "seccomp") seccomp = v === "unconfined" ? "unconfined" : { profileJson: v };
    else if (k === "apparmor" || k === "label") continue;
    else throw new InvalidArgumentError(`invalid --security-opt: ${JSON.stringify(raw)}`);
  }
  if (hc.Privileged) seccomp = "unconfined";
  return { noNewPrivileges, seccomp };
}

const RLIMITS: Record<string, string> = {
  core: "RLIMIT_CORE", cpu: "RLIMIT_CPU", data: "RLIMIT_DATA", fsize: "RLIMIT_FSIZE", locks: "RLIMIT_LOCKS", memlock: "RLIMIT_MEMLOCK",
  msgqueue: "RLIMIT_MSGQUEUE", nice: "RLIMIT_NICE", nofile: "RLIMIT_NOFILE", nproc: "RLIMIT_NPROC", rss: "RLIMIT_RSS",
  rtprio: "RLIMIT_RTPRIO", rttime: "RLIMIT_RTTIME", sigpending: "RLIMIT_SIGPENDING", stack: "RLIMIT_STACK", as: "RLIMIT_AS",
};

function namespaceOf(mode: string | undefined): string {
  if (mode === "host") return "host";
  if (mode?.startsWith("container:")) return mode; // resolved by the caller
  return "private";
}

/** Without a volume service: mounts from HostConfig.Tmpfs and plain host-path Binds only. */
function userMounts(hc: HostConfig): SpecInput["mounts"] {
  const out: SpecInput["mounts"] = [];
  for (const [dest, opts] of Object.entries(hc.Tmpfs ?? {})) {
    out.push({ destination: dest, type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "noexec", ...(opts ? opts.split(",") : [])] });
  }
  for (const b of hc.Binds ?? []) {
    const [src = "", dst = "", mode = ""] = b.split(":");
    if (!src.startsWith("/")) throw new InvalidArgumentError(`named volumes are not supported yet: ${JSON.stringify(b)}`);
    if (!existsSync(src)) mkdirSync(src, { recursive: true });
    out.push({ destination: dst, type: "bind", source: src, options: ["rbind", mode.split(",").includes("ro") ? "ro" : "rw"] });
  }
  return out;
}

export function specInput(rec: ContainerRecord, paths: SpecPaths, cgroupsPath: string): SpecInput {
  const cfg = rec.config;
  const hc = rec.hostConfig;
  const user = resolveUser(cfg.User ?? "", readInRoot(paths.rootfs, "/etc/passwd"), readInRoot(paths.rootfs, "/etc/group"), {
    primaryAsSupplementary: cfg.Labels?.[BUILD_STEP_LABEL] === undefined,
  });
  for (const g of hc.GroupAdd ?? []) {
    const n = /^\d+$/.test(g) ? Number(g) : resolveUser(`0:${g}`, "", readInRoot(paths.rootfs, "/etc/group")).gid;
    if (!user.additionalGids.includes(n)) user.additionalGids.push(n);
  }
  let env = [...(cfg.Env ?? [])];
  if (!env.some((e) => e.startsWith("PATH="))) env.unshift(DEFAULT_PATH);
  if (!env.some((e) => e.startsWith("HOSTNAME="))) env.push(`HOSTNAME=${cfg.Hostname ?? ""}`);
  if (!env.some((e) => e.startsWith("HOME="))) env.push(`HOME=${user.home || "/"}`);
  if (cfg.Tty && !env.some((e) => e.startsWith("TERM="))) env.push("TERM=xterm");
  env = env.filter((e) => e.includes("="));

  let args = [...(cfg.Entrypoint ?? []), ...(cfg.Cmd ?? [])];
  const mounts: SpecInput["mounts"] = [
    { destination: "/etc/resolv.conf", type: "bind", source: paths.resolvConfPath, options: ["rbind", "rprivate"] },
    { destination: "/etc/hostname", type: "bind", source: paths.hostnamePath, options: ["rbind", "rprivate"] },
    { destination: "/etc/hosts", type: "bind", source: paths.hostsPath, options: ["rbind", "rprivate"] },
    ...(paths.userMounts ?? userMounts(hc)),
  ];
  if (hc.Init) {
    if (!paths.initBinary) throw new InvalidArgumentError("--init: neither tini nor catatonit is installed on the host");
    mounts.push({ destination: "/sbin/docker-init", type: "bind", source: paths.initBinary, options: ["bind", "ro"] });
    args = ["/sbin/docker-init", "--", ...args];
  }
  const sec = securityOpts(hc);
  const cpuPeriod = hc.NanoCpus ? 100_000 : hc.CpuPeriod;
  const cpuQuota = hc.NanoCpus ? Math.round((hc.NanoCpus * 100_000) / 1e9) : hc.CpuQuota;
  const shm = hc.ShmSize && hc.ShmSize > 0 ? hc.ShmSize : undefined;
  const input: SpecInput = {
    id: rec.id,
    rootfs: paths.rootfs,
    readonlyRootfs: hc.ReadonlyRootfs === true,
    process: {
      args,
      env,
      cwd: cfg.WorkingDir || "/",
      uid: user.uid,
      gid: user.gid,
      additionalGids: user.additionalGids,
      terminal: cfg.Tty === true,
      ...(hc.ConsoleSize && hc.ConsoleSize[0] > 0 ? { consoleSize: [hc.ConsoleSize[0], hc.ConsoleSize[1]] as [number, number] } : {}),
      noNewPrivileges: sec.noNewPrivileges,
      capabilities: resolveCapabilities({ add: hc.CapAdd ?? [], drop: hc.CapDrop ?? [], privileged: hc.Privileged === true }),
      rlimits: (hc.Ulimits ?? []).map((u) => {
        const type = RLIMITS[u.Name];
        if (!type) throw new InvalidArgumentError(`invalid ulimit type: ${u.Name}`);
        return { type, soft: u.Soft, hard: u.Hard };
      }),
      ...(hc.OomScoreAdj ? { oomScoreAdj: hc.OomScoreAdj } : {}),
    },
    hostname: cfg.Hostname ?? "",
    ...(cfg.Domainname ? { domainname: cfg.Domainname } : {}),
    mounts,
    ...(shm !== undefined ? { shmSize: shm } : {}),
    privileged: hc.Privileged === true,
    seccomp: sec.seccomp,
    namespaces: {
      network: hc.NetworkMode === "host" ? "host" : "private",
      ipc: namespaceOf(hc.IpcMode),
      pid: namespaceOf(hc.PidMode),
      uts: namespaceOf(hc.UTSMode),
      cgroup: hc.CgroupnsMode === "host" ? "host" : "private",
    },
    resources: {
      ...(hc.Memory ? { memory: hc.Memory } : {}),
      ...(hc.MemorySwap ? { memorySwap: hc.MemorySwap } : {}),
      ...(hc.MemoryReservation ? { memoryReservation: hc.MemoryReservation } : {}),
      ...(hc.MemorySwappiness !== undefined && hc.MemorySwappiness !== null && hc.MemorySwappiness >= 0 ? { memorySwappiness: hc.MemorySwappiness } : {}),
      ...(hc.OomKillDisable ? { oomKillDisable: true } : {}),
      ...(hc.CpuShares ? { cpuShares: hc.CpuShares } : {}),
      ...(cpuQuota ? { cpuQuota } : {}),
      ...(cpuPeriod ? { cpuPeriod } : {}),
      ...(hc.CpusetCpus ? { cpusetCpus: hc.CpusetCpus } : {}),
      ...(hc.CpusetMems ? { cpusetMems: hc.CpusetMems } : {}),
      ...(hc.PidsLimit && hc.PidsLimit > 0 ? { pidsLimit: hc.PidsLimit } : {}),
      ...(hc.BlkioWeight ? { blkioWeight: hc.BlkioWeight } : {}),
    },
    devices: (hc.Devices ?? []).map((d) => ({ pathOnHost: d.PathOnHost, pathInContainer: d.PathInContainer || d.PathOnHost, permissions: d.CgroupPermissions || "rwm" })),
    sysctls: hc.Sysctls ?? {},
    cgroupsPath,
  };
  if (hc.MaskedPaths) input.maskedPaths = hc.MaskedPaths;
  if (hc.ReadonlyPaths) input.readonlyPaths = hc.ReadonlyPaths;
  return input;
}

/** Docker's `--shm-size` etc. arrive as numbers already; this is for log options like max-size. */
export function sizeOption(v: string | undefined, dflt: number): number {
  if (v === undefined || v === "") return dflt;
  return parseSize(v) ?? dflt;
}
