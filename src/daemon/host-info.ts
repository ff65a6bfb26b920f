/** Facts about the host for /version and /info, read once. */
import { readFileSync, statfsSync } from "node:fs";
import * as os from "node:os";

export function goArch(arch: string = process.arch): { architecture: string; variant?: string } {
  switch (arch) {
    case "x64":
      return { architecture: "amd64" };
    case "arm64":
      return { architecture: "arm64" };
    case "arm":
      return { architecture: "arm", variant: "v7" };
    case "ia32":
      return { architecture: "386" };
    default:
      return { architecture: arch };
  }
}

export function operatingSystem(): string {
  try {
    const text = readFileSync("/etc/os-release", "utf8");
    const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text);
    if (m?.[1]) return m[1];
  } catch {
    // fall through
  }
  return "Linux";
}

export function osVersion(): string {
  try {
    const m = /^VERSION_ID="?([^"\n]*)"?$/m.exec(readFileSync("/etc/os-release", "utf8"));
    return m?.[1] ?? "";
  } catch {
    return "";
  }
}

const CGROUP2_SUPER_MAGIC = 0x63677270;

/** statfs magic → the name dockerd shows as "Backing Filesystem". */
const FS_NAMES: Record<number, string> = {
  0xef53: "extfs",
  0x58465342: "xfs",
  0x9123683e: "btrfs",
  0x01021994: "tmpfs",
  0x794c7630: "overlayfs",
  0x2fc12fc1: "zfs",
  0x6969: "nfs",
  0x65735546: "fuse",
};

export function backingFilesystem(dir: string): string {
  try {
    const type = statfsSync(dir).type;
    return FS_NAMES[type] ?? `0x${type.toString(16)}`;
  } catch {
    return "unknown";
  }
}

export function cgroupVersion(): "1" | "2" {
  try {
    return statfsSync("/sys/fs/cgroup").type === CGROUP2_SUPER_MAGIC ? "2" : "1";
  } catch {
    return "1";
  }
}

export function hostFacts(): { kernel: string; os: string; osVersion: string; arch: string; ncpu: number; memTotal: number; hostname: string } {
  return {
    kernel: os.release(),
    os: operatingSystem(),
    osVersion: osVersion(),
    arch: os.machine(),
    ncpu: os.availableParallelism(),
    memTotal: os.totalmem(),
    hostname: os.hostname(),
  };
}
