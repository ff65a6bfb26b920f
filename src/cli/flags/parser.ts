/**
 * A pflag-compatible command-line parser driven by a declarative flag table. Errors carry docker's
 * (cobra/pflag's) wording; the caller adds the usage lines and exit status.
 */
export type FlagType = "bool" | "string" | "stringArray" | "int";

export interface FlagSpec {
  long: string;
  short?: string;
  type: FlagType;
  usage: string;
  /** Name shown after the flag in help ("string", "filter", "list"); defaults from the type. */
  valueName?: string;
  default?: string | boolean | number;
  hidden?: boolean;
}

export type FlagValue = string | boolean | number | string[];
export type FlagValues = Record<string, FlagValue | undefined>;

export interface ParseOptions {
  /** Flags may follow positional arguments (docker's default). When false, the first positional ends flag parsing. */
  interspersed?: boolean;
}

export interface ParseResult {
  flags: FlagValues;
  args: string[];
  /** Names (long) of the flags given on the command line. */
  changed: Set<string>;
  help: boolean;
}

export class FlagError extends Error {}

export function parseFlags(specs: readonly FlagSpec[], argv: readonly string[], opts: ParseOptions = {}): ParseResult {
  const interspersed = opts.interspersed ?? true;
  const flags: FlagValues = {};
  for (const s of specs) flags[s.long] = initial(s);
  const changed = new Set<string>();
  const args: string[] = [];
  let help = false;
  const byLong = new Map(specs.map((s) => [s.long, s]));
  const byShort = new Map(specs.filter((s) => s.short !== undefined).map((s) => [s.short as string, s]));

  const set = (s: FlagSpec, raw: string, display: string): void => {
    changed.add(s.long);
    switch (s.type) {
      case "bool": {
        const v = parseBool(raw);
        if (v === undefined) throw new FlagError(`invalid argument "${raw}" for "${display}" flag: strconv.ParseBool: parsing "${raw}": invalid syntax`);
        flags[s.long] = v;
        return;
      }
      case "int": {
        if (!/^[+-]?\d+$/.test(raw)) throw new FlagError(`invalid argument "${raw}" for "${display}" flag: strconv.ParseInt: parsing "${raw}": invalid syntax`);
        flags[s.long] = Number.parseInt(raw, 10);
        return;
      }
      case "stringArray": {
        const prev = flags[s.long];
        flags[s.long] = [...(Array.isArray(prev) ? prev : []), raw];
        return;
      }
      default:
        flags[s.long] = raw;
    }
  };

  let i = 0;
  while (i < argv.length) {
    const a = argv[i++] as string;
    if (a === "--") {
      args.push(...argv.slice(i));
      break;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const s = byLong.get(name);
      if (s === undefined) {
        if (name === "help") {
          help = true;
          continue;
        }
        throw new FlagError(`unknown flag: --${name}`);
      }
      if (eq >= 0) set(s, a.slice(eq + 1), `--${name}`);
      else if (s.type === "bool") set(s, "true", `--${name}`);
      else if (i < argv.length) set(s, argv[i++] as string, `--${name}`);
      else throw new FlagError(`flag needs an argument: --${name}`);
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      let rest = a.slice(1);
      while (rest.length > 0) {
        const c = rest[0] as string;
        rest = rest.slice(1);
        const s = byShort.get(c);
        if (s === undefined) {
          if (c === "h") {
            help = true;
            continue;
          }
          throw new FlagError(`unknown shorthand flag: '${c}' in ${a}`);
        }
        const display = `-${c}, --${s.long}`;
        if (rest.startsWith("=")) {
          set(s, rest.slice(1), display);
          rest = "";
        } else if (s.type === "bool") set(s, "true", display);
        else if (rest.length > 0) {
          set(s, rest, display);
          rest = "";
        } else if (i < argv.length) set(s, argv[i++] as string, display);
        else throw new FlagError(`flag needs an argument: '${c}' in -${c}`);
      }
      continue;
    }
    args.push(a);
    if (!interspersed) {
      args.push(...argv.slice(i));
      break;
    }
  }
  return { flags, args, changed, help };
}

function initial(s: FlagSpec): FlagValue | undefined {
  if (s.type === "stringArray") return [];
  if (s.default !== undefined) return s.default;
  if (s.type === "bool") return false;
  return undefined;
}

function parseBool(v: string): boolean | undefined {
  if (["1", "t", "T", "true", "TRUE", "True"].includes(v)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(v)) return false;
  return undefined;
}

/** Typed accessors over parsed values. */
export function str(v: FlagValues, name: string): string | undefined {
  const x = v[name];
  return typeof x === "string" ? x : undefined;
}
export function bool(v: FlagValues, name: string): boolean {
  return v[name] === true;
}
export function list(v: FlagValues, name: string): string[] {
  const x = v[name];
  return Array.isArray(x) ? x : [];
}
export function int(v: FlagValues, name: string): number | undefined {
  const x = v[name];
  return typeof x === "number" ? x : undefined;
}
