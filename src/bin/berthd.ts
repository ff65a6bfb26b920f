/**
 * berthd: the berth daemon (the work is in berthd-main.ts).
 *
 * glibc gives each busy thread (libuv's pool, V8's workers) a malloc arena of its own, and each keeps
 * megabytes of fragments resident after a busy spell that malloc_trim cannot give back; one arena
 * shared by all keeps an idle daemon small. glibc reads MALLOC_ARENA_MAX only when a process starts,
 * so before loading anything else berthd starts itself again (same pid, same arguments, fds 0-2 kept)
 * with it set, unless the caller chose a value.
 */
import { execve } from "../native/index.js";

if (process.env["MALLOC_ARENA_MAX"] === undefined) {
  const argv = [process.execPath, ...process.execArgv, ...process.argv.slice(1)];
  const env = Object.entries({ ...process.env, MALLOC_ARENA_MAX: "1" }).map(([k, v]) => `${k}=${v ?? ""}`);
  try {
    execve(process.execPath, argv, env);
  } catch (err) {
    process.stderr.write(`berthd: could not restart with MALLOC_ARENA_MAX=1, going on without it: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}
await import("./berthd-main.js");
