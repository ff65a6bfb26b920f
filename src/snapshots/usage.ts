import { promises as fsp } from "node:fs";
import * as path from "node:path";
import type { Usage } from "./snapshotter.js";

/** Bytes (allocated file sizes) and inodes under dir, counting hardlinked inodes once; never follows symlinks. */
export async function dirUsage(dir: string): Promise<Usage> {
  const seen = new Set<bigint>();
  let size = 0;
  let inodes = 0;
  const walk = async (p: string): Promise<void> => {
    const st = await fsp.lstat(p, { bigint: true });
    if (seen.has(st.ino)) return;
    seen.add(st.ino);
    inodes++;
    if (st.isFile() || st.isSymbolicLink()) size += Number(st.size);
    if (st.isDirectory()) for (const n of await fsp.readdir(p)) await walk(path.join(p, n));
  };
  try {
    await walk(dir);
  } catch (err) {
    if ((err as { code?: string }).code !== "ENOENT") throw err;
  }
  return { size, inodes };
}
