/** The shape of a CLI command: a table entry (cheap, always loaded) and a module (loaded on use). */
import type { FlagSpec, FlagValues } from "./flags/parser.js";
import type { CliContext } from "./context.js";

export type ArgRule =
  | { kind: "none" }
  | { kind: "exact"; n: number }
  | { kind: "min"; n: number }
  | { kind: "max"; n: number }
  | { kind: "range"; min: number; max: number }
  | { kind: "any" };

export interface CommandEntry {
  /** Path words after the program name: ["images"], ["image", "ls"]. */
  path: string[];
  /** Other paths that run the same command. */
  aliases?: string[][];
  /** Text after "Usage:  berth <path> ". */
  usage: string;
  short: string;
  /** Loads the command's module (a dynamic import, so each command is its own chunk). */
  load: () => Promise<CommandModule>;
  hidden?: boolean;
}

export interface CommandModule {
  flags: readonly FlagSpec[];
  args: ArgRule;
  /** Per-command opt-out of interspersed flags (e.g. run: flags after the image belong to the container). */
  interspersed?: boolean;
  run(ctx: CliContext, args: string[], flags: FlagValues): Promise<number | void>;
}

/** A parent command ("image", "system") with only sub-commands. */
export interface GroupEntry {
  name: string;
  short: string;
}
