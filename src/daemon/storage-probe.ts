/**
 * Picks the storage driver: overlay2 when a throwaway overlay mount works inside the data root
 * (needs root and a filesystem overlayfs accepts as upper), else native (copy-based).
 * The probe mounts through mount(8) and always unmounts and removes its directory.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import * as path from "node:path";
import type { StorageDriverName } from "./config.js";

export function probeOverlay(dataRoot: string): boolean {
  const tmp = path.join(dataRoot, "tmp");
  mkdirSync(tmp, { recursive: true, mode: 0o700 });
  const dir = mkdtempSync(path.join(tmp, "overlay-probe-"));
  try {
    for (const d of ["lower", "upper", "work", "merged"]) mkdirSync(path.join(dir, d));
    const opts = `lowerdir=${dir}/lower,upperdir=${dir}/upper,workdir=${dir}/work`;
    const r = spawnSync("mount", ["-t", "overlay", "overlay", "-o", opts, path.join(dir, "merged")], { stdio: "ignore", timeout: 10_000 });
    if (r.status !== 0) return false;
    spawnSync("umount", [path.join(dir, "merged")], { stdio: "ignore", timeout: 10_000 });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function chooseStorageDriver(requested: StorageDriverName | undefined, dataRoot: string): StorageDriverName {
  if (requested) return requested;
  return probeOverlay(dataRoot) ? "overlay2" : "native";
}
