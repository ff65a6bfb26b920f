/**
 * Runs a short command inside a running container with the runtime's own `exec` (no conmon, no TTY)
 * and collects its exit code and the start of its output: what health checks need. A probe that
 * outlives its timeout is killed by its pid.
 */
import { spawn } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface ProbeResult {
  /** The command's exit code; -1 when it timed out or could not run. */
  exitCode: number;
  /** stdout and stderr interleaved, at most `maxOutput` bytes. */
  output: string;
  timedOut: boolean;
}

export interface ProbeOptions {
  runtimeBinary: string;
  /** Arguments before the runtime's own (berth-crun-launcher's crun path). */
  runtimeArgs?: readonly string[];
  runtimeRoot: string;
  id: string;
  /** An OCI process object (args, env, cwd, user, capabilities…). */
  process: Record<string, unknown>;
  /** Where the process file and pid file may be written (the container's state dir). */
  workDir: string;
  timeoutMs: number;
  maxOutput?: number;
}

export async function runProbe(o: ProbeOptions): Promise<ProbeResult> {
  const max = o.maxOutput ?? 4096;
  const tag = `probe-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const procFile = join(o.workDir, `${tag}.json`);
  const pidFile = join(o.workDir, `${tag}.pid`);
  await writeFile(procFile, JSON.stringify({ ...o.process, terminal: false }));
  try {
    return await new Promise<ProbeResult>((resolve) => {
      const child = spawn(o.runtimeBinary, [...(o.runtimeArgs ?? []), "--root", o.runtimeRoot, "exec", "--process", procFile, "--pid-file", pidFile, o.id], { stdio: ["ignore", "pipe", "pipe"] });
      const chunks: Buffer[] = [];
      let size = 0;
      const take = (c: Buffer): void => {
        if (size >= max) return;
        const part = c.subarray(0, max - size);
        chunks.push(part);
        size += part.length;
      };
      child.stdout.on("data", take);
      child.stderr.on("data", take);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        void readFile(pidFile, "utf8")
          .then((t) => process.kill(Number.parseInt(t.trim(), 10), "SIGKILL"))
          .catch(() => undefined)
          .finally(() => child.kill("SIGKILL"));
      }, o.timeoutMs);
      child.on("error", (e) => {
        clearTimeout(timer);
        resolve({ exitCode: -1, output: e.message, timedOut: false });
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        const output = Buffer.concat(chunks).toString("utf8");
        if (timedOut) resolve({ exitCode: -1, output, timedOut: true });
        else resolve({ exitCode: code ?? (signal ? 128 : -1), output, timedOut: false });
      });
    });
  } finally {
    await rm(procFile, { force: true });
    await rm(pidFile, { force: true });
  }
}
