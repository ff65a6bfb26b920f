/**
 * Syscalls Node lacks, from the in-repo addon. The file-system ones are synchronous; none follows a
 * symlink in the last path component. Errors look like Node's fs errors: `code` ("ENOENT"), `errno`
 * (negative), `syscall`, `path`. Paths may be Buffers (raw bytes, for names that are not UTF-8).
 *
 * The network ones (netnsCreate, vethPlug, linkDelete, loopbackUp) speak rtnetlink on libuv's thread
 * pool and return Promises; namespace changes happen on a short-lived thread of the addon's own. Their
 * errors carry `code`, `errno`, `syscall` and a message naming the step ("create veth veth1a2b: File exists").
 * An addon built before they existed lacks them: check netlinkAvailable() first.
 */
import type { NativeBinding } from "./load.js";
import { native } from "./load.js";

export { findPackageRoot, loadAddon, packageRoot } from "./load.js";
export type { NativeBinding } from "./load.js";

export type PathLike = string | Buffer;

/** File type bits for mknod's mode. */
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;

/** mount(2) flags. */
export const MS_RDONLY = 0x1;
export const MS_NOSUID = 0x2;
export const MS_NODEV = 0x4;
export const MS_NOEXEC = 0x8;
export const MS_REMOUNT = 0x20;
export const MS_BIND = 0x1000;
export const MS_REC = 0x4000;
export const MS_PRIVATE = 0x40000;
export const MS_SLAVE = 0x80000;
/** umount2(2) flags. */
export const MNT_FORCE = 0x1;
export const MNT_DETACH = 0x2;
/** lsetxattr(2) flags. */
export const XATTR_CREATE = 0x1;
export const XATTR_REPLACE = 0x2;

/** mknod(2). `mode` includes the type bits (S_IFCHR, S_IFBLK, S_IFIFO); the umask applies. */
export function mknod(path: PathLike, mode: number, major = 0, minor = 0): void {
  native().mknod(path, mode, major, minor);
}

export function lsetxattr(path: PathLike, name: string, value: Buffer, flags = 0): void {
  native().lsetxattr(path, name, value, flags);
}

/** The attribute's raw bytes, or undefined when it is not set (ENODATA). */
export function lgetxattr(path: PathLike, name: string): Buffer | undefined {
  return native().lgetxattr(path, name);
}

export function llistxattr(path: PathLike): string[] {
  return native().llistxattr(path);
}

export function lremovexattr(path: PathLike, name: string): void {
  native().lremovexattr(path, name);
}

export function mount(source: PathLike, target: PathLike, fstype: string, flags = 0, data = ""): void {
  native().mount(source, target, fstype, flags, data);
}

export function umount2(target: PathLike, flags = 0): void {
  native().umount2(target, flags);
}

/**
 * umount2 on libuv's thread pool (an overlay's unmount syncs its upper file system): the event loop runs
 * on meanwhile. Errors as umount2's (`code`, `errno`, `syscall`). Falls back to umount2 with an addon
 * built before this existed.
 */
export async function umount2Async(target: string, flags = 0): Promise<void> {
  const b = native() as NativeBinding & { umount2Async?: (target: string, flags: number) => Promise<void> };
  if (!b.umount2Async) return b.umount2(target, flags);
  return b.umount2Async(target, flags);
}

/**
 * One HTTP exchange over the unix socket at `path`, synchronously (see berth_native.cc): the whole
 * response, read until the server closes. undefined when the addon cannot be loaded or predates this,
 * so the caller goes over node:net instead. Errors are errno errors (`code`, `syscall`: "connect" when
 * nothing listens there).
 */
export function unixExchange(path: string, request: Buffer, timeoutMs = 0): Buffer | undefined {
  let b: NativeBinding & { unixExchange?: (path: string, request: Buffer, timeoutMs: number) => Buffer };
  try {
    b = native();
  } catch {
    return undefined;
  }
  return b.unixExchange?.(path, request, timeoutMs);
}

/**
 * Connects to the unix socket at `path` and closes again: throws the connect error (ECONNREFUSED,
 * ENOENT...) when nothing listens there. false when the addon cannot do it (the caller pings instead).
 */
export function unixConnect(path: string): boolean {
  let b: NativeBinding & { unixConnect?: (path: string) => void };
  try {
    b = native();
  } catch {
    return false;
  }
  if (!b.unixConnect) return false;
  b.unixConnect(path);
  return true;
}

/**
 * Starts writing back bytes [offset, offset+length) of fd (sync_file_range with SYNC_FILE_RANGE_WRITE, on
 * libuv's thread pool) without waiting for them to reach the disk: the fsync that follows has less to
 * wait for. A hint: does nothing with an addon built before this existed.
 */
export async function startWriteback(fd: number, offset: number, length: number): Promise<void> {
  const b = native() as NativeBinding & { startWriteback?: (fd: number, offset: number, length: number) => Promise<void> };
  if (b.startWriteback) await b.startWriteback(fd, offset, length);
}

/**
 * V8's full low-memory collection, then malloc_trim(0): memory an idle process can give back. Returns
 * false (doing nothing) with an addon built before this existed; throws when the addon does not load.
 */
export function reclaimMemory(): boolean {
  const b = native() as NativeBinding & { reclaimMemory?: () => boolean };
  return b.reclaimMemory ? b.reclaimMemory() : false;
}

/** execve(2): replaces this process (same pid); returns only by throwing (an fs-style errno error). */
export function execve(path: string, argv: string[], env: string[]): never {
  const b = native() as NativeBinding & { execve?: (path: string, argv: string[], env: string[]) => never };
  if (!b.execve) throw new Error("berth native addon: built without execve (rebuild it: `npm rebuild`)");
  return b.execve(path, argv, env);
}

/** True when the addon is built and loads (for diagnostics; functions throw otherwise). */
export function nativeAvailable(): boolean {
  try {
    native();
    return true;
  } catch {
    return false;
  }
}

/** A veth pair to make: `hostVeth` on `bridge` (up), the peer `ifname` inside the netns at `netns`. */
export interface NativeVethPlan {
  netns: string;
  bridge: string;
  hostVeth: string;
  ifname: string;
  /** "02:42:ac:11:00:02" */
  mac: string;
  /** "172.17.0.2/16" */
  addressCidr: string;
  /** The default route's next hop; none without it. */
  gateway?: string;
}

interface NetlinkBinding {
  netnsCreate(file: string, loopbackUp: boolean): Promise<void>;
  vethPlug(plan: NativeVethPlan): Promise<void>;
  linkDelete(name: string): Promise<void>;
  loopbackUp(netnsFile: string): Promise<void>;
}

let netlinkBinding: NetlinkBinding | null | undefined;

function netlink(): NetlinkBinding {
  const b = netlinkOrNull();
  if (!b) throw new Error("berth native addon: built without the network functions (rebuild it: `npm rebuild`)");
  return b;
}

function netlinkOrNull(): NetlinkBinding | null {
  if (netlinkBinding !== undefined) return netlinkBinding;
  let b: NativeBinding & Partial<NetlinkBinding>;
  try {
    b = native();
  } catch {
    netlinkBinding = null;
    return null;
  }
  const { netnsCreate, vethPlug, linkDelete, loopbackUp } = b;
  netlinkBinding = netnsCreate && vethPlug && linkDelete && loopbackUp ? { netnsCreate, vethPlug, linkDelete, loopbackUp } : null;
  return netlinkBinding;
}

/** True when the addon loads and has the network functions (an older build does not). */
export function netlinkAvailable(): boolean {
  return netlinkOrNull() !== null;
}

/**
 * A new network namespace, bind-mounted onto `file` (which must exist). A bind refused on a shared
 * mount is retried after making the parent directory a private mount of its own. With `loopbackUp`,
 * lo comes up too.
 */
export function netnsCreate(file: string, opts: { loopbackUp?: boolean } = {}): Promise<void> {
  return netlink().netnsCreate(file, opts.loopbackUp === true);
}

/**
 * A veth pair in one rtnetlink request (host end on the bridge and up, peer created inside the netns
 * with its name and MAC), then inside the netns: lo up, the address, the link up, the default route.
 * On failure the pair is deleted again.
 */
export function vethPlug(plan: NativeVethPlan): Promise<void> {
  return netlink().vethPlug(plan);
}

/** Deletes a link of the daemon's netns by name (RTM_DELLINK); a missing one is not an error. */
export function linkDelete(name: string): Promise<void> {
  return netlink().linkDelete(name);
}

/** Brings lo up inside the netns bind-mounted at `netnsFile`. */
export function loopbackUp(netnsFile: string): Promise<void> {
  return netlink().loopbackUp(netnsFile);
}
