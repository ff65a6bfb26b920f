/** What a command gets: output streams, global options and a lazily connected engine client. */
import { writeSync } from "node:fs";
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
          await c.probe();
        } catch (e) {
          if (!(e instanceof ConnectError)) throw e;
          const { mayAutostart, autostartDaemon } = await import("../client/autostart.js");
          if (!mayAutostart(globals.host) || !(await autostartDaemon(c, bundleUrl))) throw e;
          await c.probe();
        }
        return c;
      })();
      return connected;
    },
    out(text) {
      writeText(1, text);
    },
    err(text) {
      writeText(2, text);
    },
  };
}

/**
 * Writes text to fd 1 or 2 with write(2). On Linux process.stdout and process.stderr write synchronously
 * to files, pipes and terminals alike, so the order of output is the same; this just spares a command that
 * only prints the building of node's stream machinery (~3 ms of `berth version`). A descriptor someone set
 * non-blocking (EAGAIN) gets the rest through the stream.
 */
function writeText(fd: 1 | 2, text: string): void {
  const b = Buffer.from(text, "utf8");
  let off = 0;
  try {
    while (off < b.length) off += writeSync(fd, b, off, b.length - off);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EPIPE") return; // the reader is gone (`berth ps | head`): nothing more to show
    if (code !== "EAGAIN") throw e;
    (fd === 1 ? process.stdout : process.stderr).write(b.subarray(off));
  }
}
