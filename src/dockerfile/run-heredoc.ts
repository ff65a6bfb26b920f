/**
 * What a RUN with heredocs executes, as BuildKit's dispatcher decides it (Linux images):
 * `RUN <<EOF` alone runs the body with the shell (or, when the body starts with `#!`, writes it to
 * /dev/pipes/<name> mode 0755 and runs that file); any other form (`RUN python3 <<EOF`,
 * several heredocs) is handed to the shell with the bodies re-attached as real heredocs.
 */
import { InvalidArgumentError } from "../errdefs/index.js";
import { chompHeredocContent, mustParseHeredocWord } from "./heredoc.js";
import type { RunInstruction } from "./instructions.js";

export interface RunHeredocPlan {
  /** What to run, still to be prefixed with the SHELL when prependShell (shell form). */
  cmdLine: string[];
  prependShell: boolean;
  /** A file to provide read-only at `dir/name` before running (the `#!` case). */
  file?: { dir: string; name: string; data: string; mode: number };
}

export function planRunHeredocs(run: RunInstruction): RunHeredocPlan {
  const files = run.heredocs;
  const first = files[0];
  if (!first) return { cmdLine: run.cmdLine, prependShell: run.prependShell };
  const arg = run.cmdLine[0];
  if (run.cmdLine.length !== 1 || arg === undefined || !run.prependShell) {
    throw new InvalidArgumentError(`parsing produced an invalid run command: [${run.cmdLine.join(" ")}]`);
  }
  if (mustParseHeredocWord(arg)) {
    const data = first.chomp ? chompHeredocContent(first.content) : first.content;
    if (data.startsWith("#!")) {
      const dir = "/dev/pipes";
      return {
        cmdLine: [`${dir}/${first.name}`],
        prependShell: true,
        file: { dir, name: first.name, data, mode: 0o755 },
      };
    }
    return { cmdLine: [data], prependShell: true };
  }
  let full = arg;
  for (const f of files) full += "\n" + f.content + f.name;
  return { cmdLine: [full], prependShell: true };
}
