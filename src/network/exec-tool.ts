/** Runs the kernel's own tools (ip, nft, nsenter, unshare) and turns failures into errors with their stderr. */
import { spawn } from "node:child_process";
import { InternalError } from "../errdefs/index.js";

export async function runTool(cmd: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => reject(new InternalError(`${cmd}: ${e.message}`)));
    child.on("close", (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString("utf8"));
      else reject(new InternalError(`${cmd} ${args.join(" ")}: ${Buffer.concat(err).toString("utf8").trim() || `exit status ${String(code)}`}`));
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(input ?? "");
  });
}
