/**
 * `berth run`: docker's runContainer — create, attach (unless -d), wait (next-exit, or removed with
 * --rm), start; exit with the container's status. Daemon errors before the container runs exit 125,
 * or 127/126 when the command was not found / not executable (toStatusError).
 */
import type { CliContext } from "../context.js";
import { bool, str } from "../flags/parser.js";
import type { FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import type { EngineClient } from "../../client/engine-client.js";
import type { ContainerCreateRequest } from "../../api/types/index.js";
import { StatusError } from "../cli-error.js";
import { parseOrReport, runFlags, withHelp } from "./container-opts.js";
import { CREATE_USAGE, createContainer } from "./create.js";
import { forwardSignals, monitorTtySize, openAttach, pumpStreams, waitExitOrRemoved, type AttachedStream } from "./container-stream.js";

export const flags = runFlags;
export const args: ArgRule = { kind: "min", n: 1 };
export const interspersed = false;

function errText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  return e.name === "DaemonError" ? `Error response from daemon: ${e.message}` : e.message;
}

/** docker's toStatusError: 127 for a missing command, 126 for one that cannot run, else 125. */
export function toStatusError(ctx: CliContext, e: unknown): StatusError {
  if (e instanceof StatusError && e.message === "") return e;
  const msg = errText(e);
  let status = 125;
  if (/executable file not found|no such file or directory|system cannot find the file specified/.test(msg)) status = 127;
  else if (/permission denied|is a directory/.test(msg)) status = 126;
  return new StatusError(withHelp(ctx, msg, "run"), status);
}

export async function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<number> {
  const o = parseOrReport(ctx, argv, f, "run", CREATE_USAGE);
  if (o === undefined) return 125;
  const config = o.config;
  const detach = bool(f, "detach");
  const autoRemove = config.HostConfig?.AutoRemove === true;
  let sigProxy = bool(f, "sig-proxy");
  if (config.Tty === true) sigProxy = false;
  const client = await ctx.client();

  if (!detach) {
    if (config.Tty === true && config.AttachStdin === true && ctx.stdin.isTTY !== true) throw new StatusError("the input device is not a TTY", 1);
  } else {
    if ((f["attach"] as string[] | undefined)?.length) throw new StatusError("conflicting options: cannot specify both --attach and --detach", 1);
    config.AttachStdin = false;
    config.AttachStdout = false;
    config.AttachStderr = false;
    config.StdinOnce = false;
  }
  if (config.OpenStdin === true && config.AttachStdin === true) config.StdinOnce = true;

  let id: string;
  try {
    id = await createContainer(ctx, client, o);
  } catch (e) {
    throw toStatusError(ctx, e);
  }
  const stopSignals = sigProxy ? forwardSignals(client, id) : undefined;
  try {
    return await runCreated(ctx, client, id, config, str(f, "detach-keys") ?? "", autoRemove);
  } finally {
    stopSignals?.();
  }
}

async function runCreated(ctx: CliContext, client: EngineClient, id: string, config: ContainerCreateRequest, detachKeys: string, autoRemove: boolean): Promise<number> {
  const tty = config.Tty === true;
  const stdin = config.AttachStdin === true;
  const attach = stdin || config.AttachStdout === true || config.AttachStderr === true;
  if (!attach) ctx.out(`${id}\n`);

  let stream: AttachedStream | undefined;
  if (attach) {
    let conn;
    try {
      conn = await openAttach(client, id, { stdin, stdout: config.AttachStdout === true, stderr: config.AttachStderr === true, detachKeys });
    } catch (e) {
      throw new StatusError(errText(e), 1);
    }
    stream = pumpStreams(ctx, conn.socket, conn.head, { tty, stdin, detachKeys });
  }
  let waited: Awaited<ReturnType<typeof waitExitOrRemoved>> | undefined;
  if (attach || autoRemove) {
    try {
      waited = await waitExitOrRemoved(client, id, autoRemove);
    } catch (e) {
      stream?.close();
      throw toStatusError(ctx, e);
    }
  }
  try {
    await client.json("POST", `/containers/${id}/start`);
  } catch (e) {
    if (stream !== undefined) {
      stream.close();
      await stream.done.catch(() => "eof");
    }
    if (autoRemove && waited !== undefined) await Promise.race([waited.result, new Promise((r) => setTimeout(r, 5000).unref())]);
    waited?.cancel();
    throw toStatusError(ctx, e);
  }
  if (stream === undefined || waited === undefined) {
    waited?.cancel();
    return 0;
  }

  const stopResize = tty && ctx.stdout.isTTY === true ? monitorTtySize(ctx, client, id) : undefined;
  try {
    const ended = stream.done.catch((e: unknown) => {
      ctx.err(`${errText(e)}\n`);
      return "error" as const;
    });
    const first = await Promise.race([ended.then((r) => ({ kind: "stream" as const, r })), waited.result.then((s) => ({ kind: "status" as const, s }))]);
    if (first.kind === "stream") {
      if (first.r === "detached" || first.r === "error") {
        waited.cancel();
        return first.r === "detached" ? 0 : 1;
      }
      return statusOf(ctx, await waited.result);
    }
    // The container ended first: let the output drain briefly, then drop the connection.
    const timer = new Promise<void>((r) => setTimeout(r, 1000).unref());
    await Promise.race([ended, timer]);
    stream.close();
    return statusOf(ctx, first.s);
  } finally {
    stopResize?.();
  }
}

function statusOf(ctx: CliContext, s: { status: number; error?: string }): number {
  if (s.error !== undefined) ctx.err(`Error waiting for container: ${s.error}\n`);
  return s.status;
}
