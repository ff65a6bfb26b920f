export type { MountSpec } from "./mount-spec.js";
export { MAX_MOUNT_DATA, mountAll, unmount, unmountRecursive } from "./mount.js";
export { isMounted, mountsUnder, parseMountInfo, readMountInfo, type MountInfo } from "./mount-info.js";
export { withTempMount } from "./temp-mount.js";
