/**
 * Says why an executable cannot start before the runtime tries it: a script whose interpreter line
 * ends in CR, or a binary built for another CPU. Also refuses working directories
 * under /proc, where a path like /proc/self/fd/7 can lead to a descriptor outside the container.
 */
import { closeSync, openSync, readFileSync, readSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { InvalidArgumentError } from "../errdefs/index.js";
import { explainExecutable, type ExecProblem } from "./explain-exec.js";
import { resolveInRoot } from "./fs/index.js";

/** Throws when the working directory lies under /proc (after cleaning `.`/`..`). */
export function checkWorkingDir(dir: string): void {
  if (!dir) return;
  const clean = path.posix.normalize(`/${dir}`);
  if (clean === "/proc" || clean.startsWith("/proc/")) {
    throw new InvalidArgumentError(`the working directory '${dir}' is invalid: it lies under /proc, where descriptor paths such as /proc/self/fd can lead outside the container`);
  }
}

function readHead(file: string, n: number): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, "r");
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The container path of the executable args[0], looked up in PATH (from env) the way execvp does. */
function findExecutable(rootfs: string, cmd: string, env: readonly string[]): string | undefined {
  const candidates: string[] = [];
  if (cmd.includes("/")) candidates.push(cmd.startsWith("/") ? cmd : `/${cmd}`);
  else {
    const p = env.find((e) => e.startsWith("PATH="))?.slice(5) ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (const dir of p.split(":")) if (dir.startsWith("/")) candidates.push(path.posix.join(dir, cmd));
  }
  for (const c of candidates) {
    try {
      const host = resolveInRoot({ rootfs, extraMounts: [] }, c, { followFinal: true }).host;
      if (readHead(host, 1) !== undefined) return c;
    } catch {
      // not there; try the next
    }
  }
  return undefined;
}

const QEMU_NAMES: Record<string, string> = { arm64: "aarch64", amd64: "x86_64", "386": "i386", arm: "arm", ppc64: "ppc64", s390x: "s390x", riscv64: "riscv64", mips: "mips" };

/** True when binfmt_misc has an enabled handler (qemu-user) that runs binaries for `arch`. */
function emulated(arch: string): boolean {
  const q = QEMU_NAMES[arch];
  if (!q) return false;
  try {
    for (const name of readdirSync("/proc/sys/fs/binfmt_misc")) {
      if (!name.includes(q)) continue;
      if (readFileSync(`/proc/sys/fs/binfmt_misc/${name}`, "utf8").startsWith("enabled")) return true;
    }
  } catch {
    // no binfmt_misc: nothing emulated
  }
  return false;
}

/**
 * Before the runtime sees it: an executable that cannot start for a reason its first bytes show (a CRLF
 * interpreter line; an ELF for another CPU that no binfmt handler emulates). Undefined when it looks fine
 * or cannot be found (the runtime then gives its own error).
 */
export function precheckExecutable(rootfs: string, args: readonly string[], env: readonly string[]): ExecProblem | undefined {
  const cmd = args[0];
  if (!cmd) return undefined;
  const found = findExecutable(rootfs, cmd, env);
  if (!found) return undefined;
  let head: Buffer | undefined;
  try {
    head = readHead(resolveInRoot({ rootfs, extraMounts: [] }, found, { followFinal: true }).host, 256);
  } catch {
    return undefined;
  }
  if (!head) return undefined;
  const p = explainExecutable(found, head);
  if (p && p.exitCode === 126) {
    const arch = /built for (\S+),/.exec(p.message)?.[1] ?? "";
    if (emulated(arch)) return undefined;
  }
  return p;
}
