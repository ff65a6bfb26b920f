/** Help and usage text in cobra's layout. */
import type { FlagSpec } from "./flags/parser.js";
import type { CommandEntry } from "./command.js";

export function flagLines(specs: readonly FlagSpec[]): string {
  const rows = specs
    .filter((s) => !s.hidden)
    .map((s) => {
      const vn = s.type === "bool" ? "" : ` ${s.valueName ?? (s.type === "stringArray" ? "list" : s.type)}`;
      const left = s.short !== undefined ? `  -${s.short}, --${s.long}${vn}` : `      --${s.long}${vn}`;
      let usage = s.usage;
      if (s.default !== undefined && s.default !== false && s.default !== "") usage += ` (default ${typeof s.default === "string" ? `"${s.default}"` : String(s.default)})`;
      return [left, usage] as const;
    });
  const w = Math.max(0, ...rows.map(([l]) => l.length));
  return rows.map(([l, u]) => `${l.padEnd(w)}   ${u.split("\n").join(`\n${" ".repeat(w + 3)}`)}\n`).join("");
}

export function commandHelp(prog: string, typed: string[], entry: CommandEntry, specs: readonly FlagSpec[]): string {
  let s = `\nUsage:  ${prog} ${typed.join(" ")} ${entry.usage}\n\n${entry.short}\n`;
  if (entry.aliases !== undefined && entry.aliases.length > 0) {
    s += `\nAliases:\n  ${[entry.path, ...entry.aliases].map((p) => `${prog} ${p.join(" ")}`).join(", ")}\n`;
  }
  if (specs.some((f) => !f.hidden)) s += `\nOptions:\n${flagLines(specs)}`;
  return s;
}

/** "flag error" tail: blank line, usage line, blank, "Run '… --help' for more information". */
export function usageTail(prog: string, typed: string[], entry: CommandEntry, verb: "Run" | "See" = "Run"): string {
  return `\nUsage:  ${prog} ${typed.join(" ")} ${entry.usage}\n\n${verb} '${prog} ${typed.join(" ")} --help' for more information\n`;
}
