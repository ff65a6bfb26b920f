/**
 * `berth attach`: docker's RunAttach — wait (not-running) registered first, inspect (must be running),
 * hijack the attach, stream until the output ends, then exit with the container's status. Typing the
 * detach keys ends with "read escape sequence" (exit 1), as docker does.
 */
import type { CliContext } from "../context.js";
import { bool, str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import type { ContainerInspect } from "../../api/types/index.js";
import type { EngineClient } from "../../client/engine-client.js";
import { StatusError } from "../cli-error.js";
import { forwardSignals, monitorTtySize, openAttach, pumpStreams, waitContainer, type PendingWait } from "./container-stream.js";

export const flags: FlagSpec[] = [
  { long: "detach-keys", type: "string", valueName: "string", usage: "Override the key sequence for detaching a container" },
  { long: "no-stdin", type: "bool", usage: "Do not attach STDIN" },
  { long: "sig-proxy", type: "bool", usage: "Proxy all received signals to the process", default: true },
];
export const args: ArgRule = { kind: "exact", n: 1 };

async function inspectRunning(client: EngineClient, name: string): Promise<ContainerInspect> {
  const c = await client.get<ContainerInspect>(`/containers/${encodeURIComponent(name)}/json`);
  if (!c.State.Running) throw new StatusError("You cannot attach to a stopped container, start it first", 1);
  if (c.State.Paused) throw new StatusError("You cannot attach to a paused container, unpause it first", 1);
  if (c.State.Restarting) throw new StatusError("You cannot attach to a restarting container, wait until it is running", 1);
  return c;
}

export async function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<number> {
  const name = argv[0] ?? "";
  const client = await ctx.client();
  // The wait goes first so an exit between inspect and attach is not missed; its failure shows later.
  const waited = await waitContainer(client, name, "not-running").catch(() => undefined);
  try {
    return await attach(ctx, client, name, f, waited);
  } finally {
    waited?.cancel();
  }
}

async function attach(ctx: CliContext, client: EngineClient, name: string, f: FlagValues, waited: PendingWait | undefined): Promise<number> {
  const c = await inspectRunning(client, name);
  const tty = c.Config.Tty === true;
  const wantStdin = !bool(f, "no-stdin");
  if (wantStdin && tty && ctx.stdin.isTTY !== true) throw new StatusError("the input device is not a TTY", 1);
  const stdin = wantStdin && c.Config.OpenStdin === true;
  const detachKeys = str(f, "detach-keys") ?? "";
  const stopSignals = bool(f, "sig-proxy") && !tty ? forwardSignals(client, c.Id) : undefined;
  try {
    const conn = await openAttach(client, c.Id, { stdin, stdout: true, stderr: true, detachKeys });
    try {
      await inspectRunning(client, c.Id);
    } catch (e) {
      conn.socket.destroy();
      throw e;
    }
    const stopResize = tty && ctx.stdout.isTTY === true ? monitorTtySize(ctx, client, c.Id, true) : undefined;
    const stream = pumpStreams(ctx, conn.socket, conn.head, { tty, stdin, detachKeys });
    try {
      if ((await stream.done) === "detached") throw new StatusError("read escape sequence", 1);
    } finally {
      stopResize?.();
    }
    if (waited === undefined) return 0;
    const r = await waited.result;
    if (r.error !== undefined) throw new StatusError(r.error, 1);
    return r.status;
  } finally {
    stopSignals?.();
  }
}
