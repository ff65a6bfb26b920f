/**
 * A mount to perform. Planners (snapshots/, later containers/) return these as data; only mount/
 * executes them. Same shape as snapshots' Mount.
 *   type     "bind" | "overlay" | any file system type mount(2) knows ("tmpfs", "proc", …)
 *   source   a path for bind mounts, a free-form name otherwise ("overlay")
 *   options  mount(8)-style: flags (ro, rw, nosuid, nodev, noexec, bind, rbind, private, rprivate, …)
 *            and file system data (lowerdir=…, upperdir=…, size=…)
 *   cwd      directory that relative paths in the data (overlay's short l/<id> lowerdirs) resolve from
 */
export interface MountSpec {
  type: string;
  source: string;
  options: string[];
  cwd?: string;
}
