/** `berth export`: stream GET /containers/{id}/export to stdout or (via a temp file + rename) to -o. */
import { createWriteStream, lstatSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import type { CliContext } from "../context.js";
import { str } from "../flags/parser.js";
import type { FlagSpec, FlagValues } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { StatusError } from "../cli-error.js";

export const flags: FlagSpec[] = [{ long: "output", short: "o", type: "string", valueName: "string", usage: "Write to a file, instead of STDOUT" }];
export const args: ArgRule = { kind: "exact", n: 1 };

/** Go-style "op path: reason" for a failed fs call. */
function goErr(op: string, path: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code ?? "";
  const text: Record<string, string> = { ENOENT: "no such file or directory", ENOTDIR: "not a directory", EACCES: "permission denied" };
  return `${op} ${path}: ${text[code] ?? (e as Error).message}`;
}

/** docker 28's atomic writer checks on an output path (its messages, without the "failed to export container: " prefix). */
export function validateOutputPath(path: string): string | undefined {
  if (path === "") return "file name is empty";
  const dir = dirname(path);
  if (dir !== "." && dir !== "..") {
    try {
      if (!statSync(dir).isDirectory()) return `invalid output path: stat ${dir}: not a directory`;
    } catch (e) {
      return `invalid output path: ${goErr("stat", dir, e)}`;
    }
  }
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    return `failed to stat output path: ${goErr("lstat", path, e)}`;
  }
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return "cannot write to a directory";
  if (st.isSymbolicLink()) return "cannot write to a symbolic link directly";
  if (st.isFIFO()) return "cannot write to a named pipe (FIFO)";
  if (st.isSocket()) return "cannot write to a socket";
  if (st.isCharacterDevice()) return "cannot write to a character device file";
  return "cannot write to a block device file";
}

export async function run(ctx: CliContext, argv: string[], f: FlagValues): Promise<void> {
  const out = str(f, "output") ?? "";
  if (out === "" && ctx.stdout.isTTY === true) throw new StatusError("cowardly refusing to save to a terminal. Use the -o flag or redirect", 1);
  if (out !== "") {
    const bad = validateOutputPath(out);
    if (bad !== undefined) throw new StatusError(`failed to export container: ${bad}`, 1);
  }
  const client = await ctx.client();
  const res = await client.request("GET", `/containers/${encodeURIComponent(argv[0] ?? "")}/export`);
  if (out === "") {
    await pipeline(res, ctx.stdout, { end: false });
    return;
  }
  const tmp = join(dirname(resolve(out)), `.berth_temp_${process.pid}_${Date.now()}`);
  try {
    await pipeline(res, createWriteStream(tmp, { mode: 0o600 }));
    renameSync(tmp, out);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
