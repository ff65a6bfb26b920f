/** What every berth command line shares: the program name, the global flags, the daemon host, error reporting. */
import { list, type FlagSpec, type FlagValues } from "./flags/parser.js";
import { StatusError } from "./cli-error.js";
import { DEFAULT_HOST } from "./context.js";

export const PROG = "berth";

export const globalFlags: FlagSpec[] = [
  { long: "config", type: "string", usage: 'Location of client config files (default "/root/.docker")' },
  { long: "debug", short: "D", type: "bool", usage: "Enable debug mode" },
  { long: "host", short: "H", type: "stringArray", valueName: "list", usage: "Daemon socket to connect to" },
  { long: "log-level", short: "l", type: "string", valueName: "string", usage: 'Set the logging level ("debug", "info", "warn", "error", "fatal")', default: "info" },
  { long: "version", short: "v", type: "bool", usage: "Print version information and quit" },
];

/** The daemon to talk to: the last -H, else BERTH_HOST, else the default socket. */
export function hostOf(g: FlagValues): string {
  const hosts = list(g, "host");
  return hosts[hosts.length - 1] ?? process.env.BERTH_HOST ?? DEFAULT_HOST;
}

/** A command's failure as docker's CLI shows it; returns the exit code. */
export function reportError(e: unknown): number {
  if (e instanceof StatusError) {
    if (e.message !== "") process.stderr.write(`${e.message}\n`);
    return e.status;
  }
  if (e instanceof Error) {
    if (e.name === "DaemonError") process.stderr.write(`Error response from daemon: ${e.message}\n`);
    else process.stderr.write(`${e.message}\n`);
    return 1;
  }
  process.stderr.write(`${String(e)}\n`);
  return 1;
}
