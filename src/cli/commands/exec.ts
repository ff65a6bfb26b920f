/**
 * `berth exec`: inspect the container (so "No such container" wins), create the exec, then either start it
 * detached or hijack POST /exec/{id}/start and pump stdin/stdout/stderr; the exit status is the exec's
 * ExitCode from GET /exec/{id}/json (docker's 126/127 come from the daemon).
 */
import type { CliContext } from "../context.js";
import { bool, list, str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import type { ExecCreateRequest, ExecInspect } from "../../api/types/index.js";
import { ConnectError, parseHost, type EngineClient } from "../../client/engine-client.js";
import { hijack } from "../../client/hijack.js";
import { StatusError } from "../cli-error.js";
import { pumpStreams, type StreamEnd } from "./container-stream.js";
import { DEFAULT_DETACH_KEYS, detachKeyBytes } from "./detach-keys.js";
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
  const keys = config.DetachKeys !== undefined && config.DetachKeys !== "" ? config.DetachKeys : DEFAULT_DETACH_KEYS;
  if (config.AttachStdin === true && tty) {
    try {
      detachKeyBytes(keys);
    } catch {
      throw new StatusError(`Invalid detach keys (${keys}) provided`, 1);
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
  let result: StreamEnd;
  try {
    result = await pumpStreams(ctx, hij.socket, hij.head, { tty, stdin: config.AttachStdin === true, detachKeys: keys }).done;
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
