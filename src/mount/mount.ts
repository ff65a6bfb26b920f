import * as path from "node:path";
import { InternalError, InvalidArgumentError, NotFoundError, errnoCode } from "../errdefs/index.js";
import * as native from "../native/index.js";
import { isMounted, mountsUnder } from "./mount-info.js";
import type { MountSpec } from "./mount-spec.js";

/** mount(2) copies at most one page of file system data. */
export const MAX_MOUNT_DATA = 4095;

const MS_SHARED = 0x100000;
const MS_UNBINDABLE = 0x20000;

const flagOptions: Record<string, number> = {
  ro: native.MS_RDONLY,
  nosuid: native.MS_NOSUID,
  nodev: native.MS_NODEV,
  noexec: native.MS_NOEXEC,
};
const propagationOptions: Record<string, number> = {
  private: native.MS_PRIVATE,
  rprivate: native.MS_PRIVATE | native.MS_REC,
  slave: native.MS_SLAVE,
  rslave: native.MS_SLAVE | native.MS_REC,
  shared: MS_SHARED,
  rshared: MS_SHARED | native.MS_REC,
  unbindable: MS_UNBINDABLE,
  runbindable: MS_UNBINDABLE | native.MS_REC,
};
/** Options that only restate a default. */
const noops = new Set(["rw", "defaults", "suid", "dev", "exec"]);

interface Plan {
  bind: boolean;
  recursive: boolean;
  flags: number;
  propagation: number;
  data: string[];
}

function plan(m: MountSpec): Plan {
  const p: Plan = { bind: m.type === "bind", recursive: false, flags: 0, propagation: 0, data: [] };
  for (const o of m.options) {
    if (o === "bind") p.bind = true;
    else if (o === "rbind") p.bind = p.recursive = true;
    else if (noops.has(o)) continue;
    else if (o in flagOptions) p.flags |= flagOptions[o] ?? 0;
    else if (o in propagationOptions) p.propagation = propagationOptions[o] ?? 0;
    else p.data.push(o);
  }
  return p;
}

const pathKeys = new Set(["lowerdir", "upperdir", "workdir"]);

/** The data with relative overlay paths made absolute against cwd (only when that still fits a page). */
function absoluteData(data: string[], cwd: string): string | undefined {
  const abs = data.map((o) => {
    const eq = o.indexOf("=");
    const key = o.slice(0, eq);
    if (eq < 0 || !pathKeys.has(key)) return o;
    const dirs = o.slice(eq + 1).split(":").map((d) => (path.isAbsolute(d) ? d : path.join(cwd, d)));
    return `${key}=${dirs.join(":")}`;
  });
  const joined = abs.join(",");
  return Buffer.byteLength(joined) <= MAX_MOUNT_DATA ? joined : undefined;
}

function wrap(err: unknown, what: string): Error {
  const code = errnoCode(err);
  const msg = `${what}: ${err instanceof Error ? err.message : String(err)}`;
  if (code === "ENOENT") return new NotFoundError(msg, { cause: err });
  if (code === "EINVAL") return new InvalidArgumentError(msg, { cause: err });
  return new InternalError(msg, { cause: err });
}

function mountOne(m: MountSpec, target: string): void {
  const p = plan(m);
  const what = `mount ${m.type} ${m.source} on ${target}`;
  let mounted = false;
  try {
    if (p.bind) {
      native.mount(m.source, target, "", native.MS_BIND | (p.recursive ? native.MS_REC : 0), "");
      mounted = true;
      // Bind mounts ignore flags on the first call: apply them with a remount.
      if (p.flags) native.mount("", target, "", native.MS_REMOUNT | native.MS_BIND | p.flags, "");
    } else {
      mountData(m, target, p);
      mounted = true;
    }
    if (p.propagation) native.mount("", target, "", p.propagation, "");
  } catch (err) {
    if (mounted) {
      try {
        native.umount2(target, native.MNT_DETACH);
      } catch {
        /* best effort: report the original error */
      }
    }
    throw err instanceof InvalidArgumentError && !errnoCode(err) ? err : wrap(err, what);
  }
}

function mountData(m: MountSpec, target: string, p: Plan): void {
  const joined = p.data.join(",");
  if (!m.cwd) {
    if (Buffer.byteLength(joined) > MAX_MOUNT_DATA) throw new InvalidArgumentError(`mount options too long (${joined.length} bytes)`);
    native.mount(m.source, target, m.type, p.flags, joined);
    return;
  }
  const abs = absoluteData(p.data, m.cwd);
  if (abs !== undefined) {
    native.mount(m.source, target, m.type, p.flags, abs);
    return;
  }
  if (Buffer.byteLength(joined) > MAX_MOUNT_DATA) throw new InvalidArgumentError(`mount options too long (${joined.length} bytes)`);
  // Too long with absolute paths: mount(2) resolves relative paths against the caller's cwd. The call is
  // synchronous, so no JavaScript runs while the cwd is changed; berth uses absolute paths everywhere else.
  const resolvedTarget = path.resolve(target);
  const prev = process.cwd();
  process.chdir(m.cwd);
  try {
    native.mount(m.source, resolvedTarget, m.type, p.flags, joined);
  } finally {
    process.chdir(prev);
  }
}

/**
 * Mounts each spec at target, in order (later mounts stack on earlier ones). On failure the mounts
 * this call made are undone and the error (NotFound for a missing path, InvalidArgument for EINVAL
 * or options longer than a page, else Internal; the errno error is the cause) is thrown.
 */
export async function mountAll(mounts: readonly MountSpec[], target: string): Promise<void> {
  let done = 0;
  try {
    for (const m of mounts) {
      mountOne(m, target);
      done++;
    }
  } catch (err) {
    for (; done > 0; done--) await unmount(target, { detach: true }).catch(() => undefined);
    throw err;
  }
}

/** Unmounts the top mount at target; `detach` unmounts lazily (MNT_DETACH). NotFoundError when nothing is mounted there. */
export async function unmount(target: string, opts?: { detach?: boolean }): Promise<void> {
  try {
    await native.umount2Async(target, opts?.detach ? native.MNT_DETACH : 0);
  } catch (err) {
    if (errnoCode(err) === "EINVAL" && !isMounted(target)) throw new NotFoundError(`${target}: not mounted`, { cause: err });
    throw wrap(err, `unmount ${target}`);
  }
}

/**
 * Unmounts everything at or below target, deepest first, stacked mounts included. A busy mount is
 * detached. Nothing mounted is fine. Throws when something stays mounted.
 */
export async function unmountRecursive(target: string): Promise<void> {
  for (let round = 0; round < 8; round++) {
    const points = mountsUnder(target);
    if (points.length === 0) return;
    for (const mp of points) {
      try {
        await native.umount2Async(mp, 0);
      } catch (err) {
        const code = errnoCode(err);
        if (code === "EBUSY") await native.umount2Async(mp, native.MNT_DETACH);
        else if (code !== "EINVAL" && code !== "ENOENT") throw wrap(err, `unmount ${mp}`);
      }
    }
  }
  const left = mountsUnder(target);
  if (left.length > 0) throw new InternalError(`unmount ${target}: still mounted: ${left.join(", ")}`);
}
