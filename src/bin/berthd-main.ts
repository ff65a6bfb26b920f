/** berthd proper (src/bin/berthd.ts loads it): exit 0 after SIGTERM/SIGINT, 1 when it cannot start. */
import { messageOf } from "../errdefs/index.js";
import { BERTH_VERSION, parseArgs, startDaemon, USAGE, type RunningDaemon } from "../daemon/index.js";
import { Logger } from "../util/log.js";

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`berthd: ${messageOf(e)}\nSee 'berthd --help'.\n`);
    return 1;
  }
  if (parsed.kind === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  if (parsed.kind === "version") {
    process.stdout.write(`berthd version ${BERTH_VERSION}\n`);
    return 0;
  }
  const log = Logger.create(parsed.config.logLevel);
  // A stray rejection in some handler must not take the whole daemon down.
  process.on("unhandledRejection", (reason: unknown) => log.error("unhandled promise rejection", { err: reason }));
  // A stray stream error must not take the daemon (and the API of every running container) down;
  // state stays consistent because every change is atomic.
  process.on("uncaughtException", (err: Error) => log.error("uncaught exception", { err: err.stack ?? err.message }));

  // Signals during start-up are honoured once the daemon is up (or the start failed).
  let stopRequested: string | undefined;
  let onSignal: ((sig: string) => void) | undefined;
  const handle = (sig: string): void => {
    if (stopRequested !== undefined) {
      log.warn("second signal during shutdown: exiting now", { signal: sig });
      process.exit(1);
    }
    stopRequested = sig;
    onSignal?.(sig);
  };
  process.on("SIGTERM", () => handle("SIGTERM"));
  process.on("SIGINT", () => handle("SIGINT"));

  let daemon: RunningDaemon;
  try {
    daemon = await startDaemon({ config: parsed.config, log });
  } catch (e) {
    process.stderr.write(`berthd: failed to start daemon: ${messageOf(e)}\n`);
    return 1;
  }
  const running = daemon;
  await new Promise<void>((resolve) => {
    onSignal = (sig) => {
      log.info("Processing signal", { signal: sig });
      running.close().then(resolve, (err: unknown) => {
        log.error("shutdown failed", { err });
        resolve();
      });
    };
    if (stopRequested !== undefined) onSignal(stopRequested);
  });
  log.info("Daemon shutdown complete");
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`berthd: ${messageOf(e)}\n`);
    process.exit(1);
  },
);
