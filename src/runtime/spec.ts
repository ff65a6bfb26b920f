import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { OciMountInput, SpecInput } from "./types.js";
import { defaultSeccompProfile, profileToOci, seccompFromDockerProfile } from "./seccomp.js";
import type { LinuxSeccomp } from "./seccomp.js";

export interface OciDevice { path: string; type: string; major: number; minor: number; fileMode?: number; uid?: number; gid?: number }
export interface OciDeviceCgroup { allow: boolean; type?: string; major?: number; minor?: number; access?: string }
export interface OciResources {
  devices: OciDeviceCgroup[];
  memory?: { limit?: number; reservation?: number; swap?: number; swappiness?: number; disableOOMKiller?: boolean };
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string; mems?: string };
  pids?: { limit: number };
  blockIO?: { weight?: number };
}
export interface OciRuntimeSpec {
  ociVersion: string;
  process: {
    terminal: boolean;
    consoleSize?: { height: number; width: number };
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: { bounding: string[]; effective: string[]; permitted: string[]; inheritable: string[]; ambient: string[] };
    rlimits: Array<{ type: string; hard: number; soft: number }>;
    noNewPrivileges: boolean;
    oomScoreAdj?: number;
  };
  root: { path: string; readonly: boolean };
  hostname: string;
  domainname?: string;
  mounts: Array<{ destination: string; type: string; source: string; options: string[] }>;
  linux: {
    resources: OciResources;
    cgroupsPath: string;
    namespaces: Array<{ type: string; path?: string }>;
    devices: OciDevice[];
    maskedPaths: string[];
    readonlyPaths: string[];
    sysctl: Record<string, string>;
    seccomp?: LinuxSeccomp;
  };
}

export const DEFAULT_MASKED_PATHS: readonly string[] = [
  "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
  "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
];
export const DEFAULT_READONLY_PATHS: readonly string[] = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

/** The host's hard RLIMIT_NOFILE (docker's 1048576 cannot be raised above it without CAP_SYS_RESOURCE in the host). */
function hostNofileHard(): number {
  try {
    const m = /^Max open files\s+\S+\s+(\S+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    if (m && m[1] && m[1] !== "unlimited") return Number(m[1]);
  } catch {
    // fall through
  }
  return 1048576;
}

function defaultMounts(input: SpecInput): OciMountInput[] {
  const shm = input.shmSize && input.shmSize > 0 ? input.shmSize : 64 * 1024 * 1024;
  const sysOpts = ["nosuid", "noexec", "nodev", input.privileged ? "rw" : "ro"];
  return [
    { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
    { destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
    { destination: "/sys", type: "sysfs", source: "sysfs", options: sysOpts },
    { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", input.privileged ? "rw" : "ro"] },
    { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", `size=${shm}`] },
  ];
}

function statDevice(hostPath: string, containerPath: string): OciDevice | undefined {
  let st;
  try {
    st = statSync(hostPath, { bigint: false });
  } catch {
    return undefined;
  }
  let type: string;
  if (st.isCharacterDevice()) type = "c";
  else if (st.isBlockDevice()) type = "b";
  else if (st.isFIFO()) type = "p";
  else return undefined;
  const rdev = st.rdev;
  const major = Math.floor(rdev / 256) & 0xfff;
  const minor = (rdev & 0xff) | ((Math.floor(rdev / 0x100000) & 0xfff00));
  return { path: containerPath, type, major, minor, fileMode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
}

function hostDevices(dir = "/dev", out: OciDevice[] = []): OciDevice[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (["pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev"].includes(e.name) && dir === "/dev") continue;
      hostDevices(p, out);
    } else if (e.isCharacterDevice() || e.isBlockDevice()) {
      if (p === "/dev/console" || p === "/dev/ptmx") continue;
      const d = statDevice(p, p);
      if (d) out.push(d);
    }
  }
  return out;
}

const DEFAULT_DEVICE_RULES: OciDeviceCgroup[] = [
  { allow: false, access: "rwm" },
  { allow: true, type: "c", major: 1, minor: 5, access: "rwm" }, // zero
  { allow: true, type: "c", major: 1, minor: 3, access: "rwm" }, // null
  { allow: true, type: "c", major: 1, minor: 9, access: "rwm" }, // urandom
  { allow: true, type: "c", major: 1, minor: 8, access: "rwm" }, // random
  { allow: true, type: "c", major: 5, minor: 0, access: "rwm" }, // tty
  { allow: true, type: "c", major: 5, minor: 1, access: "rwm" }, // console
  { allow: true, type: "c", major: 1, minor: 7, access: "rwm" }, // full
  { allow: true, type: "c", major: 5, minor: 2, access: "rwm" }, // ptmx
  { allow: true, type: "c", major: 136, access: "rwm" }, // pts/*
  { allow: true, type: "c", major: 10, minor: 200, access: "rwm" }, // net/tun
  { allow: true, type: "c", access: "m" },
  { allow: true, type: "b", access: "m" },
];

/** Builds the OCI runtime-spec config.json for a container. */
export function buildSpec(input: SpecInput): OciRuntimeSpec {
  const p = input.process;
  const caps = p.capabilities.map((c) => (c.startsWith("CAP_") ? c : `CAP_${c}`));
  const rlimits = p.rlimits.map((r) => ({ type: r.type, hard: r.hard, soft: r.soft }));
  if (!rlimits.some((r) => r.type === "RLIMIT_NOFILE")) {
    const n = Math.min(1048576, hostNofileHard());
    rlimits.push({ type: "RLIMIT_NOFILE", hard: n, soft: n });
  }

  const mounts: OciMountInput[] = [];
  const userDests = new Set(input.mounts.map((m) => m.destination.replace(/\/+$/, "") || "/"));
  for (const m of defaultMounts(input)) if (!userDests.has(m.destination)) mounts.push(m);
  // a user mount over /dev replaces the /dev tmpfs but the sub-mounts still go on top
  for (const m of input.mounts) mounts.push({ destination: m.destination, type: m.type, source: m.source, options: [...m.options] });

  const namespaces: Array<{ type: string; path?: string }> = [{ type: "mount" }];
  const ns = input.namespaces;
  const add = (type: string, v: string): void => {
    if (v === "host") return;
    if (v === "private" || v === "" || v === undefined) namespaces.push({ type });
    else namespaces.push({ type, path: v });
  };
  add("network", ns.network);
  add("ipc", ns.ipc);
  add("pid", ns.pid);
  add("uts", ns.uts);
  add("cgroup", ns.cgroup);

  const r = input.resources;
  const resources: OciResources = { devices: input.privileged ? [{ allow: true, access: "rwm" }] : DEFAULT_DEVICE_RULES.map((d) => ({ ...d })) };
  const mem: NonNullable<OciResources["memory"]> = {};
  if (r.memory && r.memory > 0) mem.limit = r.memory;
  if (r.memoryReservation && r.memoryReservation > 0) mem.reservation = r.memoryReservation;
  if (r.memorySwap !== undefined && r.memorySwap !== 0) mem.swap = r.memorySwap;
  else if (r.memory && r.memory > 0) mem.swap = r.memory * 2; // docker: swap defaults to twice the memory limit
  if (r.memorySwappiness !== undefined && r.memorySwappiness >= 0) mem.swappiness = r.memorySwappiness;
  if (r.oomKillDisable) mem.disableOOMKiller = true;
  if (Object.keys(mem).length > 0) resources.memory = mem;
  const cpu: NonNullable<OciResources["cpu"]> = {};
  if (r.cpuShares && r.cpuShares > 0) cpu.shares = r.cpuShares;
  if (r.cpuQuota && r.cpuQuota > 0) cpu.quota = r.cpuQuota;
  if (r.cpuPeriod && r.cpuPeriod > 0) cpu.period = r.cpuPeriod;
  if (r.cpusetCpus) cpu.cpus = r.cpusetCpus;
  if (r.cpusetMems) cpu.mems = r.cpusetMems;
  if (Object.keys(cpu).length > 0) resources.cpu = cpu;
  if (r.pidsLimit !== undefined && r.pidsLimit > 0) resources.pids = { limit: r.pidsLimit };
  if (r.blkioWeight && r.blkioWeight > 0) resources.blockIO = { weight: r.blkioWeight };

  const devices: OciDevice[] = input.privileged ? hostDevices() : [];
  for (const d of input.devices) {
    const dev = statDevice(d.pathOnHost, d.pathInContainer);
    if (!dev) continue;
    const i = devices.findIndex((x) => x.path === dev.path);
    if (i >= 0) devices.splice(i, 1);
    devices.push(dev);
    if (!input.privileged) resources.devices.push({ allow: true, type: dev.type, major: dev.major, minor: dev.minor, access: d.permissions || "rwm" });
  }

  const spec: OciRuntimeSpec = {
    ociVersion: "1.0.2",
    process: {
      terminal: p.terminal,
      user: { uid: p.uid, gid: p.gid, ...(p.additionalGids.length > 0 ? { additionalGids: [...p.additionalGids] } : {}) },
      args: [...p.args],
      env: [...p.env],
      cwd: p.cwd || "/",
      capabilities: { bounding: [...caps], effective: [...caps], permitted: [...caps], inheritable: [], ambient: [] },
      rlimits,
      noNewPrivileges: p.noNewPrivileges,
    },
    root: { path: input.rootfs, readonly: input.readonlyRootfs },
    hostname: input.hostname,
    mounts,
    linux: {
      resources,
      cgroupsPath: input.cgroupsPath,
      namespaces,
      devices,
      maskedPaths: input.privileged ? [] : [...(input.maskedPaths ?? DEFAULT_MASKED_PATHS)],
      readonlyPaths: input.privileged ? [] : [...(input.readonlyPaths ?? DEFAULT_READONLY_PATHS)],
      sysctl: { ...input.sysctls },
    },
  };
  if (p.terminal && p.consoleSize) spec.process.consoleSize = { height: p.consoleSize[0], width: p.consoleSize[1] };
  if (p.oomScoreAdj !== undefined) spec.process.oomScoreAdj = p.oomScoreAdj;
  if (input.domainname) spec.domainname = input.domainname;
  if (!input.privileged && input.seccomp !== "unconfined") {
    spec.linux.seccomp = input.seccomp === "default" ? profileToOci(defaultSeccompProfile(), p.capabilities) : seccompFromDockerProfile(input.seccomp.profileJson, p.capabilities);
  }
  return spec;
}
