/**
 * Value parsers behind `run`/`create` flags, with docker's error wording: Go durations, port specs
 * (nat.ParsePortSpec), --mount CSV, --ulimit, --device, --add-host, --dns, --sysctl, labels.
 */
import { isIP as netIsIP } from "node:net";
import type { DeviceMapping, MountSpec, PortBinding, Ulimit } from "../../api/types/index.js";

const DUR_UNITS: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, "μs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration, in nanoseconds; throws `time: invalid duration "x"`. */
export function parseGoDuration(s: string): number {
  const bad = (): Error => new Error(`time: invalid duration ${JSON.stringify(s)}`);
  let rest = s;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    if (rest[0] === "-") sign = -1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") throw bad();
  let total = 0;
  while (rest !== "") {
    const m = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/.exec(rest);
    if (m === null || ((m[1] ?? "") === "" && (m[2] ?? "") === "")) {
      if (/^[\d.]+$/.test(rest)) throw new Error(`time: missing unit in duration ${JSON.stringify(s)}`);
      const u = /^[\d.]+([^\d.]+)/.exec(rest);
      if (u !== null) throw new Error(`time: unknown unit ${JSON.stringify(u[1])} in duration ${JSON.stringify(s)}`);
      throw bad();
    }
    total += Number(`${m[1] || "0"}.${m[2] || "0"}`) * (DUR_UNITS[m[3] as string] as number);
    rest = rest.slice(m[0].length);
  }
  return sign * Math.round(total);
}

export interface PortMapping {
  port: string; // "80/tcp"
  binding: PortBinding;
}

function parsePortRange(p: string): [number, number] {
  if (p === "") throw new Error("empty string specified for ports");
  const parts = p.split("-");
  const num = (x: string): number => {
    if (!/^\d+$/.test(x) || Number(x) > 65535) throw new Error(`invalid port ${x}`);
    return Number(x);
  };
  if (parts.length === 1) return [num(p), num(p)];
  if (parts.length !== 2) throw new Error(`invalid range ${p}`);
  const a = num(parts[0] as string);
  const b = num(parts[1] as string);
  if (b < a) throw new Error(`invalid range specified for port: ${p}`);
  return [a, b];
}

/** nat.SplitProtoPort: "80/udp" → ["udp", "80"]. */
export function splitProtoPort(raw: string): [string, string] {
  const parts = raw.split("/");
  if (raw === "" || (parts[0] ?? "") === "") return ["", ""];
  if (parts.length === 1) return ["tcp", raw];
  if ((parts[1] ?? "") === "") return ["tcp", parts[0] as string];
  return [parts[1] as string, parts[0] as string];
}

function isIP(s: string): boolean {
  return netIsIP(s) !== 0;
}

/** nat.ParsePortSpec: "[ip:][hostPort:]containerPort[/proto]" with ranges. */
export function parsePortSpec(raw: string): PortMapping[] {
  const parts = raw.split(":");
  const n = parts.length;
  let containerPort = parts[n - 1] as string;
  let ip = n >= 3 ? parts.slice(0, n - 2).join(":") : "";
  const hostPort = n >= 2 ? (parts[n - 2] as string) : "";
  const [proto, cport] = splitProtoPort(containerPort);
  containerPort = cport;
  if (ip.startsWith("[") && ip.endsWith("]")) ip = ip.slice(1, -1);
  if (ip !== "" && !isIP(ip)) throw new Error(`invalid IP address: ${ip}`);
  if (containerPort === "") throw new Error(`no port specified: ${raw}<empty>`);
  let start: number, end: number;
  try {
    [start, end] = parsePortRange(containerPort);
  } catch {
    throw new Error(`invalid containerPort: ${containerPort}`);
  }
  let hs = 0;
  let he = 0;
  if (hostPort !== "") {
    try {
      [hs, he] = parsePortRange(hostPort);
    } catch {
      throw new Error(`invalid hostPort: ${hostPort}`);
    }
  }
  if (hostPort !== "" && end - start !== he - hs && end !== start) {
    throw new Error(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
  }
  const lp = proto.toLowerCase();
  if (!["tcp", "udp", "sctp"].includes(lp)) throw new Error(`invalid proto: ${proto}`);
  const out: PortMapping[] = [];
  for (let i = 0; i <= end - start; i++) {
    let hp = hostPort === "" ? "" : String(hs + i);
    if (start === end && hs !== he) hp = `${hp}-${he}`;
    out.push({ port: `${start + i}/${lp}`, binding: { HostIp: ip, HostPort: hp } });
  }
  return out;
}

/** --publish's long form ("target=80,published=8080,protocol=udp") → the short one. */
export function publishToShort(v: string): string {
  if (!v.includes("=")) return v;
  const f: Record<string, string> = {};
  for (const kv of v.split(",")) {
    const i = kv.indexOf("=");
    if (i < 0) throw new Error(`invalid field ${kv} must be a key=value pair`);
    f[kv.slice(0, i).toLowerCase()] = kv.slice(i + 1);
  }
  const target = f["target"];
  if (target === undefined || target === "") throw new Error("missing mandatory field 'target'");
  const proto = f["protocol"] ?? "tcp";
  const pub = f["published"];
  return pub !== undefined && pub !== "" ? `${pub}:${target}/${proto}` : `${target}/${proto}`;
}

/** opts.MountOpt.Set: the --mount CSV. */
export function parseMount(v: string): MountSpec {
  const m: MountSpec = { Type: "volume", Target: "" };
  const vol = (): NonNullable<MountSpec["VolumeOptions"]> => (m.VolumeOptions ??= {});
  const bind = (): NonNullable<MountSpec["BindOptions"]> => (m.BindOptions ??= {});
  const tmpfs = (): NonNullable<MountSpec["TmpfsOptions"]> => (m.TmpfsOptions ??= {});
  const boolVal = (key: string, val: string | undefined): boolean => {
    if (val === undefined) return true;
    const l = val.toLowerCase();
    if (["1", "true", "t"].includes(l)) return true;
    if (["0", "false", "f"].includes(l)) return false;
    throw new Error(`invalid value for ${key}: ${val}`);
  };
  for (const field of v.split(",")) {
    const i = field.indexOf("=");
    const key = (i >= 0 ? field.slice(0, i) : field).toLowerCase();
    const val = i >= 0 ? field.slice(i + 1) : undefined;
    if (val === undefined && !["readonly", "ro", "volume-nocopy", "bind-nonrecursive"].includes(key)) throw new Error(`invalid field '${field}' must be a key=value pair`);
    switch (key) {
      case "type":
        m.Type = (val ?? "").toLowerCase() as MountSpec["Type"];
        break;
      case "source":
      case "src":
        m.Source = val ?? "";
        break;
      case "target":
      case "dst":
      case "destination":
        m.Target = val ?? "";
        break;
      case "readonly":
      case "ro":
        m.ReadOnly = boolVal(key, val);
        break;
      case "consistency":
        m.Consistency = val ?? "";
        break;
      case "bind-propagation":
        bind().Propagation = (val ?? "").toLowerCase();
        break;
      case "bind-nonrecursive":
        bind().NonRecursive = boolVal(key, val);
        break;
      case "volume-nocopy":
        vol().NoCopy = boolVal(key, val);
        break;
      case "volume-driver":
        (vol().DriverConfig ??= {}).Name = val ?? "";
        break;
      case "volume-label": {
        const [k = "", lv = ""] = (val ?? "").split(/=(.*)/s);
        (vol().Labels ??= {})[k] = lv;
        break;
      }
      case "volume-opt": {
        const [k = "", ov = ""] = (val ?? "").split(/=(.*)/s);
        const dc = (vol().DriverConfig ??= {});
        (dc.Options ??= {})[k] = ov;
        break;
      }
      case "tmpfs-size": {
        const n = Number(val);
        if (!Number.isInteger(n)) throw new Error(`invalid value for ${key}: ${val ?? ""}`);
        tmpfs().SizeBytes = n;
        break;
      }
      case "tmpfs-mode": {
        if (!/^[0-7]+$/.test(val ?? "")) throw new Error(`invalid value for ${key}: ${val ?? ""}`);
        tmpfs().Mode = parseInt(val as string, 8);
        break;
      }
      default:
        throw new Error(`unexpected key '${key}' in '${field}'`);
    }
  }
  if ((m.Type as string) === "") throw new Error("type is required");
  if (m.Target === "") throw new Error("target is required");
  if (m.VolumeOptions !== undefined && m.Type !== "volume") throw new Error(`cannot mix 'volume-*' options with mount type '${m.Type}'`);
  if (m.BindOptions !== undefined && m.Type !== "bind") throw new Error(`cannot mix 'bind-*' options with mount type '${m.Type}'`);
  if (m.TmpfsOptions !== undefined && m.Type !== "tmpfs") throw new Error(`cannot mix 'tmpfs-*' options with mount type '${m.Type}'`);
  return m;
}

const ULIMITS = new Set(["core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"]);

/** units.ParseUlimit: "nofile=1024[:2048]". */
export function parseUlimit(v: string): Ulimit {
  const i = v.indexOf("=");
  if (i < 0) throw new Error(`invalid ulimit argument: ${v}`);
  const name = v.slice(0, i);
  if (!ULIMITS.has(name)) throw new Error(`invalid ulimit type: ${name}`);
  const lim = v.slice(i + 1).split(":");
  if (lim.length > 2) throw new Error(`too many limit value arguments - ${v.slice(i + 1)}, can only have up to two, \`soft[:hard]\``);
  const num = (x: string): number => {
    if (!/^-?\d+$/.test(x)) throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(x)}: invalid syntax`);
    return Number(x);
  };
  const soft = num(lim[0] as string);
  const hard = lim.length === 2 ? num(lim[1] as string) : soft;
  if (soft > hard) throw new Error(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  return { Name: name, Soft: soft, Hard: hard };
}

/** docker's parseDevice: "src[:dst][:perms]". */
export function parseDevice(v: string): DeviceMapping {
  const parts = v.split(":");
  const validPerm = (p: string): boolean => p.length > 0 && p.length <= 3 && [...p].every((c) => "rwm".includes(c));
  // validateLinuxPath first, as docker's validateDevice.
  if (parts.length > 3 || parts[0] === "") throw new Error(`bad format for path: ${v}`);
  let src = "";
  let dst = "";
  let perm = "rwm";
  switch (parts.length) {
    case 3:
      if (!validPerm(parts[2] as string)) throw new Error(`bad mode specified: ${parts[2] ?? ""}`);
      [src = "", dst = "", perm = "rwm"] = parts;
      break;
    case 2:
      if (validPerm(parts[1] as string)) {
        src = parts[0] as string;
        perm = parts[1] as string;
      } else [src = "", dst = ""] = parts;
      break;
    case 1:
      src = parts[0] as string;
      break;
    default:
      throw new Error(`invalid device specification: ${v}`);
  }
  if (dst === "") dst = src;
  if (!src.startsWith("/") || !dst.startsWith("/")) throw new Error(`bad format for path: ${v}`);
  return { PathOnHost: src, PathInContainer: dst, CgroupPermissions: perm };
}

/** opts.ValidateExtraHost: "host:ip" or "host=ip" (ip may be host-gateway); returns "host:ip". */
export function validateExtraHost(v: string): string {
  let i = v.indexOf("=");
  if (i < 0) i = v.indexOf(":");
  if (i <= 0) throw new Error(`bad format for add-host: ${JSON.stringify(v)}`);
  const host = v.slice(0, i);
  let ip = v.slice(i + 1);
  if (ip.startsWith("[") && ip.endsWith("]")) ip = ip.slice(1, -1);
  if (ip !== "host-gateway" && !isIP(ip)) throw new Error(`invalid IP address in add-host: ${JSON.stringify(ip)}`);
  return `${host}:${ip}`;
}

/** opts.ValidateIPAddress. */
export function validateIPAddress(v: string): string {
  const t = v.trim();
  if (!isIP(t)) throw new Error(`IP address is not correctly formatted: ${v}`);
  return t;
}

const SYSCTL_EXACT = new Set(["kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"]);

/** opts.ValidateSysctl: "key=value" with a namespaced key. */
export function validateSysctl(v: string): [string, string] {
  const i = v.indexOf("=");
  if (i > 0) {
    const k = v.slice(0, i);
    if (SYSCTL_EXACT.has(k) || k.startsWith("fs.mqueue.") || k.startsWith("net.")) return [k, v.slice(i + 1)];
  }
  throw new Error(`sysctl '${v}' is not allowed`);
}

/** opts.ValidateLabel. */
export function validateLabel(v: string): string {
  const k = v.split("=")[0] ?? "";
  if (k.trim() === "") throw new Error(`invalid label '${v}': empty name`);
  return v;
}

/** opts.ValidateDNSSearch: a domain or ".". */
export function validateDNSSearch(v: string): string {
  const d = v.replace(/\.$/, "");
  if (v === ".") return v;
  if (d.length > 255 || !/^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/.test(d)) {
    throw new Error(`${v} is not a valid domain`);
  }
  return v;
}
