/**
 * The contract between containers/ (the lifecycle) and runtime/ (OCI spec, runc/crun, conmon, cgroups).
 * runtime/ knows nothing of images, names or the database: it turns a fully resolved description into
 * an OCI bundle and processes, and reports what the kernel and conmon say.
 *
 * Per-container directories (chosen by containers/, passed in):
 *   bundleDir   <data-root>/containers/<id>/            config.json written here; rootfs mounted at bundleDir/rootfs by the caller
 *   stateDir    <exec-root>/containers/<id>/             conmon pidfile, container pidfile, ctl/winsz fifos, attach socket dir, oom file
 *   exitDir     <exec-root>/exits/                        conmon writes <exitDir>/<id> (the exit code as text) when the container's process ends
 * runc's own state lives under <exec-root>/runc (its --root).
 */

/** A fully resolved process (names already looked up in the image's /etc/passwd and /etc/group). */
export interface ProcessInput {
  args: string[];
  env: string[];
  cwd: string;
  uid: number;
  gid: number;
  additionalGids: number[];
  terminal: boolean;
  /** [height, width] for the initial console size. */
  consoleSize?: [number, number];
  noNewPrivileges: boolean;
  /** Capability names without "CAP_" prefix, already resolved (docker default ± add/drop, or all when privileged). */
  capabilities: string[];
  rlimits: Array<{ type: string; soft: number; hard: number }>; // type like "RLIMIT_NOFILE"
  oomScoreAdj?: number;
}

export interface OciMountInput {
  destination: string;
  type: string; // "bind" | "tmpfs" | "proc" | …
  source: string;
  options: string[];
}

export interface ResourcesInput {
  memory?: number; // bytes; 0/undefined = unlimited
  memorySwap?: number; // bytes, -1 unlimited
  memoryReservation?: number;
  memorySwappiness?: number;
  oomKillDisable?: boolean;
  cpuShares?: number;
  cpuQuota?: number; // µs per period
  cpuPeriod?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsLimit?: number; // >0 limit; 0/-1/undefined unlimited
  blkioWeight?: number;
}

export interface NamespaceInput {
  /** "private" (new namespace), "host" (none: share the host's), or a path to join (/proc/<pid>/ns/net). */
  network: string;
  ipc: string;
  pid: string;
  uts: string;
  cgroup: string; // "private" | "host"
}

/** Everything needed to write config.json. */
export interface SpecInput {
  id: string;
  rootfs: string; // absolute path (bundleDir/rootfs)
  readonlyRootfs: boolean;
  process: ProcessInput;
  hostname: string;
  domainname?: string;
  /** Extra mounts after the defaults (/proc, /dev, /dev/pts, /dev/shm, /dev/mqueue, /sys, /sys/fs/cgroup). */
  mounts: OciMountInput[];
  shmSize?: number; // bytes; default 64 MiB
  privileged: boolean;
  /** "default" = berth's profile; "unconfined"; or a docker-format profile JSON text. */
  seccomp: "default" | "unconfined" | { profileJson: string };
  namespaces: NamespaceInput;
  resources: ResourcesInput;
  devices: Array<{ pathOnHost: string; pathInContainer: string; permissions: string }>;
  sysctls: Record<string, string>;
  /** cgroupfs path relative to the hierarchy root, e.g. "/berth/<id>" (one per daemon: "/berth-<tag>/<id>"). */
  cgroupsPath: string;
  /** Docker's lists unless the container is privileged (then empty). Undefined = defaults. */
  maskedPaths?: string[];
  readonlyPaths?: string[];
}

export interface RuntimeState {
  id: string;
  pid: number;
  status: "creating" | "created" | "running" | "paused" | "stopped";
  bundle: string;
}

export interface ContainerHandle {
  /** PID of the container's init process (host namespace). */
  pid: number;
  /** PID of its conmon. */
  conmonPid: number;
}

export interface CreateOptions {
  id: string;
  bundleDir: string;
  stateDir: string;
  exitDir: string;
  /** Log file conmon writes (k8s-file format: `<RFC3339Nano> stdout|stderr F|P <text>`); undefined = no log ("none"). */
  logPath?: string;
  /** Hard cap conmon applies (it truncates); berthd rotates well below it. */
  logSizeMax?: number;
  terminal: boolean;
  /** Keep a stdin pipe (OpenStdin). */
  stdin: boolean;
  /** Close the container's stdin when the first attached client detaches/ends (StdinOnce). */
  stdinOnce: boolean;
}

export interface ExecOptions {
  containerId: string;
  execId: string;
  stateDir: string; // per-exec dir under the container's stateDir
  process: ProcessInput;
  /** Exit code is written to <exitDir>/<execId>. */
  exitDir: string;
  logPath?: string;
  stdin: boolean;
  detach: boolean;
}

/** Output of a container or exec as conmon's attach socket delivers it. */
export interface AttachIO {
  stdin: NodeJS.ReadableStream | null;
  output: (stream: 1 | 2, chunk: Buffer) => void;
  signal: AbortSignal;
  /** When stdin ends: close the process's stdin (StdinOnce) or just stop forwarding. */
  closeStdinOnEnd: boolean;
}

export interface CgroupStats {
  cpu: { totalNs: number; userNs: number; systemNs: number; perCpuNs: number[]; throttlingPeriods: number; throttledPeriods: number; throttledNs: number };
  memory: { usage: number; maxUsage: number; limit: number; stats: Record<string, number>; failcnt: number };
  pids: { current: number; limit: number }; // limit 0 = none
  blkio: Array<{ major: number; minor: number; op: string; value: number }>;
}
