import type { CliContext } from "../context.js";
import type { FlagSpec } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import type { ContainerInspect, PortBinding } from "../../api/types/index.js";
import { compareStrings } from "../../util/compare.js";

export const flags: FlagSpec[] = [];
export const args: ArgRule = { kind: "range", min: 1, max: 2 };

function joinHostPort(ip: string, port: string): string {
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function portKey(k: string): [number, string] {
  const [n = "0", proto = "tcp"] = k.split("/");
  return [Number(n), proto];
}

/** Docker's `port` output; `filter` is "80" or "80/udp". Returns undefined when the filter matches nothing published. */
export function renderPorts(ports: Record<string, PortBinding[] | null> | null | undefined, filter?: string): string | undefined {
  const entries = Object.entries(ports ?? {}).sort(([a], [b]) => {
    const [pa, qa] = portKey(a);
    const [pb, qb] = portKey(b);
    return pa - pb || compareStrings(qa, qb);
  });
  if (filter !== undefined) {
    const key = filter.includes("/") ? filter : `${filter}/tcp`;
    const bindings = ports?.[key];
    if (!bindings || bindings.length === 0) return undefined;
    return bindings.map((b) => `${joinHostPort(b.HostIp ?? "", b.HostPort)}\n`).join("");
  }
  let out = "";
  for (const [k, bindings] of entries) {
    for (const b of bindings ?? []) out += `${k} -> ${joinHostPort(b.HostIp ?? "", b.HostPort)}\n`;
  }
  return out;
}

/** berthd explains ports that can only reset (listener on loopback inside); other daemons lack the endpoint. */
async function warnLoopbackListeners(ctx: CliContext, client: Awaited<ReturnType<CliContext["client"]>>, name: string): Promise<void> {
  try {
    const r = await client.json<{ Warnings?: string[] }>("GET", `/containers/${encodeURIComponent(name)}/port-warnings`);
    for (const w of r.Warnings ?? []) ctx.err(`WARNING: ${w}\n`);
  } catch {
    // not berthd, or the container went away: nothing to add
  }
}

export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const [name = "", filter] = argv;
  const client = await ctx.client();
  try {
    const c = await client.json<ContainerInspect>("GET", `/containers/${encodeURIComponent(name)}/json`);
    const text = renderPorts(c.NetworkSettings?.Ports, filter);
    if (text === undefined) {
      const key = filter !== undefined && filter.includes("/") ? filter : `${filter ?? ""}/tcp`;
      ctx.err(`Error: No public port '${key}' published for ${name}\n`);
      return 1;
    }
    ctx.out(text);
    await warnLoopbackListeners(ctx, client, name);
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    ctx.err(`${e.name === "DaemonError" ? `Error response from daemon: ${e.message}` : e.message}\n`);
    return 1;
  }
  return 0;
}
