/**
 * Resolves a container path to a host path with symlinks followed inside the container's root
 * (absolute link targets restart at the root, `..` clamps at it), and bind/volume mounts
 * (destination → host source) substituted, like docker's FollowSymlinkInScope. Every
 * component is lstat-checked, so the result never leaves rootfs or a mount source.
 */
import { lstatSync, readlinkSync } from "node:fs";
import * as path from "node:path";
import { InvalidArgumentError } from "../../errdefs/index.js";
import type { ContainerFs } from "./types.js";

const MAX_HOPS = 40;

export interface Resolved {
  /** The host path. */
  host: string;
  /** The clean container path ("/" for the root). */
  containerPath: string;
  /** Inside a read-only mount. */
  readOnly: boolean;
  /** Inside an extra mount (not the rootfs). */
  inMount: boolean;
}

function split(p: string): string[] {
  return p.split("/").filter((c) => c !== "" && c !== ".");
}

/** The host path for already-resolved container components (no symlinks left in them). */
export function hostFor(fs: ContainerFs, comps: string[]): Resolved {
  const containerPath = "/" + comps.join("/");
  let best: ContainerFs["extraMounts"][number] | undefined;
  let bestLen = -1;
  for (const m of fs.extraMounts) {
    const d = split(m.destination);
    if (d.length > comps.length || d.length <= bestLen) continue;
    if (d.every((c, i) => comps[i] === c)) {
      best = m;
      bestLen = d.length;
    }
  }
  if (!best) return { host: path.join(fs.rootfs, ...comps), containerPath, readOnly: false, inMount: false };
  return { host: path.join(best.source, ...comps.slice(bestLen)), containerPath, readOnly: best.readOnly, inMount: true };
}

export function resolveInRoot(fs: ContainerFs, p: string, opts: { followFinal: boolean }): Resolved {
  const todo = split(p);
  const done: string[] = [];
  let hops = 0;
  while (todo.length > 0) {
    const c = todo.shift() as string;
    if (c === "..") {
      done.pop();
      continue;
    }
    const cand = hostFor(fs, [...done, c]).host;
    let isLink = false;
    try {
      isLink = lstatSync(cand).isSymbolicLink();
    } catch {
      // missing: the rest is taken literally (creation / not-found is the caller's business)
      done.push(c);
      for (const r of todo) {
        if (r === "..") done.pop();
        else done.push(r);
      }
      return hostFor(fs, done);
    }
    if (isLink && (todo.length > 0 || opts.followFinal)) {
      if (++hops > MAX_HOPS) throw new InvalidArgumentError(`${p}: too many levels of symbolic links`);
      const target = readlinkSync(cand);
      if (target.startsWith("/")) done.length = 0;
      todo.unshift(...split(target));
      continue;
    }
    done.push(c);
  }
  return hostFor(fs, done);
}
