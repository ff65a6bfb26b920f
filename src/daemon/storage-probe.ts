/**
 * Picks the storage driver: overlay2 when a throwaway overlay mount works inside the data root
 * (needs root and a filesystem overlayfs accepts as upper), else native (copy-based). The probe
 * mounts through mount/ and always unmounts and removes its directory.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import * as path from "node:path";
import type { StorageDriverName } from "./config.js";
import * as mount from "../mount/index.js";

export async function probeOverlay(dataRoot: string): Promise<boolean> {
  const tmp = path.join(dataRoot, "tmp");
  mkdirSync(tmp, { recursive: true, mode: 0o700 });
  const dir = mkdtempSync(path.join(tmp, "overlay-probe-"));
  try {
    for (const d of ["lower", "upper", "work", "merged"]) mkdirSync(path.join(dir, d));
    writeFileSync(path.join(dir, "lower", "probe"), "");
    const options = [`lowerdir=${dir}/lower`, `upperdir=${dir}/upper`, `workdir=${dir}/work`];
    return await mount.withTempMount([{ type: "overlay", source: "overlay", options }], path.join(dir, "merged"), (root) =>
      Promise.resolve(existsSync(path.join(root, "probe"))),
    );
  } catch {
    return false;
  } finally {
    if (mount.isMounted(path.join(dir, "merged"))) await mount.unmount(path.join(dir, "merged"), { detach: true }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function chooseStorageDriver(requested: StorageDriverName | undefined, dataRoot: string): Promise<StorageDriverName> {
  if (requested) return requested;
  return (await probeOverlay(dataRoot)) ? "overlay2" : "native";
}
