/**
 * Syscalls Node lacks, from the in-repo addon. All are synchronous; none follows a symlink in the
 * last path component. Errors look like Node's fs errors: `code` ("ENOENT"), `errno` (negative),
 * `syscall`, `path`. Paths may be Buffers (raw bytes, for names that are not UTF-8).
 */
import { native } from "./load.js";

export { findPackageRoot } from "./load.js";
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

/** True when the addon is built and loads (for diagnostics; functions throw otherwise). */
export function nativeAvailable(): boolean {
  try {
    native();
    return true;
  } catch {
    return false;
  }
}
