import { randomBytes } from "./crypto.js";
import { promises as fsp, constants } from "node:fs";
import * as path from "node:path";

/** fsync a directory so a rename or create inside it is durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** A fresh temp name beside `file` (same directory, so a rename onto it is atomic). */
function tempBeside(file: string): string {
  return path.join(path.dirname(file), `.tmp-${path.basename(file)}-${randomBytes(6).toString("hex")}`);
}

/** Write a file atomically: temp file in the same directory, fsync, rename, fsync the directory. */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const dir = path.dirname(file);
  const tmp = tempBeside(file);
  const fh = await fsp.open(tmp, "wx", mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  try {
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(dir);
}

/**
 * Replace a file atomically (temp file in the same directory, then rename) without fsync: readers see
 * the old or the new content, never a torn one, but after an OS crash either may be there. For files
 * remade whenever they are needed, such as a container's runtime bundle.
 */
export async function writeFileReplace(file: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const tmp = tempBeside(file);
  try {
    await fsp.writeFile(tmp, data, { mode, flag: "wx" });
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
}
