/** A view of a container's filesystem. rootfs = the mounted overlay root (container running or mounted by the caller);
 *  upperDir = the snapshot's writable dir (for diff/commit); lowerDirs = the image layers, topmost first (for changes);
 *  extraMounts = bind/volume/tmpfs mounts inside (destination → host source), so cp into/out of a mounted path goes
 *  to the host source, like docker. id names the container in error messages. */
export interface ContainerFs {
  rootfs: string;
  upperDir?: string;
  lowerDirs?: string[];
  id?: string;
  extraMounts: Array<{ destination: string; source: string; readOnly: boolean }>;
}
