import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, rmdirSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { ContainerRuntime, buildSpec, DEFAULT_CAPABILITIES } from "../../src/runtime/index.js";
import type { SpecInput } from "../../src/runtime/index.js";

export interface Env {
  dir: string;
  rt: ContainerRuntime;
  id: string;
  bundle: string;
  stateDir: string;
  exitDir: string;
  logPath: string;
  input(args: string[], over?: Partial<SpecInput>): SpecInput;
  cleanup(): Promise<void>;
}

export function makeEnv(): Env {
  const dir = mkdtempSync("/tmp/brt-");
  const id = `berth-test-${randomBytes(4).toString("hex")}`;
  const bundle = join(dir, "b");
  const rootfs = join(bundle, "rootfs");
  mkdirSync(join(rootfs, "bin"), { recursive: true });
  for (const d of ["proc", "sys", "dev", "tmp", "etc"]) mkdirSync(join(rootfs, d), { recursive: true });
  copyFileSync("/bin/busybox", join(rootfs, "bin/busybox"));
  execFileSync("chroot", [rootfs, "/bin/busybox", "--install", "-s", "/bin"]);
  writeFileSync(join(rootfs, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
  const rt = new ContainerRuntime({ runtimeBinary: "/usr/sbin/runc", runtimeRoot: join(dir, "runc") });
  const stateDir = join(dir, "s");
  const exitDir = join(dir, "e");
  const cgroupsPath = `/berth-test/${id}`;
  return {
    dir, rt, id, bundle, stateDir, exitDir, logPath: join(dir, "ctr.log"),
    input(args, over = {}) {
      return {
        id, rootfs, readonlyRootfs: false,
        process: {
          args, env: ["PATH=/bin"], cwd: "/", uid: 0, gid: 0, additionalGids: [], terminal: false, noNewPrivileges: false,
          capabilities: [...DEFAULT_CAPABILITIES], rlimits: [],
        },
        hostname: "ctr", mounts: [], privileged: false, seccomp: "default",
        namespaces: { network: "private", ipc: "private", pid: "private", uts: "private", cgroup: "host" },
        resources: {}, devices: [], sysctls: {}, cgroupsPath,
        ...over,
      };
    },
    async cleanup() {
      await rt.delete(id, { force: true }).catch(() => undefined);
      try {
        const pid = Number(execFileSync("cat", [join(stateDir, "conmon.pid")]).toString().trim());
        if (pid > 0) process.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
      rmSync(dir, { recursive: true, force: true });
      // best effort: the shared parent cgroup (fails while another test still uses it)
      for (const c of readdirSync("/sys/fs/cgroup")) {
        try {
          rmdirSync(join("/sys/fs/cgroup", c, "berth-test"));
        } catch {
          // busy or absent
        }
      }
    },
  };
}

export { buildSpec };
