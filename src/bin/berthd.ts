/** berthd: the berth daemon. */
import { messageOf } from "../errdefs/index.js";
import { BERTH_VERSION, parseArgs, startDaemon, USAGE } from "../daemon/index.js";
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
  let daemon;
  try {
    daemon = await startDaemon({ config: parsed.config, log });
  } catch (e) {
    process.stderr.write(`berthd: failed to start daemon: ${messageOf(e)}\n`);
    return 1;
  }
  const running = daemon;
  await new Promise<void>((resolve) => {
    const stop = (sig: string): void => {
      log.info("Processing signal", { signal: sig });
      running.close().then(resolve, (err: unknown) => {
        log.error("shutdown failed", { err });
        resolve();
      });
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
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
