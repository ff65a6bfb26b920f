/**
 * `berth logout`: docker's runLogout. Erases the server's credentials under every key docker may have
 * used for it (as given, host name, http:// and https:// forms); warns only if all erasures failed.
 */
import type { CliContext } from "../context.js";
import type { FlagSpec } from "../flags/parser.js";
import type { ArgRule } from "../command.js";
import { loadCliConfig } from "../registry-auth/cli-config.js";
import { eraseAuthConfig } from "../registry-auth/credential-store.js";
import { convertToHostname, INDEX_SERVER } from "../registry-auth/server-address.js";

export const flags: FlagSpec[] = [];
export const args: ArgRule = { kind: "max", n: 1 };

export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  let serverAddress = argv[0] ?? "";
  const isDefault = serverAddress === "";
  if (isDefault) serverAddress = INDEX_SERVER;
  const regs = [serverAddress];
  let hostname = serverAddress;
  if (!isDefault) {
    hostname = convertToHostname(serverAddress);
    regs.push(hostname, `http://${hostname}`, `https://${hostname}`);
  }
  const cfg = loadCliConfig(ctx);
  ctx.out(`Removing login credentials for ${hostname}\n`);
  const errs = new Map<string, string>();
  for (const r of regs) {
    try {
      eraseAuthConfig(cfg, r);
    } catch (e) {
      errs.set(r, (e as Error).message);
    }
  }
  if (errs.size === regs.length) {
    let s = "WARNING: could not erase credentials:\n";
    for (const [k, v] of errs) s += `${k}: ${v}\n`;
    ctx.err(s);
  }
  return 0;
}
