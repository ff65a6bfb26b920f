import { InvalidArgumentError } from "../errdefs/index.js";

export interface SeccompArg { index: number; value: number; valueTwo?: number; op: string }
export interface SeccompSyscall { names: string[]; action: string; errnoRet?: number; args?: SeccompArg[] }
/** OCI linux.seccomp. */
export interface LinuxSeccomp { defaultAction: string; defaultErrnoRet?: number; architectures?: string[]; syscalls: SeccompSyscall[] }

/** A docker-format profile rule. */
export interface SeccompProfileRule {
  names?: string[];
  name?: string;
  action: string;
  errnoRet?: number;
  args?: SeccompArg[] | null;
  includes?: { caps?: string[]; arches?: string[]; minKernel?: string };
  excludes?: { caps?: string[]; arches?: string[]; minKernel?: string };
}
/** A docker-format seccomp profile. */
export interface SeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: Array<{ architecture: string; subArchitectures?: string[] }>;
  syscalls: SeccompProfileRule[];
}

const CLONE_NS_FLAGS = 0x7e020000; // CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET

// Berth's allow-list: ordinary process, file, socket, time, memory and signal syscalls.
const BASE_ALLOW = `accept accept4 access adjtimex alarm bind brk capget capset chdir chmod chown chown32 clock_adjtime clock_getres
clock_gettime clock_nanosleep clock_gettime64 clock_nanosleep_time64 clock_getres_time64 close close_range connect copy_file_range creat dup dup2 dup3
epoll_create epoll_create1 epoll_ctl epoll_pwait epoll_pwait2 epoll_wait eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2
fadvise64 fallocate fanotify_mark fchdir fchmod fchmodat fchown fchownat fcntl fcntl64 fdatasync fgetxattr flistxattr flock fork fremovexattr
fsetxattr fstat fstat64 fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64 futex futex_waitv futimesat getcpu getcwd getdents getdents64 getegid
getegid32 geteuid geteuid32 getgid getgid32 getgroups getgroups32 getitimer getpeername getpgid getpgrp getpid getppid getpriority getrandom
getresgid getresgid32 getresuid getresuid32 getrlimit get_robust_list getrusage getsid getsockname getsockopt get_thread_area gettid
gettimeofday getuid getuid32 getxattr inotify_add_watch inotify_init inotify_init1 inotify_rm_watch io_cancel ioctl io_destroy io_getevents
io_pgetevents ioprio_get ioprio_set io_setup io_submit io_uring_enter io_uring_register io_uring_setup ipc kill landlock_add_rule landlock_create_ruleset landlock_restrict_self
lchown lgetxattr link linkat listen listxattr llistxattr _llseek lremovexattr lseek lsetxattr lstat lstat64 madvise membarrier memfd_create
mincore mkdir mkdirat mknod mknodat mlock mlock2 mlockall mmap mmap2 mprotect mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedsend
mq_unlink mremap msgctl msgget msgrcv msgsnd msync munlock munlockall munmap nanosleep newfstatat _newselect open openat openat2 pause pidfd_open
pidfd_send_signal pipe pipe2 poll ppoll ppoll_time64 prctl pread64 preadv preadv2 prlimit64 pselect6 pselect6_time64 pwrite64 pwritev pwritev2 read readahead readlink
readlinkat readv recv recvfrom recvmmsg recvmsg remap_file_pages removexattr rename renameat renameat2 restart_syscall rmdir rseq
rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait rt_tgsigqueueinfo sched_getaffinity
sched_getattr sched_getparam sched_get_priority_max sched_get_priority_min sched_getscheduler sched_rr_get_interval sched_setaffinity
sched_setattr sched_setparam sched_setscheduler sched_yield seccomp select semctl semget semop semtimedop send sendfile sendfile64 sendmmsg
sendmsg sendto setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups setgroups32 setitimer setpgid setpriority setregid
setregid32 setresgid setresgid32 setresuid setresuid32 setreuid setreuid32 setrlimit set_robust_list setsid setsockopt set_thread_area
set_tid_address setuid setuid32 setxattr shmat shmctl shmdt shmget shutdown sigaltstack signalfd signalfd4 sigprocmask sigreturn socketcall
socketpair splice stat stat64 statfs statfs64 statx symlink symlinkat sync sync_file_range syncfs sysinfo tee tgkill time timer_create
timer_delete timer_getoverrun timer_gettime timer_settime timerfd_create timerfd_gettime timerfd_settime times tkill truncate truncate64
ugetrlimit umask uname unlink unlinkat utime utimensat utimes vfork vmsplice wait4 waitid waitpid write writev arch_prctl modify_ldt
chroot pkey_alloc pkey_free pkey_mprotect process_mrelease`.split(/\s+/).filter(Boolean);

const CAP_RULES: Array<{ cap: string; names: string[] }> = [
  { cap: "SYS_ADMIN", names: ["bpf", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick", "lookup_dcookie", "mount", "mount_setattr", "move_mount", "name_to_handle_at", "open_tree", "perf_event_open", "quotactl", "quotactl_fd", "setdomainname", "sethostname", "setns", "syslog", "umount", "umount2", "unshare"] },
  { cap: "SYS_BOOT", names: ["reboot"] },
  { cap: "SYS_CHROOT", names: ["chroot"] },
  { cap: "SYS_MODULE", names: ["delete_module", "init_module", "finit_module"] },
  { cap: "SYS_PACCT", names: ["acct"] },
  { cap: "SYS_PTRACE", names: ["kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace"] },
  { cap: "SYS_RAWIO", names: ["iopl", "ioperm"] },
  { cap: "SYS_TIME", names: ["settimeofday", "stime", "clock_settime", "clock_settime64"] },
  { cap: "SYS_TTY_CONFIG", names: ["vhangup"] },
  { cap: "SYS_NICE", names: ["get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"] },
  { cap: "SYSLOG", names: ["syslog"] },
  { cap: "BPF", names: ["bpf"] },
  { cap: "PERFMON", names: ["perf_event_open"] },
];

/** Berth's default profile, docker format (defaultAction SCMP_ACT_ERRNO with errno 1 = EPERM). */
export function defaultSeccompProfile(): SeccompProfile {
  const rules: SeccompProfileRule[] = [
    { names: BASE_ALLOW, action: "SCMP_ACT_ALLOW" },
    // personality: only the harmless values
    ...[0, 8, 0x20000, 0x20008, 0xffffffff].map((v) => ({ names: ["personality"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: v, op: "SCMP_CMP_EQ" }] })),
    // socket: everything but AF_VSOCK (40) without extra caps
    { names: ["socket"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 40, op: "SCMP_CMP_NE" }] },
    // clone without namespace flags (s390x has a different argument order; berth supports x86-64/arm64)
    { names: ["clone"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: CLONE_NS_FLAGS, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" }], excludes: { caps: ["SYS_ADMIN"] } },
    { names: ["clone"], action: "SCMP_ACT_ALLOW", includes: { caps: ["SYS_ADMIN"] } },
    // clone3 cannot be filtered by flags: ENOSYS so glibc falls back to clone
    { names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38, excludes: { caps: ["SYS_ADMIN"] } },
    { names: ["clone3"], action: "SCMP_ACT_ALLOW", includes: { caps: ["SYS_ADMIN"] } },
    ...CAP_RULES.map((r) => ({ names: r.names, action: "SCMP_ACT_ALLOW", includes: { caps: [r.cap] } })),
  ];
  return {
    defaultAction: "SCMP_ACT_ERRNO",
    defaultErrnoRet: 1,
    archMap: [
      { architecture: "SCMP_ARCH_X86_64", subArchitectures: ["SCMP_ARCH_X86", "SCMP_ARCH_X32"] },
      { architecture: "SCMP_ARCH_AARCH64", subArchitectures: ["SCMP_ARCH_ARM"] },
    ],
    syscalls: rules,
  };
}

function nativeArch(): string {
  switch (process.arch) {
    case "x64": return "SCMP_ARCH_X86_64";
    case "arm64": return "SCMP_ARCH_AARCH64";
    case "ia32": return "SCMP_ARCH_X86";
    case "arm": return "SCMP_ARCH_ARM";
    case "s390x": return "SCMP_ARCH_S390X";
    case "ppc64": return "SCMP_ARCH_PPC64LE";
    default: return "SCMP_ARCH_X86_64";
  }
}

function archMatches(list: string[] | undefined, arch: string): boolean {
  if (!list || list.length === 0) return true;
  const short = arch.replace(/^SCMP_ARCH_/, "").toLowerCase();
  return list.some((a) => a === arch || a.toLowerCase() === short || (short === "x86_64" && a === "amd64") || (short === "aarch64" && a === "arm64"));
}

/** Converts a profile (docker format) to OCI linux.seccomp for the given capabilities and the host architecture. */
export function profileToOci(p: SeccompProfile, caps: string[]): LinuxSeccomp {
  const arch = nativeArch();
  const capSet = new Set(caps.map((c) => c.toUpperCase().replace(/^CAP_/, "")));
  const hasCaps = (l?: string[]): boolean => (l ?? []).every((c) => capSet.has(c.toUpperCase().replace(/^CAP_/, "")));
  let architectures: string[] | undefined;
  if (p.archMap && p.archMap.length > 0) {
    for (const m of p.archMap) {
      if (m.architecture === arch) architectures = [m.architecture, ...(m.subArchitectures ?? [])];
    }
  } else if (p.architectures) {
    architectures = p.architectures;
  }
  const syscalls: SeccompSyscall[] = [];
  for (const r of p.syscalls ?? []) {
    const names = r.names ?? (r.name ? [r.name] : []);
    if (names.length === 0) continue;
    if (r.includes) {
      if (r.includes.caps && r.includes.caps.length > 0 && !hasCaps(r.includes.caps)) continue;
      if (r.includes.arches && r.includes.arches.length > 0 && !archMatches(r.includes.arches, arch)) continue;
    }
    if (r.excludes) {
      if (r.excludes.caps && r.excludes.caps.length > 0 && r.excludes.caps.some((c) => capSet.has(c.toUpperCase().replace(/^CAP_/, "")))) continue;
      if (r.excludes.arches && r.excludes.arches.length > 0 && archMatches(r.excludes.arches, arch)) continue;
    }
    const s: SeccompSyscall = { names, action: r.action };
    if (r.errnoRet !== undefined) s.errnoRet = r.errnoRet;
    if (r.args && r.args.length > 0) s.args = r.args.map((a) => ({ index: a.index, value: a.value, valueTwo: a.valueTwo ?? 0, op: a.op }));
    syscalls.push(s);
  }
  const out: LinuxSeccomp = { defaultAction: p.defaultAction, syscalls };
  if (p.defaultErrnoRet !== undefined) out.defaultErrnoRet = p.defaultErrnoRet;
  if (architectures) out.architectures = architectures;
  return out;
}

/** Parses a docker-format profile file and converts it to OCI linux.seccomp. */
export function seccompFromDockerProfile(json: string, caps: string[]): LinuxSeccomp {
  let p: unknown;
  try {
    p = JSON.parse(json);
  } catch (e) {
    throw new InvalidArgumentError(`Decoding seccomp profile failed: ${(e as Error).message}`);
  }
  if (typeof p !== "object" || p === null || typeof (p as SeccompProfile).defaultAction !== "string") {
    throw new InvalidArgumentError("Decoding seccomp profile failed: missing defaultAction");
  }
  const prof = p as SeccompProfile;
  if (!Array.isArray(prof.syscalls)) prof.syscalls = [];
  return profileToOci(prof, caps);
}
