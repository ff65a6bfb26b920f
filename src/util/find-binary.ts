import { accessSync, constants } from "node:fs";
import * as path from "node:path";

/**
 * Finds the executable `name` on PATH (or as a path, when it has a slash), then in `extraDirs`;
 * undefined when none is there. Empty PATH entries are skipped (never the working directory).
 */
export function findBinary(name: string, extraDirs: readonly string[] = []): string | undefined {
  const dirs = name.includes("/") ? [""] : [...(process.env["PATH"] ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").split(":"), ...extraDirs].filter((d) => d !== "");
  for (const d of dirs) {
    const p = d === "" ? name : path.join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return undefined;
}
