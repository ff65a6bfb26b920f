/**
 * One daemon per data root: `<data-root>/berthd.lock` holds the owner's pid; it is created atomically
 * (link(2) of a complete file, so no reader ever sees it empty). A lock whose pid is gone is stale and
 * taken over. Also: refuse a socket another daemon answers on,
 * remove a stale one.
 */
import { existsSync, linkSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
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

function readPid(file: string): number {
  try {
    return Number(readFileSync(file, "utf8").trim());
  } catch {
    return NaN;
  }
}

/** Creates `file` holding our pid, atomically (link of a complete temp file): false when it exists. */
function createWithPid(file: string): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${process.pid}\n`, { mode: 0o600 });
  try {
    linkSync(tmp, file);
    return true;
  } catch (e) {
    if (errnoCode(e) === "EEXIST") return false;
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Takes `<data-root>/berthd.lock`. A lock whose owner is gone is stale; taking it over runs under a
 * short-lived guard file so two starting daemons cannot both remove it and both proceed.
 */
export function acquireDataRootLock(dataRoot: string): DataRootLock {
  const file = path.join(dataRoot, "berthd.lock");
  const guard = `${file}.takeover`;
  const refuse = (pid: number): never => {
    const self = pid === process.pid ? ", this process" : "";
    throw new ConflictError(`berthd is already running on data root ${dataRoot} (pid ${pid}${self})`);
  };
  for (let attempt = 0; attempt < 50; attempt++) {
    if (createWithPid(file)) return heldLock(file);
    const pid = readPid(file);
    if (pid === process.pid || aliveDaemon(pid)) refuse(pid);
    // Stale: take it over under the guard (a guard older than 5 s is a crashed taker's).
    if (!createWithPid(guard)) {
      try {
        if (Date.now() - statSync(guard).mtimeMs > 5_000) rmSync(guard, { force: true });
      } catch {
        // gone already
      }
      sleepSync(20);
      continue;
    }
    try {
      const again = readPid(file);
      if (again === process.pid || aliveDaemon(again)) refuse(again);
      rmSync(file, { force: true });
      if (createWithPid(file)) return heldLock(file);
    } finally {
      rmSync(guard, { force: true });
    }
  }
  throw new ConflictError(`could not take the lock ${file}`);
}

function heldLock(file: string): DataRootLock {
  let released = false;
  return {
    file,
    release: () => {
      if (released) return;
      released = true;
      if (readPid(file) === process.pid) rmSync(file, { force: true });
    },
  };
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
