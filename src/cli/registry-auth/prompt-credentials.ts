/**
 * docker's PromptUserForCredentials: asks for a user name (with a default) and a password (echo off
 * on a terminal), printing Docker Hub's hints when logging in there.
 */
import { spawnSync } from "node:child_process";
import type { Readable } from "node:stream";
import type { CliContext } from "../context.js";
import type { AuthConfig } from "./auth-config.js";
import { INDEX_SERVER } from "./server-address.js";

const REGISTER_SUGGEST =
  "Log in with your Docker ID or email address to push and pull images from Docker Hub. If you don't have a Docker ID, head over to https://hub.docker.com/ to create one.";
const PAT_SUGGEST =
  "You can log in with your password or a Personal Access Token (PAT). Using a limited-scope PAT grants better security and is required for organizations using SSO. Learn more at https://docs.docker.com/go/access-tokens/";

/** Reads stdin line by line, keeping what follows a line for the next call. */
export class LineReader {
  private buf = "";
  private ended = false;
  constructor(private readonly input: Readable) {}

  /** The next line without its end, or undefined at end of input (docker's scanner then gives up). */
  async readLine(): Promise<string | undefined> {
    for (;;) {
      const nl = this.buf.indexOf("\n");
      if (nl !== -1) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        return line.replace(/\r$/, "");
      }
      if (this.ended) {
        if (this.buf === "") return undefined;
        const line = this.buf;
        this.buf = "";
        return line;
      }
      await new Promise<void>((resolve) => {
        const onData = (c: Buffer | string): void => {
          this.buf += c.toString();
          finish();
        };
        const onEnd = (): void => {
          this.ended = true;
          finish();
        };
        const finish = (): void => {
          this.input.off("data", onData);
          this.input.off("end", onEnd);
          this.input.pause();
          resolve();
        };
        this.input.on("data", onData);
        this.input.on("end", onEnd);
        this.input.resume();
      });
    }
  }
}

/** PrintNote: "\n Info -> line\n         line\n" (fancy header and italics on a terminal). */
export function printNote(write: (s: string) => void, isTTY: boolean, text: string): void {
  const header = isTTY ? "\x1b[1m\x1b[106m\x1b[30mi\x1b[0m\x1b[0m \x1b[96mInfo → \x1b[0m\x1b[0m" : " Info -> ";
  let s = `\n${header}`;
  text.split("\n").forEach((line, i) => {
    if (i > 0) s += " ".repeat(9);
    s += `${isTTY ? `\x1b[3m${line}\x1b[0m` : line}\n`;
  });
  write(s);
}

function setEcho(on: boolean): void {
  spawnSync("stty", [on ? "echo" : "-echo"], { stdio: ["inherit", "ignore", "ignore"] });
}

function hintsEnabled(): boolean {
  const v = process.env.DOCKER_CLI_HINTS;
  if (v === undefined || v === "") return true;
  return !["0", "f", "F", "false", "FALSE", "False"].includes(v);
}

export async function promptUserForCredentials(
  ctx: CliContext,
  lines: LineReader,
  argUser: string,
  argPassword: string,
  defaultUsername: string,
  serverAddress: string,
): Promise<AuthConfig> {
  let user = argUser.trim();
  if (user === "") {
    if (serverAddress === INDEX_SERVER) {
      ctx.out(`${REGISTER_SUGGEST}\n`);
      if (hintsEnabled()) ctx.out(`${PAT_SUGGEST}\n\n`);
    }
    const def = defaultUsername.trim();
    ctx.out(def === "" ? "Username: " : `Username (${def}): `);
    const line = await lines.readLine();
    if (line === undefined) throw new Error("prompt terminated");
    user = line.trim();
    if (user === "") user = def;
    if (user === "") throw new Error("Error: Non-null Username Required");
  }
  let password = argPassword.trim();
  if (password === "") {
    const tty = ctx.stdin.isTTY === true;
    if (!tty) throw new Error("inappropriate ioctl for device");
    setEcho(false);
    try {
      if (serverAddress === INDEX_SERVER) {
        printNote((s) => ctx.err(s), ctx.stderr.isTTY === true, "A Personal Access Token (PAT) can be used instead.\nTo create a PAT, visit \x1b[4mhttps://app.docker.com/settings\x1b[0m\n\n");
      }
      ctx.out("Password: ");
      const line = await lines.readLine();
      if (line === undefined) throw new Error("prompt terminated");
      password = line.trim();
      ctx.out("\n");
    } finally {
      setEcho(true);
    }
    if (password === "") throw new Error("Error: Password Required");
  }
  return { username: user, password, serveraddress: serverAddress };
}
