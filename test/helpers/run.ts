/** Runs a program and collects its output: the one way the e2e tests run the berth and docker CLIs. */
import { spawn } from "node:child_process";
import { createReadStream } from "node:fs";

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface RunOptions {
  /** Written to stdin (then closed). Without it stdin is empty. */
  input?: string | Buffer;
  /** A file streamed to stdin. */
  inputFile?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Killed (SIGKILL) after this long; default 120 s. The result then has code 137 and a note in stderr. */
  timeoutMs?: number;
}

export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, opts.timeoutMs ?? 120_000);
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.stdin.on("error", () => undefined); // the program may exit without reading its input
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      let stderr = Buffer.concat(err).toString("utf8");
      if (timedOut) stderr += `\n[run: ${cmd} killed after ${opts.timeoutMs ?? 120_000} ms]`;
      resolve({ stdout: Buffer.concat(out).toString("utf8"), stderr, code: code ?? (signal ? 128 + signalNumber(signal) : -1) });
    });
    if (opts.inputFile !== undefined) createReadStream(opts.inputFile).on("error", reject).pipe(child.stdin);
    else child.stdin.end(opts.input ?? "");
  });
}

function signalNumber(sig: NodeJS.Signals): number {
  const table: Partial<Record<NodeJS.Signals, number>> = { SIGKILL: 9, SIGTERM: 15, SIGINT: 2, SIGSEGV: 11, SIGABRT: 6 };
  return table[sig] ?? 0;
}
