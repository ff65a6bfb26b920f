/** What a command gets: output streams, global options and a lazily connected engine client. */
import type { Readable, Writable } from "node:stream";
import type { EngineClient } from "../client/engine-client.js";

export interface GlobalOptions {
  host: string;
  logLevel: string;
  debug: boolean;
  config: string | undefined;
}

export interface CliContext {
  readonly globals: GlobalOptions;
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable & { isTTY?: boolean };
  readonly stdin: Readable & { isTTY?: boolean };
  /** The program name used in messages ("berth"). */
  readonly prog: string;
  /** The command words as typed, for messages ("image ls"). */
  readonly commandPath: string;
  /** A client that has reached the daemon (starting it if allowed). Throws ConnectError otherwise. */
  client(): Promise<EngineClient>;
  out(text: string): void;
  err(text: string): void;
}

export const DEFAULT_HOST = "unix:///run/berth/berth.sock";

export function createContext(globals: GlobalOptions, commandPath: string, bundleUrl: string): CliContext {
  let connected: Promise<EngineClient> | undefined;
  return {
    globals,
    // Getters: touching process.stdin builds its stream (a few ms), so only commands that read it pay.
    get stdout() {
      return process.stdout;
    },
    get stderr() {
      return process.stderr;
    },
    get stdin() {
      return process.stdin;
    },
    prog: "berth",
    commandPath,
    client() {
      connected ??= (async () => {
        const { EngineClient, ConnectError } = await import("../client/engine-client.js");
        const c = new EngineClient(globals.host);
        try {
          await c.apiVersion();
        } catch (e) {
          if (!(e instanceof ConnectError)) throw e;
          const { mayAutostart, autostartDaemon } = await import("../client/autostart.js");
          if (!mayAutostart(globals.host) || !(await autostartDaemon(c, bundleUrl))) throw e;
          await c.apiVersion();
        }
        return c;
      })();
      return connected;
    },
    out(text) {
      process.stdout.write(text);
    },
    err(text) {
      process.stderr.write(text);
    },
  };
}
