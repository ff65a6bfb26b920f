import { readFileSync } from "node:fs";

/** One line of /proc/self/mountinfo (proc(5)). */
export interface MountInfo {
  id: number;
  parent: number;
  /** Root of the mount inside its file system. */
  root: string;
  mountPoint: string;
  options: string;
  fsType: string;
  source: string;
  superOptions: string;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function parseMountInfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    const f = line.split(" ");
    const sep = f.indexOf("-", 6);
    if (f.length < 10 || sep < 0) continue;
    out.push({
      id: Number(f[0]),
      parent: Number(f[1]),
      root: unescape(f[3] ?? ""),
      mountPoint: unescape(f[4] ?? ""),
      options: f[5] ?? "",
      fsType: f[sep + 1] ?? "",
      source: unescape(f[sep + 2] ?? ""),
      superOptions: f[sep + 3] ?? "",
    });
  }
  return out;
}

export function readMountInfo(): MountInfo[] {
  return parseMountInfo(readFileSync("/proc/self/mountinfo", "utf8"));
}

function trimSlash(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, "") : p;
}

/**
 * Mount points at or below prefix, deepest (and, at one point, most recent) first: the order to
 * unmount them in. A point with stacked mounts appears once per mount.
 */
export function mountsUnder(prefix: string, table: MountInfo[] = readMountInfo()): string[] {
  const p = trimSlash(prefix);
  const hits = table
    .map((m, i) => ({ mp: m.mountPoint, i }))
    .filter(({ mp }) => mp === p || mp.startsWith(p === "/" ? "/" : p + "/"));
  hits.sort((a, b) => b.mp.split("/").length - a.mp.split("/").length || b.i - a.i);
  return hits.map((h) => h.mp);
}

/** True when path is a mount point (something is mounted exactly there). */
export function isMounted(path: string, table: MountInfo[] = readMountInfo()): boolean {
  const p = trimSlash(path);
  return table.some((m) => m.mountPoint === p);
}
