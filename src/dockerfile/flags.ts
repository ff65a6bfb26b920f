/**
 * Instruction flags (`COPY --from=x --link`), checked like BuildKit's BFlags: each instruction
 * declares the flags it accepts; anything else is `unknown flag: --name`.
 */
import { DockerfileSyntaxError } from "./errors.js";

export type FlagKind = "bool" | "string" | "strings";

export interface ParsedFlags {
  /** Last value of each string flag, "true"/"false" for bool flags, only for flags given. */
  values: Map<string, string>;
  /** Every value of each repeatable (strings) flag. */
  lists: Map<string, string[]>;
  /** Names of the flags given, in order of first use. */
  used: string[];
}

/** Validates `args` (e.g. `["--from=build", "--link"]`) against `spec`. */
export function parseFlags(args: readonly string[], spec: Readonly<Record<string, FlagKind>>): ParsedFlags {
  const values = new Map<string, string>();
  const lists = new Map<string, string[]>();
  const used: string[] = [];
  for (const a of args) {
    if (a === "--") break;
    if (!a.startsWith("--")) throw new DockerfileSyntaxError(`arg should start with -- : ${a}`);
    const eq = a.indexOf("=");
    const flagName = eq < 0 ? a : a.slice(0, eq);
    const hasValue = eq >= 0;
    const value = hasValue ? a.slice(eq + 1) : "";
    const name = flagName.slice(2);
    const kind = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (kind === undefined) throw new DockerfileSyntaxError(`unknown flag: ${flagName}`);
    if (used.includes(name)) {
      if (kind !== "strings") throw new DockerfileSyntaxError(`duplicate flag specified: ${flagName}`);
    } else {
      used.push(name);
    }
    switch (kind) {
      case "bool": {
        if (hasValue && value === "") throw new DockerfileSyntaxError(`missing a value on flag: ${flagName}`);
        const v = value.toLowerCase();
        if (v !== "" && v !== "true" && v !== "false") {
          throw new DockerfileSyntaxError(`expecting boolean value for flag ${flagName}, not: ${value}`);
        }
        values.set(name, v === "false" ? "false" : "true");
        break;
      }
      case "string":
        if (!hasValue) throw new DockerfileSyntaxError(`missing a value on flag: ${flagName}`);
        values.set(name, value);
        break;
      case "strings": {
        if (!hasValue) throw new DockerfileSyntaxError(`missing a value on flag: ${flagName}`);
        const l = lists.get(name) ?? [];
        l.push(value);
        lists.set(name, l);
        break;
      }
    }
  }
  return { values, lists, used };
}
