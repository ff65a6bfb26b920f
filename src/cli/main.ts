/**
 * CLI entry: parses global flags, resolves the command from the table, loads its module, parses its
 * flags and runs it. Everything else is imported on demand so `berth version` stays fast.
 */
import { FlagError, parseFlags, str, bool } from "./flags/parser.js";
import type { FlagSpec } from "./flags/parser.js";
import type { ArgRule } from "./command.js";
import { commands, groups, resolveCommand } from "./command-table.js";
import { createContext } from "./context.js";
import { commandHelp, flagLines, usageTail } from "./usage.js";
import { StatusError } from "./cli-error.js";

import { CLI_COMMIT, CLI_VERSION } from "./cli-version.js";
import { compareStrings } from "../util/compare.js";
import { PROG, globalFlags, hostOf, reportError } from "./globals.js";
import { useSyncUnixExchange } from "../client/wire.js";
/** The berth command line (the process's own: it makes the client's unix-socket calls blocking). */
export async function main(argv: readonly string[], bundleUrl: string): Promise<number> {
  useSyncUnixExchange();
  let g;
  try {
    g = parseFlags(globalFlags, argv, { interspersed: false });
  } catch (e) {
    if (e instanceof FlagError) {
      process.stderr.write(`${e.message}\n\nUsage:  ${PROG} [OPTIONS] COMMAND [ARG...]\n\nRun '${PROG} --help' for more information\n`);
      return 125;
    }
    throw e;
  }
  if (bool(g.flags, "version")) {
    process.stdout.write(`berth version ${CLI_VERSION}, build ${CLI_COMMIT}\n`);
    return 0;
  }
  if (g.args.length === 0 || g.help) {
    process.stdout.write(rootHelp());
    return 0;
  }
  const host = hostOf(g.flags);
  const resolved = resolveCommand(g.args);
  if (resolved === undefined) {
    const grp = groups.find((x) => x.name === g.args[0]);
    if (grp !== undefined && (g.args.length === 1 || g.args[1]?.startsWith("-"))) {
      process.stdout.write(groupHelp(grp.name, grp.short));
      return 0;
    }
    const words = grp !== undefined ? g.args.slice(0, 2) : g.args.slice(0, 1);
    process.stderr.write(`${PROG}: unknown command: ${PROG} ${words.join(" ")}\n\nRun '${PROG} ${grp !== undefined ? `${grp.name} ` : ""}--help' for more information\n`);
    return 1;
  }
  const { entry, typed, rest } = resolved;
  const mod = await entry.load();
  let parsed;
  try {
    parsed = parseFlags(mod.flags, rest, { interspersed: mod.interspersed ?? true });
  } catch (e) {
    if (e instanceof FlagError) {
      process.stderr.write(`${e.message}\n${usageTail(PROG, typed, entry)}`);
      return 125;
    }
    throw e;
  }
  if (parsed.help) {
    process.stdout.write(commandHelp(PROG, typed, entry, mod.flags));
    return 0;
  }
  const argErr = checkArgs(mod.args, parsed.args.length, `${PROG} ${typed.join(" ")}`);
  if (argErr !== undefined) {
    process.stderr.write(`${PROG}: ${argErr.msg}\n${usageTail(PROG, typed, entry, argErr.verb)}`);
    return 1;
  }
  const ctx = createContext(
    { host, logLevel: str(g.flags, "log-level") ?? "info", debug: bool(g.flags, "debug"), config: str(g.flags, "config") },
    typed.join(" "),
    bundleUrl,
  );
  try {
    const code = await mod.run(ctx, parsed.args, parsed.flags);
    return typeof code === "number" ? code : 0;
  } catch (e) {
    return reportError(e);
  }
}

function plural(n: number): string {
  return n === 1 ? "argument" : "arguments";
}

export function checkArgs(rule: ArgRule, n: number, name: string): { msg: string; verb: "Run" | "See" } | undefined {
  switch (rule.kind) {
    case "none":
      return n === 0 ? undefined : { msg: `'${name}' accepts no arguments`, verb: "Run" };
    case "exact":
      return n === rule.n ? undefined : { msg: `'${name}' requires ${rule.n} ${plural(rule.n)}`, verb: "Run" };
    case "min":
      return n >= rule.n ? undefined : { msg: `'${name}' requires at least ${rule.n} ${plural(rule.n)}`, verb: "See" };
    case "max":
      return n <= rule.n ? undefined : { msg: `'${name}' requires at most ${rule.n} ${plural(rule.n)}`, verb: "Run" };
    case "range":
      return n >= rule.min && n <= rule.max ? undefined : { msg: `'${name}' requires at least ${rule.min} and at most ${rule.max} ${plural(rule.max)}`, verb: "Run" };
    default:
      return undefined;
  }
}

function rootHelp(): string {
  const top = commands.filter((c) => !c.hidden && (c.path.length === 1 || c.aliases?.some((a) => a.length === 1)));
  const rows = top.map((c) => [c.path.length === 1 ? (c.path[0] as string) : (c.aliases?.find((a) => a.length === 1)?.[0] as string), c.short] as const);
  rows.sort((a, b) => compareStrings(a[0], b[0]));
  const grp = groups.map((x) => [x.name, x.short] as const);
  const w = Math.max(...[...rows, ...grp].map(([n]) => n.length)) + 2;
  const fmt = (r: readonly (readonly [string, string])[]): string => r.map(([n, s]) => `  ${n.padEnd(w)}${s}\n`).join("");
  return `\nUsage:  ${PROG} [OPTIONS] COMMAND\n\nA self-sufficient runtime for containers\n\nCommands:\n${fmt(rows)}\nManagement Commands:\n${fmt(grp)}\nGlobal Options:\n${flagLines(globalFlags)}\nRun '${PROG} COMMAND --help' for more information on a command.\n`;
}

function groupHelp(name: string, short: string): string {
  const subs = commands.filter((c) => c.path.length === 2 && c.path[0] === name).map((c) => [c.path[1] as string, c.short] as const);
  const w = Math.max(...subs.map(([n]) => n.length)) + 2;
  return `\nUsage:  ${PROG} ${name} COMMAND\n\n${short}\n\nCommands:\n${subs.map(([n, s]) => `  ${n.padEnd(w)}${s}\n`).join("")}\nRun '${PROG} ${name} COMMAND --help' for more information on a command.\n`;
}
