import { readFileSync } from "node:fs";
import { InvalidArgumentError } from "../errdefs/index.js";
import * as native from "../native/index.js";

/** A mount to perform (same shape as snapshots' Mount: the planners return data, this module acts). */
export interface MountSpec {
  type: string;
  source: string;
  options: string[];
  cwd?: string;
}

const flagOptions: Record<string, number> = {
  ro: native.MS_RDONLY,
  nosuid: native.MS_NOSUID,
  nodev: native.MS_NODEV,
  noexec: native.MS_NOEXEC,
};

function mountOne(m: MountSpec, target: string): void {
  let flags = 0;
  const data: string[] = [];
  let bind = m.type === "bind";
  let recursive = false;
  for (const o of m.options) {
    if (o === "bind") bind = true;
    else if (o === "rbind") {
      bind = true;
      recursive = true;
    } else if (o === "rw") continue;
    else if (o in flagOptions) flags |= flagOptions[o] ?? 0;
    else data.push(o);
  }
  const prev = m.cwd ? process.cwd() : undefined;
  // Relative option paths (overlay's short lowerdir links) resolve against the caller's cwd in mount(2).
  // The call is synchronous, so nothing else in this process runs while the cwd is changed.
  if (m.cwd) process.chdir(m.cwd);
  try {
    if (bind) {
      native.mount(m.source, target, "", native.MS_BIND | (recursive ? native.MS_REC : 0), "");
      if (flags & native.MS_RDONLY)
        native.mount("", target, "", native.MS_REMOUNT | native.MS_BIND | flags, "");
    } else {
      const joined = data.join(",");
      if (Buffer.byteLength(joined) >= 4096) throw new InvalidArgumentError(`mount options too long (${joined.length} bytes)`);
      native.mount(m.source, target, m.type, flags, joined);
    }
  } finally {
    if (prev) process.chdir(prev);
  }
}

/** Mounts each spec at target, in order (later mounts stack on earlier ones). */
export async function mountAll(mounts: readonly MountSpec[], target: string): Promise<void> {
  const done: number[] = [];
  try {
    for (const [i, m] of mounts.entries()) {
      mountOne(m, target);
      done.push(i);
    }
  } catch (err) {
    for (const _ of done) await unmount(target, { detach: true }).catch(() => undefined);
    throw err;
  }
}

/** Unmounts target (lazily with detach). */
export async function unmount(target: string, opts?: { detach?: boolean }): Promise<void> {
  native.umount2(target, opts?.detach ? native.MNT_DETACH : 0);
}

/** Mount points at or below prefix, deepest first (from /proc/self/mountinfo). */
export function mountsUnder(prefix: string): string[] {
  const p = prefix.replace(/\/+$/, "");
  const out: string[] = [];
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const f = line.split(" ");
    const mp = f[4]?.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (mp && (mp === p || mp.startsWith(p + "/"))) out.push(mp);
  }
  return out.sort((a, b) => b.length - a.length);
}

export function isMounted(path: string): boolean {
  const p = path.replace(/\/+$/, "");
  return mountsUnder(p).includes(p);
}

/** Unmounts everything at or below target, deepest first. */
export async function unmountRecursive(target: string): Promise<void> {
  for (const mp of mountsUnder(target)) await unmount(mp, { detach: true }).catch(() => undefined);
}

/** Mounts, runs fn with the target, and always unmounts. */
export async function withTempMount<T>(mounts: readonly MountSpec[], target: string, fn: (root: string) => Promise<T>): Promise<T> {
  await mountAll(mounts, target);
  try {
    return await fn(target);
  } finally {
    await unmountRecursive(target);
  }
}
