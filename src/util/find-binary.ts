import { accessSync, constants } from "node:fs";

/**
 * Finds the executable `name` on PATH (or as a path, when it has a slash), then in `extraDirs`;
 * undefined when none is there. Empty PATH entries are skipped (never the working directory).
 */
export function findBinary(name: string, extraDirs: readonly string[] = []): string | undefined {
  const dirs = name.includes("/") ? [""] : [...(process.env["PATH"] ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").split(":"), ...extraDirs].filter((d) => d !== "");
  for (const d of dirs) {
    // plain concatenation: path.join would normalise every candidate, and this runs for each PATH entry
    const p = d === "" ? name : d.endsWith("/") ? d + name : `${d}/${name}`;
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return undefined;
}
