import { lstatSync, type Stats } from "node:fs";
import { errnoCode } from "../errdefs/index.js";

/** lstat, or null when the path (or a directory on it) does not exist; other errors are thrown. */
export function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch (e) {
    const code = errnoCode(e);
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw e;
  }
}
