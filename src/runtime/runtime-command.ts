/**
 * How berthd runs its OCI runtime. runc runs as itself. crun refuses a "hybrid" cgroup host whose
 * cgroup2 hierarchy (/sys/fs/cgroup/unified) holds controllers ("cgroups in hybrid mode not supported,
 * drop all controllers from cgroupv2"); there berth runs it through berth-crun-launcher (built from
 * crun-launcher.c by node-gyp next to the native addon), which hides the unified mount in a private
 * mount namespace so crun sees a pure cgroup v1 host. The host's configuration is left alone.
 */
import { accessSync, constants, readFileSync, statfsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { UnavailableError } from "../errdefs/index.js";
import { findPackageRoot } from "../native/load.js";

const TMPFS_MAGIC = 0x01021994;
const CGROUP2_MAGIC = 0x63677270;

export const CRUN_LAUNCHER_NAME = "berth-crun-launcher";

/** The runtime's command: `binary ...prefixArgs <runtime arguments>`. */
export interface RuntimeCommand {
  /** The runtime's name as docker shows it ("runc", "crun"). */
  name: string;
  /** The program to run (the runtime itself, or the launcher). */
  binary: string;
  /** Arguments before the runtime's own (the launcher's: the real crun's path). */
  prefixArgs: string[];
}

/**
 * True on a hybrid host whose cgroup2 hierarchy has controllers: /sys/fs/cgroup is a tmpfs (v1),
 * <root>/unified is cgroup2 and its cgroup.controllers is not empty.
 */
export function hybridWithV2Controllers(root = "/sys/fs/cgroup"): boolean {
  try {
    if (statfsSync(root).type !== TMPFS_MAGIC) return false;
    const unified = join(root, "unified");
    if (statfsSync(unified).type !== CGROUP2_MAGIC) return false;
    return readFileSync(join(unified, "cgroup.controllers"), "utf8").trim() !== "";
  } catch {
    return false;
  }
}

/** The launcher built by node-gyp (<package root>/build/Release/berth-crun-launcher), when it is there and executable. */
export function findCrunLauncher(from = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let root: string;
  try {
    root = findPackageRoot(from);
  } catch {
    return undefined;
  }
  const file = join(root, "build", "Release", CRUN_LAUNCHER_NAME);
  try {
    accessSync(file, constants.X_OK);
    return file;
  } catch {
    return undefined;
  }
}

/**
 * Decides how to run `name` found at `runtimePath`. Throws when crun cannot run on this host
 * (hybrid layout, and no launcher), so the daemon fails at start rather than at each container start.
 */
export function resolveRuntimeCommand(
  name: string,
  runtimePath: string,
  probe: { hybrid?: () => boolean; launcher?: () => string | undefined } = {},
): RuntimeCommand {
  const plain: RuntimeCommand = { name, binary: runtimePath, prefixArgs: [] };
  if (name !== "crun") return plain;
  if (!(probe.hybrid ?? hybridWithV2Controllers)()) return plain;
  const launcher = (probe.launcher ?? findCrunLauncher)();
  if (!launcher) {
    throw new UnavailableError(
      `crun cannot run on this host's hybrid cgroup layout: /sys/fs/cgroup/unified (cgroup2) holds controllers, which crun refuses, ` +
        `and ${CRUN_LAUNCHER_NAME} (which hides that mount from crun) is not built: run \`npm rebuild\` (node-gyp) in berth's directory, or use --runtime runc`,
    );
  }
  return { name, binary: launcher, prefixArgs: [runtimePath] };
}
