import { readFileSync } from "node:fs";
import { InvalidArgumentError } from "../errdefs/index.js";

const CAP_NAMES = [
  "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE",
  "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT",
  "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE",
  "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ",
  "PERFMON", "BPF", "CHECKPOINT_RESTORE",
] as const;

/** Docker's default capability set (names without CAP_). */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID", "SETFCAP", "SETPCAP",
  "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE",
];

function lastCap(): number {
  try {
    const n = Number.parseInt(readFileSync("/proc/sys/kernel/cap_last_cap", "utf8").trim(), 10);
    if (Number.isInteger(n) && n >= 0) return Math.min(n, CAP_NAMES.length - 1);
  } catch {
    // fall through
  }
  return CAP_NAMES.length - 1;
}

/** berthd's own capability bounding set (a bit per capability number); undefined when unreadable. */
function boundingSet(): bigint | undefined {
  try {
    const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"));
    return m?.[1] ? BigInt(`0x${m[1]}`) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Every capability the host kernel knows and berthd itself may pass on (its bounding set): one berthd lacks
 * cannot be given to a container (Docker 20.10 asks for it anyway and fails with "unable to apply caps").
 */
export const ALL_CAPABILITIES: readonly string[] = (() => {
  const bnd = boundingSet();
  return CAP_NAMES.slice(0, lastCap() + 1).filter((_, bit) => bnd === undefined || ((bnd >> BigInt(bit)) & 1n) === 1n);
})();

function normalize(name: string): string {
  const up = name.trim().toUpperCase();
  const bare = up.startsWith("CAP_") ? up.slice(4) : up;
  if (bare === "ALL") return bare;
  if (!(CAP_NAMES as readonly string[]).includes(bare)) throw new InvalidArgumentError(`invalid capability: "${name}"`);
  return bare;
}

/** Resolves docker's CapAdd/CapDrop/Privileged into the final capability list (names without CAP_). */
export function resolveCapabilities(opts: { add: string[]; drop: string[]; privileged: boolean }): string[] {
  const add = opts.add.map(normalize);
  const drop = opts.drop.map(normalize);
  if (opts.privileged) return [...ALL_CAPABILITIES];
  let set: string[] = add.includes("ALL") ? [...ALL_CAPABILITIES] : [...DEFAULT_CAPABILITIES];
  if (drop.includes("ALL")) set = [];
  for (const d of drop) set = set.filter((c) => c !== d);
  for (const a of add) if (a !== "ALL" && !set.includes(a)) set.push(a);
  return set.filter((c) => ALL_CAPABILITIES.includes(c));
}
