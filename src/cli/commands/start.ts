/**
 * `berth start`: without -a/-i, POST /containers/{id}/start for each argument (docker's
 * startContainersWithoutAttachments); with them, one container: attach, wait, start, and exit with its status.
 */
import type { CliContext } from "../context.js";
import { bool, str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import type { ContainerInspect } from "../../api/types/index.js";
import { StatusError } from "../cli-error.js";
import { forwardSignals, monitorTtySize, openAttach, pumpStreams, waitExitOrRemoved } from "./container-stream.js";

export const flags: FlagSpec[] = [
  { long: "attach", short: "a", type: "bool", usage: "Attach STDOUT/STDERR and forward signals" },
  { long: "detach-keys", type: "string", valueName: "string", usage: "Override the key sequence for detaching a container" },
  { long: "interactive", short: "i", type: "bool", usage: "Attach container's STDIN" },
];
export const args: ArgRule = { kind: "min", n: 1 };

function errText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  return e.name === "DaemonError" ? `Error response from daemon: ${e.message}` : e.message;
}

export async function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<number> {
  const client = await ctx.client();
  if (!bool(f, "attach") && !bool(f, "interactive")) {
    const failed: string[] = [];
    for (const name of argv) {
      try {
        await client.json("POST", `/containers/${encodeURIComponent(name)}/start`);
        ctx.out(`${name}\n`);
      } catch (e) {
        if (!(e instanceof Error)) throw e;
        ctx.err(`${errText(e)}\n`);
        failed.push(name);
        if (e.name === "ConnectError") break;
      }
    }
    if (failed.length > 0) throw new StatusError(`Error: failed to start containers: ${failed.join(", ")}`, 1);
    return 0;
  }
  if (argv.length > 1) throw new StatusError("you cannot start and attach multiple containers at once", 1);
  const c = await client.get<ContainerInspect>(`/containers/${encodeURIComponent(argv[0] ?? "")}/json`);
  const id = c.Id;
  const tty = c.Config.Tty === true;
  const stdin = bool(f, "interactive") && c.Config.OpenStdin === true;
  const detachKeys = str(f, "detach-keys") ?? "";
  const stopSignals = tty ? undefined : forwardSignals(client, id);
  try {
    const conn = await openAttach(client, id, { stdin, stdout: true, stderr: true, detachKeys });
    const stream = pumpStreams(ctx, conn.socket, conn.head, { tty, stdin, detachKeys });
    let waited;
    try {
      waited = await waitExitOrRemoved(client, id, c.HostConfig.AutoRemove === true);
      await client.json("POST", `/containers/${id}/start`);
    } catch (e) {
      stream.close();
      await stream.done.catch(() => "eof");
      if (waited !== undefined && c.HostConfig.AutoRemove === true) await Promise.race([waited.result, new Promise((r) => setTimeout(r, 5000).unref())]);
      waited?.cancel();
      throw e;
    }
    const stopResize = tty && ctx.stdout.isTTY === true ? monitorTtySize(ctx, client, id) : undefined;
    try {
      if ((await stream.done) === "detached") {
        waited.cancel();
        return 0;
      }
    } catch (e) {
      waited.cancel();
      throw e;
    } finally {
      stopResize?.();
    }
    const s = await waited.result;
    if (s.error !== undefined) ctx.err(`Error waiting for container: ${s.error}\n`);
    return s.status;
  } finally {
    stopSignals?.();
  }
}
