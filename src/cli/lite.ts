/**
 * `berth version` without the rest of the CLI: esbuild bundles this (through src/bin/berth-lite.ts) into
 * dist/berth-lite.cjs, a fraction of the full bundle, and the launcher (scripts/cli-loader.cjs) tries it
 * first when the command line names `version`. It settles everything before printing anything: a command line it does not handle exactly
 * as the full CLI would (another command, help, a flag error) gives undefined, and the launcher runs
 * the full bundle on the same arguments.
 */
import { bool, parseFlags, str } from "./flags/parser.js";
import { globalFlags, hostOf, reportError } from "./globals.js";
import { createContext } from "./context.js";
import * as version from "./commands/version.js";
import { useSyncUnixExchange } from "../client/wire.js";

export async function liteMain(argv: readonly string[], bundleUrl: string): Promise<number | undefined> {
  let g;
  let parsed;
  try {
    g = parseFlags(globalFlags, argv, { interspersed: false });
    if (g.help || bool(g.flags, "version") || g.args[0] !== "version") return undefined;
    parsed = parseFlags(version.flags, g.args.slice(1), { interspersed: true });
  } catch {
    return undefined; // the full CLI words the error
  }
  if (parsed.help || parsed.args.length > 0) return undefined;
  useSyncUnixExchange();
  const ctx = createContext(
    { host: hostOf(g.flags), logLevel: str(g.flags, "log-level") ?? "info", debug: bool(g.flags, "debug"), config: str(g.flags, "config") },
    "version",
    bundleUrl,
  );
  try {
    return await version.run(ctx, parsed.args, parsed.flags);
  } catch (e) {
    return reportError(e);
  }
}
