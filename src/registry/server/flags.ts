/** A parsed command line: `--flag v`, `--flag=v`, boolean flags, positionals. */
export interface ParsedFlags {
  values: Map<string, string>;
  bools: Set<string>;
  positional: string[];
}

/**
 * Parses docker-style long flags. `valued` lists the flags that take a value, `booleans` those that
 * do not (`--read-only`, `--read-only=true|false`). Unknown flags throw an Error naming them.
 */
export function parseFlags(argv: string[], valued: readonly string[], booleans: readonly string[]): ParsedFlags {
  const out: ParsedFlags = { values: new Map(), bools: new Set(), positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (a === "--") {
      out.positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith("-") || a === "-") {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = (eq >= 0 ? a.slice(0, eq) : a).replace(/^--?/, "");
    if (name === "h" || name === "help") {
      out.bools.add("help");
      continue;
    }
    if (valued.includes(name)) {
      const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new Error(`flag needs an argument: --${name}`);
      out.values.set(name, v);
    } else if (booleans.includes(name)) {
      const v = eq >= 0 ? a.slice(eq + 1) : "true";
      if (v !== "true" && v !== "false") throw new Error(`invalid boolean value ${JSON.stringify(v)} for --${name}`);
      if (v === "true") out.bools.add(name);
      else out.bools.delete(name);
    } else {
      throw new Error(`unknown flag: --${name}`);
    }
  }
  return out;
}
