export { isMounted, mountAll, mountsUnder, unmount, unmountRecursive, withTempMount, type MountSpec } from "./mount.js";
