/**
 * Starts berthd when nothing answers on the default kind of host: only as root, only for unix sockets,
 * and not when BERTH_NO_AUTOSTART=1. The daemon runs detached and logs to /var/log/berth/berthd.log.
 */
import { mkdirSync, openSync, closeSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import type { EngineClient } from "./engine-client.js";

export const DAEMON_LOG = "/var/log/berth/berthd.log";

export function mayAutostart(host: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return host.startsWith("unix://") && process.geteuid?.() === 0 && env.BERTH_NO_AUTOSTART !== "1";
}

/** Spawns dist/berthd.js (beside the CLI bundle) and waits up to timeoutMs for /_ping. Returns true when it answers. */
export async function autostartDaemon(client: EngineClient, bundleUrl: string, timeoutMs = 10_000): Promise<boolean> {
  const daemon = join(dirname(fileURLToPath(bundleUrl)), "berthd.js");
  if (!existsSync(daemon)) return false;
  mkdirSync(dirname(DAEMON_LOG), { recursive: true });
  const fd = openSync(DAEMON_LOG, "a");
  try {
    // child_process is loaded here, not with the module: every CLI start imports this file
    const child = process.getBuiltinModule("node:child_process").spawn(process.execPath, [daemon, "-H", client.host], { detached: true, stdio: ["ignore", fd, fd] });
    child.unref();
  } finally {
    closeSync(fd);
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await client.ping()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
