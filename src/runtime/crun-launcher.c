/*
 * berth-crun-launcher: runs crun on a "hybrid" cgroup host (cgroup v1 controllers under /sys/fs/cgroup,
 * plus a cgroup2 hierarchy at /sys/fs/cgroup/unified that holds some controllers). crun refuses such a
 * host ("cgroups in hybrid mode not supported, drop all controllers from cgroupv2"); runc does not look
 * at the unified mount. The launcher gives crun a private mount namespace in which that mount is gone,
 * so crun sees a pure v1 host, then execs crun with the same arguments.
 *
 * The namespace is a slave of the host's: mounts made on the host later (volumes, rootfs) still
 * propagate in, and nothing crun mounts propagates out. The host's configuration is not touched.
 *
 * Usage: berth-crun-launcher /path/to/crun [crun arguments...]   (argv[1] becomes crun's argv[0]).
 * When argv[1] is not an absolute path (crun's own arguments never are), crun is $BERTH_CRUN or
 * /usr/bin/crun and all arguments are passed on.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static const char UNIFIED[] = "/sys/fs/cgroup/unified";

int main(int argc, char **argv) {
  if (argc < 1) return 125;
  if (unshare(CLONE_NEWNS) != 0) {
    fprintf(stderr, "berth-crun-launcher: unshare(CLONE_NEWNS): %s\n", strerror(errno));
    return 125;
  }
  if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0) {
    fprintf(stderr, "berth-crun-launcher: making / a recursive slave: %s\n", strerror(errno));
    return 125;
  }
  if (umount2(UNIFIED, MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
    fprintf(stderr, "berth-crun-launcher: umount %s: %s\n", UNIFIED, strerror(errno));
    return 125;
  }
  const char *crun;
  char **args;
  if (argc >= 2 && argv[1][0] == '/') {
    crun = argv[1];
    args = argv + 1;
  } else {
    const char *env = getenv("BERTH_CRUN");
    crun = env != NULL && env[0] == '/' ? env : "/usr/bin/crun";
    argv[0] = (char *)crun;
    args = argv;
  }
  execv(crun, args);
  fprintf(stderr, "berth-crun-launcher: exec %s: %s\n", crun, strerror(errno));
  return 125;
}
