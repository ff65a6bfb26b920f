/**
 * docker's `run`/`create` flag set → the body of POST /containers/create (plus name, platform, pull
 * policy). Two kinds of failure, both exit 125 as in docker: a bad flag value (FlagValueError, pflag's
 * `invalid argument "x" for "-m, --memory" flag: …` + usage) and a bad combination found while building
 * the config (OptsError, `berth: … Run 'berth run --help' …`).
 */
import { resolve as resolvePath } from "node:path";
import { readFileSync } from "node:fs";
import type { ContainerCreateRequest, EndpointSettings, HostConfig, MountSpec, PortBinding } from "../../api/types/index.js";
import type { HealthConfig } from "../../oci/types.js";
import type { CliContext } from "../context.js";
import { bool, int, list, str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import { StatusError } from "../cli-error.js";
import { readKVEnvStrings, validateEnv, type Lookup } from "./exec-env.js";
import { memSwapBytes, parseCpus, parseRestartPolicy, ramInBytes } from "./update.js";
import {
  parseDevice,
  parseGoDuration,
  parseMount,
  parsePortSpec,
  parseUlimit,
  publishToShort,
  splitProtoPort,
  validateDNSSearch,
  validateExtraHost,
  validateIPAddress,
  validateLabel,
  validateSysctl,
} from "./container-opts-values.js";
import { compareStrings } from "../../util/compare.js";

export type PullPolicy = "always" | "missing" | "never";

export interface ContainerOptions {
  config: ContainerCreateRequest;
  name: string | undefined;
  platform: string | undefined;
  pull: PullPolicy;
  quiet: boolean;
}

/** A flag value docker's typed flag would reject while parsing the command line. */
export class FlagValueError extends Error {}
/** An error docker's `parse()` (or validatePullOpt) reports: "docker: …\n\nRun 'docker run --help' …". */
export class OptsError extends Error {}

const S = "string";
/** Flags shared by `run` and `create` (docker's addFlags + the create options). */
export const containerFlags: FlagSpec[] = [
  { long: "add-host", type: "stringArray", valueName: "list", usage: "Add a custom host-to-IP mapping (host:ip)" },
  { long: "attach", short: "a", type: "stringArray", valueName: "list", usage: "Attach to STDIN, STDOUT or STDERR" },
  { long: "cap-add", type: "stringArray", valueName: "list", usage: "Add Linux capabilities" },
  { long: "cap-drop", type: "stringArray", valueName: "list", usage: "Drop Linux capabilities" },
  { long: "cgroupns", type: "string", valueName: S, usage: "Cgroup namespace to use (host|private)" },
  { long: "cpu-shares", short: "c", type: "int", usage: "CPU shares (relative weight)" },
  { long: "cpus", type: "string", valueName: "decimal", usage: "Number of CPUs" },
  { long: "cpuset-cpus", type: "string", valueName: S, usage: "CPUs in which to allow execution (0-3, 0,1)" },
  { long: "device", type: "stringArray", valueName: "list", usage: "Add a host device to the container" },
  { long: "dns", type: "stringArray", valueName: "list", usage: "Set custom DNS servers" },
  { long: "dns-option", type: "stringArray", valueName: "list", usage: "Set DNS options" },
  { long: "dns-search", type: "stringArray", valueName: "list", usage: "Set custom DNS search domains" },
  { long: "domainname", type: "string", valueName: S, usage: "Container NIS domain name" },
  { long: "entrypoint", type: "string", valueName: S, usage: "Overwrite the default ENTRYPOINT of the image" },
  { long: "env", short: "e", type: "stringArray", valueName: "list", usage: "Set environment variables" },
  { long: "env-file", type: "stringArray", valueName: "list", usage: "Read in a file of environment variables" },
  { long: "expose", type: "stringArray", valueName: "list", usage: "Expose a port or a range of ports" },
  { long: "group-add", type: "stringArray", valueName: "list", usage: "Add additional groups to join" },
  { long: "health-cmd", type: "string", valueName: S, usage: "Command to run to check health" },
  { long: "health-interval", type: "string", valueName: "duration", usage: "Time between running the check (ms|s|m|h) (default 0s)" },
  { long: "health-retries", type: "int", usage: "Consecutive failures needed to report unhealthy" },
  { long: "health-start-interval", type: "string", valueName: "duration", usage: "Time between running the check during the start period (ms|s|m|h) (default 0s)" },
  { long: "health-start-period", type: "string", valueName: "duration", usage: "Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)" },
  { long: "health-timeout", type: "string", valueName: "duration", usage: "Maximum time to allow one check to run (ms|s|m|h) (default 0s)" },
  { long: "hostname", short: "h", type: "string", valueName: S, usage: "Container host name" },
  { long: "init", type: "bool", usage: "Run an init inside the container that forwards signals and reaps processes" },
  { long: "interactive", short: "i", type: "bool", usage: "Keep STDIN open even if not attached" },
  { long: "ip", type: "string", valueName: S, usage: "IPv4 address (e.g., 172.30.100.104)" },
  { long: "ipc", type: "string", valueName: S, usage: "IPC mode to use" },
  { long: "label", short: "l", type: "stringArray", valueName: "list", usage: "Set meta data on a container" },
  { long: "label-file", type: "stringArray", valueName: "list", usage: "Read in a line delimited file of labels" },
  { long: "log-driver", type: "string", valueName: S, usage: "Logging driver for the container" },
  { long: "log-opt", type: "stringArray", valueName: "list", usage: "Log driver options" },
  { long: "memory", short: "m", type: "string", valueName: "bytes", usage: "Memory limit" },
  { long: "memory-reservation", type: "string", valueName: "bytes", usage: "Memory soft limit" },
  { long: "memory-swap", type: "string", valueName: "bytes", usage: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap" },
  { long: "mount", type: "stringArray", valueName: "mount", usage: "Attach a filesystem mount to the container" },
  { long: "name", type: "string", valueName: S, usage: "Assign a name to the container" },
  { long: "net", type: "stringArray", valueName: "network", usage: "Connect a container to a network", hidden: true },
  { long: "network", type: "stringArray", valueName: "network", usage: "Connect a container to a network" },
  { long: "network-alias", type: "stringArray", valueName: "list", usage: "Add network-scoped alias for the container" },
  { long: "no-healthcheck", type: "bool", usage: "Disable any container-specified HEALTHCHECK" },
  { long: "oom-kill-disable", type: "bool", usage: "Disable OOM Killer" },
  { long: "pid", type: "string", valueName: S, usage: "PID namespace to use" },
  { long: "pids-limit", type: "int", usage: "Tune container pids limit (set -1 for unlimited)" },
  { long: "platform", type: "string", valueName: S, usage: "Set platform if server is multi-platform capable" },
  { long: "privileged", type: "bool", usage: "Give extended privileges to this container" },
  { long: "publish", short: "p", type: "stringArray", valueName: "list", usage: "Publish a container's port(s) to the host" },
  { long: "publish-all", short: "P", type: "bool", usage: "Publish all exposed ports to random ports" },
  { long: "pull", type: "string", valueName: S, usage: 'Pull image before running ("always", "missing", "never")', default: "missing" },
  { long: "quiet", short: "q", type: "bool", usage: "Suppress the pull output" },
  { long: "read-only", type: "bool", usage: "Mount the container's root filesystem as read only" },
  { long: "restart", type: "string", valueName: S, usage: "Restart policy to apply when a container exits", default: "no" },
  { long: "rm", type: "bool", usage: "Automatically remove the container and its associated anonymous volumes when it exits" },
  { long: "security-opt", type: "stringArray", valueName: "list", usage: "Security Options" },
  { long: "shm-size", type: "string", valueName: "bytes", usage: "Size of /dev/shm" },
  { long: "stop-signal", type: "string", valueName: S, usage: "Signal to stop the container" },
  { long: "stop-timeout", type: "int", usage: "Timeout (in seconds) to stop a container" },
  { long: "sysctl", type: "stringArray", valueName: "map", usage: "Sysctl options (default map[])" },
  { long: "tmpfs", type: "stringArray", valueName: "list", usage: "Mount a tmpfs directory" },
  { long: "tty", short: "t", type: "bool", usage: "Allocate a pseudo-TTY" },
  { long: "ulimit", type: "stringArray", valueName: "ulimit", usage: "Ulimit options (default [])" },
  { long: "user", short: "u", type: "string", valueName: S, usage: 'Username or UID (format: <name|uid>[:<group|gid>])' },
  { long: "uts", type: "string", valueName: S, usage: "UTS namespace to use" },
  { long: "volume", short: "v", type: "stringArray", valueName: "list", usage: "Bind mount a volume" },
  { long: "workdir", short: "w", type: "string", valueName: S, usage: "Working directory inside the container" },
];

/** `run` adds these. */
export const runOnlyFlags: FlagSpec[] = [
  { long: "detach", short: "d", type: "bool", usage: "Run container in background and print container ID" },
  { long: "detach-keys", type: "string", valueName: S, usage: "Override the key sequence for detaching a container" },
  { long: "sig-proxy", type: "bool", usage: "Proxy received signals to the process", default: true },
];

function byLong(a: FlagSpec, b: FlagSpec): number {
  return compareStrings(a.long, b.long);
}
export const createFlags: FlagSpec[] = [...containerFlags].sort(byLong);
export const runFlags: FlagSpec[] = [...containerFlags, ...runOnlyFlags].sort(byLong);

function display(long: string): string {
  const spec = containerFlags.find((s) => s.long === long) ?? runOnlyFlags.find((s) => s.long === long);
  return spec?.short !== undefined ? `-${spec.short}, --${long}` : `--${long}`;
}

/** Runs a flag's value parser; its failure becomes pflag's message. */
function flagValue<T>(long: string, raw: string, parse: (s: string) => T): T {
  try {
    return parse(raw);
  } catch (e) {
    throw new FlagValueError(`invalid argument ${JSON.stringify(raw)} for "${display(long)}" flag: ${(e as Error).message}`);
  }
}

function flagList<T>(f: FlagValues, long: string, parse: (s: string) => T): T[] {
  return list(f, long).map((v) => flagValue(long, v, parse));
}

function optBytes(f: FlagValues, long: string, parse: (s: string) => number = ramInBytes): number {
  const raw = str(f, long);
  return raw === undefined ? 0 : flagValue(long, raw, parse);
}

function optDuration(f: FlagValues, long: string): number {
  const raw = str(f, long);
  return raw === undefined ? 0 : flagValue(long, raw, parseGoDuration);
}

/** opts.ConvertKVStringsToMap: "k=v" → k: v; "k" → k: "". */
function kvMap(values: readonly string[]): Record<string, string> {
  const m: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf("=");
    if (i < 0) m[v] = "";
    else m[v.slice(0, i)] = v.slice(i + 1);
  }
  return m;
}

/** opts.ReadKVStrings for --label-file: comments and blank lines skipped, other lines kept. */
function readLabelFiles(files: readonly string[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      const m = /^E\w+: ([^,]+),/.exec((e as Error).message);
      throw new OptsError(`open ${file}: ${m?.[1] ?? (e as Error).message}`);
    }
    for (const raw of text.replace(/^\uFEFF/, "").split(/\r?\n/)) {
      const line = raw.replace(/^\s+/, "");
      if (line === "" || line.startsWith("#")) continue;
      out.push(line);
    }
  }
  return out;
}

/** loader.ParseVolume's split for `-v`: [source, target, mode] (source "" for an anonymous volume). */
function splitVolume(spec: string): { source: string; target: string; mode: string } {
  if (spec === "") throw new OptsError("invalid empty volume spec");
  const parts = spec.split(":");
  if (parts.length > 3) throw new OptsError(`invalid spec: ${spec}: too many colons`);
  if (parts.length === 1) return { source: "", target: spec, mode: "" };
  return { source: parts[0] as string, target: parts[1] as string, mode: parts[2] ?? "" };
}

/** docker's NormalizeCapability: upper case with the CAP_ prefix ("ALL" stays). */
function normalizeCap(c: string): string {
  const u = c.trim().toUpperCase();
  return u === "ALL" || u.startsWith("CAP_") ? u : `CAP_${u}`;
}

function validNsMode(v: string, extra: readonly string[]): boolean {
  if (v === "" || extra.includes(v)) return true;
  return v.startsWith("container:") && v.length > "container:".length;
}

function validatePull(v: string): PullPolicy {
  if (v === "always" || v === "missing" || v === "never") return v;
  throw new OptsError(`invalid pull option: '${v}': must be one of "always", "missing" or "never"`);
}

/** docker's parseSecurityOpts: "key=value" (or "key:value"); a seccomp profile file is read and inlined. */
function securityOpts(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const opt of values) {
    if (opt === "no-new-privileges" || opt === "systempaths=unconfined") {
      out.push(opt);
      continue;
    }
    let i = opt.indexOf("=");
    if (i < 0) i = opt.indexOf(":");
    if (i < 0) throw new OptsError(`Invalid --security-opt: ${JSON.stringify(opt)}`);
    const k = opt.slice(0, i);
    const v = opt.slice(i + 1);
    if (k === "seccomp" && v !== "unconfined" && v !== "builtin") {
      let text: string;
      try {
        text = readFileSync(v, "utf8");
      } catch (e) {
        throw new OptsError(`opening seccomp profile (${v}) failed: ${(e as Error).message}`);
      }
      let compact: string;
      try {
        compact = JSON.stringify(JSON.parse(text));
      } catch (e) {
        throw new OptsError(`compacting json for seccomp profile (${v}) failed: ${(e as Error).message}`);
      }
      out.push(`seccomp=${compact}`);
      continue;
    }
    out.push(opt);
  }
  return out;
}

/**
 * Parses the flags of `run`/`create` (docker's containerOptions + parse()) into a create request.
 * `args` is IMAGE [COMMAND] [ARG...]. Throws FlagValueError or OptsError.
 */
export function parseContainerOpts(args: readonly string[], f: FlagValues, lookup?: Lookup): ContainerOptions {
  const [image = "", ...cmd] = args;
  // Typed flags first: docker rejects these while parsing the command line.
  const attach = flagList(f, "attach", (v) => {
    const l = v.toLowerCase();
    if (l === "stdin" || l === "stdout" || l === "stderr") return l;
    throw new Error("valid streams are STDIN, STDOUT and STDERR");
  });
  const envs = flagList(f, "env", (v) => validateEnv(v, lookup));
  const labels = flagList(f, "label", validateLabel);
  const memory = optBytes(f, "memory");
  const memoryReservation = optBytes(f, "memory-reservation");
  const memorySwap = optBytes(f, "memory-swap", memSwapBytes);
  const shmSize = optBytes(f, "shm-size");
  const cpus = str(f, "cpus");
  const nanoCpus = cpus === undefined ? 0 : flagValue("cpus", cpus, parseCpus);
  const healthInterval = optDuration(f, "health-interval");
  const healthTimeout = optDuration(f, "health-timeout");
  const healthStartPeriod = optDuration(f, "health-start-period");
  const healthStartInterval = optDuration(f, "health-start-interval");
  const ulimits = flagList(f, "ulimit", parseUlimit);
  const extraHosts = flagList(f, "add-host", validateExtraHost);
  const dns = flagList(f, "dns", validateIPAddress);
  const dnsSearch = flagList(f, "dns-search", validateDNSSearch);
  const sysctls = Object.fromEntries(flagList(f, "sysctl", validateSysctl));
  const mounts: MountSpec[] = flagList(f, "mount", parseMount);

  const pull = validatePull(str(f, "pull") ?? "missing");

  // parse(): the rest, in docker's order.
  const attachStdin = attach.includes("stdin") || bool(f, "interactive");
  const attachStdout = attach.length === 0 || attach.includes("stdout");
  const attachStderr = attach.length === 0 || attach.includes("stderr");

  const volumes: Record<string, Record<string, never>> = {};
  const binds: string[] = [];
  for (const spec of list(f, "volume")) {
    const { source, target, mode } = splitVolume(spec);
    if (source === "") {
      volumes[target] = {};
      continue;
    }
    const host = !source.startsWith("/") && source.startsWith(".") ? resolvePath(source) : source;
    binds.push([host, target, ...(mode !== "" ? [mode] : [])].join(":"));
  }

  const tmpfs: Record<string, string> = {};
  for (const t of list(f, "tmpfs")) {
    const i = t.indexOf(":");
    if (i < 0) tmpfs[t] = "";
    else tmpfs[t.slice(0, i)] = t.slice(i + 1);
  }

  const exposed: Record<string, Record<string, never>> = {};
  const bindings: Record<string, PortBinding[]> = {};
  for (const p of list(f, "publish")) {
    let mappings;
    try {
      mappings = parsePortSpec(publishToShort(p));
    } catch (e) {
      throw new OptsError((e as Error).message);
    }
    for (const m of mappings) {
      exposed[m.port] = {};
      (bindings[m.port] ??= []).push(m.binding);
    }
  }
  for (const e of list(f, "expose")) {
    if (e.includes(":")) throw new OptsError(`invalid port format for --expose: ${e}`);
    const [proto, port] = splitProtoPort(e);
    const range = /^(\d+)(?:-(\d+))?$/.exec(port);
    const start = Number(range?.[1]);
    const end = range?.[2] !== undefined ? Number(range[2]) : start;
    if (range === null || start > 65535 || end > 65535 || end < start) {
      throw new OptsError(`invalid range format for --expose: ${e}, error: invalid range specified for port: ${port}`);
    }
    for (let i = start; i <= end; i++) exposed[`${i}/${proto.toLowerCase()}`] ??= {};
  }

  const devices = list(f, "device").map((d) => {
    try {
      return parseDevice(d);
    } catch (e) {
      throw new OptsError((e as Error).message);
    }
  });

  let env: string[];
  let labelList: string[];
  try {
    env = readKVEnvStrings(list(f, "env-file"), envs, lookup);
    labelList = [...readLabelFiles(list(f, "label-file")), ...labels];
  } catch (e) {
    if (e instanceof StatusError) throw new OptsError(e.message);
    throw e;
  }

  const pidMode = str(f, "pid") ?? "";
  if (!validNsMode(pidMode, ["host"])) throw new OptsError("--pid: invalid PID mode");
  const utsMode = str(f, "uts") ?? "";
  if (!(utsMode === "" || utsMode === "host")) throw new OptsError("--uts: invalid UTS mode");
  const ipcMode = str(f, "ipc") ?? "";
  if (!validNsMode(ipcMode, ["none", "private", "shareable", "host"])) throw new OptsError("--ipc: invalid IPC mode");
  const cgroupns = str(f, "cgroupns") ?? "";
  if (!(cgroupns === "" || cgroupns === "host" || cgroupns === "private")) throw new OptsError("--cgroupns: invalid CGROUP mode");

  let restart;
  try {
    restart = parseRestartPolicy(str(f, "restart") ?? "");
  } catch (e) {
    throw new OptsError((e as Error).message);
  }
  if (bool(f, "rm") && restart.Name !== "" && restart.Name !== "no") {
    throw new OptsError("conflicting options: cannot specify both --restart and --rm");
  }

  const logDriver = str(f, "log-driver") ?? "";
  const logOpts = list(f, "log-opt");
  if (logDriver === "none" && logOpts.length > 0) throw new OptsError(`invalid logging opts for driver ${logDriver}`);

  const security = securityOpts(list(f, "security-opt"));

  let healthcheck: HealthConfig | undefined;
  const healthCmd = str(f, "health-cmd") ?? "";
  const healthRetries = int(f, "health-retries") ?? 0;
  const haveHealth = healthCmd !== "" || healthInterval !== 0 || healthTimeout !== 0 || healthStartPeriod !== 0 || healthRetries !== 0 || healthStartInterval !== 0;
  if (bool(f, "no-healthcheck")) {
    if (haveHealth) throw new OptsError("--no-healthcheck conflicts with --health-* options");
    healthcheck = { Test: ["NONE"] };
  } else if (haveHealth) {
    if (healthInterval < 0) throw new OptsError("--health-interval cannot be negative");
    if (healthTimeout < 0) throw new OptsError("--health-timeout cannot be negative");
    if (healthRetries < 0) throw new OptsError("--health-retries cannot be negative");
    if (healthStartPeriod < 0) throw new OptsError("--health-start-period cannot be negative");
    if (healthStartInterval < 0) throw new OptsError("--health-start-interval cannot be negative");
    // Zero values are omitted, as docker's JSON (omitempty) does.
    healthcheck = {};
    if (healthCmd !== "") healthcheck.Test = ["CMD-SHELL", healthCmd];
    if (healthInterval !== 0) healthcheck.Interval = healthInterval;
    if (healthTimeout !== 0) healthcheck.Timeout = healthTimeout;
    if (healthStartPeriod !== 0) healthcheck.StartPeriod = healthStartPeriod;
    if (healthStartInterval !== 0) healthcheck.StartInterval = healthStartInterval;
    if (healthRetries !== 0) healthcheck.Retries = healthRetries;
  }

  const entrypointRaw = str(f, "entrypoint");
  const entrypoint = entrypointRaw === undefined ? undefined : entrypointRaw !== "" ? [entrypointRaw] : [""];

  const networks = [...list(f, "network"), ...list(f, "net")];
  const aliases = list(f, "network-alias");
  const ip = str(f, "ip") ?? "";
  const networkMode = networks[0] ?? "default";
  // docker: an entry per network that has settings; with no --network, a zeroed entry for "default".
  const endpoints: Record<string, EndpointSettings> = {};
  if (networks.length === 0) {
    endpoints[networkMode] = {
      IPAMConfig: ip !== "" ? { IPv4Address: ip } : null,
      Links: null,
      Aliases: aliases.length > 0 ? aliases : null,
      DriverOpts: null,
      NetworkID: "",
      EndpointID: "",
      Gateway: "",
      IPAddress: "",
      IPPrefixLen: 0,
      IPv6Gateway: "",
      GlobalIPv6Address: "",
      GlobalIPv6PrefixLen: 0,
      MacAddress: "",
      DNSNames: null,
    };
  } else {
    networks.forEach((n, i) => {
      const ep: EndpointSettings = {};
      if (i === 0 && aliases.length > 0) ep.Aliases = aliases;
      if (i === 0 && ip !== "") ep.IPAMConfig = { IPv4Address: ip };
      if (Object.keys(ep).length > 0 || i > 0) endpoints[n] = ep;
    });
  }

  const hostConfig: HostConfig = {
    Binds: binds.length > 0 ? binds : null,
    ContainerIDFile: "",
    LogConfig: { Type: logDriver, Config: kvMap(logOpts) },
    NetworkMode: networkMode,
    PortBindings: bindings,
    RestartPolicy: restart,
    AutoRemove: bool(f, "rm"),
    VolumeDriver: "",
    VolumesFrom: null,
    ConsoleSize: [0, 0],
    CapAdd: list(f, "cap-add").length > 0 ? list(f, "cap-add").map(normalizeCap) : null,
    CapDrop: list(f, "cap-drop").length > 0 ? list(f, "cap-drop").map(normalizeCap) : null,
    Cgroup: "",
    CgroupnsMode: cgroupns as HostConfig["CgroupnsMode"],
    Dns: dns,
    DnsOptions: list(f, "dns-option"),
    DnsSearch: dnsSearch,
    ExtraHosts: extraHosts.length > 0 ? extraHosts : null,
    GroupAdd: list(f, "group-add").length > 0 ? list(f, "group-add") : null,
    IpcMode: ipcMode,
    Links: null,
    OomScoreAdj: 0,
    PidMode: pidMode,
    Privileged: bool(f, "privileged"),
    PublishAllPorts: bool(f, "publish-all"),
    ReadonlyRootfs: bool(f, "read-only"),
    SecurityOpt: security.length > 0 ? security : null,
    UsernsMode: "",
    UTSMode: utsMode,
    ShmSize: shmSize,
    Isolation: "",
    CpuShares: int(f, "cpu-shares") ?? 0,
    Memory: memory,
    NanoCpus: nanoCpus,
    CgroupParent: "",
    BlkioWeight: 0,
    BlkioWeightDevice: [],
    BlkioDeviceReadBps: [],
    BlkioDeviceWriteBps: [],
    BlkioDeviceReadIOps: [],
    BlkioDeviceWriteIOps: [],
    CpuPeriod: 0,
    CpuQuota: 0,
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetCpus: str(f, "cpuset-cpus") ?? "",
    CpusetMems: "",
    Devices: devices,
    DeviceCgroupRules: null,
    DeviceRequests: null,
    MemoryReservation: memoryReservation,
    MemorySwap: memorySwap,
    MemorySwappiness: -1,
    OomKillDisable: bool(f, "oom-kill-disable"),
    PidsLimit: int(f, "pids-limit") ?? 0,
    Ulimits: ulimits,
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    MaskedPaths: null,
    ReadonlyPaths: null,
  };
  // Absent unless given, as docker's omitempty fields.
  if (Object.keys(tmpfs).length > 0) hostConfig.Tmpfs = tmpfs;
  if (Object.keys(sysctls).length > 0) hostConfig.Sysctls = sysctls;
  if (mounts.length > 0) hostConfig.Mounts = mounts;
  if (bool(f, "init")) hostConfig.Init = true;

  const config: ContainerCreateRequest = {
    Hostname: str(f, "hostname") ?? "",
    Domainname: str(f, "domainname") ?? "",
    User: str(f, "user") ?? "",
    AttachStdin: attachStdin,
    AttachStdout: attachStdout,
    AttachStderr: attachStderr,
    Tty: bool(f, "tty"),
    OpenStdin: bool(f, "interactive"),
    // docker: an attached, open stdin closes after the first attach ends.
    StdinOnce: bool(f, "interactive") && attachStdin,
    Env: env.length > 0 ? env : null,
    Cmd: cmd.length > 0 ? cmd : null,
    Image: image,
    Volumes: volumes,
    WorkingDir: str(f, "workdir") ?? "",
    Entrypoint: entrypoint ?? null,
    OnBuild: null,
    Labels: kvMap(labelList),
    HostConfig: hostConfig,
    NetworkingConfig: { EndpointsConfig: endpoints },
  };
  if (Object.keys(exposed).length > 0) config.ExposedPorts = exposed;
  if (healthcheck !== undefined) config.Healthcheck = healthcheck;
  const stopSignal = str(f, "stop-signal");
  if (stopSignal !== undefined) config.StopSignal = stopSignal;
  const stopTimeout = int(f, "stop-timeout");
  if (stopTimeout !== undefined) config.StopTimeout = stopTimeout;

  const name = str(f, "name");
  const platform = str(f, "platform");
  return { config, name: name !== undefined && name !== "" ? name : undefined, platform: platform !== undefined && platform !== "" ? platform : undefined, pull, quiet: bool(f, "quiet") };
}

/** docker's withHelp: "berth: <err>\n\nRun 'berth <cmd> --help' for more information". */
export function withHelp(ctx: CliContext, message: string, command: "run" | "create"): string {
  return `${ctx.prog}: ${message}\n\nRun '${ctx.prog} ${command} --help' for more information`;
}

/** Parses and reports a failure as docker does (stderr, status 125); returns undefined on failure. */
export function parseOrReport(ctx: CliContext, args: readonly string[], f: FlagValues, command: "run" | "create", usage: string): ContainerOptions | undefined {
  try {
    return parseContainerOpts(args, f);
  } catch (e) {
    if (e instanceof FlagValueError) {
      const path = `${ctx.prog} ${ctx.commandPath}`;
      ctx.err(`${e.message}\n\nUsage:  ${path} ${usage}\n\nRun '${path} --help' for more information\n`);
      return undefined;
    }
    if (e instanceof OptsError) {
      ctx.err(`${withHelp(ctx, e.message, command)}\n`);
      return undefined;
    }
    throw e;
  }
}
