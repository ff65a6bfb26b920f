/**
 * crun words its errors differently from runc; berth (and docker's clients, which match on runc's
 * wording, and its exit codes 126/127) expect runc's. This rewrites the crun messages that matter
 * into runc's words, leaving anything else as crun said it.
 */

/** runc's message for a crun failure to start `argv0` (the process's args[0]), or `msg` unchanged. */
export function runcWording(msg: string, argv0?: string): string {
  // crun: "executable file `x` not found in $PATH: No such file or directory"
  const nf = /executable file `([^`]*)` not found in \$PATH(?::\s*No such file or directory)?/.exec(msg);
  if (nf) {
    const name = nf[1] ?? argv0 ?? "";
    const runc = name.includes("/") ? `exec: "${name}": stat ${name}: no such file or directory` : `exec: "${name}": executable file not found in $PATH`;
    return msg.replace(nf[0], runc);
  }
  // crun: "open executable: Permission denied" (not executable); "...: Operation not permitted" (a directory)
  const oe = /open executable: (Permission denied|Operation not permitted)/.exec(msg);
  if (oe) return msg.replace(oe[0], `exec: "${argv0 ?? ""}": permission denied`);
  // crun: "chdir `/etc/passwd`: Not a directory"
  const cd = /chdir `([^`]*)`: (.+)$/.exec(msg);
  if (cd) return msg.replace(cd[0], `chdir to cwd ("${cd[1] ?? ""}") set in config.json failed: ${(cd[2] ?? "").toLowerCase()}`);
  return msg;
}

/** True when a crun message says the container's state is not there (crun has no "does not exist"). */
export function crunStateMissing(msg: string): boolean {
  return /^(error opening file|cannot open directory) .*: No such file or directory$/m.test(msg);
}
