import { promises as fsp } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { mountAll, unmountRecursive } from "./mount.js";
import type { MountSpec } from "./mount-spec.js";

/**
 * Mounts, runs fn with the mounted root, and always unmounts (everything under the target, even
 * mounts fn added). Without a target it mounts on a fresh temp directory and removes it afterwards
 * (rmdir only: a directory that could still hold a mount is never deleted recursively).
 */
export function withTempMount<T>(mounts: readonly MountSpec[], fn: (root: string) => Promise<T>): Promise<T>;
export function withTempMount<T>(mounts: readonly MountSpec[], target: string, fn: (root: string) => Promise<T>): Promise<T>;
export async function withTempMount<T>(
  mounts: readonly MountSpec[],
  targetOrFn: string | ((root: string) => Promise<T>),
  maybeFn?: (root: string) => Promise<T>,
): Promise<T> {
  const own = typeof targetOrFn === "function";
  const fn = typeof targetOrFn === "function" ? targetOrFn : maybeFn;
  if (!fn) throw new TypeError("withTempMount: missing callback");
  const target = own ? await fsp.mkdtemp(path.join(tmpdir(), "berth-mount-")) : (targetOrFn as string);
  try {
    await mountAll(mounts, target);
    try {
      return await fn(target);
    } finally {
      await unmountRecursive(target);
    }
  } finally {
    if (own) await fsp.rmdir(target);
  }
}
