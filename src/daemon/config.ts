/**
 * berthd configuration: defaults ← /etc/berth/daemon.json (or --config-file) ← command-line flags.
 * Flags take `--flag v` and `--flag=v`; unknown flags are errors.
 */
import { existsSync, readFileSync } from "node:fs";
import { InvalidArgumentError } from "../errdefs/index.js";
import { isLogLevel, type LogLevel } from "../util/log.js";

export type StorageDriverName = "overlay2" | "native";
export type RuntimeName = "runc" | "crun";

export interface DaemonConfig {
  dataRoot: string;
  execRoot: string;
  /** Listen addresses; only unix:// is served. */
  hosts: string[];
  logLevel: LogLevel;
  runtime: RuntimeName;
  /** Undefined: probe (overlay2 when an overlay mount works in the data root, else native). */
  storageDriver: StorageDriverName | undefined;
  insecureRegistries: string[];
  registryMirrors: string[];
  /**
   * Mirrors of any registry (daemon.json "registry-mirrors-by-host": {"host:port": ["http://mirror"]}).
   * Pulls try them in order, then the registry itself; `registryMirrors` are docker.io's.
   */
  registryMirrorsByHost?: Record<string, string[]>;
  /** Registry hosts / CIDRs the daemon may contact; empty = no restriction. */
  allowedRegistries: string[];
  pidfile: string | undefined;
  /** berth's nftables table (family inet); default "berth". */
  nftTable?: string;
  /** Prefix of berth's bridge names (`<prefix>0`, `<prefix>-<id>`); default "berth". */
  bridgePrefix?: string;
  configFile: string;
}

export type ParsedArgs = { kind: "run"; config: DaemonConfig } | { kind: "help" } | { kind: "version" };

export const DEFAULTS = {
  dataRoot: "/var/lib/berth",
  execRoot: "/run/berth",
  host: "unix:///run/berth/berth.sock",
  configFile: "/etc/berth/daemon.json",
} as const;

export const USAGE = `Usage:	berthd [OPTIONS]

A Docker-compatible container engine daemon

Options:
      --allowed-registry string   Registry host or CIDR the daemon may contact (repeatable)
      --config-file string        Daemon configuration file (default "${DEFAULTS.configFile}")
      --data-root string          Root directory of persistent state (default "${DEFAULTS.dataRoot}")
      --exec-root string          Root directory for execution state files (default "${DEFAULTS.execRoot}")
  -H, --host string               Daemon socket to connect to (default "${DEFAULTS.host}")
  -h, --help                      Print usage
      --log-level string          Set the logging level ("debug"|"info"|"warn"|"error"|"fatal") (default "info")
  -p, --pidfile string            Path to use for daemon PID file
      --nft-table string          nftables table (family inet) berth owns (default "berth")
      --bridge-prefix string      Prefix of the bridges berth creates (default "berth")
      --runtime string            Default OCI runtime: runc or crun (default "runc")
      --storage-driver string     Storage driver: overlay2 or native (default: probe)
  -v, --version                   Print version information and quit
`;

const valueFlags: Record<string, string> = {
  "--data-root": "data-root",
  "--exec-root": "exec-root",
  "-H": "host",
  "--host": "host",
  "--log-level": "log-level",
  "-l": "log-level",
  "--runtime": "runtime",
  "--default-runtime": "runtime",
  "--config-file": "config-file",
  "--allowed-registry": "allowed-registry",
  "--insecure-registry": "insecure-registry",
  "--registry-mirror": "registry-mirror",
  "--storage-driver": "storage-driver",
  "-s": "storage-driver",
  "--pidfile": "pidfile",
  "--nft-table": "nft-table",
  "--bridge-prefix": "bridge-prefix",
  "-p": "pidfile",
};

function strings(v: unknown, key: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((x): x is string => typeof x === "string")) {
    throw new InvalidArgumentError(`invalid value for ${key} in daemon configuration: expected a list of strings`);
  }
  return v;
}
function str(v: unknown, key: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw new InvalidArgumentError(`invalid value for ${key} in daemon configuration: expected a string`);
  return v;
}

function checkLogLevel(v: string): LogLevel {
  if (!isLogLevel(v)) throw new InvalidArgumentError(`unable to parse logging level: ${v}`);
  return v;
}
function checkRuntime(v: string): RuntimeName {
  if (v !== "runc" && v !== "crun") throw new InvalidArgumentError(`unknown runtime ${JSON.stringify(v)}: expected runc or crun`);
  return v;
}
function checkDriver(v: string): StorageDriverName {
  if (v === "overlay" || v === "overlayfs") return "overlay2";
  if (v !== "overlay2" && v !== "native" && v !== "vfs") throw new InvalidArgumentError(`unknown storage driver ${JSON.stringify(v)}: expected overlay2 or native`);
  return v === "vfs" ? "native" : v;
}

/** daemon.json key → the flag key it corresponds to (for conflict checks). */
const fileKeyToFlag: Record<string, string> = {
  "data-root": "data-root",
  "exec-root": "exec-root",
  hosts: "host",
  "log-level": "log-level",
  debug: "log-level",
  "default-runtime": "runtime",
  "storage-driver": "storage-driver",
  "insecure-registries": "insecure-registry",
  "registry-mirrors": "registry-mirror",
  "allowed-registries": "allowed-registry",
  "registry-mirrors-by-host": "registry-mirrors-by-host",
  pidfile: "pidfile",
  "nft-table": "nft-table",
  "bridge-prefix": "bridge-prefix",
};

function fileError(file: string, message: string, cause?: unknown): InvalidArgumentError {
  return new InvalidArgumentError(`unable to configure the daemon with file ${file}: ${message}`, cause === undefined ? undefined : { cause });
}

/** Reads a daemon.json; a missing default file is fine, a missing explicit one is an error. */
export function readConfigFile(file: string, explicit: boolean): Record<string, unknown> {
  if (!existsSync(file)) {
    if (explicit) throw fileError(file, "open: no such file or directory");
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw fileError(file, (e as Error).message, e);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw fileError(file, "not a JSON object");
  const obj = parsed as Record<string, unknown>;
  const unknown = Object.keys(obj).filter((k) => !(k in fileKeyToFlag));
  if (unknown.length > 0) throw fileError(file, `the following directives don't match any configuration option: ${unknown.join(", ")}`);
  return obj;
}

function collectFlags(argv: readonly string[]): Map<string, string[]> | ParsedArgs {
  const flags = new Map<string, string[]>();
  const add = (k: string, v: string): void => {
    flags.set(k, [...(flags.get(k) ?? []), v]);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "-h" || arg === "--help") return { kind: "help" };
    if (arg === "-v" || arg === "--version") return { kind: "version" };
    if (arg === "-D" || arg === "--debug" || arg === "--debug=true") {
      add("log-level", "debug");
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.startsWith("-") && eq > 0 ? arg.slice(0, eq) : arg;
    const key = valueFlags[name];
    if (key === undefined) {
      if (arg.startsWith("-")) throw new InvalidArgumentError(`unknown flag: ${name}`);
      throw new InvalidArgumentError(`berthd takes no arguments (got ${JSON.stringify(arg)})`);
    }
    let value: string | undefined;
    if (eq > 0 && arg.startsWith("-")) value = arg.slice(eq + 1);
    else {
      value = argv[++i];
      if (value === undefined) throw new InvalidArgumentError(`flag needs an argument: ${name}`);
    }
    add(key, value);
  }
  return flags;
}

/** dockerd refuses a setting given both as a flag and in the configuration file; so do we. */
function checkConflicts(file: Record<string, unknown>, flags: Map<string, string[]>, configFile: string): void {
  const conflicts: string[] = [];
  for (const [fileKey, value] of Object.entries(file)) {
    const flagKey = fileKeyToFlag[fileKey];
    const given = flagKey === undefined ? undefined : flags.get(flagKey);
    if (given === undefined) continue;
    const shown = Array.isArray(value) ? `[${value.map(String).join(" ")}]` : String(value);
    const fromFlag = given.length > 1 || Array.isArray(value) ? `[${given.join(" ")}]` : (given[0] ?? "");
    conflicts.push(`${fileKey}: (from flag: ${fromFlag}, from file: ${shown})`);
  }
  if (conflicts.length > 0) {
    throw fileError(configFile, `the following directives are specified both as a flag and in the configuration file: ${conflicts.join(", ")}`);
  }
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const collected = collectFlags(argv);
  if (!(collected instanceof Map)) return collected;
  const flags = collected;
  const last = (k: string): string | undefined => flags.get(k)?.at(-1);
  const explicitFile = last("config-file");
  const configFile = explicitFile ?? DEFAULTS.configFile;
  const file = readConfigFile(configFile, explicitFile !== undefined);
  checkConflicts(file, flags, configFile);
  const fileLevel = file["debug"] === true ? "debug" : str(file["log-level"], "log-level");
  const driver = last("storage-driver") ?? str(file["storage-driver"], "storage-driver");
  const hosts = flags.get("host") ?? strings(file["hosts"], "hosts");
  const config: DaemonConfig = {
    dataRoot: last("data-root") ?? str(file["data-root"], "data-root") ?? DEFAULTS.dataRoot,
    execRoot: last("exec-root") ?? str(file["exec-root"], "exec-root") ?? DEFAULTS.execRoot,
    hosts: hosts.length > 0 ? hosts : [DEFAULTS.host],
    logLevel: checkLogLevel(last("log-level") ?? fileLevel ?? "info"),
    runtime: checkRuntime(last("runtime") ?? str(file["default-runtime"], "default-runtime") ?? "runc"),
    storageDriver: driver === undefined || driver === "" ? undefined : checkDriver(driver),
    insecureRegistries: flags.get("insecure-registry") ?? strings(file["insecure-registries"], "insecure-registries"),
    registryMirrors: flags.get("registry-mirror") ?? strings(file["registry-mirrors"], "registry-mirrors"),
    allowedRegistries: flags.get("allowed-registry") ?? strings(file["allowed-registries"], "allowed-registries"),
    pidfile: last("pidfile") ?? str(file["pidfile"], "pidfile"),
    ...mirrorsByHost(file["registry-mirrors-by-host"]),
    ...optionalString("nftTable", last("nft-table") ?? str(file["nft-table"], "nft-table")),
    ...optionalString("bridgePrefix", last("bridge-prefix") ?? str(file["bridge-prefix"], "bridge-prefix")),
    configFile,
  };
  return { kind: "run", config };
}

/** A complete config from defaults plus `overrides`, without reading any file (tests, embedding). */
export function defaultConfig(overrides: Partial<DaemonConfig> = {}): DaemonConfig {
  return {
    dataRoot: DEFAULTS.dataRoot,
    execRoot: DEFAULTS.execRoot,
    hosts: [DEFAULTS.host],
    logLevel: "info",
    runtime: "runc",
    storageDriver: undefined,
    insecureRegistries: [],
    registryMirrors: [],
    allowedRegistries: [],
    pidfile: undefined,
    configFile: DEFAULTS.configFile,
    ...overrides,
  };
}

/** The socket path of a `unix://` host; other schemes are refused. */
export function socketPathOf(host: string): string {
  if (host.startsWith("unix://")) return host.slice("unix://".length);
  if (host.startsWith("/")) return host;
  throw new InvalidArgumentError(`unsupported host ${JSON.stringify(host)}: only unix:// sockets are served`);
}

/** daemon.json "registry-mirrors-by-host": an object of host → list of mirror URLs. */
function mirrorsByHost(v: unknown): { registryMirrorsByHost?: Record<string, string[]> } {
  if (v === undefined) return {};
  const bad = (): InvalidArgumentError =>
    new InvalidArgumentError('invalid "registry-mirrors-by-host": expected an object of registry host to a list of mirror URLs');
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw bad();
  const out: Record<string, string[]> = {};
  for (const [host, urls] of Object.entries(v as Record<string, unknown>)) {
    if (!Array.isArray(urls) || !urls.every((u) => typeof u === "string")) throw bad();
    out[host] = urls as string[];
  }
  return { registryMirrorsByHost: out };
}

function optionalString<K extends "nftTable" | "bridgePrefix">(key: K, v: string | undefined): Partial<Record<K, string>> {
  return v === undefined || v === "" ? {} : ({ [key]: v } as Partial<Record<K, string>>);
}
