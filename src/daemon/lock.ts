/**
 * One daemon per data root: `<data-root>/berthd.lock` created with O_EXCL holds the owner's pid. A
 * lock whose pid is gone is stale and taken over. Also: refuse a socket another daemon answers on,
 * remove a stale one.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync, constants, existsSync } from "node:fs";
import { connect } from "node:net";
import * as path from "node:path";
import { ConflictError, errnoCode } from "../errdefs/index.js";

export interface DataRootLock {
  readonly file: string;
  release(): void;
}

/**
 * Whether `pid` is a live process that may be a berthd: a pid the kernel reused for some other
 * program after a crash must not block the next start, so a live pid only counts when its command
 * line is a node (or berthd) process.
 */
function aliveDaemon(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if (errnoCode(e) !== "EPERM") return false;
  }
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] ?? "";
    const base = path.basename(argv0);
    return base === "" || base.startsWith("node") || base.includes("berthd");
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

export function acquireDataRootLock(dataRoot: string): DataRootLock {
  const file = path.join(dataRoot, "berthd.lock");
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      return {
        file,
        release: () => {
          if (released) return;
          released = true;
          try {
            if (Number(readFileSync(file, "utf8").trim()) === process.pid) rmSync(file, { force: true });
          } catch {
            // already gone
          }
        },
      };
    } catch (e) {
      if (errnoCode(e) !== "EEXIST") throw e;
    }
    let pid = NaN;
    try {
      pid = Number(readFileSync(file, "utf8").trim());
    } catch {
      // vanished between open and read: retry
    }
    if (pid === process.pid) throw new ConflictError(`berthd is already running on data root ${dataRoot} (pid ${pid}, this process)`);
    if (aliveDaemon(pid)) throw new ConflictError(`berthd is already running on data root ${dataRoot} (pid ${pid})`);
    rmSync(file, { force: true });
  }
  throw new ConflictError(`could not take the lock ${file}`);
}

/** Throws when a daemon answers on `socketPath`; removes the file when nothing does. */
export async function clearStaleSocket(socketPath: string): Promise<void> {
  if (!existsSync(socketPath)) return;
  const live = await new Promise<boolean>((resolve) => {
    const s = connect(socketPath);
    const done = (v: boolean): void => {
      s.destroy();
      resolve(v);
    };
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
    s.setTimeout(1_000, () => done(false));
  });
  if (live) throw new ConflictError(`socket ${socketPath} is in use by another daemon`);
  rmSync(socketPath, { force: true });
}
