/** Classifies why an executable cannot start, for docker-like start errors (exit codes 127 / 126). */
export interface ExecProblem {
  message: string;
  exitCode: 126 | 127;
}

const ELF_MACHINES: Record<number, string> = { 3: "386", 8: "mips", 20: "ppc", 21: "ppc64", 22: "s390x", 40: "arm", 62: "amd64", 183: "arm64", 243: "riscv64" };

/** The GOARCH-style name of this host's CPU. */
export function hostArch(): string {
  const a = process.arch;
  return a === "x64" ? "amd64" : a === "ia32" ? "386" : a;
}

/**
 * Looks at the first bytes of an executable: an ELF for another CPU, or a script whose shebang ends in CR.
 * `head` is the file's first 64+ bytes; `path` its name in the container.
 */
export function explainExecutable(path: string, head: Buffer): ExecProblem | undefined {
  if (head.length >= 20 && head[0] === 0x7f && head.toString("latin1", 1, 4) === "ELF") {
    const little = head[5] === 1;
    const machine = little ? head.readUInt16LE(18) : head.readUInt16BE(18);
    const arch = ELF_MACHINES[machine] ?? `machine ${machine}`;
    if (arch !== hostArch()) {
      return { message: `exec format error: ${path} is built for ${arch}, this host is ${hostArch()}`, exitCode: 126 };
    }
    return undefined;
  }
  if (head.length >= 2 && head[0] === 0x23 && head[1] === 0x21) {
    const nl = head.indexOf(0x0a);
    const first = head.toString("utf8", 2, nl < 0 ? head.length : nl);
    if (first.endsWith("\r")) {
      const interp = first.trim().split(/\s+/)[0] ?? "";
      return {
        message: `exec: "${path}": no such file or directory: the script's interpreter line "#!${interp}" ends in a carriage return (CRLF line endings); convert the file to LF line endings`,
        exitCode: 127,
      };
    }
  }
  return undefined;
}

/** docker's message for a command missing from $PATH. */
export function notFoundInPath(cmd: string): string {
  return `failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "${cmd}": executable file not found in $PATH: unknown`;
}
