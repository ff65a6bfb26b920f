/**
 * `berth exec`: inspect the container (so "No such container" wins), create the exec, then either start it
 * detached or hijack POST /exec/{id}/start and pump stdin/stdout/stderr; the exit status is the exec's
 * ExitCode from GET /exec/{id}/json (docker's 126/127 come from the daemon).
 */
import { spawnSync } from "node:child_process";
import type { Socket } from "node:net";
import type { CliContext } from "../context.js";
import { bool, list, str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import type { ExecCreateRequest, ExecInspect } from "../../api/types/index.js";
import { ConnectError, parseHost, type EngineClient } from "../../client/engine-client.js";
import { hijack } from "../../client/hijack.js";
import { StdcopyDemuxer } from "../../client/stdcopy-demux.js";
import { StatusError } from "../cli-error.js";
import { readKVEnvStrings, validateEnv } from "./exec-env.js";

export const flags: FlagSpec[] = [
  { long: "detach", short: "d", type: "bool", usage: "Detached mode: run command in the background" },
  { long: "detach-keys", type: "string", valueName: "string", usage: "Override the key sequence for detaching a container" },
  { long: "env", short: "e", type: "stringArray", valueName: "list", usage: "Set environment variables" },
  { long: "env-file", type: "stringArray", valueName: "list", usage: "Read in a file of environment variables" },
  { long: "interactive", short: "i", type: "bool", usage: "Keep STDIN open even if not attached" },
  { long: "privileged", type: "bool", usage: "Give extended privileges to the command" },
  { long: "tty", short: "t", type: "bool", usage: "Allocate a pseudo-TTY" },
  { long: "user", short: "u", type: "string", valueName: "string", usage: 'Username or UID (format: "<name|uid>[:<group|gid>]")' },
  { long: "workdir", short: "w", type: "string", valueName: "string", usage: "Working directory inside the container" },
];
export const args: ArgRule = { kind: "min", n: 2 };
/** Flags after the container belong to the command. */
export const interspersed = false;

const USAGE = "[OPTIONS] CONTAINER COMMAND [ARG...]";
export const DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q";

/** docker's parseExec: the body of POST /containers/{id}/exec. */
export function execConfig(cmd: string[], f: FlagValues, env: string[]): ExecCreateRequest {
  const detach = bool(f, "detach");
  const interactive = bool(f, "interactive");
  const c: ExecCreateRequest = {
    User: str(f, "user") ?? "",
    Privileged: bool(f, "privileged"),
    Tty: bool(f, "tty"),
    AttachStdin: !detach && interactive,
    AttachStdout: !detach,
    AttachStderr: !detach,
    DetachKeys: str(f, "detach-keys") ?? "",
    Env: env,
    WorkingDir: str(f, "workdir") ?? "",
    Cmd: cmd,
  };
  return c;
}

/** docker's term.ToBytes: "ctrl-p,ctrl-q" → [16, 17]. */
export function detachKeyBytes(keys: string): number[] {
  const out: number[] = [];
  for (const raw of keys.split(",")) {
    const k = raw.trim();
    if (k.length > 1 && k.toLowerCase().startsWith("ctrl-")) {
      const c = k.slice(5).toLowerCase();
      if (c.length === 1 && c >= "a" && c <= "z") out.push(c.charCodeAt(0) - 96);
      else if (c.length === 1 && "@[\\]^_".includes(c)) out.push("@abcdefghijklmnopqrstuvwxyz[\\]^_".indexOf(c));
      else throw new Error(`Unknown character: '${k}'`);
    } else if (k.length === 1) out.push(k.charCodeAt(0));
    else throw new Error(`Unknown character: '${k}'`);
  }
  return out;
}

/** Watches stdin for the detach sequence; bytes held back while a prefix matches are released on mismatch. */
export class EscapeProxy {
  private held: number[] = [];
  constructor(private readonly keys: readonly number[]) {}

  /** Returns the bytes to forward and whether the full sequence was typed. */
  feed(chunk: Buffer): { forward: Buffer; detached: boolean } {
    const out: number[] = [];
    for (const b of chunk) {
      if (this.keys.length > 0 && b === this.keys[this.held.length]) {
        this.held.push(b);
        if (this.held.length === this.keys.length) return { forward: Buffer.from(out), detached: true };
        continue;
      }
      out.push(...this.held);
      this.held = [];
      if (this.keys.length > 0 && b === this.keys[0]) this.held.push(b);
      else out.push(b);
    }
    return { forward: Buffer.from(out), detached: false };
  }
}

function badFlag(ctx: CliContext, msg: string): number {
  const path = `${ctx.prog} ${ctx.commandPath}`;
  ctx.err(`${msg}\n\nUsage:  ${path} ${USAGE}\n\nRun '${path} --help' for more information\n`);
  return 125;
}

export async function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<number> {
  const [container = "", ...cmd] = argv;
  const envs: string[] = [];
  for (const e of list(f, "env")) {
    try {
      envs.push(validateEnv(e));
    } catch (err) {
      return badFlag(ctx, `invalid argument ${JSON.stringify(e)} for "-e, --env" flag: ${(err as Error).message}`);
    }
  }
  const config = execConfig(cmd, f, readKVEnvStrings(list(f, "env-file"), envs));
  const client = await ctx.client();
  await client.get(`/containers/${encodeURIComponent(container)}/json`);
  const detach = bool(f, "detach");
  if (!detach && config.Tty === true && config.AttachStdin === true && ctx.stdin.isTTY !== true) throw new StatusError("the input device is not a TTY", 1);
  if (config.Tty === true) config.ConsoleSize = consoleSize(ctx);
  const created = await client.json<{ Id: string }>("POST", `/containers/${encodeURIComponent(container)}/exec`, { body: config });
  if (created?.Id === undefined || created.Id === "") throw new StatusError("exec ID empty", 1);
  const id = created.Id;
  if (detach) {
    await client.json("POST", `/exec/${id}/start`, { body: startBody(true, config) });
    return 0;
  }
  return interactiveExec(ctx, client, id, config);
}

/** ExecStartOptions as docker encodes it (ConsoleSize omitted when unset). */
export function startBody(detach: boolean, config: ExecCreateRequest): Record<string, unknown> {
  const b: Record<string, unknown> = { Detach: detach, Tty: config.Tty === true };
  if (config.ConsoleSize !== undefined && config.ConsoleSize !== null) b.ConsoleSize = config.ConsoleSize;
  return b;
}

function consoleSize(ctx: CliContext): [number, number] {
  const out = ctx.stdout as { isTTY?: boolean; rows?: number; columns?: number };
  return out.isTTY === true ? [out.rows ?? 0, out.columns ?? 0] : [0, 0];
}

async function interactiveExec(ctx: CliContext, client: EngineClient, id: string, config: ExecCreateRequest): Promise<number> {
  const tty = config.Tty === true;
  let keys: number[] = [];
  if (config.AttachStdin === true && tty) {
    const spec = config.DetachKeys !== undefined && config.DetachKeys !== "" ? config.DetachKeys : DEFAULT_DETACH_KEYS;
    try {
      keys = detachKeyBytes(spec);
    } catch {
      throw new StatusError(`Invalid detach keys (${spec}) provided`, 1);
    }
  }
  const path = `/v${await client.apiVersion()}/exec/${id}/start`;
  let hij;
  try {
    hij = await hijack(parseHost(client.host), "POST", path, startBody(false, config));
  } catch (e) {
    // A daemon that refuses to start the command (rather than reporting it in the stream) still records its exit code.
    const code = await exitCode(client, id).catch(() => 0);
    if (code !== 0 && e instanceof Error && e.name === "DaemonError") {
      ctx.err(`Error response from daemon: ${e.message}\n`);
      return code;
    }
    throw e;
  }
  const stopResize = tty && ctx.stdin.isTTY === true ? monitorSize(ctx, client, id) : undefined;
  let result: "done" | "detached";
  try {
    result = await stream(ctx, hij.socket, hij.head, tty, config.AttachStdin === true, keys);
  } finally {
    stopResize?.();
  }
  if (result === "detached") throw new StatusError("read escape sequence", 1);
  try {
    return await exitCode(client, id);
  } catch (e) {
    if (e instanceof ConnectError) return 255;
    throw e;
  }
}

/** The exec's ExitCode; waits briefly if the daemon has not yet recorded the end. */
async function exitCode(client: EngineClient, id: string): Promise<number> {
  for (let i = 0; ; i++) {
    const r = await client.get<ExecInspect>(`/exec/${id}/json`);
    if (r.Running && i < 100) {
      await new Promise((res) => setTimeout(res, 20));
      continue;
    }
    return r.ExitCode ?? 0;
  }
}

function monitorSize(ctx: CliContext, client: EngineClient, id: string): () => void {
  const out = ctx.stdout as NodeJS.WriteStream;
  const resize = (): void => {
    if (out.rows === undefined || out.columns === undefined) return;
    client.request("POST", `/exec/${id}/resize`, { query: { h: out.rows, w: out.columns } }).then(
      (r) => r.resume(),
      () => undefined,
    );
  };
  resize();
  out.on("resize", resize);
  return () => out.off("resize", resize);
}

/** Pumps the hijacked connection: output (raw for a TTY, else multiplexed) to stdout/stderr, stdin to the socket. */
function stream(ctx: CliContext, socket: Socket, head: Buffer, tty: boolean, attachStdin: boolean, keys: number[]): Promise<"done" | "detached"> {
  return new Promise((resolve, reject) => {
    const stdin = attachStdin ? (ctx.stdin as NodeJS.ReadStream) : undefined;
    const raw = stdin !== undefined && tty && stdin.isTTY === true;
    let finished = false;
    const cleanup = (): void => {
      if (stdin !== undefined) {
        stdin.off("data", onIn);
        stdin.off("end", onInEnd);
        if (raw) stdin.setRawMode(false);
        stdin.pause();
        if (stdin.isTTY !== true) stdin.destroy();
      }
    };
    const finish = (r: "done" | "detached", err?: Error): void => {
      if (finished) return;
      finished = true;
      cleanup();
      socket.destroy();
      if (err !== undefined) reject(err);
      else resolve(r);
    };
    const demux = tty ? undefined : new StdcopyDemuxer({ stdout: (c) => ctx.stdout.write(c), stderr: (c) => ctx.stderr.write(c) });
    const onOut = (c: Buffer): void => {
      try {
        if (demux !== undefined) demux.push(c);
        else ctx.stdout.write(c);
      } catch (e) {
        finish("done", e as Error);
      }
    };
    const proxy = new EscapeProxy(keys);
    const onIn = (c: Buffer): void => {
      if (keys.length > 0) {
        const { forward, detached } = proxy.feed(c);
        if (forward.length > 0) socket.write(forward);
        if (detached) finish("detached");
        return;
      }
      socket.write(c);
    };
    const onInEnd = (): void => {
      if (!socket.destroyed) socket.end();
    };
    if (head.length > 0) onOut(head);
    socket.on("data", onOut);
    socket.on("end", () => finish("done"));
    socket.on("close", () => finish("done"));
    socket.on("error", (e) => finish("done", e));
    socket.resume();
    if (stdin !== undefined) {
      if (raw) {
        stdin.setRawMode(true);
        // libuv's raw mode keeps output post-processing (\n → \r\n); docker's MakeRaw turns it off too.
        // setRawMode(false) restores the saved settings, opost included.
        spawnSync("stty", ["-opost"], { stdio: [stdin, "ignore", "ignore"] });
      }
      stdin.on("data", onIn);
      stdin.on("end", onInEnd);
      stdin.resume();
    }
  });
}
